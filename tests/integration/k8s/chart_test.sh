#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Helm chart (helm/babe), offline: for the default values and four other
# sets (tests/integration/k8s/values: monitoring with the Prometheus
# Operator, other interfaces and the AF_PACKET backend, custom babe.yaml keys
# with addresses by node, probes and init container off):
#   - `helm lint` is clean and `helm template` renders;
#   - every object passes the Kubernetes 1.27 schemas (kubernetes-models;
#     ServiceMonitor and PrometheusRule: prometheus-operator models), and the
#     fields the chart relies on are there (validate.js);
#   - the rendered babe.yaml passes `babed --check-config` with each node's
#     address as the pod passes it; run-babed.sh picks the address by node;
#   - the PrometheusRule passes `promtool check rules`; the dashboard
#     ConfigMap is docs/grafana/babe.json byte for byte;
# and: values.schema.json refuses bad values naming the key; the checksum
# annotation changes with babe.yaml and only with it.
set -euo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
k8s_home=$tmp/home
. "$babe_root/tests/integration/k8s/lib.sh"
k8s_tools
command -v jq > /dev/null || skip "jq is not installed"
babed=$babe_build/userspace/daemon/babed
[ -x "$babed" ] || fail "missing $babed (build first)"
vdir=$babe_root/tests/integration/k8s/values

for set in default monitoring interfaces custom-config probes-off; do
	args=()
	[ "$set" = default ] || args=(-f "$vdir/$set.yaml")
	say "== values: $set"
	helm lint --strict "$chart" "${args[@]}" > "$tmp/lint.out" 2>&1 || { cat "$tmp/lint.out"; fail "$set: helm lint"; }
	render "${args[@]}" > "$tmp/$set.yaml" || fail "$set: helm template"
	k8s_json < "$tmp/$set.yaml" > "$tmp/$set.json"
	kinds=$(jq -r '[.[] | .kind] | join(" ")' "$tmp/$set.json")
	probes=1 init=1
	[ "$set" = probes-off ] && probes=0 init=0
	BABE_EXPECT_PROBES=$probes BABE_EXPECT_INIT=$init node "$babe_root/tests/integration/k8s/validate.js" "$tmp/$set.json" \
		> "$tmp/validate.out" || fail "$set: validation"
	pass "$set: lint clean; $(wc -l < "$tmp/validate.out") objects valid ($kinds)"

	cm_key "$tmp/$set.json" babe babe.yaml > "$tmp/$set.babe.yaml"
	cm_key "$tmp/$set.json" babe node-addresses > "$tmp/$set.addresses"
	cm_key "$tmp/$set.json" babe run-babed.sh > "$tmp/$set.run.sh"
	# Each node's babed as the pod starts it: run-babed.sh with babed swapped
	# for --check-config on the rendered file.
	nodes=$(awk '{print $1}' "$tmp/$set.addresses" | xargs)
	if [ -z "$nodes" ] && ! grep -q '^node:' "$tmp/$set.babe.yaml"; then
		# No address at all: babed refuses and names the key; with one it passes.
		sed -e "s|/etc/babe/node-addresses|$tmp/$set.addresses|" \
			-e "s|exec /usr/sbin/babed -c /etc/babe/babe.yaml|exec $babed --check-config $tmp/$set.babe.yaml|" \
			"$tmp/$set.run.sh" > "$tmp/run.sh"
		out=$(NODE_NAME=edge-1 sh "$tmp/run.sh" 2>&1) && fail "$set: babed accepted a config without node.address"
		grep -q 'node.address: required key is missing' <<< "$out" || fail "$set: unclear refusal: $out"
		sed -i 's|/usr/sbin/babed -c|/usr/sbin/babed --set node.address=10.77.0.1 -c|' "$tmp/$set.run.sh"
	fi
	# Each node's babed as the pod starts it: run-babed.sh with babed swapped
	# for --check-config on the rendered file.
	for n in ${nodes:-any-node}; do
		sed -e "s|/etc/babe/node-addresses|$tmp/$set.addresses|" \
			-e "s|exec /usr/sbin/babed \(.*\)-c /etc/babe/babe.yaml|exec $babed \1--check-config $tmp/$set.babe.yaml|" \
			"$tmp/$set.run.sh" > "$tmp/run.sh"
		out=$(NODE_NAME=$n sh "$tmp/run.sh" 2>&1) || fail "$set: node $n: babed --check-config: $out"
		want=$(awk -v n="$n" '$1 == n {print $2}' "$tmp/$set.addresses")
		[ -z "$want" ] || grep -q "node $want," <<< "$out" || fail "$set: node $n did not get address $want: $out"
	done
	pass "$set: babe.yaml passes babed --check-config on ${nodes:-every node} ($(tail -1 <<< "$out"))"

	if jq -e '.[] | select(.kind == "PrometheusRule")' "$tmp/$set.json" > /dev/null; then
		command -v promtool > /dev/null || skip "promtool is not installed"
		jq '.[] | select(.kind == "PrometheusRule") | .spec' "$tmp/$set.json" > "$tmp/rules.yaml"
		promtool check rules "$tmp/rules.yaml" > "$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out"; fail "$set: promtool check rules"; }
		pass "$set: PrometheusRule: $(grep -o 'SUCCESS: [0-9]* rules found' "$tmp/promtool.out")"
		jq -e '.[] | select(.kind == "DaemonSet") | .spec.template.metadata.annotations["prometheus.io/scrape"] == null' \
			"$tmp/$set.json" > /dev/null || fail "$set: scrape annotations beside a ServiceMonitor"
	elif grep -q 'listen: 0.0.0.0' "$tmp/$set.babe.yaml"; then
		jq -e '.[] | select(.kind == "DaemonSet") | .spec.template.metadata.annotations["prometheus.io/scrape"] == "true"' \
			"$tmp/$set.json" > /dev/null || fail "$set: no scrape annotations without the operator"
	fi
	if jq -e '.[] | select(.metadata.name == "babe-dashboard")' "$tmp/$set.json" > /dev/null; then
		cm_key "$tmp/$set.json" babe-dashboard babe.json | cmp - "$babe_root/docs/grafana/babe.json" ||
			fail "$set: the dashboard ConfigMap differs from docs/grafana/babe.json"
	fi
done
pass "PrometheusRules pass promtool; the dashboard ConfigMap is docs/grafana/babe.json"

say "== values.schema.json and the chart's own checks refuse bad values"
refuse() { # refuse PATTERN ARGS...: helm template fails naming PATTERN
	local pat=$1 out; shift
	out=$(render "$@" 2>&1) && fail "accepted: $*"
	grep -q -- "$pat" <<< "$out" || fail "refused without naming '$pat': $out"
}
refuse 'babed.config.xdp.pin_path' --set babed.config.xdp.pin_path=/var/lib/babe
refuse 'Additional property bogus' --set babed.config.bogus.key=1
refuse 'babed.nodeAddresses.edge-1' --set babed.nodeAddresses.edge-1=10.77.0
refuse 'babed.config.mesh: interfaces is required' --set 'babed.config.mesh.interfaces=null'
refuse 'babed.config.mesh.interfaces.0' --set 'babed.config.mesh.interfaces[0]=wlan0/x'
refuse 'babed.extraCapabilities' --set 'babed.extraCapabilities={SYS_ADMIN}'
refuse 'babed.config.metrics.listen 127.0.0.1:8477 is loopback' --set babed.config.metrics.listen=127.0.0.1:8477
refuse 'babed.probes.enabled needs babed.config.metrics.listen' --set babed.config.metrics.listen=
refuse 'pullPolicy' --set image.pullPolicy=Sometimes
pass "bad values refused, each naming its key"

sum() { render "$@" | k8s_json | jq -r '.[] | select(.kind == "DaemonSet") | .spec.template.metadata.annotations["checksum/config"]'; }
c0=$(sum)
c1=$(sum --set babed.config.log.level=debug)
c2=$(sum --set babed.resources.requests.cpu=1)
[ "$c0" != "$c1" ] || fail "checksum/config did not change with babe.yaml"
[ "$c0" = "$c2" ] || fail "checksum/config changed without a config change"
pass "checksum/config rolls the pods on a babe.yaml change only"
