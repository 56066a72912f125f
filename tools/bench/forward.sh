#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench-forward: what a forwarding node adds, in CPU ns per packet, for
# Linux IP forwarding, the minimal XDP forwarder (babe_minimal_fwd) and Babe
# transit (babe_mesh_ingress), all measured with the same generator.
#
#   bfw-gen --g0/f0--> bfw-fwd --f1/s0--> bfw-sink   (forwarded variants)
#   bfw-gen --g1/s1--> bfw-sink                      (baseline: no forwarding node)
#
# babe-pktgen (AF_PACKET, sendmmsg, pinned to one CPU) sends COUNT frames of
# SIZE bytes; babe_sink counts and drops them on s0/s1. On veth every hop runs
# in the generator's softirq on that CPU, so the generator's thread CPU time
# per packet is the cost of the whole path; offered load is not a capacity
# figure. Each forwarded run is paired with a baseline run just before it:
# added_ns = median over REPS rounds of (variant - its baseline), the
# variants' order rotating round by round, so that drift on this shared
# machine hits all of them alike. Each run checks that the sink counted
# exactly COUNT frames.
# The forwarding node's XDP programs run in XDP_MODE (native, the default, or
# generic: the skb mode of Wi-Fi drivers), checked; the sink always runs
# native (veth has native XDP, and a native redirect into a veth needs XDP on
# its peer, which the sink provides). The JSON says which as "xdp_mode".
# The forwarding namespace has no netfilter rules (conntrack and the iptables
# tables hook in only once used), rp_filter 0 and a permanent neighbour entry:
# the Linux variant pays for routing and forwarding only.
# Prints one JSON object. Env: COUNT (300000), REPS (9), SIZE (64), BENCH_CPU (1), XDP_MODE (native),
# PROFILE=DIR: afterwards, one more run of each variant under `perf record -e
# cpu-clock` (the generator and the softirq work it runs), symbols by share in
# DIR/<variant>.txt.
PROFILE=${PROFILE:-}
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

COUNT=${COUNT:-300000}
REPS=${REPS:-9}
SIZE=${SIZE:-64}
BENCH_CPU=${BENCH_CPU:-1}
XDP_MODE=${XDP_MODE:-native}
case $XDP_MODE in
native) mode_id=1 attach_kw=xdpdrv ;;
generic) mode_id=2 attach_kw=xdpgeneric ;;
*) fail "XDP_MODE=$XDP_MODE: expected native or generic" ;;
esac

require_root_netns
mount_bpffs
pktgen=$babe_build/userspace/dataplane/babe-pktgen
dpctl=$babe_build/userspace/dataplane/babe-dpctl
sink_obj=$babe_build/bpf/babe_sink.bpf.o
min_obj=$babe_build/bpf/babe_minimal_fwd.bpf.o
for f in "$pktgen" "$dpctl" "$sink_obj" "$min_obj"; do
	[ -e "$f" ] || fail "missing $f (build first)"
done
command -v jq >/dev/null || fail "jq missing (tools/install-deps.sh)"
[ "$BENCH_CPU" -lt "$(nproc)" ] || BENCH_CPU=0

pin=/sys/fs/bpf/babe-bench-forward
cleanup() {
	[ -d "$pin/babe" ] && "$dpctl" --pin "$pin/babe" teardown 2>/dev/null
	ns_cleanup
	rm -rf "$pin"
}
trap cleanup EXIT
rm -rf "$pin"
mkdir -p "$pin"

G=bfw-gen F=bfw-fwd S=bfw-sink
for ns in $G $F $S; do
	ns_add $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done
veth_link $G g0 $F f0
veth_link $F f1 $S s0
veth_link $G g1 $S s1
ip -n $G addr add 10.90.1.1/24 dev g0
ip -n $F addr add 10.90.1.2/24 dev f0
ip -n $F addr add 10.90.2.2/24 dev f1
ip -n $S addr add 10.90.2.1/24 dev s0
mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
ifindex() { ip -n "$1" -j link show "$2" | jq -r '.[0].ifindex'; }
f0_mac=$(mac $F f0) f1_mac=$(mac $F f1) s0_mac=$(mac $S s0) s1_mac=$(mac $S s1)
f1_ifindex=$(ifindex $F f1)
ip -n $F neigh replace 10.90.2.1 lladdr "$s0_mac" dev f1 nud permanent

# The sink: one program, attached to both sink ends, one counter.
bpftool prog load "$sink_obj" "$pin/sink" type xdp pinmaps "$pin/sink_maps"
sink_id=$(bpftool -j prog show pinned "$pin/sink" | jq .id)
ip netns exec $S bpftool net attach xdp id "$sink_id" dev s0
ip netns exec $S bpftool net attach xdp id "$sink_id" dev s1
# XDP attach mode of NS/DEV: 1 = native (driver), 2 = generic (skb), 0 = none.
xdp_mode() { ip -n "$1" -j link show "$2" | jq '.[0].xdp.mode // 0'; }
for d in s0 s1; do
	[ "$(xdp_mode $S $d)" -eq 1 ] || fail "sink on $d is not in native XDP mode"
done
sink_count() {
	bpftool -j map dump pinned "$pin/sink_maps/babe_sink_stats" |
		jq '[.[].formatted | select(.key == 0) | .values[].value] | add'
}

# The minimal forwarder: fwd_target[0] = {ifindex f1, MAC of s0, MAC of f1}.
bpftool prog load "$min_obj" "$pin/min" type xdp pinmaps "$pin/min_maps"
min_id=$(bpftool -j prog show pinned "$pin/min" | jq .id)
hexbytes() { echo "$1" | tr ':' ' '; }
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# struct babe_neighbour: ifindex, mac, src_mac, then zeroed times (size from the map).
vsize=$(bpftool -j map show pinned "$pin/min_maps/fwd_target" | jq .bytes_value)
value="$(le32 "$f1_ifindex") $(hexbytes "$s0_mac") $(hexbytes "$f1_mac")"
for ((i = 16; i < vsize; i++)); do value+=" 00"; done
bpftool map update pinned "$pin/min_maps/fwd_target" key hex 00 00 00 00 value hex $value
# A devmap resolves ifindexes in the netns of the process updating it: write
# tx_ports from inside bfw-fwd, by map id (ip netns exec hides the pins).
tx_id=$(bpftool -j map show pinned "$pin/min_maps/tx_ports" | jq .id)
ip netns exec $F bpftool map update id "$tx_id" key hex $(le32 "$f1_ifindex") value hex $(le32 "$f1_ifindex")

# Babe transit: this node is 10.90.0.2, the only hop of the source route.
"$dpctl" --pin "$pin/babe" load >/dev/null
"$dpctl" --pin "$pin/babe" --netns $F config self 10.90.0.2 prefix 10.90.0.0/16
"$dpctl" --pin "$pin/babe" --netns $F neigh add 10.90.2.1 dev f1 lladdr "$s0_mac"
"$dpctl" --pin "$pin/babe" --netns $F port add f1

xdp_off() { # both modes: a plain `xdp off` leaves a generic program on a veth
	ip -n $F link set f0 xdp off 2>/dev/null || true
	ip -n $F link set f0 xdpgeneric off 2>/dev/null || true
}
setup_variant() {
	xdp_off
	[ -e "$pin/babe/links/f0" ] && "$dpctl" --pin "$pin/babe" detach f0
	ip netns exec $F sysctl -qw net.ipv4.ip_forward=0
	case $1 in
	baseline) ;;
	linux) ip netns exec $F sysctl -qw net.ipv4.ip_forward=1 ;;
	minimal) ip netns exec $F bpftool net attach $attach_kw id "$min_id" dev f0 ;;
	babe) "$dpctl" --pin "$pin/babe" --netns $F attach mesh f0 mode "$XDP_MODE" >/dev/null ;;
	esac
	case $1 in
	minimal | babe) [ "$(xdp_mode $F f0)" -eq $mode_id ] || fail "$1: f0 is not in $XDP_MODE XDP mode" ;;
	*) [ "$(xdp_mode $F f0)" -eq 0 ] || fail "$1: XDP left on f0" ;;
	esac
}
gen_args() { # gen_args VARIANT -> the variant's device, MAC and route arguments
	case $1 in
	baseline) echo --dev g1 --dst-mac "$s1_mac" ;;
	linux | minimal) echo --dev g0 --dst-mac "$f0_mac" ;;
	babe) echo --dev g0 --dst-mac "$f0_mac" --via 10.90.0.2 ;;
	esac
}
gen() { # gen VARIANT COUNT -> JSON line
	# shellcheck disable=SC2046 # gen_args is a list of words
	"$pktgen" --netns $G --cpu "$BENCH_CPU" --size "$SIZE" --count "$2" --src 10.90.1.1 \
		--dst 10.90.2.1 $(gen_args "$1")
}

variants=(baseline linux minimal babe)
declare -A cpu_runs wall_runs
for v in "${variants[@]}"; do # warm-up and path check
	setup_variant "$v"
	before=$(sink_count)
	gen "$v" 10000 >/dev/null
	got=$(($(sink_count) - before))
	[ "$got" -eq 10000 ] || fail "$v: sink counted $got of 10000 warm-up frames"
done
# One measured run: VARIANT ROUND -> appends to cpu_runs/wall_runs, sets $last_cpu.
measure() {
	local before out got
	before=$(sink_count)
	out=$(gen "$1" "$COUNT")
	got=$(($(sink_count) - before))
	[ "$got" -eq "$COUNT" ] || fail "$1 round $2: sink counted $got of $COUNT frames"
	last_cpu=$(jq .cpu_ns_per_packet <<<"$out")
	cpu_runs[$1]+="$last_cpu "
	wall_runs[$1]+="$(jq .ns_per_packet <<<"$out") "
	echo "bench-forward: round $2 $1 $out" >&2
}
# Each forwarded run is paired with a baseline run just before it (the direct
# g1 -> s1 path does not cross bfw-fwd, so the variant stays set up): the
# added cost of a round is the difference within the pair, and the variants'
# order rotates from round to round. Load from other tasks on this machine
# drifts over seconds; pairing cancels most of it.
declare -A added_runs
forwarded=(linux minimal babe)
for ((r = 1; r <= REPS; r++)); do
	for ((k = 0; k < ${#forwarded[@]}; k++)); do
		v=${forwarded[$(((k + r) % ${#forwarded[@]}))]}
		setup_variant "$v"
		measure baseline "$r"
		b=$last_cpu
		measure "$v" "$r"
		added_runs[$v]+="$(jq -n "$last_cpu - $b") "
	done
done
if [ -n "$PROFILE" ] && command -v perf >/dev/null; then
	mkdir -p "$PROFILE"
	for v in "${variants[@]}"; do
		setup_variant "$v"
		perf record -q -e cpu-clock -o "$PROFILE/$v.data" -- \
			"$pktgen" --netns $G --cpu "$BENCH_CPU" --size "$SIZE" --count "$COUNT" \
			--src 10.90.1.1 --dst 10.90.2.1 $(gen_args "$v") >/dev/null 2>&1 || true
		perf report -q -i "$PROFILE/$v.data" --stdio --sort sym 2>/dev/null >"$PROFILE/$v.txt" || true
		echo "bench-forward: profile of $v in $PROFILE/$v.txt" >&2
	done
	expected_extra=$COUNT
else
	expected_extra=0
fi
setup_variant baseline
babe_transit=$("$dpctl" --pin "$pin/babe" stats --json | jq .transit.packets)
expected_transit=$((10000 + REPS * COUNT + expected_extra))
[ "$babe_transit" -eq "$expected_transit" ] ||
	fail "Babe transit counter $babe_transit, expected $expected_transit"

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
jq -n \
	--arg count "$COUNT" --arg reps "$REPS" --arg size "$SIZE" --arg cpu "$BENCH_CPU" \
	--arg b "$(median "${cpu_runs[baseline]}")" --arg l "$(median "${cpu_runs[linux]}")" \
	--arg m "$(median "${cpu_runs[minimal]}")" --arg x "$(median "${cpu_runs[babe]}")" \
	--arg la "$(median "${added_runs[linux]}")" --arg ma "$(median "${added_runs[minimal]}")" \
	--arg xa "$(median "${added_runs[babe]}")" \
	--arg bw "$(median "${wall_runs[baseline]}")" --arg lw "$(median "${wall_runs[linux]}")" \
	--arg mw "$(median "${wall_runs[minimal]}")" --arg xw "$(median "${wall_runs[babe]}")" \
	--arg lr "${added_runs[linux]}" --arg mr "${added_runs[minimal]}" --arg xr "${added_runs[babe]}" \
	--arg transit "$babe_transit" --arg mode "$XDP_MODE" '
	def r2: . * 100 | round / 100;
	def nums: split(" ") | map(select(length > 0) | tonumber | r2);
	($b|tonumber) as $b | ($l|tonumber) as $l | ($m|tonumber) as $m | ($x|tonumber) as $x |
	($la|tonumber) as $la | ($ma|tonumber) as $ma | ($xa|tonumber) as $xa |
	{
	  bench: "forward",
	  xdp_mode: $mode,
	  metric: "generator thread CPU ns per packet, whole path on one CPU; added = variant - baseline run just before it, median over rounds",
	  frames_per_run: ($count|tonumber), rounds: ($reps|tonumber), frame_bytes: ($size|tonumber),
	  cpu: ($cpu|tonumber),
	  baseline_ns: ($b|r2), linux_ns: ($l|r2), minimal_ns: ($m|r2), babe_ns: ($x|r2),
	  linux_added_ns: ($la|r2), minimal_added_ns: ($ma|r2), babe_added_ns: ($xa|r2),
	  babe_vs_linux: (($la / $xa)|r2),
	  babe_vs_minimal: (($ma / $xa)|r2),
	  minimal_vs_linux: (($la / $ma)|r2),
	  added_ns_per_round: {linux: ($lr|nums), minimal: ($mr|nums), babe: ($xr|nums)},
	  linux_pps: (1e9 / $l | round), minimal_pps: (1e9 / $m | round), babe_pps: (1e9 / $x | round),
	  wall_ns_per_packet: {baseline: ($bw|tonumber), linux: ($lw|tonumber),
	                       minimal: ($mw|tonumber), babe: ($xw|tonumber)},
	  babe_transit_counted: ($transit|tonumber),
	  goals: {babe_vs_linux: ">= 3", babe_vs_minimal: ">= 0.8"}
	}'
