#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The wire codec checked by an independent decoder: codec_pcap_samples
# writes one Ethernet/IPv4/DSR frame per option type (built by the
# project's encoder), and Debian's tshark must decode every frame as DSR
# with the field values the generator put in, and flag none as malformed.
# A second pcap with a deliberately truncated option proves the malformed
# check fires. Needs no privileges; SKIP (77) without tshark.
#
# usage: tshark_dsr.sh PATH/TO/codec_pcap_samples
#
# Known Wireshark 4.0 dissector quirk (packet-dsr.c): dsr.fs.id is added
# with length 1, so it shows only the high byte of the 16-bit Flow ID; the
# full header length is checked instead through the UDP header after it.
set -u

samples=${1:?usage: $0 codec_pcap_samples}
say() { printf '%s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

command -v tshark >/dev/null 2>&1 || { say "SKIP: tshark not installed"; exit 77; }
[ -x "$samples" ] || { say "FAIL: $samples not built"; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pcap=$dir/dsr.pcap
"$samples" "$pcap" || { say "FAIL: generator"; exit 1; }

ts() { tshark -n -r "$@" 2>/dev/null; }

# One line per frame: the fields below, multiple occurrences joined by ','.
fields=(dsr.nexthdr dsr.len dsr.option.type
	dsr.option.rreq.id dsr.option.rreq.targetaddress dsr.option.rreq.address
	dsr.option.rrep.lasthopex dsr.option.rrep.address
	dsr.option.err.type dsr.option.err.salvage dsr.option.err.src dsr.option.err.dest
	dsr.option.err.unreachablenode dsr.option.err.unsupportedoption
	dsr.option.ackreq.id dsr.option.ack.id dsr.option.ack.source dsr.option.ack.dest
	dsr.option.srcrt.firsthopext dsr.option.srcrt.lasthopext dsr.option.srcrt.salvage
	dsr.option.srcrt.segsleft dsr.option.ack.address
	dsr.option.timeout.timeout dsr.option.destflowid.id dsr.option.destflowid.dest
	dsr.flowstate dsr.fs.hopcount dsr.fs.id udp.srcport)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done
mapfile -t rows < <(ts "$pcap" -T fields -E separator=';' -E occurrence=a -E aggregator=, "${args[@]}")

# get ROW FIELD: the value of FIELD in frame ROW (1-based).
get() {
	local row=${rows[$(($1 - 1))]:-} i
	IFS=';' read -r -a vals <<<"$row"
	for i in "${!fields[@]}"; do
		[ "${fields[$i]}" = "$2" ] && { printf '%s' "${vals[$i]:-}"; return; }
	done
}
# expect FRAME FIELD VALUE WHAT
expect() {
	local got
	got=$(get "$1" "$2")
	if [ "$got" = "$3" ]; then
		pass "frame $1 ($4): $2 = $3"
	else
		fail "frame $1 ($4): $2 = '$got', expected '$3'"
	fi
}

n=$(ts "$pcap" -Y dsr | wc -l)
[ "$n" -eq 11 ] && pass "11 of 11 frames decode as DSR" || fail "$n of 11 frames decode as DSR"
bad=$(ts "$pcap" -Y '_ws.malformed || _ws.expert' -T fields -e frame.number | tr '\n' ' ')
[ -z "$bad" ] && pass "no frame malformed or carrying expert info" || fail "malformed/expert frames: $bad"

expect 1 dsr.option.type 1 "Route Request"
expect 1 dsr.nexthdr 0x3b "Route Request"
expect 1 dsr.option.rreq.id 0x1234 "Route Request"
expect 1 dsr.option.rreq.targetaddress 10.0.0.9 "Route Request"
expect 1 dsr.option.rreq.address 10.0.0.2,10.0.0.3 "Route Request"
expect 2 dsr.option.type 2,224 "Route Reply + Pad1"
expect 2 dsr.option.rrep.lasthopex 1 "Route Reply"
expect 2 dsr.option.rrep.address 10.0.0.2,10.0.0.9 "Route Reply"
expect 3 dsr.option.err.type 1 "Route Error NODE_UNREACHABLE"
expect 3 dsr.option.err.salvage 0x03 "Route Error NODE_UNREACHABLE"
expect 3 dsr.option.err.src 10.0.0.2 "Route Error NODE_UNREACHABLE"
expect 3 dsr.option.err.dest 10.0.0.1 "Route Error NODE_UNREACHABLE"
expect 3 dsr.option.err.unreachablenode 10.0.0.3 "Route Error NODE_UNREACHABLE"
expect 4 dsr.option.err.type 2 "Route Error FLOW_STATE_NOT_SUPPORTED"
expect 4 dsr.option.err.src 10.0.0.4 "Route Error FLOW_STATE_NOT_SUPPORTED"
expect 5 dsr.option.type 3,0 "Route Error OPTION_NOT_SUPPORTED + PadN"
expect 5 dsr.option.err.type 3 "Route Error OPTION_NOT_SUPPORTED"
expect 5 dsr.option.err.salvage 0x01 "Route Error OPTION_NOT_SUPPORTED"
expect 5 dsr.option.err.unsupportedoption 0xa5 "Route Error OPTION_NOT_SUPPORTED"
expect 6 dsr.option.type 96,160 "Source Route + Ack Request"
expect 6 dsr.option.ackreq.id 0xabcd "Ack Request"
expect 6 dsr.option.srcrt.segsleft 1 "Ack Request"
expect 6 udp.srcport 9 "Ack Request, UDP after DSR"
expect 7 dsr.option.type 32 "Acknowledgement"
expect 7 dsr.option.ack.id 0x0007 "Acknowledgement"
expect 7 dsr.option.ack.source 10.0.0.3 "Acknowledgement"
expect 7 dsr.option.ack.dest 10.0.0.2 "Acknowledgement"
expect 8 dsr.option.type 96 "Source Route"
expect 8 dsr.option.srcrt.firsthopext 1 "Source Route"
expect 8 dsr.option.srcrt.lasthopext 0 "Source Route"
expect 8 dsr.option.srcrt.salvage 0x05 "Source Route"
expect 8 dsr.option.srcrt.segsleft 2 "Source Route"
expect 8 dsr.option.ack.address 10.0.0.2,10.0.0.3 "Source Route hops (field named ack.address)"
expect 8 dsr.nexthdr 0x11 "Source Route"
expect 8 udp.srcport 9 "Source Route, UDP after DSR"
expect 9 dsr.option.type 224,0,0 "Pad1 + PadN + builder padding"
expect 9 dsr.len 8 "Pad1 + PadN"
expect 9 udp.srcport 9 "padding, UDP after DSR"
expect 10 dsr.option.type 128,129 "Timeout + Destination and Flow ID"
expect 10 dsr.option.timeout.timeout 30 "Timeout"
expect 10 dsr.option.destflowid.id 0x0005 "Destination and Flow ID"
expect 10 dsr.option.destflowid.dest 10.0.0.9 "Destination and Flow ID"
expect 11 dsr.flowstate 1 "Flow State header"
expect 11 dsr.fs.hopcount 5 "Flow State header"
expect 11 dsr.fs.id 0x0012 "Flow State header (dissector shows the high byte only)"
expect 11 udp.srcport 9 "Flow State header, UDP after it"

# The malformed check must be able to fire.
"$samples" --malformed "$dir/bad.pcap" || { say "FAIL: generator --malformed"; exit 1; }
m=$(ts "$dir/bad.pcap" -Y '_ws.malformed' | wc -l)
[ "$m" -eq 1 ] && pass "a truncated Route Request is flagged malformed" ||
	fail "a truncated Route Request was not flagged malformed"

if [ "$failures" -ne 0 ]; then
	say "FAIL: $failures check(s) failed"
	exit 1
fi
say "PASS: tshark decodes every DSR option the codec writes"
