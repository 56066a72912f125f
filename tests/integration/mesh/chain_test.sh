#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed on a 6-node chain (one namespace per node, veth links, no static
# routes): the first ping end to end succeeds through Route Discovery; the
# route has the four intermediate nodes; a TCP transfer (iperf3) completes,
# and once the route is learned the AF_XDP receive counters stay flat while
# the XDP transit counters carry the transfer (the kernel fast path).
# The link cache runs with a 2 s minimum link lifetime (babed's default is
# 10 s) and the transfer lasts longer than that: the routes it uses must not
# expire although no DSR core sees its packets. XDP marks the routes it sends
# on and the engines keep them alive (docs/engine.md); without that the
# route would be removed mid-transfer, the next packets would go up to the
# engine and a new discovery would run. Env: TRANSFER_S (4),
# LINK_LIFETIME_MS (2000; babed's default is 10000).
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
TRANSFER_S=${TRANSFER_S:-4}
LINK_LIFETIME_MS=${LINK_LIFETIME_MS:-2000}
MESH_NAME=babe-t-chain
MESH_RUN=/run/babe-test/$MESH_NAME
keep_pid=
trap 'kill $keep_pid 2> /dev/null || true; mesh_down' EXIT

# Sum of one counter over every node (babectl stats --json).
stat_of() { mesh_ctl "$1" --json stats | jq "[.stats | to_entries[] | select(.key | test(\"$2\")) | .value] | add // 0"; }

mesh_chain 6
MESH_DSR_EXTRA="link_min_lifetime_ms: $LINK_LIFETIME_MS" mesh_start_all

say "== first ping 10.77.0.1 -> 10.77.0.6 (discovery runs while it waits)"
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 6)" || fail "the first ping did not come back"
pass "first ping crossed 5 links through discovery"

routes=$(mesh_ctl 1 --json routes)
hops=$(jq -r "[.routes[] | select(.dst == \"$(mesh_addr 6)\") | .hops[]] | join(\" \")" <<< "$routes")
[ "$hops" = "10.77.0.2 10.77.0.3 10.77.0.4 10.77.0.5" ] || fail "route to .6 is '$hops'"
pass "route 10.77.0.1 -> 10.77.0.6 via $hops"

mesh_exec 6 ping -c 1 -W 5 "$(mesh_addr 1)" > /dev/null || fail "reverse ping failed"
# Five pings a second keep the route in use from here on (in the kernel's
# fast path, like the transfer), so that it cannot expire while the
# counters are read before the transfer starts.
ip netns exec "$(mesh_ns 1)" ping -n -i 0.2 -w $((TRANSFER_S + 30)) "$(mesh_addr 6)" > "$MESH_RUN/keep.txt" 2>&1 &
keep_pid=$!
wait_until 5 grep -q 'bytes from' "$MESH_RUN/keep.txt" || fail "the keep-alive ping gets no reply"
rx_before=0
for i in 1 2 3 4 5 6; do rx_before=$((rx_before + $(stat_of "$i" '^io_.*_rx_packets$'))); done
transit_before=0
for i in 2 3 4 5; do transit_before=$((transit_before + $(stat_of "$i" '^xdp_transit_packets$'))); done
ends_before=0
for i in 1 6; do ends_before=$((ends_before + $(stat_of "$i" '^(dsr_rreq_originated|engine_routes_removed|xdp_engine_no_route_packets)$'))); done

say "== iperf3 TCP 10.77.0.1 -> 10.77.0.6 for $TRANSFER_S s (link_min_lifetime_ms $LINK_LIFETIME_MS)"
mesh_exec 6 iperf3 -s -1 -D -B "$(mesh_addr 6)" --logfile "$MESH_RUN/iperf3-server.log"
wait_until 5 mesh_listening 6 5201 || fail "the iperf3 server on node 6 does not listen"
out=$(mesh_exec 1 iperf3 -c "$(mesh_addr 6)" -B "$(mesh_addr 1)" -t "$TRANSFER_S" -J) || fail "iperf3 failed"
bytes=$(jq '.end.sum_received.bytes' <<< "$out")
bps=$(jq '.end.sum_received.bits_per_second | floor' <<< "$out")
[ "$bytes" -gt 100000 ] || fail "iperf3 moved only $bytes bytes"
pass "TCP transfer: $bytes bytes, $bps bit/s end to end"

rx_after=0
for i in 1 2 3 4 5 6; do rx_after=$((rx_after + $(stat_of "$i" '^io_.*_rx_packets$'))); done
transit_after=0
for i in 2 3 4 5; do transit_after=$((transit_after + $(stat_of "$i" '^xdp_transit_packets$'))); done
rx_delta=$((rx_after - rx_before))
transit_delta=$((transit_after - transit_before))
say "AF_XDP frames received by the engines during the transfer: $rx_delta; XDP transit: $transit_delta"
[ "$transit_delta" -gt 1000 ] || fail "XDP transit moved only $transit_delta packets"
# Flat: the engines see only route maintenance (probes and acknowledgements),
# never the transfer itself.
[ "$rx_delta" -lt $((transit_delta / 100 + 50)) ] || fail "AF_XDP receive counters grew by $rx_delta"
pass "transfer stayed in the kernel: $transit_delta transits, $rx_delta frames up to the engines"

ends_after=0
for i in 1 6; do ends_after=$((ends_after + $(stat_of "$i" '^(dsr_rreq_originated|engine_routes_removed|xdp_engine_no_route_packets)$'))); done
used1=$(stat_of 1 '^engine_routes_used$')
used6=$(stat_of 6 '^engine_routes_used$')
[ "$ends_after" -eq "$ends_before" ] ||
	fail "the routes of the transfer expired: discoveries + routes removed + route misses on nodes 1 and 6 went $ends_before -> $ends_after"
# Node 1's engine scans the marks once a second: the transfer spans at
# least TRANSFER_S - 1 scans, and each must find the route (a busy route is re-marked
# right after the epoch advances; a scan that looked only for the old mark
# missed it most of the time).
want=$((TRANSFER_S - 1))
[ "$used1" -ge "$want" ] && [ "$used6" -ge "$want" ] || fail "routes found used by XDP: node 1 $used1, node 6 $used6 times, want >= $want"
pass "routes in use outlived the $LINK_LIFETIME_MS ms link lifetime: no route removed, no discovery, no miss (found used $used1 / $used6 times)"
