#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench-sim: babe-sim's speed and memory at scale. Runs sim/scenarios/
# scale-1k.yaml (1,000 nodes, broch98 density; goal: 900 simulated seconds in
# <= 60 s wall on one core) with the DSR core, the same world with the
# one-hop direct agent as the baseline (the simulator's own cost without
# routing), and scale-10k.yaml (10,000 nodes) for a shorter time to show it
# completes. Reports simulated events/s, wall time, CPU time of the process
# (construction included; on a shared machine CPU time is the fairer figure),
# peak RSS and RSS per node. Prints one JSON object.
# Env: SEED (1), DURATION_1K (900), DURATION_10K (60), CHECKERS (true; a
# checker failure stops a run early and shows in its "checkers" field).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SEED=${SEED:-1}
DURATION_1K=${DURATION_1K:-900}
DURATION_10K=${DURATION_10K:-60}
CHECKERS=${CHECKERS:-true}
command -v jq >/dev/null || fail "jq missing (tools/install-deps.sh)"
[ -f "$babe_build/build.ninja" ] || cmake -S "$babe_root" -B "$babe_build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$babe_build" --target babe-sim >&2
sim=$babe_build/sim/babe-sim
scen=$babe_root/sim/scenarios

# run NAME SCENARIO DURATION [--set ...]: one run, its JSON reduced to the figures.
run() {
	local name=$1 file=$2 dur=$3
	shift 3
	echo "bench-sim: $name ($file, ${dur} s simulated)..." >&2
	"$sim" run "$scen/$file" --seed "$SEED" --set "duration_s=$dur" --set "checkers=$CHECKERS" "$@" \
		--json --report-rss |
		jq -c --arg name "$name" '{name: $name, nodes, duration_s, events, wall_s, cpu_s,
			events_per_s: (if .wall_s > 0 then (.events / .wall_s | floor) else 0 end),
			events_per_cpu_s: (if .cpu_s > 0 then (.events / .cpu_s | floor) else 0 end),
			sim_s_per_wall_s: (if .wall_s > 0 then .duration_s / .wall_s else 0 end),
			peak_rss_bytes, rss_per_node_bytes: (.peak_rss_bytes / .nodes | floor),
			data_sent, pdr, control_packets, checkers}'
}

core_1k=$(run scale_1k_dsr scale-1k.yaml "$DURATION_1K")
base_1k=$(run scale_1k_direct scale-1k.yaml "$DURATION_1K" --set agent=direct)
core_10k=$(run scale_10k_dsr scale-10k.yaml "$DURATION_10K")

jq -n --argjson core "$core_1k" --argjson base "$base_1k" --argjson big "$core_10k" \
	--argjson dur "$DURATION_1K" '{
	bench: "sim",
	scale_1k: $core,
	scale_1k_engine_only: $base,
	scale_10k: $big,
	core_vs_engine_wall: (if $base.wall_s > 0 then $core.wall_s / $base.wall_s else null end),
	goal_1k_900s_wall_s: 60,
	goal_met_wall: ($dur == 900 and $core.wall_s <= 60 and $core.checkers == "ok"),
	goal_met_cpu: ($dur == 900 and $core.cpu_s <= 60 and $core.checkers == "ok"),
	scale_10k_completed: ($big.checkers == "ok")
}'
