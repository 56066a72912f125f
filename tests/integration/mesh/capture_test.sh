#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packet capture from XDP (babe-dpctl capture) on the middle node of a
# 3-node chain, during discovery and pings 1 -> 3: the pcapng holds the
# Route Requests and Replies (ingress, to the engine) and the data frames
# (egress: the transit redirect decisions); tshark reads every frame with
# no malformed one; the transit records equal the node's xdp transit
# counter over the same interval (the capture is on before the counter is
# first read and nothing transits between the last read and the stop, so
# the rule is equality); no record is lost; a second capture is refused
# while the first runs; stopping switches the capture off.
set -euo pipefail
. "$(dirname "$0")/../../../tools/lib.sh"
. "$babe_root/tools/mesh.sh"
. "$(dirname "$0")/common.sh"
require_root_netns
command -v tshark > /dev/null || skip "tshark is not installed"
dpctl=${BABE_DPCTL:-$babe_build/userspace/dataplane/babe-dpctl}
[ -x "$dpctl" ] || skip "babe-dpctl not built (no BPF toolchain)"
MESH_NAME=babe-t-capture
MESH_RUN=/run/babe-test/$MESH_NAME
cap_pid=
trap 'kill $cap_pid 2> /dev/null || true; mesh_down' EXIT

mesh_chain 3
mesh_start_all
pin=$MESH_RUN/bpf/n2
pcap=$MESH_RUN/n2.pcapng
dp2() { "$dpctl" --netns "$(mesh_ns 2)" --pin "$pin" "$@"; }

say "== capture on node 2"
# Not through dp2: $! of a function in the background is its subshell.
"$dpctl" --netns "$(mesh_ns 2)" --pin "$pin" capture -w "$pcap" > /dev/null 2> "$MESH_RUN/capture.err" &
cap_pid=$!
wait_until 5 grep -q '^capturing' "$MESH_RUN/capture.err" || fail "capture did not start: $(cat "$MESH_RUN/capture.err")"
if dp2 capture -w /dev/null 2> "$MESH_RUN/second.err"; then fail "a second capture was accepted"; fi
grep -q 'already running' "$MESH_RUN/second.err" || fail "second capture: $(cat "$MESH_RUN/second.err")"
pass "capture on; a second one refused: $(cat "$MESH_RUN/second.err")"
transit_before=$(stat_of 2 '^xdp_transit_packets$')

say "== discovery and 5 pings 10.77.0.1 -> 10.77.0.3"
mesh_exec 1 ping -n -c 5 -i 0.2 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping 1 -> 3 failed"
transit_after=$(stat_of 2 '^xdp_transit_packets$')
transit=$((transit_after - transit_before))

kill -INT "$cap_pid"
wait "$cap_pid" || fail "capture exited with $?: $(cat "$MESH_RUN/capture.err")"
cap_pid=
cat "$MESH_RUN/capture.err"
grep -q ', 0 lost' "$MESH_RUN/capture.err" || fail "records lost"
on=$(bpftool map dump pinned "$pin/capture_ctl" -j | jq '.[0].formatted.value.on // .[0].value.on')
[ "$on" = 0 ] || fail "capture still on after the reader stopped ($on)"
pass "capture off after the reader stopped"

capinfos -t "$pcap" | grep -q pcapng || fail "capinfos does not see a pcapng file"
ts() { tshark -n -r "$pcap" "$@" 2> /dev/null; }
count() { ts -Y "$1" | wc -l; }
total=$(ts | wc -l)
malformed=$(count '_ws.malformed || _ws.expert.severity == error')
rreq=$(count 'dsr.option.type == 1')
rrep=$(count 'dsr.option.type == 2')
data=$(count 'dsr && icmp')
egress=$(count 'frame.comment contains "egress (redirect decision) verdict=redirect transit"')
ifaces=$(ts -T fields -e frame.interface_name | sort -u | tr '\n' ' ')
say "frames $total (interfaces: $ifaces): RREQ $rreq, RREP $rrep, ICMP in DSR $data; transit records $egress, counter $transit"
[ "$malformed" = 0 ] || fail "$malformed malformed frames"
[ "$rreq" -ge 1 ] || fail "no Route Request captured"
[ "$rrep" -ge 1 ] || fail "no Route Reply captured"
# 5 requests and 5 replies cross node 2 (through XDP, or the engine when
# node 2 does not know the next hop yet).
[ "$data" -ge 10 ] || fail "only $data ICMP frames in DSR (5 echo requests + 5 replies expected)"
[ "$egress" = "$transit" ] || fail "transit records $egress, xdp transit counter moved $transit"
pass "tshark decodes $total frames, none malformed; transit records = counter ($transit)"
