# SPDX-License-Identifier: Apache-2.0
# Shared helpers for Babe's shell tests, demo and benchmarks: PASS/FAIL/SKIP
# lines, root and kernel-feature checks, bpffs/tracefs mounts, namespace
# bookkeeping with teardown on exit. Source it; do not run it.

babe_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
babe_build=${BABE_BUILD_DIR:-$babe_root/build}

say() { printf '%s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

# wait_until SECONDS COMMAND [ARGS...]: run COMMAND every 20 ms until it
# succeeds; status 1 if it still fails after SECONDS (may be fractional).
# Tests wait for the condition they need this way, never for a fixed time:
# a fixed sleep is too short on a loaded machine and too long on an idle one.
wait_until() {
	local end
	end=$((${EPOCHREALTIME/[.,]/} + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }')))
	shift
	until "$@"; do
		((${EPOCHREALTIME/[.,]/} < end)) || return 1
		sleep 0.02
	done
}

# wait_settled SECONDS COMMAND [ARGS...]: run COMMAND, which prints a value
# (a counter), until two outputs 50 ms apart are equal: what was in flight
# has been processed. Status 1 if it still changes after SECONDS.
wait_settled() {
	local end prev cur
	end=$((${EPOCHREALTIME/[.,]/} + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }')))
	shift
	prev=$("$@")
	while :; do
		sleep 0.05
		cur=$("$@")
		[ "$cur" = "$prev" ] && return 0
		((${EPOCHREALTIME/[.,]/} < end)) || return 1
		prev=$cur
	done
}

# port_bound NS tcp|udp PORT: a socket in network namespace NS listens on
# (tcp) or is bound to (udp) PORT, e.g. a server started in the background.
port_bound() {
	local opt=-t
	[ "$2" = udp ] && opt=-u
	[ -n "$(ip netns exec "$1" ss -Hln "$opt" "sport = :$3")" ]
}

# Exit 77 (SKIP) unless we may create namespaces and load XDP programs.
require_root_netns() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and XDP"
	ip netns add babe-probe-$$ 2>/dev/null || skip "cannot create network namespaces"
	ip netns del babe-probe-$$
}

mount_bpffs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
		skip "cannot mount bpffs on /sys/fs/bpf"
}

mount_tracefs() {
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
}

# Namespaces made through ns_add are deleted by ns_cleanup (run on EXIT).
babe_namespaces=()
ns_add() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1"
	babe_namespaces+=("$1")
	ip -n "$1" link set lo up
}
ns_cleanup() {
	for ns in "${babe_namespaces[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	babe_namespaces=()
}

# veth_link NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both up.
veth_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
