#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench-transport: Babe's reliable transport against TCP over the same
# 4-hop namespace chain (5 babed nodes, tools/mesh.sh, every link through a
# bridge in a namespace of its own) with random loss on every link: nftables
# `numgen random mod 100 < N drop` in each link's bridge, both directions,
# N = 0, 1 and 5 (LOSSES). Prints ONE JSON object (progress on stderr):
#
#  babe_goodput_Bps_loss<N>  `babectl send` of BYTES random bytes from node 1
#      to `babectl recv` on node 5, bytes / seconds from the start of the
#      send to its end (every byte acknowledged by the receiver's babed;
#      the file compared at the receiver).
#  tcp_goodput_Bps_loss<N>  iperf3 TCP from node 1 to node 5 over babe0 and
#      the XDP fast path (the kernel's default congestion control, named in
#      "tcp_congestion_control"), TCP_SECONDS long, received bytes / seconds.
#  ratio_vs_tcp_loss<N>  babe / tcp (goals: >= 0.8 at 0 %, >= 2 at 5 %).
#  babe_retransmitted_bytes_loss<N>, babe_sender_counters_loss<N>  the
#      sender's loss recovery over those rounds (retransmitted bytes; RTOs,
#      RACK and dupthresh losses, tail loss probes, spurious RTOs undone,
#      paced waits, forgiven random losses, congestion events) and the
#      receiver's (duplicates = spurious retransmissions, segments refused).
#
# Medians over REPS rounds, Babe and TCP interleaved. The links model radio
# hops: LINK_RATE_MBIT (20) per link and direction (tbf on the bridges'
# ports, LINK_QUEUE (100) full frames of queue; no added delay: the test
# kernel has no sch_netem); LINK_RATE_MBIT=0 leaves the veths unshaped (then
# both are CPU-bound: Babe's endpoints run in userspace over AF_XDP and the
# control socket, TCP in the kernel). Env: REPS (3), BYTES (8000000),
# TCP_SECONDS (5), LOSSES ("0 1 5").
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"

REPS=${REPS:-3}
BYTES=${BYTES:-8000000}
TCP_SECONDS=${TCP_SECONDS:-5}
LOSSES=${LOSSES:-0 1 5}
LINK_RATE_MBIT=${LINK_RATE_MBIT:-20}
LINK_QUEUE=${LINK_QUEUE:-100}

require_root_netns
for c in jq nft iperf3 ethtool tc bc; do command -v $c > /dev/null || fail "$c missing (tools/install-deps.sh)"; done
for f in "$babed_bin" "$babectl_bin"; do [ -x "$f" ] || fail "missing $f (build first)"; done

MESH_NAME=babe-b-transport
MESH_RUN=/run/babe-test/$MESH_NAME
trap mesh_down EXIT
log() { printf '%s\n' "$*" >&2; }

mesh_chain_bridged 5
if [ "$LINK_RATE_MBIT" -gt 0 ]; then
	for i in 1 2 3 4; do
		l=$(mesh_link_ns "$i" $((i + 1)))
		for dev in "to$i" "to$((i + 1))"; do
			ip netns exec "$l" tc qdisc add dev "$dev" root tbf rate "${LINK_RATE_MBIT}mbit" burst 16kb \
				limit $((LINK_QUEUE * 1514))
		done
	done
fi
mesh_start_all > /dev/null
mesh_exec 1 ping -c 1 -W 5 "$(mesh_addr 5)" > /dev/null || fail "no route 1 -> 5"
mesh_exec 5 ping -c 1 -W 5 "$(mesh_addr 1)" > /dev/null || fail "no route 5 -> 1"
cc=$(mesh_exec 1 sysctl -n net.ipv4.tcp_congestion_control)
head -c "$BYTES" /dev/urandom > "$MESH_RUN/in.bin"
want=$(sha256sum < "$MESH_RUN/in.bin" | cut -d' ' -f1)
mesh_exec 5 iperf3 -s -D -B "$(mesh_addr 5)" --logfile "$MESH_RUN/iperf3-server.log"
wait_until 5 mesh_listening 5 5201 || fail "the iperf3 server on node 5 does not listen"
# receiving N: node 5's transport has opened more than N sessions (a babectl
# recv started after reading N listens).
receiving() { [ "$(stat_of 5 '^transport_sessions_opened$')" -gt "$1" ]; }

# One Babe transfer; prints bytes/s (0 when it failed).
babe_once() {
	local port=$1 start end rc=0 s0
	rm -f "$MESH_RUN/out.bin"
	s0=$(stat_of 5 '^transport_sessions_opened$')
	mesh_ctl 5 recv "$port" "$MESH_RUN/out.bin" 2> "$MESH_RUN/recv.err" &
	local rp=$!
	wait_until 5 receiving "$s0" || log "   babectl recv on node 5 does not listen"
	start=$(now_s)
	timeout 300 "$babectl_bin" -s "$(mesh_sock 1)" send "$(mesh_addr 5):$port" "$MESH_RUN/in.bin" \
		2> "$MESH_RUN/send.err" || rc=$?
	end=$(now_s)
	wait "$rp" || rc=$?
	if [ "$rc" -ne 0 ] || [ "$(sha256sum < "$MESH_RUN/out.bin" | cut -d' ' -f1)" != "$want" ]; then
		log "   babe transfer failed: $(cat "$MESH_RUN/send.err" "$MESH_RUN/recv.err")"
		echo 0
		return
	fi
	echo "$BYTES / ($end - $start)" | bc -l
}

tcp_once() {
	local out
	out=$(mesh_exec 1 iperf3 -c "$(mesh_addr 5)" -B "$(mesh_addr 1)" -t "$TCP_SECONDS" -J 2> /dev/null) || {
		log "   iperf3 failed"
		echo 0
		return
	}
	jq '.end.sum_received.bytes / .end.sum_received.seconds' <<< "$out"
}

# The sender's (node 1) loss-recovery counters, as a JSON object.
sender_counters() {
	mesh_ctl 1 --json stats | jq -c '.stats | with_entries(select(.key | test(
		"^transport_(rto_expirations|fast_retransmits|random_losses|congestion_events|tail_loss_probes|rack_losses|reordered|spurious_rto_undos|paced|data_bytes_sent)$")))
		| with_entries(.key |= sub("^transport_"; ""))'
}

# The receiver's (node 5): duplicates are spurious retransmissions.
receiver_counters() {
	mesh_ctl 5 --json stats | jq -c '.stats | with_entries(select(.key | test(
		"^transport_(duplicates|ooo_full|out_of_window|ooo_held|busy|segments_refused|no_frame)$")))
		| with_entries(.key |= sub("^transport_"; ""))'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

result='{}'
port=7100
for loss in $LOSSES; do
	for i in 1 2 3 4; do mesh_link_loss "$i" $((i + 1)) "$loss"; done
	babe_s=() tcp_s=()
	retx0=$(stat_of 1 '^transport_data_bytes_retransmitted$')
	c0=$(sender_counters)
	r0=$(receiver_counters)
	for ((r = 1; r <= REPS; r++)); do
		b=$(babe_once $port)
		port=$((port + 1))
		t=$(tcp_once)
		log "loss $loss % round $r: babe $(printf '%.0f' "$b") B/s, tcp $(printf '%.0f' "$t") B/s"
		babe_s+=("$b")
		tcp_s+=("$t")
	done
	retx1=$(stat_of 1 '^transport_data_bytes_retransmitted$')
	c1=$(sender_counters)
	r1=$(receiver_counters)
	bm=$(printf '%s\n' "${babe_s[@]}" | median)
	tm=$(printf '%s\n' "${tcp_s[@]}" | median)
	ratio=$(echo "if ($tm > 0) $bm / $tm else 0" | bc -l)
	result=$(jq -c --arg l "$loss" --argjson b "$bm" --argjson t "$tm" --argjson r "$ratio" \
		--argjson rx $((retx1 - retx0)) --argjson c0 "$c0" --argjson c1 "$c1" \
		--argjson r0 "$r0" --argjson r1 "$r1" \
		'. + {("babe_goodput_Bps_loss" + $l): ($b | floor), ("tcp_goodput_Bps_loss" + $l): ($t | floor),
		      ("ratio_vs_tcp_loss" + $l): (($r * 1000 | round) / 1000),
		      ("babe_retransmitted_bytes_loss" + $l): $rx,
		      ("babe_sender_counters_loss" + $l): ($c1 | with_entries(.value -= ($c0[.key] // 0))),
		      ("babe_receiver_counters_loss" + $l): ($r1 | with_entries(.value -= ($r0[.key] // 0)))}' <<< "$result")
done

jq -c --arg cc "$cc" --argjson reps "$REPS" --argjson bytes "$BYTES" --argjson ts "$TCP_SECONDS" \
	--argjson rate "$LINK_RATE_MBIT" --argjson q "$LINK_QUEUE" \
	'{bench: "transport", hops: 4} + . + {tcp_congestion_control: $cc,
	  config: {reps: $reps, babe_bytes: $bytes, tcp_seconds: $ts, link_rate_mbit: $rate,
	           link_queue_frames: $q, link_shaper: "tbf on the bridge ports, no added delay",
	           loss: "nftables numgen random per link and direction"}}' <<< "$result"
