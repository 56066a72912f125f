# SPDX-License-Identifier: Apache-2.0
# A chain of N Babe nodes in network namespaces, forwarding in XDP only,
# shared by the xdp_chain integration test and the demo. Source it after
# tools/lib.sh; call chain_up, then use chain_ns/chain_addr/chain_stat and
# chain_down (or let ns_cleanup + chain_down run on EXIT).
#
# Node i (1..N) is namespace ${CHAIN_NAME}-n$i with:
#   mesh-l / mesh-r  veth links to node i-1 / i+1, running babe_mesh_ingress
#   babe0 / babe0p   the local veth pair: the host routes the mesh prefix into
#                    babe0 (NOARP, no offloads, MTU leaving room for the DSR
#                    header); babe0p runs babe_local_egress
#   10.77.0.$i/32 on babe0 (the node address), ip_forward=0 (no kernel
#   forwarding: transit is XDP or nothing), rp_filter=0 (replies arrive on a
#   mesh interface while the route back is babe0), IPv6 off (exact counters).
# Maps are pinned under $CHAIN_PIN/n$i; babe-dpctl writes config, tx ports,
# neighbours (the MACs of the adjacent mesh ends) and a source route to every
# other node (its intermediate nodes), with no daemon and no static IP route
# besides the prefix route into babe0.

CHAIN_NAME=${CHAIN_NAME:-babe-chain}
CHAIN_PIN=${CHAIN_PIN:-/sys/fs/bpf/${CHAIN_NAME}}
CHAIN_PREFIX=${CHAIN_PREFIX:-10.77.0}
CHAIN_MODE=${CHAIN_MODE:-auto}
chain_nodes=0
dpctl=${DPCTL:-$babe_build/userspace/dataplane/babe-dpctl}

chain_ns() { printf '%s-n%s' "$CHAIN_NAME" "$1"; }
chain_addr() { printf '%s.%s' "$CHAIN_PREFIX" "$1"; }
chain_dpctl() { local i=$1; shift; "$dpctl" --pin "$CHAIN_PIN/n$i" --netns "$(chain_ns "$i")" "$@"; }
chain_mac() { ip -n "$(chain_ns "$1")" -j link show "$2" | jq -r '.[0].address'; }

# chain_stat NODE LABEL: packets of one counter (babe-dpctl stats --json).
chain_stat() { chain_dpctl "$1" stats --json | jq ".\"$2\".packets"; }

# chain_snapshot: every node's counters, one JSON object per line (node i on line i).
chain_snapshot() {
	local i
	for ((i = 1; i <= chain_nodes; i++)); do chain_dpctl "$i" stats --json; done
}

# chain_stats_line NODE: the non-zero counters of a node on one line.
chain_stats_line() {
	chain_dpctl "$1" stats --json |
		jq -r 'to_entries | map(select(.value.packets > 0) | "\(.key)=\(.value.packets)") | join(" ")'
}

chain_clear_stats() {
	local i
	for ((i = 1; i <= chain_nodes; i++)); do chain_dpctl "$i" stats clear; done
}

chain_up() {
	local n=${1:-5} i j hops
	[ -x "$dpctl" ] || fail "missing $dpctl (build first)"
	chain_nodes=$n
	rm -rf "$CHAIN_PIN"
	for ((i = 1; i <= n; i++)); do
		local ns; ns=$(chain_ns "$i")
		ns_add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		ip -n "$ns" link add babe0 type veth peer name babe0p
		ip -n "$ns" link set babe0 mtu 1400 arp off
		ip netns exec "$ns" ethtool -K babe0 tx off tso off gso off >/dev/null 2>&1 || true
		ip -n "$ns" link set babe0 up
		ip -n "$ns" link set babe0p up
		ip -n "$ns" addr add "$(chain_addr "$i")/32" dev babe0
		ip -n "$ns" route add "$CHAIN_PREFIX.0/24" dev babe0 src "$(chain_addr "$i")"
	done
	for ((i = 1; i < n; i++)); do
		veth_link "$(chain_ns "$i")" mesh-r "$(chain_ns $((i + 1)))" mesh-l
	done
	local macs_l=() macs_r=()
	for ((i = 1; i <= n; i++)); do
		((i > 1)) && macs_l[i]=$(chain_mac "$i" mesh-l)
		((i < n)) && macs_r[i]=$(chain_mac "$i" mesh-r)
	done
	for ((i = 1; i <= n; i++)); do
		local attach=(local babe0p) batch
		((i > 1)) && attach+=(mesh mesh-l)
		((i < n)) && attach+=(mesh mesh-r)
		chain_dpctl "$i" attach "${attach[@]}" mode "$CHAIN_MODE" >/dev/null
		batch="config self $(chain_addr "$i") prefix $CHAIN_PREFIX.0/24 local babe0"$'\n'
		if ((i > 1)); then
			batch+="port add mesh-l"$'\n'
			batch+="neigh add $(chain_addr $((i - 1))) dev mesh-l lladdr ${macs_r[i - 1]}"$'\n'
		fi
		if ((i < n)); then
			batch+="port add mesh-r"$'\n'
			batch+="neigh add $(chain_addr $((i + 1))) dev mesh-r lladdr ${macs_l[i + 1]}"$'\n'
		fi
		# A source route to every other node: the nodes strictly between.
		for ((j = 1; j <= n; j++)); do
			((j == i)) && continue
			hops=""
			local k step=$((j > i ? 1 : -1))
			for ((k = i + step; k != j; k += step)); do
				hops+="${hops:+,}$(chain_addr "$k")"
			done
			batch+="route add $(chain_addr "$j")${hops:+ via $hops}"$'\n'
		done
		chain_dpctl "$i" batch <<<"$batch"
	done
}

chain_down() {
	local i
	for ((i = 1; i <= chain_nodes; i++)); do
		[ -d "$CHAIN_PIN/n$i" ] && "$dpctl" --pin "$CHAIN_PIN/n$i" teardown 2>/dev/null
	done
	ns_cleanup
	rm -rf "$CHAIN_PIN"
	chain_nodes=0
}
