#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Babe demo (`make demo`): six nodes in a chain of network namespaces, one
# babed each, veth links, no addresses on the links and no static routes.
# babed loads its XDP programs, creates babe0 and routes the mesh prefix into
# it; everything else is DSR. The demo shows a first ping finding its route
# by Route Discovery across five links, a TCP transfer (iperf3) forwarded
# hop by hop in XDP, the routes and neighbours babed learned (babectl), and
# the interesting counters; then tears everything down. Exits non-zero if
# any step fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$babe_root/tools/mesh.sh"

require_root_netns
for c in jq iperf3; do command -v $c > /dev/null || fail "$c missing (run tools/install-deps.sh)"; done
MESH_NAME=babe-demo
MESH_RUN=/run/babe-test/$MESH_NAME
# /metrics on every node, on its own namespace's loopback (metrics_excerpt).
MESH_METRICS=127.0.0.1:8477
N=6
trap mesh_down EXIT
indent() { sed 's/^/   /'; }
stat_sum() { # stat_sum REGEX NODES...: a counter summed over nodes
	local re=$1 i s=0
	shift
	for i in "$@"; do
		s=$((s + $(mesh_ctl "$i" --json stats | jq "[.stats | to_entries[] | select(.key | test(\"$re\")) | .value] | add // 0")))
	done
	echo "$s"
}

say "== $N nodes n1..n$N in a chain of namespaces, babed on each"
mesh_chain $N
mesh_start_all
mesh_ctl 1 status | indent

say "== babectl ping n1 -> n$N: no route yet, Route Discovery finds one"
# babectl ping sends its ICMP echo from where it runs: inside node 1.
mesh_exec 1 "$babectl_bin" -s "$(mesh_sock 1)" ping "$(mesh_addr $N)" -c 3 -i 0.2 | indent || fail "babectl ping"
say "== host ping n$N -> n1 (the reverse route was learned from the request)"
mesh_exec $N ping -c 3 -i 0.2 -W 2 "$(mesh_addr 1)" | grep -E 'bytes from|loss' | indent || fail "ping n$N -> n1"

say "== TCP transfer n1 -> n$N (iperf3, 3 s) over five links"
mesh_exec $N iperf3 -s -1 -D -B "$(mesh_addr $N)" --logfile "$MESH_RUN/iperf3-server.log"
wait_until 5 mesh_listening $N 5201 || fail "the iperf3 server on n$N does not listen"
rx0=$(stat_sum '^io_.*_rx_packets$' $(seq 1 $N))
t0=$(stat_sum '^xdp_transit_packets$' $(seq 2 $((N - 1))))
mesh_exec 1 iperf3 -c "$(mesh_addr $N)" -B "$(mesh_addr 1)" -t 3 -f m | grep -E 'sender|receiver' | indent ||
	fail "iperf3 transfer"
rx=$(($(stat_sum '^io_.*_rx_packets$' $(seq 1 $N)) - rx0))
transit=$(($(stat_sum '^xdp_transit_packets$' $(seq 2 $((N - 1)))) - t0))
say "   forwarded in XDP on n2..n$((N - 1)): $transit packets; frames up to the engines meanwhile: $rx"
[ "$transit" -gt 1000 ] || fail "the transfer did not cross the middle nodes in XDP"

say "== babectl routes (n1) and neighbours (n3)"
mesh_ctl 1 routes | indent
mesh_ctl 3 neighbours | indent
say "== babectl stats, the interesting lines (n1: initiator, n3: transit)"
for i in 1 3; do
	say "   -- n$i"
	mesh_ctl "$i" --json stats | jq -r '.stats | to_entries[]
		| select(.value > 0)
		| select(.key | test("^(dsr_(rreq|rrep|rerr|discovery|data|send_buffer|ack|maint)|xdp_(transit|deliver|encap|to_engine|engine_|drop_)|engine_(rx_frames|tx_|delivered|routes))"))
		| "\(.key) \(.value)"' | column -t | indent
done
drops=$(stat_sum '^xdp_drop_' $(seq 1 $N))
pass "demo: discovery across 5 links, ping both ways, TCP transfer with $transit XDP transits ($rx frames to the engines); XDP drops: $drops"

# metrics_excerpt I: the interesting lines of node I's Prometheus endpoint.
metrics_excerpt() {
	say "== /metrics of n$1 (curl 127.0.0.1:8477/metrics inside its namespace; excerpt, docs/observability.md)"
	mesh_exec "$1" curl -sS --max-time 5 http://127.0.0.1:8477/metrics |
		grep -E '^babe_(build_info|engine_up|routes_installed|neighbours|xdp_packets_total|xdp_drops_total|afxdp_rx_packets_total|dsr_events_total\{event="(rreq|rrep|data_forwarded)|route_discovery_seconds_(sum|count)|process_(cpu|resident))' |
		grep -v ' 0$' | indent || fail "no /metrics on n$1"
}
metrics_excerpt 3
