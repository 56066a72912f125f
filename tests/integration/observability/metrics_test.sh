#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed's /metrics on a 3-node chain of namespaces (tools/mesh.sh with
# metrics.listen 0.0.0.0:8477 on every node, each in its own namespace):
#   - a scrape answers 200 with the 0.0.4 content type, passes `promtool
#     check metrics` and our own checks (babe-metrics-lint: no duplicate
#     series, cumulative buckets, *_total counters), and has the families
#     docs/observability.md promises;
#   - /healthz and /readyz answer 200 ok on a running node;
#   - a real Prometheus server, run inside node 1's namespace on its
#     loopback, scrapes node 1 (127.0.0.1) and node 2 (over the mesh, one
#     hop): `up` is 1 for both, and the XDP transit counter of node 2 moves by
#     the test's own ping traffic (node 1 -> node 3 crosses node 2; the
#     scrapes themselves never transit node 2); every query of the Grafana
#     dashboard (docs/grafana/babe.json) runs.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
for c in curl jq promtool prometheus; do command -v $c > /dev/null || skip "$c is not installed"; done
lint_bin=$babe_build/userspace/metrics/babe-metrics-lint
[ -x "$lint_bin" ] || fail "missing $lint_bin (build first)"
MESH_NAME=babe-t-metrics
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_METRICS=0.0.0.0:8477
prom_pid=
cleanup() {
	[ -z "$prom_pid" ] || kill "$prom_pid" 2>/dev/null || true
	mesh_down
}
trap cleanup EXIT

mesh_chain 3
mesh_start_all
grep -q 'metrics on http://0.0.0.0:8477/metrics' "$MESH_RUN/n1.log" || { cat "$MESH_RUN/n1.log"; fail "babed did not start /metrics"; }

say "== route n1 -> n3 (discovery), then one scrape of n1"
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping n1 -> n3"
hdr=$(mesh_exec 1 curl -sS -D - -o "$MESH_RUN/n1.metrics" http://127.0.0.1:8477/metrics) || fail "curl /metrics"
grep -q '^HTTP/1.[01] 200' <<< "$hdr" || fail "status: $hdr"
grep -qi '^Content-Type: text/plain; version=0.0.4' <<< "$hdr" || fail "content type: $hdr"
pass "GET /metrics: 200, text/plain version=0.0.4, $(wc -l < "$MESH_RUN/n1.metrics") lines"
promtool check metrics < "$MESH_RUN/n1.metrics" || fail "promtool check metrics"
pass "promtool check metrics: clean"
"$lint_bin" < "$MESH_RUN/n1.metrics" || fail "babe-metrics-lint"
pass "babe-metrics-lint: no duplicate series, buckets cumulative, counters *_total"
for f in babe_build_info babe_engine_up babe_xdp_packets_total babe_xdp_drops_total babe_xdp_to_engine_total \
	babe_afxdp_rx_packets_total babe_afxdp_tx_packets_total babe_dsr_events_total babe_route_cache_lookups_total \
	babe_send_buffer_packets babe_routes_installed babe_route_discovery_seconds babe_route_repair_seconds \
	babe_process_cpu_seconds_total babe_process_resident_memory_bytes babe_process_open_fds; do
	grep -q "^# TYPE $f " "$MESH_RUN/n1.metrics" || fail "family $f missing"
done
grep -q '^babe_engine_up 1$' "$MESH_RUN/n1.metrics" || fail "babe_engine_up is not 1"
grep -q '^babe_route_discovery_seconds_count [1-9]' "$MESH_RUN/n1.metrics" || fail "no discovery observed in the histogram"
grep -q '^babe_dsr_events_total{event="rreq_originated"} [1-9]' "$MESH_RUN/n1.metrics" || fail "rreq_originated is 0"
grep -q '^babe_afxdp_rx_packets_total{interface="m2",queue="0"} [1-9]' "$MESH_RUN/n1.metrics" ||
	fail "no AF_XDP rx on m2"
if grep -E '10\.77\.0\.[0-9]+' "$MESH_RUN/n1.metrics"; then fail "a peer address in a label"; fi
pass "families present; discovery histogram, rreq_originated and AF_XDP rx moved; no address labels"
for probe in healthz readyz; do
	out=$(mesh_exec 2 curl -sS -w '%{http_code}' "http://127.0.0.1:8477/$probe" | tr '\n' ' ') || fail "curl /$probe"
	[ "$out" = "ok 200" ] || fail "/$probe on a running node: '$out'"
done
pass "/healthz and /readyz: 200 ok on a running node (main loop turning, data plane attached, shards turning)"

say "== Prometheus in n1's namespace scraping n1 (loopback) and n2 (over the mesh)"
cat > "$MESH_RUN/prometheus.yml" <<CFG
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: babed
    static_configs:
      - targets: ['127.0.0.1:8477', '$(mesh_addr 2):8477']
CFG
promtool check config "$MESH_RUN/prometheus.yml" > /dev/null || fail "promtool check config"
ip netns exec "$(mesh_ns 1)" prometheus --config.file="$MESH_RUN/prometheus.yml" \
	--storage.tsdb.path="$MESH_RUN/prom" --web.listen-address=127.0.0.1:19090 \
	> "$MESH_RUN/prometheus.log" 2>&1 &
prom_pid=$!
# query EXPR: the result vector of an instant query, as JSON.
query() { mesh_exec 1 curl -sS --max-time 2 http://127.0.0.1:19090/api/v1/query --data-urlencode "query=$1" | jq -c '.data.result'; }
ups=
for ((t = 0; t < 150; t++)); do
	ups=$(query 'sum(up{job="babed"})' 2> /dev/null | jq -r '.[0].value[1] // empty' 2> /dev/null || true)
	[ "$ups" = 2 ] && break
	kill -0 "$prom_pid" 2> /dev/null || { cat "$MESH_RUN/prometheus.log"; fail "prometheus exited"; }
	sleep 0.2
done
[ "$ups" = 2 ] || { query up; tail -5 "$MESH_RUN/prometheus.log"; fail "up: '$ups' targets up, want 2"; }
pass "Prometheus: up == 1 for 127.0.0.1:8477 and $(mesh_addr 2):8477"

transit_q="babe_xdp_packets_total{action=\"transit\",instance=\"$(mesh_addr 2):8477\"}"
# The value Prometheus has now for node 2's transit counter (after one more scrape).
transit_now() { query "$transit_q" | jq -r '.[0].value[1] // "none"'; }
transit_scraped() { [ "$(transit_now)" != none ]; }
wait_until 5 transit_scraped || true
before=$(transit_now)
[ "$before" != none ] || fail "no $transit_q in Prometheus"
say "   node 2 transit in Prometheus before the traffic: $before"
mesh_exec 1 ping -q -c 200 -i 0.01 -W 2 "$(mesh_addr 3)" > /dev/null || fail "ping n1 -> n3 (200 packets)"
after=$before
for ((t = 0; t < 50; t++)); do
	after=$(transit_now)
	[ "$after" != none ] && [ "$after" -ge $((before + 400)) ] && break
	sleep 0.2
done
[ "$after" -ge $((before + 400)) ] || fail "transit on node 2 went $before -> $after, want +400 (200 echo requests + replies)"
pass "Prometheus saw node 2's XDP transit counter move $before -> $after with the test's 200 pings"
rate=$(query "rate(babe_dsr_events_total{event=\"rreq_originated\",instance=\"127.0.0.1:8477\"}[1m])" | jq -r 'length')
[ "$rate" = 1 ] || fail "PromQL rate() over babe_dsr_events_total gave $rate series"
pass "PromQL rate() over a DSR event counter answers"

# Every query of the Grafana dashboard (docs/grafana/babe.json) is valid
# PromQL against these series, with its variables set to "all".
bad=0
nq=0
while IFS= read -r expr; do
	expr=${expr//\$__rate_interval/1m}
	expr=${expr//\$instance/.*}
	expr=${expr//\$job/.*}
	st=$(mesh_exec 1 curl -sS --max-time 2 http://127.0.0.1:19090/api/v1/query --data-urlencode "query=$expr" | jq -r .status)
	nq=$((nq + 1))
	[ "$st" = success ] || { say "   dashboard query failed: $expr"; bad=$((bad + 1)); }
done < <(jq -r '.panels[].targets[].expr' "$babe_root/docs/grafana/babe.json")
[ "$bad" = 0 ] || fail "$bad of $nq dashboard queries are not valid PromQL"
pass "the $nq queries of docs/grafana/babe.json run against these series"
