#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed where /proc/sys is read-only, as in a container whose privileged init
# container set the sysctls (helm/babe): on a 2-node chain, node 1 on the
# AF_PACKET backend (it turns IPv4 forwarding off on its ports) and node 2 on
# XDP, each babed started in a mount namespace with /proc/sys bound read-only:
#   - with the values already right (rp_filter loose in effect, forwarding 0
#     on node 1's ports) babed writes nothing, warns of nothing, and a ping
#     crosses the link;
#   - with a strict rp_filter and forwarding on, babed sets them through
#     rtnetlink (CAP_NET_ADMIN is enough), says so, and warns of nothing;
#   - with /proc/sys writable, babed writes them there, as before.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
command -v unshare > /dev/null || skip "unshare (util-linux) is not installed"
MESH_NAME=babe-t-sysctl
MESH_RUN=/run/babe-test/$MESH_NAME
mesh_backend[1]=afpacket
real_babed=$babed_bin
trap mesh_down EXIT

mesh_chain 2
# babed with /proc/sys read-only: its own mount namespace (private, so the
# read-only bind stays there), then exec babed (same pid for mesh_stop).
ro_babed=$MESH_RUN/babed-ro-proc-sys
cat > "$ro_babed" << SH
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "\$0" "\$@"' "$real_babed" "\$@"
SH
chmod +x "$ro_babed"
sc() { mesh_exec "$1" sysctl -n "$2"; }
scw() { local i=$1; shift; mesh_exec "$i" sysctl -qw "$@"; }
warnings() { grep -E 'cannot be loosened|cannot turn IPv4 forwarding off' "$MESH_RUN/n$1.log" || true; }

say "== values already set (what the chart's init container does), /proc/sys read-only"
for i in 1 2; do
	p=$((3 - i))
	scw "$i" net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=2 "net.ipv4.conf.m$p.rp_filter=2" \
		net.ipv4.conf.default.forwarding=0 "net.ipv4.conf.m$p.forwarding=0"
done
babed_bin=$ro_babed
mesh_start_all
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 2)" > /dev/null || { cat "$MESH_RUN/n1.log"; fail "ping 1 -> 2"; }
for i in 1 2; do
	w=$(warnings "$i")
	[ -z "$w" ] || fail "node $i warned although every value was right: $w"
	[ "$(sc "$i" net.ipv4.conf.babe0.rp_filter)" = 2 ] || fail "node $i: babe0 rp_filter is not 2"
done
[ "$(sc 1 net.ipv4.conf.babe0p.forwarding)" = 0 ] || fail "node 1: babe0p forwarding is not 0"
pass "read-only /proc/sys, values already right: no write, no warning, ping 1 -> 2 crosses the link"

say "== strict rp_filter and forwarding on, /proc/sys read-only"
mesh_stop 1
scw 1 net.ipv4.conf.m2.rp_filter=1 net.ipv4.conf.m2.forwarding=1
mesh_start 1
w=$(warnings 1)
[ -z "$w" ] || fail "warned although rtnetlink can set the values: $w"
grep -q 'net.ipv4.conf.m2.rp_filter=2 set through rtnetlink' "$MESH_RUN/n1.log" || fail "rp_filter on m2 not set through rtnetlink"
grep -q 'net.ipv4.conf.m2.forwarding=0 set through rtnetlink' "$MESH_RUN/n1.log" || fail "forwarding on m2 not set through rtnetlink"
[ "$(sc 1 net.ipv4.conf.m2.rp_filter)" = 2 ] && [ "$(sc 1 net.ipv4.conf.m2.forwarding)" = 0 ] ||
	fail "the values did not change"
pass "read-only /proc/sys, values wrong: babed sets them through rtnetlink, no warning"

say "== the same values, /proc/sys writable"
mesh_stop 1
scw 1 net.ipv4.conf.m2.rp_filter=1 net.ipv4.conf.m2.forwarding=1
babed_bin=$real_babed
mesh_start 1
w=$(warnings 1)
[ -z "$w" ] || fail "warned with a writable /proc/sys: $w"
grep -q 'through rtnetlink' "$MESH_RUN/n1.log" && fail "used rtnetlink although /proc/sys was writable"
[ "$(sc 1 net.ipv4.conf.m2.rp_filter)" = 2 ] || fail "rp_filter on m2 not loosened"
[ "$(sc 1 net.ipv4.conf.m2.forwarding)" = 0 ] || fail "forwarding on m2 not turned off"
pass "writable /proc/sys: babed loosens rp_filter and turns forwarding off itself"
