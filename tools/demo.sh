#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Babe demo: the most complete end-to-end thing the project has so far. Five
# nodes in a chain of network namespaces (tools/chain.sh), forwarding in XDP
# only (kernel forwarding off): babe-dpctl loads the data plane on each node
# and writes its source routes and neighbours, with no daemon. A ping and a
# TCP transfer from n1 to n5 cross four XDP hops (n1 local egress, transit
# on n2, n3, n4, delivery on n5); the per-node counters show it. Exits
# non-zero if any step fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$babe_root/tools/chain.sh"

require_root_netns
mount_bpffs
command -v jq >/dev/null || fail "jq missing (run tools/install-deps.sh)"
CHAIN_NAME=babe-demo CHAIN_PIN=/sys/fs/bpf/babe-demo
trap chain_down EXIT

say "== five nodes n1..n5 in a chain; babe-dpctl loads XDP and writes routes"
chain_up 5
say "-- n1 routes (intermediate hops only, RFC 4728 §8.1.3):"
chain_dpctl 1 route show | sed 's/^/   /'
say "-- XDP on n3: $(ip -n "$(chain_ns 3)" -o link show mesh-l | grep -o 'prog/xdp id [0-9]* name [a-z_]*')"
chain_clear_stats

say "== ping n1 -> n5 (10.77.0.1 -> 10.77.0.5), 5 packets"
out=$(ip netns exec "$(chain_ns 1)" ping -c 5 -i 0.1 -W 2 "$(chain_addr 5)") || { say "$out"; fail "ping"; }
say "$out" | sed 's/^/   /'
grep -q 'ttl=61' <<<"$out" || fail "expected TTL 61 (three transit hops)"

say "== TCP transfer n1 -> n5 (iperf3, 4 MB)"
ip netns exec "$(chain_ns 5)" iperf3 -s -1 -B "$(chain_addr 5)" >/dev/null 2>&1 &
srv=$!
sleep 0.5
ip netns exec "$(chain_ns 1)" iperf3 -c "$(chain_addr 5)" -n 4M -f m 2>&1 | grep -E 'sender|receiver' | sed 's/^/   /' ||
	fail "iperf3 transfer"
wait $srv || fail "iperf3 server"

say "-- n1 neighbours (last_heard_ns: stamped by XDP when a DSR packet arrives from it):"
chain_dpctl 1 neigh show | sed 's/^/   /'
say "== per-node XDP counters (babe-dpctl stats)"
for i in 1 2 3 4 5; do say "   n$i: $(chain_stats_line "$i")"; done
t=()
for i in 2 3 4; do t[i]=$(chain_stat "$i" transit); done
d=$(($(chain_stat 1 deliver) + $(chain_stat 5 deliver)))
[ "${t[2]}" -eq "${t[3]}" ] && [ "${t[3]}" -eq "${t[4]}" ] || fail "transit differs between middle nodes"
[ "${t[3]}" -eq "$d" ] || fail "transit ${t[3]} != packets delivered at the ends $d"
[ "${t[3]}" -gt 10 ] || fail "nothing crossed the middle nodes"
drops=0
for i in 1 2 3 4 5; do
	drops=$((drops + $(chain_dpctl "$i" stats --json | jq '[to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add')))
done
[ "$drops" -eq 0 ] || fail "$drops packets dropped"
pass "demo: ping and TCP crossed 4 XDP hops; ${t[3]} packets transited each of n2, n3, n4, all delivered, none dropped"
