#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The capabilities the chart gives babed (helm/babe DaemonSet, rendered with
# the default values) are enough and each is needed: on a 2-node namespace
# mesh, node 1's babed runs under `capsh --drop=` everything else (its
# bounding set, so as root it holds exactly those):
#   - with the chart's set it runs the XDP data path (no fallback, no warning),
#     holds exactly that set (CapEff), and pings cross both ways;
#   - without any one of them it cannot start, or falls back from XDP.
set -euo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"
. "$babe_root/tools/mesh.sh"
tmp=$(mktemp -d)
k8s_home=$tmp/home
. "$babe_root/tests/integration/k8s/lib.sh"
require_root_netns
k8s_tools
command -v capsh > /dev/null || skip "capsh (libcap2-bin) is not installed"
MESH_NAME=babe-t-caps
MESH_RUN=/run/babe-test/$MESH_NAME
real_babed=$babed_bin
trap 'mesh_down; rm -rf "$tmp"' EXIT

caps=$(render | k8s_json | jq -r '.[] | select(.kind == "DaemonSet") | .spec.template.spec.containers[] |
	select(.name == "babed") | .securityContext.capabilities.add | map("cap_" + ascii_downcase) | join(",")')
[ -n "$caps" ] || fail "no capabilities in the rendered DaemonSet"
say "== the chart's set: $caps"
all=$(capsh --print | sed -n 's/^Bounding set =//p')
[ -n "$all" ] || skip "capsh --print shows no bounding set"

mesh_chain 2
mesh_start 2
# run_node1 KEEP: babed on node 1 with only the capabilities KEEP (comma
# separated); 0 when it started (its log in n1.log), 1 when it did not.
run_node1() {
	local drop
	drop=$(tr ',' '\n' <<< "$all" | grep -vxF -f <(tr ',' '\n' <<< "$1") | paste -sd, -)
	cat > "$MESH_RUN/babed-caps" << SH
#!/bin/sh
exec capsh --drop=$drop --shell=$real_babed -- "\$@"
SH
	chmod +x "$MESH_RUN/babed-caps"
	babed_bin=$MESH_RUN/babed-caps
	(mesh_start 1) > "$MESH_RUN/start.out" 2>&1
}
stop_node1() {
	mesh_stop 1
	rm -rf "$MESH_RUN/bpf/n1" # no pins left for the next run to reuse
}
fallback() { grep -E 'warning|error|critical' "$MESH_RUN/n1.log" || true; }

run_node1 "$caps" || { cat "$MESH_RUN/n1.log"; fail "babed did not start with the chart's capabilities"; }
w=$(fallback)
[ -z "$w" ] || fail "babed warned with the chart's capabilities: $w"
grep -q 'falling back' "$MESH_RUN/n1.log" && fail "babed fell back from XDP"
eff=$(capsh --decode="$(awk '/^CapEff/ {print $2}' "/proc/$(cat "$MESH_RUN/n1.pid")/status")" | sed 's/.*=//')
[ "$(tr ',' '\n' <<< "$eff" | sort | paste -sd,)" = "$(tr ',' '\n' <<< "$caps" | sort | paste -sd,)" ] ||
	fail "babed holds $eff, not $caps"
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 2)" > /dev/null || fail "ping 1 -> 2"
mesh_exec 2 ping -c 1 -W 5 "$(mesh_addr 1)" > /dev/null || fail "ping 2 -> 1"
pass "with $caps only: XDP data path, no warning, CapEff exactly that set, pings both ways"
stop_node1

for c in ${caps//,/ }; do
	keep=$(tr ',' '\n' <<< "$caps" | grep -vx "$c" | paste -sd, -)
	if run_node1 "$keep"; then
		w=$(fallback)
		[ -n "$w" ] || fail "without $c babed runs as well: $c is not needed"
		pass "without $c: $(head -1 <<< "$w" | sed 's/^[0-9: .-]*//' | cut -c1-150)"
	else
		pass "without $c: does not start ($(grep -m1 critical "$MESH_RUN/n1.log" | sed 's/^[0-9: .-]*//' | cut -c1-150))"
	fi
	stop_node1
done
