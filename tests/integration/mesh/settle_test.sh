#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An XDP node (xdp.mode auto) next to a neighbour that runs no XDP (AF_PACKET
# backend, so its veth end has no NAPI and the XDP node's m1 lacks ndo-xmit):
# in the 2 s before the XDP node settles generic, its own replies, encapsulated
# by XDP on babe0p, must not be redirected natively into m1 (the veth drops
# them). A ping right after both start, once the route is in XDP's maps.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
MESH_NAME=babe-t-settle
MESH_RUN=/run/babe-test/$MESH_NAME
mesh_backend[1]=afpacket
trap mesh_down EXIT

mesh_chain 2
mesh_start_all
# The first reply goes through node 2's engine (no route in XDP yet).
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 2)" > /dev/null || fail "ping 1 -> 2"
mesh_stop 1
mesh_start 1
# Node 2 has the route now: XDP encapsulates the reply; node 2 is still in
# its settle window (it started less than 2 s ago).
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 2)" > /dev/null ||
	{ mesh_ctl 2 stats | grep -E 'encap|xmit' >&2; fail "ping 1 -> 2 inside node 2's settle window"; }
grep -q 'generic on babe0p' "$MESH_RUN/n2.log" || fail "node 2 did not run babe0p generic while it waited"
pass "XDP node next to a node without XDP: its replies cross the link while it settles"
