#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sending to an address inside the mesh prefix where no node answers, on a
# 3-node chain with a Send Buffer timeout shorter than a discovery's life
# and few Route Request retransmissions (MESH_DSR_EXTRA): `babectl discover`
# and `babectl ping` print a clear "no route" message and exit non-zero; a
# host ping gets no reply; and the counters show why (packets timed out of
# the Send Buffer, discoveries failed). The mesh still works for real nodes afterwards.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
MESH_NAME=babe-t-unreach
MESH_RUN=/run/babe-test/$MESH_NAME
# Packets time out of the Send Buffer (300 ms) before the discovery gives up
# (4 Route Requests over about a second), so both counters move.
MESH_DSR_EXTRA=$'send_buffer_timeout_ms: 300\nmax_request_rexmt: 3\nrequest_period_ms: 200\nmax_request_period_ms: 400'
trap mesh_down EXIT
ghost=$(mesh_addr 99)

mesh_chain 3
mesh_start_all
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping 1 -> 3 (a real node) failed"

say "== babectl discover $ghost (no such node)"
set +e
out=$(mesh_ctl 1 discover "$ghost" -w 5000 2>&1)
rc=$?
set -e
say "$out" | sed 's/^/   /'
[ "$rc" -ne 0 ] || fail "babectl discover of a missing node exited 0"
grep -qi "no route" <<< "$out" || fail "babectl discover printed no clear 'no route' message"
pass "babectl discover: exit $rc with '$(grep -i 'no route' <<< "$out" | head -1)'"

say "== babectl ping $ghost"
set +e
out=$(mesh_exec 1 "$babectl_bin" -s "$(mesh_sock 1)" ping "$ghost" -c 1 --discover-wait 5000 2>&1)
rc=$?
set -e
say "$out" | sed 's/^/   /'
[ "$rc" -ne 0 ] || fail "babectl ping of a missing node exited 0"
grep -qi "no route" <<< "$out" || fail "babectl ping printed no clear 'no route' message"
pass "babectl ping: exit $rc"

say "== host ping $ghost (packets wait in the Send Buffer, then time out)"
before_to=$(stat_of 1 '^dsr_send_buffer_timeouts$')
before_df=$(stat_of 1 '^dsr_discovery_failed$')
set +e
mesh_exec 1 ping -c 3 -i 0.2 -W 2 "$ghost" > "$MESH_RUN/ping.txt" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a host ping to a missing node got a reply"
grep -q 'bytes from' "$MESH_RUN/ping.txt" && fail "a host ping to a missing node got a reply"
# The pings time out of the Send Buffer and the discovery gives up (about a
# second after the first ping).
gave_up() {
	[ $(($(stat_of 1 '^dsr_send_buffer_timeouts$') - before_to)) -ge 3 ] &&
		[ $(($(stat_of 1 '^dsr_discovery_failed$') - before_df)) -ge 1 ]
}
wait_until 5 gave_up || true
to=$(($(stat_of 1 '^dsr_send_buffer_timeouts$') - before_to))
df=$(($(stat_of 1 '^dsr_discovery_failed$') - before_df))
say "   $(mesh_ctl 1 stats -m send_buffer | tr -s ' \n' ' ')"
say "   $(mesh_ctl 1 stats -m discovery | tr -s ' \n' ' ')"
[ "$to" -ge 3 ] || fail "dsr_send_buffer_timeouts grew by $to for 3 unanswered pings"
[ "$df" -ge 1 ] || fail "dsr_discovery_failed did not grow for the host ping"
pass "host ping: no reply; send_buffer_timeouts +$to, discovery_failed +$df"

mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "the mesh stopped working after the failed discoveries"
pass "real nodes still reachable"
