/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * babe_local_egress: what a node does with a packet the host routed into
 * babe0 (the program runs on the peer end of the veth pair).
 *
 *   not IPv4, or not for the mesh prefix  -> XDP_PASS (pass_other)
 *   bad IPv4 header, IPv4 options         -> XDP_DROP, counted
 *   route cache miss                      -> engine (XSKMAP; XDP_DROP without one)
 *   (route found: its "used" mark is set for the current epoch, see maps.h)
 *   first hop not a known neighbour       -> engine
 *   hit                                   -> insert DSR header + Source Route
 *                                            (none for a one-hop route), Ethernet
 *                                            to the first hop, devmap redirect
 */
#ifndef BABE_BPF_LIB_EGRESS_H
#define BABE_BPF_LIB_EGRESS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "babe/csum.h"
#include "babe/maps.h"
#include "babe/stats.h"
#include "babe/wire.h"
#include "lib/dsr.h"
#include "lib/forward.h"
#include "lib/parse.h"
#include "lib/stats.h"

/* Insert the DSR Options header with a Source Route of r->n_hops addresses (>= 1). */
static __always_inline int babe_egress_encap(struct xdp_md *ctx, struct iphdr *ip,
					     const struct babe_route *r,
					     const struct babe_neigh_slot *nh, __u64 bytes)
{
	__u32 n = r->n_hops;
	__u32 delta = sizeof(struct babe_dsr_hdr) + sizeof(struct babe_dsr_srcrt) + 4 * n;
	struct iphdr ip_copy = *ip;
	struct babe_dsr_srcrt *sr;
	struct babe_dsr_hdr *dsr;
	void *data, *data_end;
	__u16 old_w, new_w;
	__be16 old_len;
	__be32 *addrs;
	__u8 proto = ip->protocol;
	__u32 tot_len, i;

	tot_len = bpf_ntohs(ip_copy.tot_len) + delta;
	if (tot_len > 0xffff)
		return babe_drop(BABE_STAT_DROP_NO_ROOM, bytes);
	__builtin_memcpy(&old_w, &ip_copy.ttl, 2);
	ip_copy.protocol = BABE_IPPROTO_DSR;
	__builtin_memcpy(&new_w, &ip_copy.ttl, 2);
	ip_copy.check = babe_csum_replace16(ip_copy.check, old_w, new_w);
	old_len = ip_copy.tot_len;
	ip_copy.tot_len = bpf_htons(tot_len);
	ip_copy.check = babe_csum_replace16(ip_copy.check, old_len, ip_copy.tot_len);

	if (bpf_xdp_adjust_head(ctx, -(int)delta))
		return babe_drop(BABE_STAT_DROP_NO_ROOM, bytes);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + BABE_DSR_OPTS_OFF + sizeof(*sr) > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	babe_rewrite_eth(data, nh);
	__builtin_memcpy(data + sizeof(struct ethhdr), &ip_copy, sizeof(ip_copy));
	dsr = data + BABE_DSR_OFF;
	dsr->next_header = proto;
	dsr->flags = 0;
	dsr->payload_len = bpf_htons(sizeof(*sr) + 4 * n);
	sr = data + BABE_DSR_OPTS_OFF;
	sr->type = BABE_DSR_OPT_SRCRT;
	sr->data_len = BABE_DSR_SRCRT_FIXED_DATA + 4 * n;
	sr->flags_segs = bpf_htons(n & BABE_DSR_SRCRT_SEGS_MASK);
	addrs = (void *)(sr + 1);
	for (i = 0; i < BABE_MAX_ROUTE_HOPS; i++) {
		if (i >= n)
			break;
		if ((void *)(addrs + i + 1) > data_end)
			return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
		addrs[i] = r->hops[i];
	}
	return babe_redirect_tx(nh, BABE_STAT_ENCAP, bytes);
}

static __always_inline int babe_local_egress_run(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	const struct babe_neigh_slot *nh;
	struct babe_neigh_slot tmp;
	struct babe_config *cfg;
	struct babe_route *r;
	struct babe_cursor c;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 first;

	babe_cursor_init(&c, ctx);
	eth = babe_parse_eth(&c);
	cfg = babe_get_config();
	if (!cfg || !eth || eth->h_proto != bpf_htons(ETH_P_IP)) {
		babe_count(BABE_STAT_PASS_OTHER, bytes);
		return XDP_PASS;
	}
	ip = babe_parse_ipv4(&c);
	if (!ip)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	if (!babe_in_prefix(ip->daddr, cfg->mesh_prefix, cfg->mesh_prefix_len) ||
	    ip->daddr == cfg->self_addr) {
		babe_count(BABE_STAT_PASS_OTHER, bytes);
		return XDP_PASS;
	}
	if (ip->version != 4 || ip->ihl < 5)
		return babe_drop(BABE_STAT_DROP_BAD_IP_HEADER, bytes);
	if (ip->ihl > 5)
		return babe_drop(BABE_STAT_DROP_IP_OPTIONS, bytes);
	if (bpf_ntohs(ip->tot_len) < sizeof(struct iphdr))
		return babe_drop(BABE_STAT_DROP_BAD_IP_HEADER, bytes);
	if ((void *)ip + bpf_ntohs(ip->tot_len) > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	if (ip->protocol == BABE_IPPROTO_DSR) /* the host has no business sending DSR here */
		return babe_to_engine(ctx, BABE_STAT_ENGINE_UNSUPPORTED, bytes, XDP_DROP);

	r = bpf_map_lookup_elem(&routes, &ip->daddr);
	if (!r)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_NO_ROUTE, bytes, XDP_DROP);
	if (r->n_hops > BABE_MAX_ROUTE_HOPS)
		return babe_drop(BABE_STAT_DROP_ROUTE_TOO_LONG, bytes);
	/* The "used" mark: one store per route per epoch, read-only otherwise. */
	if (cfg->route_epoch && r->used_epoch != cfg->route_epoch)
		r->used_epoch = cfg->route_epoch;
	first = r->n_hops ? r->hops[0] : ip->daddr;
	nh = babe_neigh_fwd(babe_get_neigh_cache(), 0, first, &tmp);
	if (!nh)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_NO_NEIGHBOUR, bytes, XDP_DROP);
	if (r->n_hops == 0) {
		babe_rewrite_eth(eth, nh);
		return babe_redirect_tx(nh, BABE_STAT_ENCAP, bytes);
	}
	return babe_egress_encap(ctx, ip, r, nh, bytes);
}

#endif /* BABE_BPF_LIB_EGRESS_H */
