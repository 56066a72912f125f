#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench-xdp: ns per packet of each babe_xdp path (transit, deliver, encap,
# to_engine, pass_other) through BPF_PROG_RUN, next to the minimal forwarder
# measured in the same run, and transit_vs_minimal (goal <= 1.3). Prints one
# JSON object. Needs root (BPF); exits 77 (SKIP) without it.
# Usage: tools/bench/xdp.sh [ROUNDS [RUNS_PER_ROUND]]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip "bench-xdp needs root to load BPF programs"
[ -f "$babe_build/build.ninja" ] || cmake -S "$babe_root" -B "$babe_build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$babe_build" --target babe_bench_xdp >&2
exec "$babe_build/tests/bpf/xdp/babe_bench_xdp" "${1:-40}" "${2:-500}"
