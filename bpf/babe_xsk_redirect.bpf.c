// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Redirects every IPv4 UDP frame to the AF_XDP socket bound to its RX queue
 * (everything else, and UDP when no socket is bound, goes to the stack).
 * Used by the AF_XDP tests and as the minimal AF_XDP echo loop the engine's
 * miss path is benchmarked against.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsk_redirect_xsks SEC(".maps");

SEC("xdp")
int babe_xsk_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	return bpf_redirect_map(&xsk_redirect_xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
