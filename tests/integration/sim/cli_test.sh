#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babe-sim's command line: the same (scenario, seed) run in two processes
# gives byte-identical --json output except wall_s, and byte-identical
# --pcap files; another seed gives another run; every run prints its seed;
# a run of the mobile scenario (link breaks) reports Route Errors and
# salvaged packets; transfers.yaml replays the same way; tshark, when
# installed, dissects the capture as DSR.
#
# usage: cli_test.sh PATH/TO/babe-sim SCENARIO_DIR
set -u

sim=${1:?usage: $0 babe-sim scenario-dir}
scen=${2:?usage: $0 babe-sim scenario-dir}
say() { printf '%s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

command -v jq >/dev/null 2>&1 || { say "SKIP: jq not installed"; exit 77; }
[ -x "$sim" ] || { say "FAIL: $sim not built"; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run() { # run NAME SEED: mobile.yaml (60 s, 20 fast nodes) with checkers on
	"$sim" run "$scen/mobile.yaml" --seed "$2" --json --pcap "$dir/$1.pcap" \
		>"$dir/$1.json" 2>"$dir/$1.err"
}
run a 7 || fail "run a exited $?: $(cat "$dir/a.err")"
run b 7 || fail "run b exited $?: $(cat "$dir/b.err")"
run c 8 || fail "run c exited $?: $(cat "$dir/c.err")"

grep -q "seed 7" "$dir/a.err" && pass "the seed is printed" || fail "no seed on stderr: $(cat "$dir/a.err")"
jq -e '.checkers == "ok"' "$dir/a.json" >/dev/null && pass "checkers ok" ||
	fail "checkers: $(jq -c .checkers "$dir/a.json")"
jq -S 'del(.wall_s)' "$dir/a.json" >"$dir/a.norm"
jq -S 'del(.wall_s)' "$dir/b.json" >"$dir/b.norm"
jq -S 'del(.wall_s)' "$dir/c.json" >"$dir/c.norm"
cmp -s "$dir/a.norm" "$dir/b.norm" && pass "same seed: identical JSON (wall_s aside)" ||
	fail "same seed, different JSON: $(diff "$dir/a.norm" "$dir/b.norm" | head -5)"
cmp -s "$dir/a.pcap" "$dir/b.pcap" && pass "same seed: identical pcap ($(stat -c %s "$dir/a.pcap") bytes)" ||
	fail "same seed, different pcap"
[ "$(stat -c %s "$dir/a.pcap")" -gt 10000 ] || fail "pcap too small"
cmp -s "$dir/a.norm" "$dir/c.norm" && fail "seeds 7 and 8 gave the same run" || pass "another seed, another run"
jq -e '(.data_sent > 0) and (.routing.links_broken > 0) and (.core_counters.rerr_sent > 0) and (.core_counters.data_salvaged > 0)' \
	"$dir/a.json" >/dev/null && pass "link breaks: Route Errors and salvaging ($(jq -c '{rerr: .core_counters.rerr_sent, salvaged: .core_counters.data_salvaged}' "$dir/a.json"))" ||
	fail "no Route Error or salvage: $(jq -c '{routing, rerr: .core_counters.rerr_sent, salvaged: .core_counters.data_salvaged}' "$dir/a.json")"

# Transfers (transfers.yaml: 40 walking nodes, four bulk transfers over the
# transport core): two processes, same seed, the same JSON; the transfer
# keys appear there and nowhere else.
for x in t1 t2; do
	"$sim" run "$scen/transfers.yaml" --json >"$dir/$x.json" 2>"$dir/$x.err" ||
		fail "transfers run $x exited $?: $(cat "$dir/$x.err")"
done
jq -S 'del(.wall_s)' "$dir/t1.json" >"$dir/t1.norm"
jq -S 'del(.wall_s)' "$dir/t2.json" >"$dir/t2.norm"
cmp -s "$dir/t1.norm" "$dir/t2.norm" && pass "transfers: identical JSON (wall_s aside)" ||
	fail "transfers: different JSON: $(diff "$dir/t1.norm" "$dir/t2.norm" | head -5)"
jq -e '.checkers == "ok" and (.transfers.completed + .transfers.failed == (.transfers.list | length))' \
	"$dir/t1.json" >/dev/null && pass "transfers: each completed or failed ($(jq -c '.transfers | {completed, failed, mean_goodput_bps, segments_retransmitted, hop_retransmissions}' "$dir/t1.json"))" ||
	fail "transfers: $(jq -c '{checkers, transfers: (.transfers | del(.list, .transport_counters))}' "$dir/t1.json")"
jq -e 'has("transfers") | not' "$dir/a.json" >/dev/null && pass "no transfer keys without transfers" ||
	fail "transfer keys in a run without transfers"

if command -v tshark >/dev/null 2>&1; then
	n=$(tshark -r "$dir/a.pcap" -Y dsr 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && pass "tshark dissects $n DSR frames" || fail "tshark found no DSR frame"
else
	say "tshark not installed: dissection not checked"
fi

[ "$failures" -eq 0 ] || exit 1
say "PASS: sim_cli_determinism"
