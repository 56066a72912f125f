#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed killed (SIGKILL) and restarted on a transit node during a transfer,
# on a 5-node chain: while it is down the XDP programs and pinned maps keep
# forwarding (the transit counter of node 3, read from its pinned stats map,
# grows, and the ping stream loses almost nothing); the restarted babed
# reuses the pinned maps (babectl status: maps_reused) with their routes and
# counters, and the TCP transfer (iperf3) across it completes.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
command -v jq > /dev/null || skip "jq is not installed"
MESH_NAME=babe-t-restart
MESH_RUN=/run/babe-test/$MESH_NAME
trap 'kill ${ping_pid:-} ${iperf_pid:-} 2>/dev/null || true; mesh_down' EXIT

# XDP transit packets of node I, from its pinned maps (no babed needed).
dpctl=$babe_build/userspace/dataplane/babe-dpctl
[ -x "$dpctl" ] || fail "missing $dpctl (build first)"
pinned_transit() { "$dpctl" --pin "$MESH_RUN/bpf/n$1" stats --json | jq .transit.packets; }

mesh_chain 5
mesh_start_all
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 5)" > /dev/null || fail "the first ping 1 -> 5 did not come back"
mesh_exec 5 ping -c 1 -W 5 "$(mesh_addr 1)" > /dev/null || fail "the first ping 5 -> 1 did not come back"
[ "$(pinned_transit 3)" -gt 0 ] || fail "node 3's pinned stats show no transit"
pass "route 1 -> 5 via $(route_hops 1 5)"

stream=$MESH_RUN/ping.txt
ping_stream 1 5 9 "$stream"
mesh_exec 5 iperf3 -s -1 -B "$(mesh_addr 5)" > "$MESH_RUN/iperf3-server.log" 2>&1 &
wait_until 5 mesh_listening 5 5201 || fail "the iperf3 server on node 5 does not listen"
t0=$(pinned_transit 3)
mesh_exec 1 iperf3 -c "$(mesh_addr 5)" -B "$(mesh_addr 1)" -t 7 -b 100M -J > "$MESH_RUN/iperf3.json" 2>&1 &
iperf_pid=$!
# The transfer flows through node 3 (the ping stream alone adds 200 a second).
transfer_flows() { [ "$(pinned_transit 3)" -gt $((t0 + 5000)) ]; }
wait_until 5 transfer_flows || fail "the TCP transfer does not cross node 3"

say "== SIGKILL babed on node 3 (transit) during the transfer"
pid3=$(cat "$MESH_RUN/n3.pid")
kill -KILL "$pid3"
while kill -0 "$pid3" 2> /dev/null; do sleep 0.05; done
t_kill=$(now_s)
rm -f "$MESH_RUN/n3.pid"
a=$(pinned_transit 3)
# Not synchronisation: the time babed stays dead, during which XDP must keep
# forwarding (what this test measures).
sleep 2
b=$(pinned_transit 3)
t_restart=$(now_s)
down_replies=$(awk -v a="$t_kill" -v b="$t_restart" -F'[][]' '/bytes from/ && $2 > a && $2 < b { n++ } END { print n + 0 }' "$stream")
say "   while babed was down (2 s): node 3 XDP transit +$((b - a)), ping replies $down_replies"
[ $((b - a)) -gt 1000 ] || fail "transit on node 3 stalled while babed was down (+$((b - a)))"
[ "$down_replies" -gt 100 ] || fail "only $down_replies ping replies while babed was down on node 3"
pass "transit kept flowing in XDP with babed dead on node 3"

say "== restart babed on node 3"
mesh_start 3
status=$(mesh_ctl 3 --json status)
reused=$(jq -r '.status.maps_reused' <<< "$status")
say "   status: maps_reused=$reused routes=$(jq -r .status.routes <<< "$status") neighbours=$(jq -r .status.neighbours <<< "$status")"
[ "$reused" = true ] || fail "the restarted babed did not reuse the pinned maps"
after=$(stat_of 3 '^xdp_transit_packets$')
[ "$after" -ge "$b" ] || fail "the restarted babed's transit counter ($after) is below the pinned one before ($b): counters lost"
pass "restarted babed reuses the pinned maps (transit counter carried over: $after)"

wait "$iperf_pid" || { tail -5 "$MESH_RUN/iperf3.json"; fail "iperf3 failed across the restart"; }
iperf_pid=
bytes=$(jq '.end.sum_received.bytes' "$MESH_RUN/iperf3.json")
[ "$bytes" -gt 1000000 ] || fail "iperf3 moved only $bytes bytes"
wait "$ping_pid" || true
ping_pid=
sent=$(grep -o '[0-9]* packets transmitted' "$stream" | grep -o '^[0-9]*')
got=$(ping_replies "$stream")
gap=$(ping_gap_ms "$stream")
say "   ping stream: $got of $sent replies, longest gap $gap ms; TCP: $bytes bytes"
[ "$got" -ge $((sent * 90 / 100)) ] || fail "ping stream lost more than 10% across the kill and restart"
mesh_exec 1 ping -c 2 -i 0.2 -W 2 "$(mesh_addr 5)" > /dev/null || fail "ping 1 -> 5 after the restart"
pass "transfer across the kill and restart: $bytes bytes, $got/$sent pings, longest gap $gap ms"
