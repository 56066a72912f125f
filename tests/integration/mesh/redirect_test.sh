#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Redirect targets that cannot take natively redirected XDP frames: a 3-node
# chain through bridges whose ports run no NAPI (GRO off), so the nodes'
# veth ends have no working ndo_xdp_xmit, as a mac80211 Wi-Fi driver has
# none. xdp.mode auto: babed sees it in the interfaces' XDP features
# (netdev generic netlink), runs generic XDP, says so, and pings go
# through. xdp.mode native, forced: pings are lost and the loss shows as
# xdp_xmit_drops in babectl stats (xdp tracepoints). And xdp.mode auto on
# an interface whose driver has no native XDP (macvlan) ends in generic,
# logged.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
command -v ethtool > /dev/null || skip "ethtool is not installed"
MESH_NAME=babe-t-redirect
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_BRIDGE_GRO=off
trap mesh_down EXIT

# wait_log I REGEX: node I's log has a line matching REGEX (10 s at most).
wait_log() {
	local t
	for ((t = 0; t < 100; t++)); do
		grep -qE "$2" "$MESH_RUN/n$1.log" && return 0
		sleep 0.1
	done
	return 1
}

mesh_chain_bridged 3
features=$(ip netns exec "$(mesh_ns 1)" ethtool -k m2 2> /dev/null | wc -l)
[ "$features" -gt 0 ] || skip "ethtool cannot read m2"

say "== xdp.mode auto, bridge ports without NAPI"
mesh_start_all
for i in 1 2 3; do
	wait_log "$i" "generic XDP on every interface: .* no natively redirected frames" ||
		{ grep -iE "netdev|XDP" "$MESH_RUN/n$i.log" >&2; fail "node $i did not go generic (no log line)"; }
	wait_log "$i" "XDP generic on " || fail "node $i: programs not attached generic"
done
say "   node 1: $(grep -oE 'generic XDP on every interface: [^(]*' "$MESH_RUN/n1.log" | head -1)"
[ "$(mesh_ctl 2 --json status | jq -r .status.xdp_mode)" = generic ] || fail "node 2's status does not say generic"
out=$(mesh_exec 1 ping -c 5 -i 0.2 -W 3 "$(mesh_addr 3)" 2>&1) || true
got=$(grep -o '[0-9]* received' <<< "$out" | grep -o '^[0-9]*' || echo 0)
[ "$got" -ge 4 ] || fail "auto: only $got of 5 pings 1 -> 3 came back"
drops=$(stat_of 2 'xdp_xmit_drops$')
pass "auto: generic XDP chosen and logged, $got of 5 pings, $drops frames refused at node 2"

say "== xdp.mode native (forced): redirects into those ends fail, counted"
for i in 1 2 3; do mesh_stop "$i"; done
MESH_MODE=native
MESH_METRICS=127.0.0.1:8477
mesh_start_all
wait_log 1 "xdp.mode native: m2 takes no natively redirected frames" || fail "no warning for xdp.mode native"
mesh_exec 1 ping -c 5 -i 0.2 -W 1 "$(mesh_addr 3)" > /dev/null 2>&1 && fail "native: pings went through a target without ndo_xdp_xmit"
drops1=$(stat_of 1 '^io_m2_xdp_xmit_drops$')
drops2=$(stat_of 2 'xdp_xmit_drops$')
[ $((drops1 + drops2)) -gt 0 ] || fail "native: pings lost but no xdp_xmit_drops counted (node 1: $drops1, node 2: $drops2)"
pass "native: pings lost and counted: node 1 io_m2_xdp_xmit_drops=$drops1, node 2: $drops2"
if command -v curl > /dev/null; then
	metric=$(mesh_exec 1 curl -s --max-time 5 "http://$MESH_METRICS/metrics" |
		awk '$1 == "babe_xdp_xmit_drops_total{interface=\"m2\"}" { print $2 }')
	[ "${metric:-0}" -gt 0 ] || fail "/metrics on node 1: babe_xdp_xmit_drops_total{interface=\"m2\"} is '${metric:-}'"
	pass "/metrics: babe_xdp_xmit_drops_total{interface=\"m2\"} $metric"
fi
MESH_METRICS=
for i in 1 2 3; do mesh_stop "$i"; done
mesh_down
trap - EXIT

say "== xdp.mode auto on an interface without native XDP (macvlan)"
MESH_NAME=babe-t-redirect-d
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_MODE=auto
trap mesh_down EXIT
mesh_init 1
ip -n "$(mesh_ns 1)" link add v0 type veth peer name v1
ip -n "$(mesh_ns 1)" link add d0 link v0 type macvlan ||
	skip "no macvlan in this kernel (the only device here without native XDP)"
for l in v0 v1 d0; do ip -n "$(mesh_ns 1)" link set "$l" up; done
mesh_links[1]=" d0"
mesh_start 1
wait_log 1 "d0: no native XDP in its driver: generic XDP \(xdp.mode auto\)" ||
	{ cat "$MESH_RUN/n1.log" >&2; fail "no log line for auto ending in generic on d0"; }
ip -n "$(mesh_ns 1)" link show d0 | grep -q ' xdpgeneric ' ||
	fail "d0 does not run generic XDP: $(ip -n "$(mesh_ns 1)" link show d0 | head -1)"
pass "auto on a driver without native XDP: generic, logged ($(grep -oE 'd0: no native XDP[^$]*' "$MESH_RUN/n1.log" | head -1))"
