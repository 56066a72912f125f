# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the mesh tests (not chain_test.sh), tools/demo.sh and
# tools/bench/daemon.sh: counters from babectl's JSON, ping streams and the
# gaps in them, silent and carrier-down link failures. Source it after
# tools/lib.sh and tools/mesh.sh.

linkcut_bin=${BABE_LINKCUT:-$babe_build/tests/integration/mesh/babe-mesh-linkcut}

# stat_of I REGEX: sum of node I's counters whose names match REGEX.
stat_of() {
	mesh_ctl "$1" --json stats | jq "[.stats | to_entries[] | select(.key | test(\"$2\")) | .value] | add // 0"
}

# route_hops I DST: node I's installed route to DST, intermediate hops as
# node numbers separated by spaces ("" for a neighbour, "none" without route).
route_hops() {
	mesh_ctl "$1" --json routes | jq -r --arg d "$(mesh_addr "$2")" '
		[.routes[] | select(.dst == $d)] | if length == 0 then "none"
		else (.[0].hops | map(split(".")[3]) | join(" ")) end'
}

# ping_stream I DST SECONDS FILE: ICMP echo every 10 ms from node I to node
# DST for SECONDS, in the background, each reply stamped (-D) into FILE.
# Sets ping_pid.
ping_stream() {
	mesh_exec "$1" ping -D -n -i 0.01 -W 1 -w "$3" "$(mesh_addr "$2")" > "$4" 2>&1 &
	ping_pid=$!
}

# ping_gap_ms FILE [AFTER]: the longest time between two consecutive replies
# in a ping_stream file (only replies stamped after the epoch time AFTER
# count as the second of a pair), in ms, integer.
ping_gap_ms() {
	awk -v after="${2:-0}" -F'[][]' '/bytes from/ {
		t = $2 + 0
		if (prev && t > after && (t - prev) * 1000 > gap) gap = (t - prev) * 1000
		prev = t
	} END { printf "%d\n", gap }' "$1"
}

# ping_replies FILE [AFTER]: replies in a ping_stream file (stamped after AFTER).
ping_replies() {
	# The stream's file appears once ping starts: none yet is 0 replies.
	[ -e "$1" ] || { echo 0; return; }
	awk -v after="${2:-0}" -F'[][]' '/bytes from/ && $2 + 0 > after { n++ } END { print n + 0 }' "$1"
}

# replies_over FILE N [AFTER]: more than N replies in a ping_stream file
# (stamped after AFTER); a condition for wait_until.
replies_over() { [ "$(ping_replies "$1" "${3:-0}")" -gt "$2" ]; }

now_s() { date +%s.%N; }

# link_cut A B: fail the link between nodes A and B silently (carrier up,
# every frame dropped on arrival at both ends; see linkcut.cc for why this
# is the only place on veth that sees redirected frames).
link_cut() {
	"$linkcut_bin" cut "$MESH_RUN/bpf/n$1/links/m$2" "$MESH_RUN/bpf/cut-$1-$2" &&
		"$linkcut_bin" cut "$MESH_RUN/bpf/n$2/links/m$1" "$MESH_RUN/bpf/cut-$2-$1"
}
# link_cut_count A B: frames dropped so far on both ends.
link_cut_count() {
	echo $(($("$linkcut_bin" count "$MESH_RUN/bpf/cut-$1-$2") + $("$linkcut_bin" count "$MESH_RUN/bpf/cut-$2-$1")))
}
# link_restore A B: babed's programs back on both ends; prints the frames
# dropped while cut.
link_restore() {
	local a b
	a=$("$linkcut_bin" restore "$MESH_RUN/bpf/n$1/links/m$2" "$MESH_RUN/bpf/cut-$1-$2") || return 1
	b=$("$linkcut_bin" restore "$MESH_RUN/bpf/n$2/links/m$1" "$MESH_RUN/bpf/cut-$2-$1") || return 1
	echo $((a + b))
}

# link_down A B / link_up A B: carrier-down failure (node A's end set down,
# so both ends lose carrier) and its repair.
link_down() { ip -n "$(mesh_ns "$1")" link set "m$2" down; }
link_up() { ip -n "$(mesh_ns "$1")" link set "m$2" up; }
