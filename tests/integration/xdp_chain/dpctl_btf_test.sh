#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babe-dpctl and bpftool against the pinned maps: a route written by
# babe-dpctl reads back through `bpftool map dump pinned <pin>/routes` with
# BTF-formatted keys and values, a neighbour through the neighbours map; the
# loader's errors (no bpffs, missing interface, missing netns, no
# privileges) are the typed
# ones; under `ip netns exec` (no bpffs) --mount-bpffs gets a private one.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"

require_root_netns
mount_bpffs
dpctl=$babe_build/userspace/dataplane/babe-dpctl
[ -x "$dpctl" ] || fail "missing $dpctl"
command -v jq >/dev/null || skip "jq missing"
command -v bpftool >/dev/null || skip "bpftool missing"

pin=/sys/fs/bpf/babe-btf-test-$$
ns=babe-btf-$$
cleanup() { "$dpctl" --pin "$pin" teardown 2>/dev/null || true; ns_cleanup; rm -rf "$pin" "$pin-np"; }
trap cleanup EXIT
ns_add "$ns"
ip -n "$ns" link add mesh0 type veth peer name mesh1
ip -n "$ns" link set mesh0 up
ip -n "$ns" link set mesh1 up

test_btf_route_dump() {
	"$dpctl" --pin "$pin" load >/dev/null
	"$dpctl" --pin "$pin" route add 10.77.0.5 via 10.77.0.2,10.77.0.3 generation 4
	local f
	f=$(bpftool -j map dump pinned "$pin/routes" | jq -c '.[0].formatted')
	[ "$(jq .value.n_hops <<<"$f")" = 2 ] || fail "routes: formatted n_hops in $f"
	[ "$(jq .value.generation <<<"$f")" = 4 ] || fail "routes: formatted generation in $f"
	# Addresses are __be32: 10.77.0.2 is 0x0200 4d0a read as a little-endian u32.
	[ "$(jq .key <<<"$f")" = $((0x05004d0a)) ] || fail "routes: formatted key in $f"
	[ "$(jq '.value.hops[0]' <<<"$f")" = $((0x02004d0a)) ] || fail "routes: hops[0] in $f"
	[ "$(jq '.value.hops[1]' <<<"$f")" = $((0x03004d0a)) ] || fail "routes: hops[1] in $f"
	pass "bpftool dumps routes with BTF: $f"
}

test_btf_neighbour_dump() {
	"$dpctl" --pin "$pin" --netns "$ns" neigh add 10.77.0.2 dev mesh0 lladdr 02:00:00:00:00:2a
	local f ifindex
	ifindex=$(ip -n "$ns" -j link show mesh0 | jq '.[0].ifindex')
	f=$(bpftool -j map dump pinned "$pin/neighbours" | jq -c '.[0].formatted')
	[ "$(jq .value.ifindex <<<"$f")" = "$ifindex" ] || fail "neighbours: ifindex in $f"
	[ "$(jq -c .value.mac <<<"$f")" = "[2,0,0,0,0,42]" ] || fail "neighbours: mac in $f"
	pass "bpftool dumps neighbours with BTF"
}

test_stats_are_summed() {
	local n f entries ncpu
	n=$("$dpctl" --pin "$pin" stats --json | jq '[.[] | .packets] | length')
	[ "$n" -gt 10 ] || fail "stats --json lists $n counters"
	# One entry per possible CPU plus the shared one, counters by name.
	f=$(bpftool -j map dump pinned "$pin/stats")
	entries=$(jq length <<<"$f")
	ncpu=$(($(tr , '\n' </sys/devices/system/cpu/possible | awk -F- '{print $NF}' | sort -n | tail -1) + 1))
	[ "$entries" -eq $((ncpu + 1)) ] || fail "stats has $entries entries for $ncpu CPUs"
	[ "$(jq '.[0].formatted.value.transit.packets' <<<"$f")" = 0 ] ||
		fail "stats: no transit counter by name in $(jq -c '.[0].formatted' <<<"$f" | head -c 200)"
	jq -e '.[0].formatted.value | has("drop_ttl_expired") and has("engine_no_route")' <<<"$f" >/dev/null ||
		fail "stats: drop/engine counters not named as the exporter labels"
	pass "stats --json lists $n counters; bpftool shows $entries stats entries with named counters"
}

test_errors() {
	local out
	out=$("$dpctl" --pin /tmp/babe-btf-not-bpffs load 2>&1) && fail "load on tmpfs succeeded"
	grep -q '^babe-dpctl: no_bpffs:' <<<"$out" || fail "no bpffs: $out"
	[ ! -e /tmp/babe-btf-not-bpffs ] || fail "created a pin dir outside bpffs"
	out=$("$dpctl" --pin "$pin" --netns "$ns" attach mesh nosuch0 2>&1) && fail "attach to a missing interface succeeded"
	grep -q 'no_interface: no interface nosuch0' <<<"$out" || fail "missing interface: $out"
	out=$("$dpctl" --pin "$pin" --netns babe-no-such-ns route show 2>&1) && fail "missing netns accepted"
	grep -q 'no_netns' <<<"$out" || fail "missing netns: $out"
	out=$("$dpctl" --pin "$pin" route add 10.77.0.9 via 10.77.0.x 2>&1) && fail "bad hop accepted"
	grep -q 'invalid_argument' <<<"$out" || fail "bad hop: $out"
	if command -v setpriv >/dev/null; then
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$dpctl" --pin "$pin-np" load 2>&1) && fail "load as nobody succeeded"
		rm -rf "$pin-np"
		grep -q '^babe-dpctl: no_privileges:' <<<"$out" || fail "no privileges: $out"
	fi
	# ip netns exec remounts /sys: no bpffs there unless the loader mounts one.
	out=$(ip netns exec "$ns" "$dpctl" --pin /sys/fs/bpf/babe-inside load 2>&1) && fail "load without bpffs succeeded"
	grep -q 'no_bpffs' <<<"$out" || fail "ip netns exec without bpffs: $out"
	ip netns exec "$ns" "$dpctl" --mount-bpffs --pin /sys/fs/bpf/babe-inside attach mesh mesh1 ||
		fail "--mount-bpffs inside ip netns exec"
	# That bpffs instance belonged to the command's mount namespace: gone with
	# it, and the link it pinned with it (use --netns to keep pins on the host).
	! ip -n "$ns" link show mesh1 | grep -q 'prog/xdp' || fail "link outlived its private bpffs"
	pass "typed errors: no_bpffs, no_interface, no_netns, invalid_argument, no_privileges; --mount-bpffs works"
}

test_btf_route_dump
test_btf_neighbour_dump
test_stats_are_summed
test_errors
