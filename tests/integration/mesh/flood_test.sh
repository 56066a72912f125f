#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A Route Request flood from a hostile namespace: node 5 (no babed) is
# linked to node 2 of a 4-node chain and sends FLOOD well-formed Route
# Requests (rreq_flood.py: one initiator, a new Identification each, a target
# that does not exist, so every one would be flooded through the mesh) as
# fast as Python can. Node 2 must rate-limit them per initiator
# (dsr_rreq_rate_limited grows by most of the flood, only a bounded number is
# rebroadcast) and keep working: a ping 1 -> 4 across node 2 passes during
# and after the flood, and every babed is still alive.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
command -v python3 > /dev/null || skip "python3 is not installed"
MESH_NAME=babe-t-flood
MESH_RUN=/run/babe-test/$MESH_NAME
FLOOD=${FLOOD:-20000}
trap 'kill ${ping_pid:-} 2>/dev/null || true; mesh_down' EXIT

mesh_init 5
for i in 1 2 3; do mesh_link "$i" $((i + 1)); done
mesh_link 2 5 # the hostile node's link; node 5 runs no babed
# GRO on node 5's end gives it NAPI, so node 2's end can take natively
# redirected frames and node 2 keeps native XDP (docs/dataplane.md,
# "Redirect targets"); without it node 2 would rightly run generic.
mesh_exec 5 ethtool -K m2 gro on > /dev/null
mesh_nodes=4  # mesh_start_all and mesh_down's babed stops: nodes 1..4
mesh_start_all
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 4)" > /dev/null || fail "the first ping 1 -> 4 failed"
pass "mesh up, route 1 -> 4 via $(route_hops 1 4)"

fwd0=$(stat_of 2 '^dsr_rreq_forwarded$')
lim0=$(stat_of 2 '^dsr_rreq_rate_limited$')
stream=$MESH_RUN/ping.txt
ping_stream 1 4 8 "$stream"
wait_until 5 replies_over "$stream" 0 || fail "the ping stream 1 -> 4 gets no reply"
say "== node 5 floods node 2 with $FLOOD Route Requests (initiator 10.77.0.250, target 10.77.0.251)"
t0=$(now_s)
sent=$(mesh_exec 5 python3 "$babe_root/tests/integration/mesh/rreq_flood.py" m2 10.77.0.250 10.77.0.251 "$FLOOD")
t1=$(now_s)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
say "   sent $sent Route Requests in $secs s"
wait "$ping_pid" || true
ping_pid=
# Node 2 has worked through the flood once its counters stop moving.
flood_counts() { echo "$(stat_of 2 '^dsr_rreq_(forwarded|rate_limited)$') $(stat_of 2 '^io_m5_rx_packets$')"; }
wait_settled 10 flood_counts || fail "node 2's counters still move 10 s after the flood"
fwd=$(($(stat_of 2 '^dsr_rreq_forwarded$') - fwd0))
lim=$(($(stat_of 2 '^dsr_rreq_rate_limited$') - lim0))
rx=$(stat_of 2 '^io_m5_rx_packets$')
say "   node 2: rreq_rate_limited +$lim, rreq_forwarded +$fwd, AF_XDP frames from m5 $rx"
say "   $(mesh_ctl 2 stats -m rreq | tr -s ' \n' ' ')"
[ "$lim" -gt 0 ] || fail "dsr_rreq_rate_limited did not grow under a flood of $sent Route Requests"
# The flood is rate-limited per initiator: what passes is bounded by the
# bucket (burst + rate x duration), far below the flood.
[ "$fwd" -lt $((sent / 10)) ] || fail "node 2 rebroadcast $fwd of $sent flooded Route Requests"
[ $((lim + fwd)) -ge $((rx * 8 / 10)) ] || fail "node 2 saw $rx frames from the flood but accounted only $((lim + fwd))"
pass "flood rate-limited: $lim limited, $fwd rebroadcast of $sent"

got=$(ping_replies "$stream")
sent_p=$(grep -o '[0-9]* packets transmitted' "$stream" | grep -o '^[0-9]*')
say "   ping 1 -> 4 during the flood: $got of $sent_p replies"
[ "$got" -ge $((sent_p / 2)) ] || fail "ping 1 -> 4 across node 2 lost most packets during the flood"
for i in 1 2 3 4; do kill -0 "$(cat "$MESH_RUN/n$i.pid")" 2> /dev/null || fail "babed on node $i died"; done
mesh_exec 1 ping -c 3 -i 0.2 -W 2 "$(mesh_addr 4)" > /dev/null || fail "ping 1 -> 4 after the flood"
pass "node 2 kept working: ping 1 -> 4 passes during and after the flood"
