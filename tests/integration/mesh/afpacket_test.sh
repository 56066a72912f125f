#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed with the AF_PACKET backend (no XDP program anywhere on its path) on
# a 5-node chain: every engine forwards transit packets by their source
# route, delivers its own packets up through babe0 and inserts source routes
# into what the host sends. Nodes 1, 2, 4 and 5 ask for it
# (engine.backend: afpacket); node 3 asks for auto, but its link to node 4
# already carries a foreign XDP program (attached without a bpf_link, so
# babed's link cannot be attached): it must fall back by itself, and detach
# what it attached. Checked: the first ping 1 -> 5 through discovery, the
# route, a ping back, a TCP transfer (iperf3) end to end, and that the
# packets went through the engines (their data counters) with no babe XDP
# program attached.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
command -v jq > /dev/null || skip "jq is not installed"
counter_obj=$babe_build/bpf/babe_counter.bpf.o
[ -e "$counter_obj" ] || skip "no $counter_obj (BPF objects not built)"
MESH_NAME=babe-t-afp
MESH_RUN=/run/babe-test/$MESH_NAME
trap mesh_down EXIT

MESH_BACKEND=afpacket
mesh_chain 5
mesh_backend[3]=auto
# The foreign program: counts and passes every frame (generic mode, no link).
mesh_exec 3 ip link set dev m4 xdpgeneric obj "$counter_obj" sec xdp ||
	skip "cannot attach an XDP program with ip(8) (iproute2 without libbpf?)"
mesh_start_all

for i in 1 2 3 4 5; do
	mode=$(mesh_ctl "$i" --json status | jq -r .status.xdp_mode)
	[ "$mode" = "off (AF_PACKET)" ] || fail "node $i runs with xdp_mode '$mode'"
done
grep -q "falling back to AF_PACKET" "$MESH_RUN/n3.log" || fail "node 3 did not log its fallback"
pass "every node runs the AF_PACKET data path (node 3 chose it itself: $(grep -o 'XDP data path unavailable.*' "$MESH_RUN/n3.log" | head -1))"

# No babe program on any port; node 3's m4 keeps only the foreign one.
for i in 1 2 3 4 5; do
	progs=$(mesh_exec "$i" ip -j link show | jq -r '[.[] | select(.xdp != null) | "\(.ifname):\(.xdp.prog.name // .xdp.attached[0].prog.name // "?")"] | join(" ")')
	if [ "$i" = 3 ]; then
		[ "$progs" = "m4:babe_count_xdp" ] || fail "node 3 XDP programs: '$progs'"
	else
		[ -z "$progs" ] || fail "node $i has XDP programs attached: $progs"
	fi
done
pass "no babe XDP program attached on any node"

say "== first ping 10.77.0.1 -> 10.77.0.5 (discovery runs while it waits)"
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 5)" || fail "the first ping did not come back"
hops=$(route_hops 1 5)
[ "$hops" = "2 3 4" ] || fail "route 1 -> 5 is '$hops'"
pass "first ping crossed 4 links through discovery, route via nodes $hops"
mesh_exec 5 ping -c 3 -i 0.2 -W 2 "$(mesh_addr 1)" > /dev/null || fail "ping 5 -> 1 failed"
pass "ping back 5 -> 1"

tx3_before=$(stat_of 3 '^engine_tx_data$')
dl5_before=$(stat_of 5 '^engine_delivered_local$')
say "== iperf3 TCP 10.77.0.1 -> 10.77.0.5 for 3 s"
mesh_exec 5 iperf3 -s -1 -D -B "$(mesh_addr 5)" --logfile "$MESH_RUN/iperf3-server.log"
wait_until 5 mesh_listening 5 5201 || fail "the iperf3 server on node 5 does not listen"
out=$(mesh_exec 1 iperf3 -c "$(mesh_addr 5)" -B "$(mesh_addr 1)" -t 3 -J) || fail "iperf3 failed"
bytes=$(jq '.end.sum_received.bytes' <<< "$out")
bps=$(jq '.end.sum_received.bits_per_second | floor' <<< "$out")
[ "$bytes" -gt 100000 ] || fail "iperf3 moved only $bytes bytes"
pass "TCP transfer: $bytes bytes, $bps bit/s end to end"

tx3=$(($(stat_of 3 '^engine_tx_data$') - tx3_before))
dl5=$(($(stat_of 5 '^engine_delivered_local$') - dl5_before))
segments=$((bytes / 1400))
say "node 3 engine forwarded $tx3 data packets; node 5 engine delivered $dl5 up to its host (>= $segments segments)"
[ "$tx3" -ge "$segments" ] || fail "node 3's engine forwarded only $tx3 packets"
[ "$dl5" -ge "$segments" ] || fail "node 5's engine delivered only $dl5 packets"
pass "the transfer went through the engines (transit at node 3, delivery at node 5)"
