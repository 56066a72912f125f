#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `babectl monitor` against the real engine (node 1 of a 3-node chain):
# kind filters (discovery_done/discovery_failed only), the node filter
# (--node), JSON lines, and the bound that keeps a flood from piling up: a
# monitor that stops reading (SIGSTOP) while node 1 drops thousands of
# packets (one drop event each) loses events from its bounded queue
# (control.monitor_queue) and says so when it reads again, while babed keeps
# answering.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
command -v python3 > /dev/null || skip "python3 is not installed"
MESH_NAME=babe-t-monitor
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_DSR_EXTRA=$'send_buffer_timeout_ms: 300\nmax_request_rexmt: 1\nrequest_period_ms: 200\nmax_request_period_ms: 400'
mon_pids=()
cleanup() {
	local p
	for p in "${mon_pids[@]}"; do kill -CONT "$p" 2> /dev/null || true; kill "$p" 2> /dev/null || true; done
	mesh_down
}
trap cleanup EXIT
ghost=$(mesh_addr 99)

mesh_chain 3
# Node 1's per-monitor queue bound, small here.
mesh_start 1 --set control.monitor_queue=16
mesh_start 2
mesh_start 3
grep -q 'monitor_queue: 16' <(mesh_ctl 1 config show) || fail "monitor_queue not applied"

# monitor NAME ARGS...: babectl monitor on node 1 in the background.
monitor() {
	local name=$1; shift
	mesh_ctl 1 --json monitor "$@" > "$MESH_RUN/$name.out" 2> "$MESH_RUN/$name.err" &
	mon_pids+=($!)
	eval "mon_$name=$!"
}
monitor disc --kind discovery_done,discovery_failed --count 2
monitor node3 --node "$(mesh_addr 3)" --kind discovery_done,route_changed,discovery_failed --count 1
# subscribed NAME: the monitor printed babed's answer to its subscription.
subscribed() { [ -s "$MESH_RUN/$1.out" ]; }
wait_until 5 subscribed disc && wait_until 5 subscribed node3 || fail "the monitors were not subscribed"

mesh_exec 1 ping -c 1 -W 1 "$ghost" > /dev/null 2>&1 || true
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping n1 -> n3"
for ((t = 0; t < 50; t++)); do
	kill -0 "$mon_disc" 2> /dev/null || kill -0 "$mon_node3" 2> /dev/null || break
	sleep 0.1
done
wait "$mon_disc" || { cat "$MESH_RUN/disc.err"; fail "monitor --kind did not get its 2 events"; }
wait "$mon_node3" || { cat "$MESH_RUN/node3.err"; fail "monitor --node did not get its event"; }
say "$(sed 's/^/   /' "$MESH_RUN/disc.out" "$MESH_RUN/node3.out")"
# JSON lines: the subscription answer, then {"event": {...}} lines.
jq -c '.event // empty' "$MESH_RUN/disc.out" > "$MESH_RUN/disc.events"
jq -c '.event // empty' "$MESH_RUN/node3.out" > "$MESH_RUN/node3.events"
kinds=$(jq -r '.kind' "$MESH_RUN/disc.events" | sort | tr '\n' ' ')
[ "$kinds" = "discovery_done discovery_failed " ] || fail "monitor --kind gave: $kinds"
jq -se --arg g "$ghost" 'any(.[]; .kind == "discovery_failed" and .dst == $g)' "$MESH_RUN/disc.events" > /dev/null ||
	fail "discovery_failed does not name $ghost"
jq -se --arg d "$(mesh_addr 3)" 'any(.[]; .kind == "discovery_done" and .dst == $d and (.hops | length) == 1)' \
	"$MESH_RUN/disc.events" > /dev/null || fail "discovery_done for .3 via one hop missing"
pass "monitor --kind: exactly discovery_failed ($ghost) and discovery_done ($(mesh_addr 3), 1 hop)"
[ "$(wc -l < "$MESH_RUN/node3.events")" = 1 ] || fail "monitor --node --count 1 printed another count of events"
jq -e --arg d "$(mesh_addr 3)" '.dst == $d' "$MESH_RUN/node3.events" > /dev/null || fail "monitor --node let through another node"
pass "monitor --node $(mesh_addr 3): only events naming it"

say "== a stalled monitor while node 1 drops thousands of packets"
# Each UDP datagram to the ghost waits in the Send Buffer and is dropped
# (send_buffer_full at once, or send_buffer_timeout): one drop event each,
# far more than the monitor's socket buffer and queue (16) hold.
monitor stall --kind drop
wait_until 5 subscribed stall || fail "the stalled monitor was not subscribed"
kill -STOP "$mon_stall"
sent=8000
mesh_exec 1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    try:
        s.sendto(b"x" * 32, (sys.argv[1], 9))
    except OSError:
        pass
' "$ghost" "$sent"
# Every datagram is dropped once the Send Buffer is empty again (the rest
# time out after 300 ms).
send_drops() { mesh_ctl 1 --json stats | jq '.stats.dsr_send_buffer_overflows + .stats.dsr_send_buffer_timeouts'; }
drained() {
	mesh_ctl 1 --json stats | jq -e '.stats | .dsr_send_buffer_overflows + .dsr_send_buffer_timeouts > 1000 and
		.engine_send_buffer_depth == 0' > /dev/null
}
wait_until 5 drained || true
mesh_ctl 1 status > /dev/null || fail "babed stopped answering"
drops=$(send_drops)
kill -CONT "$mon_stall"
for ((t = 0; t < 30; t++)); do
	grep -q '"dropped"' "$MESH_RUN/stall.out" && break
	sleep 0.1
done
kill "$mon_stall" 2> /dev/null || true
lines=$(grep -c '"event"' "$MESH_RUN/stall.out" || true)
say "   $sent datagrams to $ghost: $drops send buffer drops; the stalled monitor then read $lines drop events"
say "   $(grep -m1 '"dropped"' "$MESH_RUN/stall.out" || echo '(no loss notice)')"
[ "$drops" -gt 1000 ] || fail "only $drops send buffer drops: the load did not happen"
grep -q '"dropped"' "$MESH_RUN/stall.out" || fail "a stalled monitor reported no lost events"
[ "$lines" -lt "$drops" ] || fail "the stalled monitor got all $lines events: no bound"
pass "stalled monitor: its bounded queue dropped events and said so; babed kept answering"
