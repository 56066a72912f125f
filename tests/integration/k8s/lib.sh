# SPDX-License-Identifier: Apache-2.0
# Shared by the chart and image tests: Helm and the schema packages from
# .tools/ (tools/install-deps.sh), with a writable HOME for Helm; render
# VALUES_FILE: the chart's objects as YAML; k8s_json: the same as a JSON array.
chart=$babe_root/helm/babe
helm_bin=$babe_root/.tools/helm/helm
export BABE_NODE_MODULES=$babe_root/.tools/node_modules
k8s_tools() {
	[ -x "$helm_bin" ] || skip "helm missing in .tools/ (bash tools/install-deps.sh)"
	[ -d "$BABE_NODE_MODULES/kubernetes-models" ] || skip "kubernetes-models missing in .tools/ (bash tools/install-deps.sh)"
	command -v node > /dev/null || skip "node is not installed"
	python3 -c 'import yaml' 2> /dev/null || skip "python3-yaml is not installed"
	export HOME=$k8s_home HELM_CACHE_HOME=$k8s_home/cache HELM_CONFIG_HOME=$k8s_home/config HELM_DATA_HOME=$k8s_home/data
}
# helm with its chart-symlink notice (dashboards/babe.json) filtered out.
helm() { "$helm_bin" "$@" 2> >(grep -v 'found symbolic link' >&2); }
render() { # render [helm template args...]
	helm template babe "$chart" --namespace babe-system "$@"
}
k8s_json() { python3 -c 'import sys, yaml, json; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)'; }
# cm_key FILE.json CONFIGMAP KEY: a key of a rendered ConfigMap.
cm_key() { jq -j --arg n "$2" --arg k "$3" '.[] | select(.kind == "ConfigMap" and .metadata.name == $n) | .data[$k]' "$1"; }
