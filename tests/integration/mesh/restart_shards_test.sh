#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A 2-shard babed restarted right after a TCP transfer (4-node chain,
# iperf3 -P 4 from node 1, then babed on node 1 stopped and started again),
# then node 1 idle for 2 s and 12 pings 1 -> 4.
#
# The end of the transfer makes node 2 probe node 1 (it carried node 4's last
# segments to node 1 and has not heard node 1 since). Before the fix those
# Ack Requests met no engine socket on node 1 (xdp_no_xsk, passed to a host
# that ignores them): node 2 declared the link broken within 60 ms and its
# Route Error kept node 4 off the link for broken_link_holdoff (10 s), while
# node 2 answered node 4's discovery from its cache with that very link:
# node 4's replies to node 1 waited in its send buffer and 11 or 12 of the 12
# pings were lost. Now a stopping babed takes its sockets out of the XSKMAP
# first and XDP answers the probe itself (bpf/lib/ack.h): no link breaks.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
command -v jq > /dev/null || skip "jq is not installed"
MESH_NAME=babe-t-restart-shards
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_SHARDS=2
trap mesh_down EXIT

mesh_chain 4
mesh_start_all
mesh_exec 1 ping -c 2 -W 5 "$(mesh_addr 4)" > /dev/null || fail "ping 1 -> 4 before the transfer"
pass "route 1 -> 4 via $(route_hops 1 4), 2 shards per node"

# Node 2's counters before: the stop must follow the transfer's end at once.
broken_before=$(stat_of 2 '^dsr_maint_failures$')
rerr_before=$(stat_of 2 '^dsr_rerr_sent$')
mesh_exec 4 iperf3 -s -1 -D -B "$(mesh_addr 4)"
for ((t = 0; t < 50; t++)); do
	mesh_exec 4 ss -Hltn "sport = :5201" | grep -q . && break
	sleep 0.1
done
out=$(mesh_exec 1 iperf3 -c "$(mesh_addr 4)" -B "$(mesh_addr 1)" -t 2 -P 4 -J) || fail "iperf3 failed: $(jq -r .error <<< "$out")"
mesh_stop 1
mesh_start 1
bytes=$(jq '.end.sum_received.bytes' <<< "$out")
[ "$bytes" -gt 100000 ] || fail "iperf3 moved only $bytes bytes"
pass "4 TCP streams ($bytes bytes), then babed on node 1 stopped and started"

# Node 1 idle, as a node is after a transfer: long enough for node 2's
# maintenance to settle and a Route Error to reach node 4.
sleep 2
pings=$(mesh_exec 1 ping -c 12 -i 0.2 -W 2 "$(mesh_addr 4)" 2>&1 || true)
got=$(grep -o '[0-9]* received' <<< "$pings" | grep -o '^[0-9]*' || echo 0)
broken=$(($(stat_of 2 '^dsr_maint_failures$') - broken_before))
rerr=$(($(stat_of 2 '^dsr_rerr_sent$') - rerr_before))
say "   after the restart: $got of 12 pings; node 2: $broken maintenance failures, $rerr Route Errors;" \
	"node 1: xdp_no_xsk $(stat_of 1 '^xdp_no_xsk_packets$'), answered by XDP $(stat_of 1 '^xdp_ack_reply_packets$')"
[ "$broken" = 0 ] || fail "node 2 declared its link to the restarting node 1 broken ($broken maintenance failures)"
[ "$got" -ge 11 ] || fail "only $got of 12 pings 1 -> 4 came back after the restart"
pass "restart after a transfer: no link declared broken, $got of 12 pings"

# And the engine is back on every queue: a discovery through node 1's engine.
mesh_ctl 1 flush > /dev/null
mesh_exec 1 ping -c 3 -i 0.2 -W 5 "$(mesh_addr 4)" > /dev/null || fail "ping 1 -> 4 after a flush (new discovery)"
pass "rediscovery from the restarted node: route via $(route_hops 1 4)"
