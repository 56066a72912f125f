#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The container image (tools/image.sh) runs babed as the chart runs it: on a
# 3-node namespace chain, node 2 (the middle, so every packet between nodes
# 1 and 3 transits it) is babed from the image under podman (runc, host
# network = node 2's namespace, joined by path), nodes 1 and 3 are ordinary babeds. From the
# chart rendered for node 2 (ConfigMap files, the DaemonSet's env, command,
# capabilities and mounts):
#   - the privileged prepare-node init container loosens a strict rp_filter
#     on the mesh interfaces; babed, which cannot write /proc/sys, loosens
#     babe0's (which it creates) through rtnetlink;
#   - babed starts with only the chart's capabilities and /proc/sys and the
#     root file system read-only, gets its address by node name, answers
#     /readyz, `podman exec ... babectl` and the host's babectl on the
#     host-path socket;
#   - pings cross node 2 in both directions, in XDP (transit counter moves);
#   - with node 2's container stopped, transit keeps flowing (pinned maps and
#     links on the host's bpffs), and a new container reuses them.
# SKIP without podman, buildah, runc or busybox (bash tools/install-deps.sh image).
set -euo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"
. "$babe_root/tools/mesh.sh"
tmp=$(mktemp -d)
k8s_home=$tmp/home
. "$babe_root/tests/integration/k8s/lib.sh"
require_root_netns
k8s_tools
for c in podman buildah runc busybox curl jq; do
	command -v $c > /dev/null || skip "$c is not installed (bash tools/install-deps.sh image)"
done
MESH_NAME=babe-t-image
MESH_RUN=/run/babe-test/$MESH_NAME
ctr=babe-t-image-n2
image=localhost/babe-test:ctest
cleanup() {
	podman rm -f -t 2 "$ctr" > /dev/null 2>&1 || true
	podman rmi "$image" > /dev/null 2>&1 || true
	mesh_down
	rm -rf "$tmp"
}
trap cleanup EXIT

say "== image"
IMAGE=localhost/babe-test TAG=ctest bash "$babe_root/tools/image.sh" > "$tmp/image.out" 2>&1 ||
	{ cat "$tmp/image.out"; fail "tools/image.sh"; }
pass "$(tail -2 "$tmp/image.out" | paste -sd ';')"

mesh_chain 3
node=mesh-n2
render --set "babed.config.mesh.interfaces={m1,m3}" --set "babed.config.mesh.prefix=$MESH_PREFIX.0/24" \
	--set "babed.nodeAddresses.$node=$(mesh_addr 2)" --set babed.config.dsr.try_passive_acks=0 \
	| k8s_json > "$tmp/chart.json"
mkdir -p "$tmp/etc-babe" "$MESH_RUN/n2run"
for k in babe.yaml node-addresses prepare-node.sh run-babed.sh; do
	cm_key "$tmp/chart.json" babe "$k" > "$tmp/etc-babe/$k"
done
pod() { jq -r ".[] | select(.kind == \"DaemonSet\") | .spec.template.spec | $1" "$tmp/chart.json"; }
mapfile -t init_env < <(pod '.initContainers[0].env[] | "--env=\(.name)=\(.value)"')
caps=$(pod '.containers[0].securityContext.capabilities.add | map("--cap-add=" + .) | join(" ")')
# A pod's command replaces the image's entrypoint: podman --entrypoint.
babed_cmd=$(pod '.containers[0].command | tojson')
init_cmd=$(pod '.initContainers[0].command | tojson')
sock_dir=$(pod '.volumes[] | select(.name == "run") | .hostPath.path')
# The chart's mounts, with the mesh's bpffs standing for the host's
# /sys/fs/bpf and a directory of the test for the socket's host path.
mounts=(-v "$tmp/etc-babe:/etc/babe:ro" -v "$MESH_RUN/bpf:/sys/fs/bpf" -v "$MESH_RUN/n2run:$sock_dir")
# Node 2's namespace is the container's host network: podman joins it by
# path (under `ip netns exec` /sys is remounted and runc finds no cgroups).
podman_run() {
	podman run --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=16384:16384 \
		--network "ns:/run/netns/$(mesh_ns 2)" "$@"
}

say "== prepare-node (privileged init container)"
mesh_exec 2 sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.m1.rp_filter=0 net.ipv4.conf.m3.rp_filter=1
# shellcheck disable=SC2086
podman_run --rm --privileged "${init_env[@]}" "${mounts[@]}" --entrypoint "$init_cmd" "$image" > "$tmp/init.out" 2>&1 ||
	{ cat "$tmp/init.out"; fail "prepare-node"; }
for k in m1.rp_filter m3.rp_filter; do
	[ "$(mesh_exec 2 sysctl -n "net.ipv4.conf.$k")" = 2 ] || { cat "$tmp/init.out"; fail "prepare-node left $k strict"; }
done
pass "prepare-node: $(grep -c 'rp_filter=2' "$tmp/init.out") rp_filter loosened ($(tail -1 "$tmp/init.out"))"

say "== babed from the image on node 2, nodes 1 and 3 ordinary"
mesh_start 1
mesh_start 3
start_ctr() {
	# shellcheck disable=SC2086
	podman_run -d --name "$ctr" --cap-drop=all $caps --security-opt seccomp=unconfined --read-only \
		--env NODE_NAME=$node "${mounts[@]}" --entrypoint "$babed_cmd" "$image" > /dev/null
	local t
	for ((t = 0; t < 100; t++)); do
		"$babectl_bin" -s "$MESH_RUN/n2run/babe.sock" status > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	podman logs "$ctr" >&2 || true
	fail "babed in the container did not answer on its socket"
}
t0=$(date +%s%N)
start_ctr
say "babed in the container answered after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
podman logs "$ctr" > "$tmp/n2.log" 2>&1
grep -E 'warning|error|critical' "$tmp/n2.log" && fail "babed in the container warned (above)"
st=$("$babectl_bin" -s "$MESH_RUN/n2run/babe.sock" --json status)
[ "$(jq -r .status.node_address <<< "$st")" = "$(mesh_addr 2)" ] || fail "node address by node name: $st"
podman exec "$ctr" babectl status > "$tmp/exec.out" || fail "podman exec babectl status"
ready=$(mesh_exec 2 curl -sS -w '%{http_code}' http://127.0.0.1:8477/readyz | tr '\n' ' ')
[ "$ready" = "ok 200" ] || fail "/readyz: $ready"
[ "$(mesh_exec 2 sysctl -n net.ipv4.conf.babe0.rp_filter)" = 2 ] || fail "babe0's rp_filter is strict"
pass "babed from the image: no warning, babe0's rp_filter loosened through rtnetlink, address $(mesh_addr 2) by node name, /readyz 200, babectl from the host and by exec"

say "== traffic across node 2"
transit0=$("$babectl_bin" -s "$MESH_RUN/n2run/babe.sock" --json stats | jq '.stats.xdp_transit_packets')
mesh_exec 1 ping -c 5 -i 0.2 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping 1 -> 3 across node 2"
mesh_exec 3 ping -c 5 -i 0.2 -W 5 "$(mesh_addr 1)" > /dev/null || fail "ping 3 -> 1 across node 2"
mesh_exec 1 ping -c 2 -W 5 "$(mesh_addr 2)" > /dev/null || fail "ping 1 -> 2 (the container's node)"
transit1=$("$babectl_bin" -s "$MESH_RUN/n2run/babe.sock" --json stats | jq '.stats.xdp_transit_packets')
[ "$transit1" -gt "$transit0" ] || fail "XDP transit on node 2 did not move ($transit0 -> $transit1)"
pass "pings 1 <-> 3 across the container's node and 1 -> 2; XDP transit on node 2: $((transit1 - transit0)) packets"

say "== node 2's container stopped: transit keeps flowing; a new one reuses the pins"
podman stop -t 10 "$ctr" > /dev/null
podman rm "$ctr" > /dev/null
mesh_exec 1 ping -c 5 -i 0.2 -W 2 "$(mesh_addr 3)" > /dev/null || fail "no transit while node 2's babed is stopped"
pass "babed stopped (SIGTERM): pings 1 -> 3 still cross node 2 in XDP"
start_ctr
[ "$("$babectl_bin" -s "$MESH_RUN/n2run/babe.sock" --json status | jq -r .status.maps_reused)" = true ] ||
	{ podman logs "$ctr" 2>&1 | tail -20; fail "the new babed did not reuse the pinned maps"; }
mesh_exec 1 ping -c 2 -W 5 "$(mesh_addr 3)" > /dev/null || fail "ping 1 -> 3 after the restart"
pass "a new container reuses the pinned maps and links; pings 1 -> 3"
