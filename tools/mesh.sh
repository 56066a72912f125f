# SPDX-License-Identifier: Apache-2.0
# A mesh of babed nodes in network namespaces, for the daemon's integration
# tests, the demo and bench-daemon. Source it after tools/lib.sh.
#
# Node i is namespace ${MESH_NAME}-n$i; each link between two nodes is a veth
# pair (`m<peer>` on both ends: node 3's link to node 4 is `m4`, node 4's is
# `m3`). babed on node i gets address ${MESH_PREFIX}.$i, the mesh interfaces
# of its links, its own pin path under a bpffs mounted at $MESH_RUN/bpf
# (outside /sys, which `ip netns exec` remounts), and control socket
# $MESH_RUN/n$i.sock. No addresses on mesh interfaces, no static routes: babed
# creates babe0 and routes the mesh prefix into it.
MESH_NAME=${MESH_NAME:-babe-mesh}
MESH_PREFIX=${MESH_PREFIX:-10.77.0}
MESH_RUN=${MESH_RUN:-/run/babe-test/$MESH_NAME}
MESH_MODE=${MESH_MODE:-auto}
# MESH_SHARDS=N: babed runs N shards (engine.shards; 0: one per CPU, as many
# as the interfaces' queues allow); every veth gets MESH_QUEUES queues
# (default MESH_SHARDS, 1 when that is 0 or unset).
# MESH_BACKEND: engine.backend of every node (auto, afxdp, afpacket);
# mesh_backend[i] overrides it for node i.
MESH_BACKEND=${MESH_BACKEND:-auto}
declare -A mesh_backend=()
babed_bin=${BABED:-$babe_build/userspace/daemon/babed}
babectl_bin=${BABECTL:-$babe_build/userspace/cli/babectl}
declare -A mesh_links=()   # "i" -> space-separated peers
mesh_nodes=0

mesh_ns() { printf '%s-n%s' "$MESH_NAME" "$1"; }
mesh_addr() { printf '%s.%s' "$MESH_PREFIX" "$1"; }
mesh_sock() { printf '%s/n%s.sock' "$MESH_RUN" "$1"; }
mesh_ctl() { local i=$1; shift; "$babectl_bin" -s "$(mesh_sock "$i")" "$@"; }
mesh_exec() { local i=$1; shift; ip netns exec "$(mesh_ns "$i")" "$@"; }
# mesh_listening I PORT: a TCP server on node I listens on PORT (iperf3 -D).
mesh_listening() { port_bound "$(mesh_ns "$1")" tcp "$2"; }

# mesh_init N: N namespaces, no links yet.
mesh_init() {
	local n=$1 i
	[ -x "$babed_bin" ] || fail "missing $babed_bin (build first)"
	mesh_nodes=$n
	mkdir -p "$MESH_RUN/bpf"
	mountpoint -q "$MESH_RUN/bpf" || mount -t bpf bpf "$MESH_RUN/bpf" || skip "cannot mount bpffs"
	for ((i = 1; i <= n; i++)); do
		ns_add "$(mesh_ns "$i")"
		mesh_exec "$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		mesh_links[$i]=""
	done
}

# mesh_link A B: a veth link between nodes A and B.
mesh_link() {
	local a=$1 b=$2
	local q=${MESH_QUEUES:-${MESH_SHARDS:-1}}
	((q > 0)) || q=1
	ip link add "m$b" netns "$(mesh_ns "$a")" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "m$a" netns "$(mesh_ns "$b")" numtxqueues "$q" numrxqueues "$q"
	ip -n "$(mesh_ns "$a")" link set "m$b" up
	ip -n "$(mesh_ns "$b")" link set "m$a" up
	mesh_links[$a]="${mesh_links[$a]} m$b"
	mesh_links[$b]="${mesh_links[$b]} m$a"
}

# mesh_link_bridged A B: a link between nodes A and B through a bridge in a
# namespace of its own (${MESH_NAME}-l<A>-<B>), so that netfilter sees every
# frame of the link (frames XDP redirects into a veth skip the ends' hooks):
# mesh_link_loss drops there. The bridge's veth ends run NAPI (GRO on) so
# they accept redirected frames; MESH_BRIDGE_GRO=off leaves them without
# (the nodes' ends then cannot take natively redirected frames, like a
# Wi-Fi driver without ndo_xdp_xmit).
mesh_link_bridged() {
	local a=$1 b=$2 l
	l=$(mesh_link_ns "$a" "$b")
	ns_add "$l"
	ip netns exec "$l" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "m$b" netns "$(mesh_ns "$a")" type veth peer name "to$a" netns "$l"
	ip link add "m$a" netns "$(mesh_ns "$b")" type veth peer name "to$b" netns "$l"
	ip -n "$l" link add br0 type bridge
	ip -n "$l" link set "to$a" master br0
	ip -n "$l" link set "to$b" master br0
	ip netns exec "$l" ethtool -K "to$a" gro "${MESH_BRIDGE_GRO:-on}" > /dev/null
	ip netns exec "$l" ethtool -K "to$b" gro "${MESH_BRIDGE_GRO:-on}" > /dev/null
	ip -n "$l" link set "to$a" up
	ip -n "$l" link set "to$b" up
	ip -n "$l" link set br0 up
	ip -n "$(mesh_ns "$a")" link set "m$b" up
	ip -n "$(mesh_ns "$b")" link set "m$a" up
	mesh_links[$a]="${mesh_links[$a]} m$b"
	mesh_links[$b]="${mesh_links[$b]} m$a"
}
mesh_link_ns() { printf '%s-l%s-%s' "$MESH_NAME" "$1" "$2"; }

# mesh_link_loss A B PCT: drop PCT % of the frames (random, each direction)
# on the bridged link A-B (nftables numgen in the link's bridge); 0 removes it.
mesh_link_loss() {
	local l
	l=$(mesh_link_ns "$1" "$2")
	ip netns exec "$l" nft delete table bridge babe_loss 2> /dev/null || true
	[ "$3" -gt 0 ] || return 0
	ip netns exec "$l" nft -f - << NFT
table bridge babe_loss {
	chain forward {
		type filter hook forward priority 0; policy accept;
		numgen random mod 100 < $3 counter drop
	}
}
NFT
}

# mesh_link_dropped A B: frames dropped so far by mesh_link_loss on A-B.
mesh_link_dropped() {
	ip netns exec "$(mesh_link_ns "$1" "$2")" nft -j list table bridge babe_loss 2> /dev/null |
		jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0' 2> /dev/null ||
		echo 0
}

# mesh_chain_bridged N: nodes 1..N in a line, every link bridged.
mesh_chain_bridged() {
	local n=$1 i
	mesh_init "$n"
	for ((i = 1; i < n; i++)); do mesh_link_bridged "$i" $((i + 1)); done
}

# mesh_chain N: nodes 1..N in a line.
mesh_chain() {
	local n=$1 i
	mesh_init "$n"
	for ((i = 1; i < n; i++)); do mesh_link "$i" $((i + 1)); done
}

# mesh_grid R C: R rows of C nodes, numbered row by row from 1, each linked
# to its right and lower neighbours (alternative paths between any two).
mesh_grid() {
	local r=$1 c=$2 i j n
	mesh_init $((r * c))
	for ((i = 0; i < r; i++)); do
		for ((j = 0; j < c; j++)); do
			n=$((i * c + j + 1))
			((j + 1 < c)) && mesh_link "$n" $((n + 1))
			((i + 1 < r)) && mesh_link "$n" $((n + c))
		done
	done
	return 0
}

# Extra `dsr:` keys for every node's babed, one "key: value" a line (e.g.
# MESH_DSR_EXTRA=$'send_buffer_timeout_ms: 500\nmax_request_rexmt: 1').
MESH_DSR_EXTRA=${MESH_DSR_EXTRA:-}

# babed's metrics.listen on every node (each namespace has its own
# loopback, so one address serves all: MESH_METRICS=127.0.0.1:8477, or
# 0.0.0.0:8477 to be scraped over the mesh). "" (the default): no /metrics.
# A "%i" in it becomes the node's index.
MESH_METRICS=${MESH_METRICS:-}
mesh_metrics_listen() { printf '%s' "${MESH_METRICS//%i/$1}"; }

mesh_config() {
	local i=$1; shift
	local ifs; ifs=$(echo ${mesh_links[$i]} | tr ' ' ',')
	cat <<CFG
node:
  address: $(mesh_addr "$i")
mesh:
  interfaces: [$ifs]
  prefix: $MESH_PREFIX.0/24
xdp:
  mode: $MESH_MODE
  pin_path: $MESH_RUN/bpf/n$i
engine:
  shards: ${MESH_SHARDS:-1}
  backend: ${mesh_backend[$i]:-$MESH_BACKEND}
dsr:
$(mesh_dsr_lines)
metrics:
  listen: "$(mesh_metrics_listen "$i")"
control:
  socket: $(mesh_sock "$i")
log:
  level: ${MESH_LOG:-info}
CFG
}

# The dsr: block of mesh_config: try_passive_acks 0 unless MESH_DSR_EXTRA
# sets it, then MESH_DSR_EXTRA.
mesh_dsr_lines() {
	grep -q '^ *try_passive_acks:' <<< "$MESH_DSR_EXTRA" || echo "  try_passive_acks: 0"
	[ -z "$MESH_DSR_EXTRA" ] || sed -e 's/^ *//' -e '/^$/d' -e 's/^/  /' <<< "$MESH_DSR_EXTRA"
}

# mesh_start I [babed args]: start babed on node I in the background and wait
# until its control socket answers.
mesh_start() {
	local i=$1; shift
	mesh_config "$i" > "$MESH_RUN/n$i.yaml"
	# Not through mesh_exec: a function in the background is a subshell, and
	# $! would be its pid, not babed's (`ip netns exec` execs babed).
	ip netns exec "$(mesh_ns "$i")" "$babed_bin" -c "$MESH_RUN/n$i.yaml" "$@" > "$MESH_RUN/n$i.log" 2>&1 &
	echo $! > "$MESH_RUN/n$i.pid"
	local t
	for ((t = 0; t < 100; t++)); do
		mesh_ctl "$i" status > /dev/null 2>&1 && { mesh_check_mode "$i"; return 0; }
		kill -0 "$(cat "$MESH_RUN/n$i.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cat "$MESH_RUN/n$i.log" >&2
	fail "babed on node $i did not start"
}

# mesh_check_mode I: with MESH_MODE native or generic, node I's XDP runs in
# that mode (a run meant to cover generic XDP must not pass in native).
mesh_check_mode() {
	case $MESH_MODE in native | generic) ;; *) return 0 ;; esac
	[ "${mesh_backend[$1]:-$MESH_BACKEND}" != afpacket ] || return 0
	local m
	m=$(mesh_ctl "$1" --json status | jq -r '.status.xdp_mode')
	[ "$m" = "$MESH_MODE" ] || fail "babed on node $1 runs XDP in mode '$m', MESH_MODE=$MESH_MODE"
}

mesh_start_all() { local i; for ((i = 1; i <= mesh_nodes; i++)); do mesh_start "$i"; done; }

# mesh_stop I [SIGNAL]: stop babed on node I (SIGTERM by default) and wait.
mesh_stop() {
	local i=$1 sig=${2:-TERM} pid
	pid=$(cat "$MESH_RUN/n$i.pid" 2>/dev/null) || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	local t
	for ((t = 0; t < 50; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$MESH_RUN/n$i.pid"
}

mesh_down() {
	local i
	for ((i = 1; i <= mesh_nodes; i++)); do mesh_stop "$i"; done
	ns_cleanup
	umount "$MESH_RUN/bpf" 2>/dev/null || true
	rm -rf "$MESH_RUN"
}
