#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs Babe's libFuzzer targets.
#
#   tools/fuzz.sh BUILD_DIR [SECONDS] [RUNS]
#       every executable named fuzz_* under BUILD_DIR/tests/fuzz/<module>/,
#       until RUNS inputs (default 3000000) or SECONDS (default 3600) each,
#       on a working corpus kept in BUILD_DIR/fuzz-corpus/<target> and seeded
#       from the committed tests/fuzz/<module>/corpus (new inputs never land
#       in the source tree), with tests/fuzz/<module>/*.dict when there is one.
#   tools/fuzz.sh --one FUZZER CORPUS_DIR SECONDS [RUNS [DICT]]
#       one bounded pass over a throw-away copy of CORPUS_DIR (what ctest's
#       fuzz label runs).
#
# A crash, a sanitizer report or a timeout exits non-zero; the input that
# caused it is printed (base64) and kept under the artifact directory.
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# run_fuzzer FUZZER WORK_CORPUS ARTIFACT_DIR SECONDS RUNS [DICT]
run_fuzzer() {
	local bin=$1 corpus=$2 artifacts=$3 seconds=$4 runs=$5 dict=${6:-} rc
	local extra=()
	[ -n "$dict" ] && extra+=(-dict="$dict")
	mkdir -p "$artifacts"
	echo "== $(basename "$bin"): ${seconds}s, up to $runs runs, corpus $(ls "$corpus" | wc -l) files"
	"$bin" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" "$corpus" 2>&1 |
		grep -vE '^#[0-9]+.*(NEW|REDUCE|pulse)|# Uses: [0-9]+$' || true
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $(basename "$bin") exited $rc"
		for f in "$artifacts"/*; do
			[ -f "$f" ] || continue
			echo "artifact $f (base64):"
			base64 -w 0 "$f"
			echo
		done
		return 1
	fi
	echo "PASS: $(basename "$bin")"
}

if [ "${1:-}" = "--one" ]; then
	bin=${2:?usage: $0 --one FUZZER CORPUS_DIR SECONDS [RUNS [DICT]]}
	seeds=${3:?corpus dir}
	seconds=${4:-20}
	runs=${5:--1}
	dict=${6:-}
	[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/corpus"
	cp "$seeds"/* "$work/corpus/" 2>/dev/null || true
	artifacts=${BABE_FUZZ_ARTIFACTS:-$work/artifacts}
	run_fuzzer "$bin" "$work/corpus" "$artifacts" "$seconds" "$runs" "$dict"
	exit $?
fi

build=${1:?usage: $0 BUILD_DIR [SECONDS] [RUNS] | --one FUZZER CORPUS_DIR SECONDS [RUNS [DICT]]}
seconds=${2:-3600}
runs=${3:-3000000}
status=0
found=0
while IFS= read -r bin; do
	found=$((found + 1))
	name=$(basename "$bin")
	module=$(basename "$(dirname "$bin")")
	work=$build/fuzz-corpus/$name
	mkdir -p "$work"
	if [ -d "$root/tests/fuzz/$module/corpus" ]; then
		cp -n "$root/tests/fuzz/$module/corpus"/* "$work/" 2>/dev/null || true
	fi
	dict=$(ls "$root/tests/fuzz/$module"/*.dict 2>/dev/null | head -n 1)
	run_fuzzer "$bin" "$work" "$build/fuzz-artifacts/$name" "$seconds" "$runs" "$dict" || status=1
done < <(find "$build/tests/fuzz" -type f -perm -u+x -name 'fuzz_*' 2>/dev/null | sort)
if [ "$found" -eq 0 ]; then
	echo "FAIL: no fuzz_* executable under $build/tests/fuzz (build the fuzz_targets target)"
	exit 1
fi
exit $status
