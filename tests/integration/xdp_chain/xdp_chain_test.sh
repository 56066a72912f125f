#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Five Babe nodes in a chain of network namespaces (tools/chain.sh), routes
# and neighbours written by babe-dpctl, no daemon and no kernel forwarding:
# ping, a UDP stream and a TCP transfer from n1 to n5 cross four XDP hops
# (n1 local egress, n2-n4 transit, n5 deliver) and the per-node stats
# counters match the packet counts exactly. Then a loader restart on a
# middle node under traffic loses nothing, and detach/attach stops and
# restores forwarding.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../tools/lib.sh"
. "$babe_root/tools/chain.sh"

require_root_netns
mount_bpffs
command -v jq >/dev/null || skip "jq missing"
command -v python3 >/dev/null || skip "python3 missing"
CHAIN_NAME=babe-xct CHAIN_PIN=/sys/fs/bpf/babe-xct-$$
trap chain_down EXIT
chain_up 5

# snap: read every node's counters once; then stat/expect/no_drops use them.
snap_json=()
snap() {
	local i=1 line
	while read -r line; do snap_json[i]=$line; i=$((i + 1)); done < <(chain_snapshot)
}
stat() { jq ".\"$2\".packets" <<<"${snap_json[$1]}"; }
line() { jq -r 'to_entries | map(select(.value.packets > 0) | "\(.key)=\(.value.packets)") | join(" ")' <<<"${snap_json[$1]}"; }
# expect NODE LABEL VALUE
expect() {
	local got; got=$(stat "$1" "$2")
	[ "$got" -eq "$3" ] || fail "n$1 $2 = $got, expected $3 (n$1: $(line "$1"))"
}
no_drops() {
	local i d
	for ((i = 1; i <= 5; i++)); do
		d=$(jq '[to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add' <<<"${snap_json[i]}")
		[ "$d" -eq 0 ] || fail "n$i dropped $d packets: $(line "$i")"
	done
}
n1() { ip netns exec "$(chain_ns 1)" "$@"; }
n5() { ip netns exec "$(chain_ns 5)" "$@"; }

test_ping_counts() {
	chain_clear_stats
	local out
	out=$(n1 ping -c 10 -i 0.02 -W 2 "$(chain_addr 5)") || fail "ping n1 -> n5: $out"
	grep -q 'ttl=61' <<<"$out" || fail "expected TTL 61 after 3 transit hops: $out"
	snap
	expect 1 encap 10; expect 1 deliver 10
	for i in 2 3 4; do expect $i transit 20; done
	expect 5 deliver 10; expect 5 encap 10
	no_drops
	pass "ping n1 -> n5: 10/10 over 4 XDP hops; transit n2..n4 = 20, deliver n5 = 10, n1 = 10"
}

test_every_pair() {
	local i j
	for ((i = 1; i <= 5; i++)); do
		for ((j = 1; j <= 5; j++)); do
			((i == j)) && continue
			ip netns exec "$(chain_ns $i)" ping -c 1 -W 2 "$(chain_addr $j)" >/dev/null ||
				fail "ping n$i -> n$j"
		done
	done
	pass "every node reaches every other (20 pairs, 1 to 4 hops)"
}

test_udp_stream() {
	chain_clear_stats
	local k=500 got
	n5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# Room for every datagram (SO_RCVBUFFORCE, root): the count must not depend
# on when this process is scheduled after binding.
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 1 << 22)
s.bind((sys.argv[1], 9999)); s.settimeout(3)
n = 0
try:
    while n < int(sys.argv[2]):
        s.recv(2048); n += 1
except socket.timeout:
    pass
print(n)' "$(chain_addr 5)" $k >"$tmp/udp" &
	local rx=$!
	wait_until 5 port_bound "$(chain_ns 5)" udp 9999 || fail "the UDP receiver on n5 is not bound"
	n1 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(bytes(1000), (sys.argv[1], 9999))
    if i % 50 == 49: time.sleep(0.005)' "$(chain_addr 5)" $k
	wait $rx
	got=$(cat "$tmp/udp")
	[ "$got" -eq $k ] || fail "UDP: received $got of $k datagrams"
	snap
	expect 1 encap $k
	for i in 2 3 4; do expect $i transit $k; done
	expect 5 deliver $k
	no_drops
	pass "UDP n1 -> n5: $k/$k datagrams; transit n2..n4 = $k, deliver n5 = $k"
}

test_tcp_transfer() {
	chain_clear_stats
	head -c 2000000 /dev/urandom >"$tmp/blob"
	local want; want=$(sha256sum <"$tmp/blob" | cut -d' ' -f1)
	n5 python3 -c '
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest())' "$(chain_addr 5)" >"$tmp/tcp" &
	local rx=$!
	wait_until 5 port_bound "$(chain_ns 5)" tcp 5001 || fail "the TCP server on n5 does not listen"
	n1 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5001), timeout=20)
s.sendall(open(sys.argv[2], "rb").read()); s.close()' "$(chain_addr 5)" "$tmp/blob" ||
		fail "TCP client"
	wait $rx || fail "TCP server"
	read -r n got <"$tmp/tcp"
	[ "$n" -eq 2000000 ] && [ "$got" = "$want" ] || fail "TCP: $n bytes, sha256 $got (want $want)"
	# Every segment in both directions crosses each middle node once.
	local t2 t3 t4 d1 d5 e1 e5
	snap
	t2=$(stat 2 transit) t3=$(stat 3 transit) t4=$(stat 4 transit)
	d1=$(stat 1 deliver) d5=$(stat 5 deliver)
	e1=$(stat 1 encap) e5=$(stat 5 encap)
	[ "$t2" -eq "$t3" ] && [ "$t3" -eq "$t4" ] || fail "transit differs: $t2 $t3 $t4"
	[ "$t2" -eq $((d1 + d5)) ] || fail "transit $t2 != deliver n1 $d1 + n5 $d5"
	[ "$e1" -eq "$d5" ] && [ "$e5" -eq "$d1" ] || fail "encap/deliver mismatch: $e1/$d5 $e5/$d1"
	no_drops
	pass "TCP n1 -> n5: 2 MB, sha256 matches; $t2 segments transit each middle node"
}

test_restart_keeps_forwarding() {
	chain_clear_stats
	n1 ping -c 150 -i 0.01 -W 2 "$(chain_addr 5)" >"$tmp/ping" &
	local p=$!
	# The reload must come while the pings flow: wait for the tenth reply.
	wait_until 5 grep -q 'icmp_seq=10 ' "$tmp/ping" || fail "the ping n1 -> n5 does not flow"
	local out
	out=$(chain_dpctl 3 attach mesh mesh-l) || fail "reload on n3: $out"
	grep -q 'maps reused' <<<"$out" && grep -q 'updated mesh_ingress on mesh-l' <<<"$out" ||
		fail "reload on n3 did not reuse maps and update the link: $out"
	chain_dpctl 3 attach mesh mesh-r >/dev/null
	wait $p || fail "ping during the reload: $(tail -3 "$tmp/ping")"
	grep -q '150 received' "$tmp/ping" || fail "lost packets across the reload: $(tail -2 "$tmp/ping")"
	snap
	expect 3 transit 300 # the counters live in the reused stats map
	pass "loader restart on n3 under traffic: maps reused, links updated, 150/150 pings"
}

test_detach_stops_and_attach_restores() {
	chain_dpctl 3 detach mesh-l
	! ip -n "$(chain_ns 3)" link show mesh-l | grep -q 'prog/xdp' || fail "still attached"
	if n1 ping -c 2 -i 0.1 -W 1 "$(chain_addr 5)" >/dev/null 2>&1; then
		fail "forwarding continued with n3 detached (kernel forwarding is off)"
	fi
	chain_dpctl 3 attach mesh mesh-l >/dev/null
	n1 ping -c 2 -i 0.1 -W 2 "$(chain_addr 5)" >/dev/null || fail "no forwarding after re-attach"
	pass "detach on n3 stops forwarding, attach restores it"
}

tmp=$(mktemp -d)
trap 'chain_down; rm -rf "$tmp"' EXIT
test_ping_counts
test_every_pair
test_udp_stream
test_tcp_transfer
test_restart_keeps_forwarding
test_detach_stops_and_attach_restores
