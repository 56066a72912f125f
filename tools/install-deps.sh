#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The single list of Debian packages Babe needs to build, test, benchmark and
# run its demo. Idempotent: when everything is present it returns at once.
set -euo pipefail

packages=(
	# build
	build-essential cmake ninja-build pkg-config clang llvm lld
	libbpf-dev libxdp-dev bpftool linux-libc-dev libelf-dev zlib1g-dev
	libclang-rt-14-dev
	# libraries
	libgtest-dev libgmock-dev googletest libbenchmark-dev librapidcheck-dev
	libyaml-cpp-dev libcli11-dev libcivetweb-dev nlohmann-json3-dev
	libspdlog-dev libfmt-dev libpcap-dev systemtap-sdt-dev libsystemd-dev
	# test, demo and benchmark tools
	iproute2 iputils-ping iperf3 nftables ethtool tcpdump tshark
	bpftrace prometheus gnuplot-nox jq xxd procps psmisc kmod python3
	systemd curl
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

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
