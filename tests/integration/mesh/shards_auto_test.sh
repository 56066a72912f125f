#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# engine.shards: 0 (one shard per CPU asked) on nodes whose mesh interfaces
# have one queue each, as a radio has: the engine can bind one shard, and
# babe0 must then have one queue too. With more, a local packet the host
# sent out of babe0 on queue 1 or higher met no AF_XDP socket on babe0p and
# was dropped (xdp_no_xsk): a node could not even answer its neighbour.
# Node 1 reuses a babe0 pair left with 4 queues (as an older babed with
# more shards would leave it): babed brings it to 1. Pings in both
# directions, each from a new ICMP socket so that the flows spread over
# every queue babe0 has; xdp_no_xsk stays 0 on every node.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
command -v jq > /dev/null || skip "jq is not installed"
MESH_NAME=babe-t-shards-auto
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_SHARDS=0
MESH_QUEUES=1
trap mesh_down EXIT

[ "$(nproc)" -ge 2 ] || say "   (1 CPU: engine.shards 0 asks for 1 shard here, the case this test is for does not arise)"
mesh_chain 3
ip -n "$(mesh_ns 1)" link add babe0 numtxqueues 4 numrxqueues 4 type veth peer name babe0p numtxqueues 4 numrxqueues 4
mesh_start_all

queues() { mesh_exec "$1" ls "/sys/class/net/$2/queues" | grep -c "^$3-"; }
for i in 1 2 3; do
	shards=$(mesh_ctl "$i" --json status | jq '.status.shards')
	[ "$shards" = 1 ] || fail "node $i runs $shards shard(s) on single-queue mesh interfaces"
	for dev in babe0 babe0p; do
		for kind in rx tx; do
			n=$(queues "$i" "$dev" "$kind")
			[ "$n" = 1 ] || fail "node $i: $dev has $n $kind queue(s), the engine binds 1 shard"
		done
	done
done
grep -q "babe0: 1 queue(s) instead of 4" "$MESH_RUN/n1.log" || fail "node 1 does not say it resized babe0"
pass "engine.shards 0 on $(nproc) CPU(s), mesh interfaces with 1 queue: 1 shard, babe0 with 1 queue (node 1's from 4)"

# ping_each I J COUNT: COUNT pings from node I to node J, each its own
# process (a new ICMP id, so a new flow and queue pick); prints the replies.
ping_each() {
	local k got=0
	for ((k = 0; k < $3; k++)); do
		mesh_exec "$1" ping -c 1 -W 3 "$(mesh_addr "$2")" > /dev/null 2>&1 && got=$((got + 1))
	done
	echo "$got"
}
for pair in "1 2" "2 1" "1 3" "3 1" "2 3" "3 2"; do
	set -- $pair
	got=$(ping_each "$1" "$2" 8)
	[ "$got" = 8 ] || fail "$got of 8 pings $1 -> $2"
done
pass "8 pings each way between every pair of nodes"

for i in 1 2 3; do
	n=$(stat_of "$i" '^xdp_no_xsk_packets$')
	[ "$n" = 0 ] || fail "node $i dropped $n packet(s) as xdp_no_xsk"
done
pass "xdp_no_xsk 0 on every node"
