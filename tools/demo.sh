#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Babe demo: the most complete end-to-end thing the project has so far.
# Two namespaces joined by veth; the first XDP program (babe_counter) is
# loaded with bpftool, attached to one end, and counts a ping crossing it.
# Exits non-zero if any step fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require_root_netns
mount_bpffs
obj=$babe_build/bpf/babe_counter.bpf.o
[ -f "$obj" ] || fail "missing $obj (run make first)"

pin=/sys/fs/bpf/babe-demo
cleanup() { ns_cleanup; rm -rf "$pin"; }
trap cleanup EXIT
rm -rf "$pin"; mkdir -p "$pin"

say "== two namespaces, one veth link, XDP counter on b"
ns_add babe-demo-a
ns_add babe-demo-b
veth_link babe-demo-a veth-a babe-demo-b veth-b
ip -n babe-demo-a addr add 10.99.0.1/24 dev veth-a
ip -n babe-demo-b addr add 10.99.0.2/24 dev veth-b

bpftool prog load "$obj" "$pin/prog" type xdp pinmaps "$pin/maps"
# `ip netns exec` remounts /sys, hiding bpffs: hand the program over by id.
prog_id=$(bpftool -j prog show pinned "$pin/prog" | jq .id)
ip netns exec babe-demo-b bpftool net attach xdp id "$prog_id" dev veth-b
ip -n babe-demo-b -d link show veth-b | grep -o 'prog/xdp id [0-9]*' || fail "XDP not attached"

say "== ping a -> b (5 packets)"
ip netns exec babe-demo-a ping -c 5 -i 0.2 -W 2 10.99.0.2

say "== bpftool map dump of the counter (per CPU)"
bpftool map dump pinned "$pin/maps/babe_counter"
packets=$(bpftool -j map dump pinned "$pin/maps/babe_counter" |
	jq "[.[].formatted | select(.key == 0) | .values[].value] | add")
say "packets counted by XDP on veth-b: $packets"
[ "$packets" -ge 5 ] || fail "expected at least 5 packets, counted $packets"
pass "demo: XDP program counted $packets packets between two namespaces"
