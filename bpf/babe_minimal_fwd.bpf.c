// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The baseline of the forwarding benchmarks: the least an XDP forwarder can
 * do, an Ethernet rewrite from one fixed neighbour entry and a devmap
 * redirect. bench-xdp compares babe_mesh_ingress's transit path with it, and
 * bench-forward forwards real traffic with it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "babe/maps.h"

/* key 0 -> where every frame goes (ifindex, neighbour MAC, our MAC). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct babe_neighbour);
} fwd_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, BABE_TX_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

SEC("xdp")
int babe_minimal_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct babe_neighbour *nb;
	__u32 key = 0;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	nb = bpf_map_lookup_elem(&fwd_target, &key);
	if (!nb)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, nb->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nb->src_mac, ETH_ALEN);
	return bpf_redirect_map(&tx_ports, nb->ifindex, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
