#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/bpftrace against a live babed (node 1 of a 3-node chain): with
# discovery.bt and drops.bt attached to babed's pid (USDT babe:* and the
# xdp:* tracepoints, no kprobes), a discovery to node 3 and one to an
# address nobody has give: a route_discovered line for 10.77.0.3 and a
# discovery_failed line for the ghost, a non-empty latency histogram and
# Route Request count at exit, whose count matches what babed's own
# counters say; drops.bt counts the ghost's packet as a send buffer drop.
# SKIP (with bpftrace's reason) when bpftrace cannot attach here.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
command -v bpftrace > /dev/null || skip "bpftrace is not installed"
command -v jq > /dev/null || skip "jq is not installed"
readelf -n "$babed_bin" 2> /dev/null | grep -q 'Name: route_discovered' || skip "babed has no USDT probes (built without sys/sdt.h)"
mount_tracefs
MESH_NAME=babe-t-bpftrace
MESH_RUN=/run/babe-test/$MESH_NAME
# The ghost's packet times out of the Send Buffer (300 ms) while its
# discovery is still running; the discovery gives up about a second later.
MESH_DSR_EXTRA=$'send_buffer_timeout_ms: 300\nmax_request_rexmt: 2\nrequest_period_ms: 200\nmax_request_period_ms: 400'
bt_pids=()
cleanup() {
	local p
	for p in "${bt_pids[@]}"; do kill -INT "$p" 2> /dev/null || true; done
	mesh_down
}
trap cleanup EXIT
ghost=$(mesh_addr 99)

mesh_chain 3
mesh_start_all
pid=$(cat "$MESH_RUN/n1.pid")

# start_bt NAME: bpftrace -p babed's pid on tools/bpftrace/NAME.bt; waits
# for its BEGIN line (all probes attached) or SKIPs with its error.
start_bt() {
	local name=$1 out=$MESH_RUN/$1.out t
	bpftrace -p "$pid" "$babe_root/tools/bpftrace/$name.bt" > "$out" 2>&1 &
	bt_pids+=($!)
	eval "bt_$name=$!"
	for ((t = 0; t < 200; t++)); do
		grep -q "^babe $name:" "$out" && return 0
		if ! kill -0 "${bt_pids[-1]}" 2> /dev/null; then
			say "$(grep -v RLIMIT_MEMLOCK "$out" | tail -3)"
			skip "bpftrace could not attach $name.bt to babed (see above)"
		fi
		sleep 0.1
	done
	fail "bpftrace $name.bt did not start in 20 s"
}
start_bt discovery
start_bt drops
pass "discovery.bt and drops.bt attached to babed (pid $pid)"

# stop_bt PID...: SIGINT (bpftrace prints its maps and exits), bounded: a
# signal that bpftrace missed is sent again, and one that never ends it is
# a clear failure rather than a hung test.
stop_bt() {
	local p t alive
	for ((t = 0; t < 200; t++)); do
		if ((t % 50 == 0)); then
			for p in "$@"; do kill -INT "$p" 2> /dev/null || true; done
		fi
		alive=0
		for p in "$@"; do kill -0 "$p" 2> /dev/null && alive=1; done
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	for p in "$@"; do
		if kill -0 "$p" 2> /dev/null; then
			kill -KILL "$p" 2> /dev/null || true
			fail "bpftrace (pid $p) did not exit within 20 s of SIGINT (sent 4 times)"
		fi
	done
	wait "$@" 2> /dev/null || true
}

say "-- a discovery to node 3, one to $ghost"
rreq0=$(timeout 10 "$babectl_bin" -s "$(mesh_sock 1)" --json stats | jq '.stats.dsr_rreq_originated + .stats.dsr_rreq_retransmitted')
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping n1 -> n3"
mesh_exec 1 ping -c 1 -W 1 "$ghost" > /dev/null 2>&1 || true
for ((t = 0; t < 50; t++)); do
	grep -q "discovery_failed dst $ghost" "$MESH_RUN/discovery.out" && break
	sleep 0.1
done
# drops.bt prints every 5 s: wait for a print that has the drop.
for ((t = 0; t < 80; t++)); do
	grep -q '^@engine_drops\[send_buffer_timeout\]: [1-9]' "$MESH_RUN/drops.out" && break
	sleep 0.1
done
rreq1=$(timeout 10 "$babectl_bin" -s "$(mesh_sock 1)" --json stats | jq '.stats.dsr_rreq_originated + .stats.dsr_rreq_retransmitted')
say "-- stopping bpftrace"
stop_bt "$bt_discovery" "$bt_drops"
bt_pids=()
say "--- discovery.bt"
grep -v RLIMIT_MEMLOCK "$MESH_RUN/discovery.out" | sed 's/^/   /'

grep -Eq "route_discovered dst $(mesh_addr 3) in [0-9]+ us" "$MESH_RUN/discovery.out" || fail "no route_discovered line for $(mesh_addr 3)"
grep -Eq "discovery_failed dst $ghost after [0-9]+ us" "$MESH_RUN/discovery.out" || fail "no discovery_failed line for $ghost"
grep -Eq '^\[[0-9]+[KM]?, [0-9]+[KM]?\) +1 \|@+\|$' "$MESH_RUN/discovery.out" || fail "no latency histogram bucket"
sent=$(sed -n 's/^@rreq_sent: //p' "$MESH_RUN/discovery.out")
[ "$sent" = $((rreq1 - rreq0)) ] || fail "bpftrace counted $sent Route Requests, babed's counters $((rreq1 - rreq0))"
pass "discovery.bt: route_discovered, discovery_failed, latency histogram; $sent Route Requests = babed's counters"
say "--- drops.bt (last print)"
grep -v RLIMIT_MEMLOCK "$MESH_RUN/drops.out" | tail -4 | sed 's/^/   /'
grep -q '^@engine_drops\[send_buffer_timeout\]: [1-9]' "$MESH_RUN/drops.out" || fail "drops.bt did not count the send buffer timeout"
pass "drops.bt: the ghost's packet counted as a send_buffer_timeout drop"
