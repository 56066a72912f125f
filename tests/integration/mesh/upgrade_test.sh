#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pins that outlive babed (docs/dataplane.md "Upgrades"), on the transit node
# of a 3-node chain:
#  - babed killed (BABE_TEST_KILL_AT) at each start-up phase and during a
#    SIGHUP reload, then started again: pings cross, one XDP program per
#    interface, no stray pins;
#  - pins of the previous layout (smaller routes and neighbours maps, no
#    layout map; babe-mesh-old-layout) are migrated while a ping stream
#    crosses the node, also when babed is killed mid-migration;
#  - pins babed would misread (a newer layout version; a routes value of
#    another size at the same version) are refused with the map and the fix,
#    and transit keeps flowing on the old programs meanwhile.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
command -v bpftool > /dev/null || skip "bpftool is not installed"
MESH_NAME=babe-t-upgrade
MESH_RUN=/run/babe-test/$MESH_NAME
trap 'kill ${ping_pid:-} 2>/dev/null || true; mesh_down' EXIT
old_layout=$babe_build/tests/integration/mesh/babe-mesh-old-layout
[ -x "$old_layout" ] || fail "missing $old_layout (build first)"
pin=$MESH_RUN/bpf/n2

mesh_chain 3
mesh_start_all
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "the first ping 1 -> 3 did not come back"
pins_clean=$(ls "$pin" | sort | tr '\n' ' ')
links_clean=$(ls "$pin/links" | sort | tr '\n' ' ')
say "   pins: $pins_clean; links: $links_clean"
[[ " $pins_clean " == *" layout "* ]] || fail "no layout pin under $pin"

# XDP programs attached in node 2's namespace, one "ifname" a line.
xdp_attached() { mesh_exec 2 bpftool net show | awk '/^xdp:/ { x = 1; next } /^[a-z_]*:$/ { x = 0 } x && NF { print $1 }' | sed 's/(.*//'; }

# The node works and nothing half-done remains.
check_node() {
	mesh_exec 1 ping -c 2 -i 0.2 -W 3 "$(mesh_addr 3)" > /dev/null || fail "$1: ping 1 -> 3 fails after the restart"
	local progs; progs=$(xdp_attached | sort | tr '\n' ' ')
	[ "$progs" = "$links_clean" ] || fail "$1: XDP programs on [$progs], expected one on each of [$links_clean]"
	[ "$(ls "$pin" | sort | tr '\n' ' ')" = "$pins_clean" ] || fail "$1: pins now [$(ls "$pin" | tr '\n' ' ')], expected [$pins_clean]"
	[ "$(ls "$pin/links" | sort | tr '\n' ' ')" = "$links_clean" ] || fail "$1: stray link pins: $(ls "$pin/links")"
}

# start_node2 LOG [VAR=VALUE...]: babed on node 2 in the foreground until it exits (20 s at most); its status.
start_node2() {
	local log=$1; shift
	mesh_config 2 > "$MESH_RUN/n2.yaml"
	local rc=0
	env "$@" timeout 20 ip netns exec "$(mesh_ns 2)" "$babed_bin" -c "$MESH_RUN/n2.yaml" > "$log" 2>&1 || rc=$?
	echo "$rc"
}

# kill_at PHASE: babed on node 2 dies (SIGKILL) at PHASE; then it starts and works.
kill_at() {
	mesh_stop 2 KILL
	local rc; rc=$(start_node2 "$MESH_RUN/kill.log" BABE_TEST_KILL_AT="$1")
	grep -q "SIGKILL at $1" "$MESH_RUN/kill.log" && [ "$rc" = 137 ] || { cat "$MESH_RUN/kill.log"; fail "babed was not killed at '$1' (status $rc)"; }
	mesh_start 2
	check_node "killed at '$1'"
	say "   killed at '$1' (status $rc), restarted: ok"
}

say "== babed killed at each start-up phase, then started again"
for phase in bpf-loaded attach:m1 attach:m3 "XDP attach" "AF_XDP queue 0" "shard threads started" "control socket bound"; do
	kill_at "$phase"
done
# On an interface without a pinned link: killed between creating the link and pinning it.
mesh_stop 2 KILL
"$babe_build/userspace/dataplane/babe-dpctl" --pin "$pin" teardown
rc=$(start_node2 "$MESH_RUN/kill.log" BABE_TEST_KILL_AT=link-created:m3)
[ "$rc" = 137 ] || { cat "$MESH_RUN/kill.log"; fail "babed was not killed at link-created:m3"; }
[[ " $(xdp_attached | tr '\n' ' ') " != *" m3 "* ]] || fail "m3 keeps an XDP program from a babed killed before pinning its link"
mesh_start 2
check_node "killed at link-created:m3"
say "   killed between creating m3's link and pinning it: nothing left on m3; restarted: ok"
# During a SIGHUP reload.
mesh_stop 2
BABE_TEST_KILL_AT=reload mesh_start 2
pid2=$(cat "$MESH_RUN/n2.pid")
MESH_DSR_EXTRA="request_period_ms: 600" mesh_config 2 > "$MESH_RUN/n2.yaml"
kill -HUP "$pid2"
dead() { ! kill -0 "$pid2" 2> /dev/null; }
wait_until 10 dead || fail "babed was not killed during the reload"
grep -q "SIGKILL at reload" "$MESH_RUN/n2.log" || fail "babed died during the reload, but not at the kill point"
rm -f "$MESH_RUN/n2.pid"
mesh_start 2
check_node "killed during a reload"
pass "killed at 9 points of start-up and reload: node 2 restarts, pings cross, one XDP program per interface, no stray pins"

# upgrade_from_old ROUND KILL_POINT: the previous layout under node 2, then
# babed started with a ping stream crossing node 2 (killed at KILL_POINT
# first when not empty).
upgrade_from_old() {
	mesh_stop 2 KILL
	# A route of the old layout's to carry over (nothing uses it).
	"$babe_build/userspace/dataplane/babe-dpctl" --pin "$pin" route add 10.77.9.9 via "$(mesh_addr 3)" > /dev/null
	"$old_layout" "$pin" 1024 256 || fail "cannot make the previous layout's pins"
	[ "$(bpftool -j map show pinned "$pin/routes" | jq .max_entries)" = 1024 ] || fail "the old routes map is not the small one"
	[ ! -e "$pin/layout" ] || fail "the old layout has a layout pin"
	local stream=$MESH_RUN/ping-$1.txt
	ping_stream 1 3 6 "$stream"
	wait_until 5 replies_over "$stream" 20 || fail "no ping crosses node 2 on the old layout"
	if [ -n "$2" ]; then
		local rc; rc=$(start_node2 "$MESH_RUN/kill.log" BABE_TEST_KILL_AT="$2")
		[ "$rc" = 137 ] || { cat "$MESH_RUN/kill.log"; fail "babed was not killed at $2"; }
		say "   killed at $2: pins now $(ls "$pin" | tr '\n' ' ')"
	fi
	mesh_start 2
	wait "$ping_pid" || true
	ping_pid=
	local sent got gap
	sent=$(grep -o '[0-9]* packets transmitted' "$stream" | grep -o '^[0-9]*')
	got=$(ping_replies "$stream")
	gap=$(ping_gap_ms "$stream")
	say "   ping stream across the upgrade: $got of $sent replies, longest gap $gap ms"
	[ "$got" -ge $((sent * 90 / 100)) ] || fail "transit stalled during the upgrade ($got of $sent pings)"
	[ "$(bpftool -j map show pinned "$pin/routes" | jq .max_entries)" = 65536 ] || fail "routes still has the old size"
	[ "$(bpftool -j map show pinned "$pin/neighbours" | jq .max_entries)" = 4096 ] || fail "neighbours still has the old size"
	check_node "upgrade $1"
}

say "== upgrade from the previous layout (routes 1024, neighbours 256, no layout pin)"
upgrade_from_old plain ""
grep "pinned maps under" "$MESH_RUN/n2.log" | sed 's/^/   /'
grep -Eq "routes: migrated into a new map \(max entries 1024 -> 65536\), [1-9][0-9]* entries copied" "$MESH_RUN/n2.log" ||
	fail "node 2's routes were not carried over"
"$babe_build/userspace/dataplane/babe-dpctl" --pin "$pin" route show | grep -q "10.77.9.9 via $(mesh_addr 3)" ||
	fail "the old layout's route 10.77.9.9 is not in the new routes map"
grep -Eq "neighbours: migrated into a new map \(max entries 256 -> 4096\), [2-9][0-9]* entries copied" "$MESH_RUN/n2.log" ||
	fail "node 2's neighbours (1 and 3) were not carried over"
pass "previous layout migrated with its entries while transit kept flowing"

say "== the same, babed killed after staging the new maps (before the commit)"
upgrade_from_old staged migrate-staged
grep -q "routes: migrated into a new map" "$MESH_RUN/n2.log" || fail "the migration was not done again after the kill"
say "== the same, babed killed after the commit (before the pins moved)"
upgrade_from_old committed migrate-committed
grep -q "finished the pin swap of an interrupted migration" "$MESH_RUN/n2.log" || fail "the interrupted pin swap was not rolled forward"
pass "migration killed before and after its commit: started again, it finishes, transit kept flowing"

say "== refused: a newer layout version"
mesh_stop 2 KILL
bpftool map update pinned "$pin/layout" key 0 0 0 0 value 2 0 0 0 0 0 0 0
rc=$(start_node2 "$MESH_RUN/refused.log")
[ "$rc" = 1 ] || { cat "$MESH_RUN/refused.log"; fail "babed did not refuse pins of a newer layout (status $rc)"; }
grep -q "layout version 2, newer than this babed's 1" "$MESH_RUN/refused.log" && grep -q "babe-dpctl --pin $pin teardown" "$MESH_RUN/refused.log" ||
	{ cat "$MESH_RUN/refused.log"; fail "the refusal does not say the versions and the fix"; }
say "   $(grep -o 'pinned map .*' "$MESH_RUN/refused.log" | head -1)"
mesh_exec 1 ping -c 2 -i 0.2 -W 3 "$(mesh_addr 3)" > /dev/null || fail "transit stopped after the refusal"
bpftool map update pinned "$pin/layout" key 0 0 0 0 value 1 0 0 0 0 0 0 0
mesh_start 2
check_node "after the newer-version refusal"

say "== refused: routes value of another size at the same version"
mesh_stop 2 KILL
mv "$pin/routes" "$MESH_RUN/bpf/routes-saved"
bpftool map create "$pin/routes" type lru_hash key 4 value 48 entries 64 name routes
rc=$(start_node2 "$MESH_RUN/refused.log")
[ "$rc" = 1 ] || { cat "$MESH_RUN/refused.log"; fail "babed did not refuse a routes map it would misread (status $rc)"; }
grep -q "pinned map $pin/routes: pinned type 9 key 4 value 48" "$MESH_RUN/refused.log" && grep -q "teardown" "$MESH_RUN/refused.log" ||
	{ cat "$MESH_RUN/refused.log"; fail "the refusal does not name the map and the fix"; }
say "   $(grep -o 'pinned map .*' "$MESH_RUN/refused.log" | head -1)"
mesh_exec 1 ping -c 2 -i 0.2 -W 3 "$(mesh_addr 3)" > /dev/null || fail "transit stopped after the refusal"
rm "$pin/routes"
mv "$MESH_RUN/bpf/routes-saved" "$pin/routes"
mesh_start 2
check_node "after the value-size refusal"
pass "pins babed would misread are refused with the map, the versions and the fix; transit kept flowing"
