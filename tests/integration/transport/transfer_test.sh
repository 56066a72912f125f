#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The reliable transport across 4 hops with random loss on every link: a
# 5-node chain of babed nodes whose links pass through bridges where
# nftables drops LOSS % (default 3) of the frames each way (numgen random).
# A random file sent with `babectl send` arrives intact through `babectl
# recv` (sha256 compared), and the counters show the losses were repaired
# (retransmissions at the sender, frames dropped on every link). The libbabe
# example program moves a generated stream and checks every byte. Failures
# are clear: a send to a port nobody receives on is refused, a send to a
# node that does not exist is unreachable, and a receiver whose sender dies
# mid-stream gets an error (never a short file taken for a whole one).
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$babe_root/tests/integration/mesh/common.sh"
require_root_netns
for c in jq nft ethtool sha256sum; do command -v $c > /dev/null || skip "$c is not installed"; done
example_bin=${BABE_EXAMPLE:-$babe_build/userspace/libbabe/babe-example}
[ -x "$example_bin" ] || fail "missing $example_bin (build first)"
MESH_NAME=babe-t-transport
MESH_RUN=/run/babe-test/$MESH_NAME
# A discovery for a node that does not exist gives up within a few seconds.
MESH_DSR_EXTRA=$'max_request_rexmt: 3\nrequest_period_ms: 200\nmax_request_period_ms: 800'
LOSS=${LOSS:-3}
SIZE=${SIZE:-4000000}
trap mesh_down EXIT

mesh_chain_bridged 5
mesh_start_all
for i in 1 2 3 4; do mesh_link_loss "$i" $((i + 1)) "$LOSS"; done
say "== 5 nodes, 4 hops, $LOSS % random loss on every link (each way)"

head -c "$SIZE" /dev/urandom > "$MESH_RUN/in.bin"
# receiving: node 5's transport opened a session more than the count given
# (the babectl recv / libbabe receiver started after reading it listens).
sessions() { stat_of 5 '^transport_sessions_opened$'; }
receiving() { [ "$(sessions)" -gt "$1" ]; }
s0=$(sessions)
mesh_ctl 5 recv 7000 "$MESH_RUN/out.bin" > "$MESH_RUN/recv.log" 2>&1 &
recv_pid=$!
wait_until 5 receiving "$s0" || fail "babectl recv on node 5 does not listen"
start=$(now_s)
dump() { for i in 1 5; do say "node $i:"; mesh_ctl "$i" stats -m transport | grep -v ' 0$' | sed 's/^/   /'; done; cat "$MESH_RUN"/*recv*.log; }
timeout 120 "$babectl_bin" -s "$(mesh_sock 1)" send "$(mesh_addr 5):7000" "$MESH_RUN/in.bin" ||
	{ rc=$?; dump; fail "babectl send failed ($rc)"; }
end=$(now_s)
wait "$recv_pid" || { cat "$MESH_RUN/recv.log"; fail "babectl recv failed"; }
want=$(sha256sum < "$MESH_RUN/in.bin" | cut -d' ' -f1)
got=$(sha256sum < "$MESH_RUN/out.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "the file arrived changed: sha256 $got, sent $want"
secs=$(echo "$end - $start" | bc -l)
pass "$SIZE random bytes across 4 lossy hops intact (sha256 $want) in $(printf '%.2f' "$secs") s"

dropped=0
for i in 1 2 3 4; do
	d=$(mesh_link_dropped "$i" $((i + 1)))
	say "   link $i-$((i + 1)): $d frames dropped"
	if [ "$LOSS" -gt 0 ] && [ "$d" -eq 0 ]; then fail "link $i-$((i + 1)) dropped nothing"; fi
	dropped=$((dropped + d))
done
retx=$(stat_of 1 '^transport_data_bytes_retransmitted$')
delivered=$(stat_of 5 '^transport_data_bytes_delivered$')
# Hop-by-hop recovery (babed's default): each hop resends what its next hop
# did not acknowledge, so most losses never reach the sender's transport.
hop_rx=0 hop_sent=0
for i in 1 2 3 4; do
	hop_rx=$((hop_rx + $(stat_of "$i" '^dsr_maint_retransmits$')))
	hop_sent=$((hop_sent + $(stat_of "$i" '^dsr_hop_reliable_sent$')))
done
say "   sender: $retx bytes retransmitted end to end; hops 1-4: $hop_sent segments sent with hop recovery, $hop_rx resent"
[ "$delivered" -eq "$SIZE" ] || fail "the receiver's transport delivered $delivered bytes, not $SIZE"
[ "$(stat_of 2 '^dsr_hop_reliable_sent$')" -gt 0 ] || fail "transit node 2 forwarded no segment with hop recovery"
if [ "$LOSS" -gt 0 ]; then [ $((retx + hop_rx)) -gt 0 ] || fail "loss on every link but nothing retransmitted"; fi
pass "$dropped frames lost on the links, repaired by $hop_rx hop retransmissions and $retx bytes end to end"

say "== libbabe example: a generated 300 kB stream, checked byte by byte"
mesh_exec 5 true
s0=$(sessions)
"$example_bin" recv "$(mesh_sock 5)" 7001 > "$MESH_RUN/example-recv.log" 2>&1 &
ex_pid=$!
wait_until 5 receiving "$s0" || fail "babe-example recv on node 5 does not listen"
out=$(timeout 60 "$example_bin" send "$(mesh_sock 1)" "$(mesh_addr 5)" 7001 300000) || { dump; fail "babe-example send failed: $out"; }
wait "$ex_pid" || { cat "$MESH_RUN/example-recv.log"; fail "babe-example recv failed"; }
grep -q "received 300000 bytes from $(mesh_addr 1):.*, 0 wrong" "$MESH_RUN/example-recv.log" ||
	fail "babe-example recv: $(cat "$MESH_RUN/example-recv.log")"
pass "babe-example: $out; $(cat "$MESH_RUN/example-recv.log")"

say "== errors"
for i in 1 2 3 4; do mesh_link_loss "$i" $((i + 1)) 0; done
set +e
out=$(echo hello | timeout 60 "$babectl_bin" -s "$(mesh_sock 1)" send "$(mesh_addr 5):7999" 2>&1)
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "refused" <<< "$out" || fail "send to a port nobody receives on: rc $rc, '$out'"
pass "no receiver: exit $rc, '$out'"

set +e
out=$(echo hello | timeout 60 "$babectl_bin" -s "$(mesh_sock 1)" send "$(mesh_addr 99):7000" 2>&1)
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "unreachable" <<< "$out" || fail "send to a missing node: rc $rc, '$out'"
pass "no such node: exit $rc, '$out'"

# A sender that dies mid-stream: the receiver must report an error.
s0=$(sessions)
mesh_ctl 5 recv 7002 "$MESH_RUN/cut.bin" > "$MESH_RUN/cut.log" 2>&1 &
recv_pid=$!
wait_until 5 receiving "$s0" || fail "babectl recv on node 5 does not listen"
# The sleep keeps the sender's stream open after its 200 kB (not
# synchronisation: the sender must still be mid-stream when it is killed).
(head -c 200000 /dev/urandom; sleep 30) | "$babectl_bin" -s "$(mesh_sock 1)" send "$(mesh_addr 5):7002" \
	> /dev/null 2>&1 &
send_pid=$!
# Killed once its 200 kB have arrived: the stream is open and idle.
all_arrived() { [ "$(stat -c %s "$MESH_RUN/cut.bin" 2> /dev/null || echo 0)" -ge 200000 ]; }
wait_until 10 all_arrived || say "   the receiver had $(stat -c %s "$MESH_RUN/cut.bin" 2> /dev/null || echo 0) bytes when the sender was killed"
kill "$send_pid" 2> /dev/null || true
set +e
timeout 30 tail --pid="$recv_pid" -f /dev/null
wait "$recv_pid"
rc=$?
set -e
out=$(cat "$MESH_RUN/cut.log")
[ "$rc" -ne 0 ] && grep -qE "reset|aborted" <<< "$out" || fail "receiver of a killed sender: rc $rc, '$out'"
pass "sender killed mid-stream: the receiver exits $rc with '$out'"
