#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The DSR core's behaviour, pinned: babe-sim runs broch98 (900 s) and
# scale-1k (60 s, whose capture stays a few MB) with fixed seeds, and the
# --json output (but wall_s) and the pcap's SHA-256 must equal the golden
# files beside this script. A refactoring of the core changes neither; a
# deliberate change of behaviour regenerates them (--update) in a commit of
# its own that says why.
#
# usage: golden_test.sh PATH/TO/babe-sim SOURCE_DIR [--update]
set -u

sim=${1:?usage: $0 babe-sim source-dir [--update]}
src=${2:?usage: $0 babe-sim source-dir [--update]}
update=${3:-}
golden=$src/tests/integration/sim/golden
failures=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }
command -v sha256sum >/dev/null 2>&1 || { echo "SKIP: sha256sum not installed"; exit 77; }
[ -x "$sim" ] || { echo "FAIL: $sim not built"; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# NAME SCENARIO SEED [--set ...]: the scenario path is given relative to the
# source tree, as the JSON records it.
check() {
	local name=$1 scenario=$2 seed=$3
	shift 3
	if ! (cd "$src" && "$sim" run "$scenario" --seed "$seed" "$@" --json --pcap "$dir/$name.pcap") \
		>"$dir/$name.json" 2>"$dir/$name.err"; then
		fail "$name: babe-sim exited non-zero: $(cat "$dir/$name.err")"
		return
	fi
	jq -S 'del(.wall_s)' "$dir/$name.json" >"$dir/$name.norm"
	(cd "$dir" && sha256sum "$name.pcap") >"$dir/$name.pcap.sha256"
	if [ "$update" = --update ]; then
		cp "$dir/$name.norm" "$golden/$name.json"
		cp "$dir/$name.pcap.sha256" "$golden/$name.pcap.sha256"
		pass "$name: golden files written"
		return
	fi
	cmp -s "$dir/$name.norm" "$golden/$name.json" && pass "$name: JSON identical (wall_s aside)" ||
		fail "$name: JSON differs: $(diff "$golden/$name.json" "$dir/$name.norm" | head -10)"
	cmp -s "$dir/$name.pcap.sha256" "$golden/$name.pcap.sha256" &&
		pass "$name: pcap identical ($(stat -c %s "$dir/$name.pcap") bytes)" ||
		fail "$name: pcap differs: $(cat "$dir/$name.pcap.sha256") against $(cat "$golden/$name.pcap.sha256")"
}

check broch98 sim/scenarios/broch98.yaml 1
check scale-1k sim/scenarios/scale-1k.yaml 1 --set duration_s=60

[ "$failures" -eq 0 ] || exit 1
echo "PASS: sim_golden"
