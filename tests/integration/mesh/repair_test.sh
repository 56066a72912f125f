#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed on a 2x3 grid (one namespace per node, veth links, no static routes):
#
#   1 - 2 - 3
#   |   |   |
#   4 - 5 - 6
#
# A 100-per-second ping stream runs from node 1 to node 3 over the route
# Route Discovery found (1 2 3). The last link of that route fails in the
# middle of the stream, in one of two ways (argument):
#   carrier  `ip link set m3 down` on node 2: both veth ends lose carrier;
#   silent   carrier up, every frame dropped on arrival at both ends
#            (babe-mesh-linkcut, see linkcut.cc): only Route Maintenance
#            (probes that go unanswered) can find it.
# Traffic must come back over another path (Route Error, salvage,
# rediscovery: the counters are printed) within REPAIR_LIMIT_S; the gap in
# delivered replies is printed as the repair time. Then the link comes back
# and carries a direct route again.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
mode=${1:-silent}
case $mode in carrier | silent) ;; *) fail "usage: repair_test.sh carrier|silent" ;; esac
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
[ "$mode" = carrier ] || [ -x "$linkcut_bin" ] || fail "missing $linkcut_bin (build first)"
MESH_NAME=babe-t-rep-${mode:0:3}
MESH_RUN=/run/babe-test/$MESH_NAME
REPAIR_LIMIT_S=${REPAIR_LIMIT_S:-6}
trap 'kill ${ping_pid:-} 2>/dev/null || true; mesh_down' EXIT

mesh_grid 2 3
mesh_start_all

say "== discovery: ping 10.77.0.1 -> 10.77.0.3"
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "the first ping did not come back"
before=$(route_hops 1 3)
[ "$before" = "2" ] || fail "route 1 -> 3 is '$before', expected via 2"
pass "route 1 -> 3 via node $before"

stream=$MESH_RUN/ping.txt
total_s=$((3 + REPAIR_LIMIT_S + 3))
ping_stream 1 3 "$total_s" "$stream"
wait_until 3 replies_over "$stream" 50 || fail "the ping stream does not flow: $(tail -3 "$stream")"

say "== $mode failure of link 2-3 under a 100/s ping stream"
t_cut=$(now_s)
if [ "$mode" = carrier ]; then link_down 2 3; else link_cut 2 3 || fail "cannot cut link 2-3"; fi

# Wait for replies again (stamped well after the cut: nothing in flight).
repaired=0
t_after=$(awk -v t="$t_cut" 'BEGIN { printf "%.6f", t + 0.05 }')
if wait_until "$REPAIR_LIMIT_S" replies_over "$stream" 20 "$t_after"; then repaired=1; fi
# The route check below: node 1's installed route leaves node 2 once the
# Route Error or the new reply has reached it.
off_node2() { [ "$(route_hops 1 3)" != 2 ]; }
[ "$repaired" -ne 1 ] || wait_until 2 off_node2 || true
if [ "$mode" = silent ]; then dropped=$(link_cut_count 2 3); fi
gap=$(ping_gap_ms "$stream" "$t_cut")
counters() {
	local i k out=""
	for k in maint_probes maint_failures rerr_sent rerr_received data_salvaged rreq_originated discovery_done; do
		local s=0
		for ((i = 1; i <= 6; i++)); do s=$((s + $(stat_of "$i" "^dsr_$k\$"))); done
		out+="$k=$s "
	done
	echo "$out"
}
say "   repair counters (all nodes): $(counters)"
say "   route 1 -> 3 now: $(route_hops 1 3); 3 -> 1: $(route_hops 3 1)"
[ "$mode" = carrier ] || say "   frames dropped by the cut so far: $dropped"
if [ "$repaired" -ne 1 ]; then
	say "   last of the stream: $(tail -2 "$stream" | tr '\n' ' ')"
	fail "$mode failure: traffic 1 -> 3 not restored within ${REPAIR_LIMIT_S} s (Route Maintenance did not repair it)"
fi
say "repair time ($mode failure, longest gap in delivered replies): $gap ms"
after=$(route_hops 1 3)
[ "$after" != "2" ] || fail "route 1 -> 3 still goes via node 2 only"
pass "$mode failure repaired in $gap ms; route 1 -> 3 now via $after"

say "== the link comes back"
if [ "$mode" = carrier ]; then
	link_up 2 3
else
	n=$(link_restore 2 3) || fail "cannot restore link 2-3"
	[ "$n" -gt 0 ] || fail "the cut dropped no frame"
	say "   the cut dropped $n frames"
fi
wait "$ping_pid" || true
ping_pid=
# Node 2 uses the restored link again: its installed route to node 3 becomes
# direct (no intermediate hop) once traffic or a discovery crosses it.
ok=0
for ((t = 0; t < 20; t++)); do
	mesh_exec 2 ping -c 1 -W 1 "$(mesh_addr 3)" > /dev/null 2>&1 || true
	if [ "$(route_hops 2 3)" = "" ]; then ok=1; break; fi
	sleep 0.2
done
[ "$ok" -eq 1 ] || fail "node 2 does not use the restored link to node 3 (its route to 3: '$(route_hops 2 3)')"
if ! mesh_exec 2 ping -c 3 -i 0.2 -W 2 "$(mesh_addr 3)" > /dev/null; then
	say "   node 2 neighbours: $(mesh_ctl 2 neighbours | tr -s ' \n' ' ')"
	say "   node 2 kernel neighbours: $("$babe_build/userspace/dataplane/babe-dpctl" --pin "$MESH_RUN/bpf/n2" neigh show 2>&1 | tr -s ' \n' ' ')"
	say "   node 2: $(mesh_ctl 2 stats -m no_neighbour | tr -s ' \n' ' ') $(mesh_ctl 2 stats -m unknown_mac | tr -s ' \n' ' ')"
	fail "ping 2 -> 3 over the restored link: node 2 routes to node 3 directly, but no reply"
fi
pass "link 2-3 is back: node 2 reaches node 3 directly"
