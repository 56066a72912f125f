#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed with two shards per node (every veth with two queues): each shard is
# its own pinned thread with its own AF_XDP sockets (queue q of every
# interface); discovery and a parallel TCP transfer work end to end, and the
# shards' counters are summed in babectl stats. engine.cpus places the
# shards (node 1 runs them on reversed CPUs); a CPU babed may not run on is
# refused with an error naming the key.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
require_root_netns
command -v iperf3 > /dev/null || skip "iperf3 is not installed"
MESH_NAME=babe-t-shards
MESH_RUN=/run/babe-test/$MESH_NAME
MESH_SHARDS=2
trap mesh_down EXIT

mesh_chain 4
# Node 1 with engine.cpus reversed: shard 0 on CPU 1, shard 1 on CPU 0.
mesh_start 1 --set engine.cpus=1,0
for i in 2 3 4; do mesh_start "$i"; done

shards=$(mesh_ctl 1 --json status | jq '.status.shards')
[ "$shards" = 2 ] || fail "babed runs $shards shard(s), expected 2"
pid=$(cat "$MESH_RUN/n1.pid")
threads=$(cat /proc/"$pid"/task/*/comm | grep -c '^babe-shard' || true)
[ "$threads" = 2 ] || fail "$threads shard threads in babed"
# Each shard thread with the CPU it may run on, one walk of the threads.
pins=$(for t in /proc/"$pid"/task/*; do
	c=$(cat "$t/comm")
	case $c in babe-shard*) echo "$c:$(awk '/Cpus_allowed_list/ {print $2}' "$t/status")" ;; esac
done | sort | tr '\n' ' ')
cpus=$(tr ' ' '\n' <<< "$pins" | sed -n 's/.*://p' | sort -u | wc -l)
[ "$cpus" = 2 ] || fail "the shard threads are not pinned to distinct CPUs"
pass "2 shards on distinct CPUs"
[ "$pins" = "babe-shard0:1 babe-shard1:0 " ] || fail "engine.cpus=1,0 pinned the shards as: $pins"
pass "engine.cpus=1,0: $pins"

# engine.sched_slice_us (default 100): each shard thread asks for a 100 us
# slice (Linux >= 6.12 honours it and shows it as se.slice); the daemon's
# other threads keep the kernel's.
slices=$(for t in /proc/"$pid"/task/*; do
	if grep -q '^babe-shard' "$t/comm"; then awk '/^se.slice/ {print $3}' "$t/sched" 2> /dev/null; fi
done | sort -u)
main_slice=$(awk '/^se.slice/ {print $3}' /proc/"$pid"/sched 2> /dev/null || true)
kver=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
if [ -z "$slices" ] || [ "$kver" -lt 6012 ]; then
	say "SKIP (part): shard slices not checked: kernel $(uname -r) has no custom EEVDF slices (6.12+) or no se.slice in /proc"
else
	[ "$slices" = 100000 ] || fail "shard threads' slices: $slices ns, expected 100000"
	[ "$main_slice" != 100000 ] || fail "babed's main thread got the shards' slice too"
	pass "shard threads run with a 100 us scheduler slice (main thread: $main_slice ns)"
fi

mesh_exec 1 ping -c 2 -W 5 "$(mesh_addr 4)" > /dev/null || fail "ping across 3 links failed"
pass "ping through discovery with 2 shards per node"

mesh_exec 4 iperf3 -s -1 -D -B "$(mesh_addr 4)"
wait_until 5 mesh_listening 4 5201 || fail "the iperf3 server on node 4 does not listen"
out=$(mesh_exec 1 iperf3 -c "$(mesh_addr 4)" -B "$(mesh_addr 1)" -t 2 -P 4 -J) || fail "iperf3 failed"
bytes=$(jq '.end.sum_received.bytes' <<< "$out")
[ "$bytes" -gt 100000 ] || fail "iperf3 moved only $bytes bytes"
pass "4 parallel TCP streams: $bytes bytes"

st=$(mesh_ctl 1 --json stats)
[ "$(jq '.stats.engine_shards' <<< "$st")" = 2 ] || fail "stats do not count 2 shards"
[ "$(jq '.stats.dsr_discovery_done' <<< "$st")" -ge 1 ] || fail "no discovery counted"
pass "stats summed over shards: $(jq -c '{shards: .stats.engine_shards, bus_sent: .stats.engine_bus_sent, discoveries: .stats.dsr_discovery_done}' <<< "$st")"

# A CPU babed may not run on stops it before it touches the data plane, with
# an error naming the key.
mesh_stop 1
mesh_config 1 > "$MESH_RUN/n1.yaml"
out=$(timeout 20 ip netns exec "$(mesh_ns 1)" "$babed_bin" -c "$MESH_RUN/n1.yaml" --set engine.cpus=1000 2>&1) &&
	fail "babed started with engine.cpus=1000"
grep -q "engine.cpus: CPU 1000" <<< "$out" || fail "no clear error for engine.cpus=1000: $out"
pass "engine.cpus=1000 refused: $(grep -o 'engine.cpus: CPU 1000[^"]*' <<< "$out" | head -1)"
