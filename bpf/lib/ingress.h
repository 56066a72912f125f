/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * babe_mesh_ingress: what a node does with a frame from a mesh interface.
 *
 *   not IPv4, or IPv4 but not DSR             -> XDP_PASS (pass_other); Babe
 *                                                transport for this node -> engine
 *   malformed DSR                              -> XDP_DROP, counted by reason
 *   control option, flow state, unknown option
 *   to report or remove                        -> engine (XSKMAP)
 *   Source Route naming this node as the hop
 *   now visited (Address[n - SegmentsLeft])    -> transit: SL - 1, TTL - 1,
 *                                                Ethernet to the next hop, devmap
 *   SL 0 (or no Source Route), IP dst = self   -> strip the DSR header, XDP_PASS
 *   anything else                              -> XDP_DROP (not_on_route)
 */
#ifndef BABE_BPF_LIB_INGRESS_H
#define BABE_BPF_LIB_INGRESS_H

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

/*
 * Forward along the Source Route: this node is Address[idx], idx = n - SL.
 * The one path that has to be fast: the next hop and the previous hop's
 * stamp from one slot of this CPU's cache (forward.h), an incremental
 * checksum, the MAC rewrite and the devmap redirect.
 */
static __always_inline int babe_ingress_transit(struct xdp_md *ctx, struct ethhdr *eth,
						struct iphdr *ip,
						const struct babe_dsr_walk *w, __u32 idx,
						__u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 segs = w->flags_segs & BABE_DSR_SRCRT_SEGS_MASK;
	const struct babe_neigh_slot *nh;
	struct babe_neigh_slot tmp;
	__be16 *fs;
	__be32 next, prev;
	__u16 old_w, new_w;

	if (ip->ttl <= 1)
		return babe_drop(BABE_STAT_DROP_TTL_EXPIRED, bytes);
	/* After the decrement: Address[idx + 1], or the destination when none is left. */
	next = segs > 1 ? babe_srcrt_addr(data, data_end, w->srcrt_off, idx + 1) : ip->daddr;
	/* The previous hop was heard: Address[idx - 1], or the source at the first hop. */
	prev = idx > 0 ? babe_srcrt_addr(data, data_end, w->srcrt_off, idx - 1) : ip->saddr;
	nh = babe_neigh_fwd(babe_get_neigh_cache(), prev, next, &tmp);
	if (!nh)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_NO_NEIGHBOUR, bytes, XDP_PASS);

	fs = data + (w->srcrt_off & BABE_OFF_MASK) + 2;
	if ((void *)(fs + 1) > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	*fs = bpf_htons(w->flags_segs - 1);

	__builtin_memcpy(&old_w, &ip->ttl, 2);
	ip->ttl--;
	__builtin_memcpy(&new_w, &ip->ttl, 2);
	ip->check = babe_csum_replace16(ip->check, old_w, new_w);

	babe_rewrite_macs(eth, nh); /* h_proto is IPv4 already */
	return babe_redirect_tx(nh, BABE_STAT_TRANSIT, bytes);
}

/* For this node: remove the DSR header and give the original packet to the stack. */
static __always_inline int babe_ingress_deliver(struct xdp_md *ctx, struct ethhdr *eth,
						struct iphdr *ip, __u8 next_header,
						__u32 dsr_len, __u64 bytes)
{
	struct ethhdr eth_copy = *eth;
	struct iphdr ip_copy = *ip;
	void *data, *data_end;
	__u16 old_w, new_w;
	__be16 old_len;

	__builtin_memcpy(&old_w, &ip_copy.ttl, 2);
	ip_copy.protocol = next_header;
	__builtin_memcpy(&new_w, &ip_copy.ttl, 2);
	ip_copy.check = babe_csum_replace16(ip_copy.check, old_w, new_w);
	old_len = ip_copy.tot_len;
	ip_copy.tot_len = bpf_htons(bpf_ntohs(old_len) - dsr_len);
	ip_copy.check = babe_csum_replace16(ip_copy.check, old_len, ip_copy.tot_len);

	if (bpf_xdp_adjust_head(ctx, (int)dsr_len))
		return babe_drop(BABE_STAT_DROP_NO_ROOM, bytes);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) + sizeof(struct iphdr) > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	__builtin_memcpy(data, &eth_copy, sizeof(eth_copy));
	__builtin_memcpy(data + sizeof(struct ethhdr), &ip_copy, sizeof(ip_copy));
	babe_count(BABE_STAT_DELIVER, bytes);
	return XDP_PASS;
}

/* A well-formed DSR header (w: its Source Route): transit, delivery or the engine. */
static __always_inline int babe_ingress_route(struct xdp_md *ctx, struct ethhdr *eth,
					      struct iphdr *ip, struct babe_dsr_hdr *dsr,
					      const struct babe_config *cfg,
					      const struct babe_dsr_walk *w, __u32 plen, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct babe_neigh_slot tmp;
	__u32 segs;

	segs = w->flags_segs & BABE_DSR_SRCRT_SEGS_MASK;
	if (w->srcrt_off && segs > w->n_addrs)
		return babe_drop(BABE_STAT_DROP_SEGS_LEFT_BEYOND_ROUTE, bytes);
	if (w->control)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_CONTROL, bytes, XDP_PASS);
	if (w->unsupported || (w->flags_segs & (BABE_DSR_SRCRT_F | BABE_DSR_SRCRT_L)))
		return babe_to_engine(ctx, BABE_STAT_ENGINE_UNSUPPORTED, bytes, XDP_PASS);

	if (w->srcrt_off && segs > 0) {
		__u32 idx = w->n_addrs - segs;

		if (ip->daddr == cfg->self_addr ||
		    babe_srcrt_addr(data, data_end, w->srcrt_off, idx) != cfg->self_addr)
			return babe_drop(BABE_STAT_DROP_NOT_ON_ROUTE, bytes);
		return babe_ingress_transit(ctx, eth, ip, w, idx, bytes);
	}
	if (ip->daddr != cfg->self_addr)
		return babe_drop(BABE_STAT_DROP_NOT_ON_ROUTE, bytes);
	if (dsr->next_header == BABE_NEXT_HEADER_TRANSPORT)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_TRANSPORT, bytes, XDP_PASS);
	if (dsr->next_header == BABE_IPPROTO_DSR) /* one DSR header per packet */
		return babe_drop(BABE_STAT_DROP_NESTED_DSR, bytes);
	if (dsr->next_header == BABE_NEXT_HEADER_NONE)
		return babe_to_engine(ctx, BABE_STAT_ENGINE_UNSUPPORTED, bytes, XDP_PASS);
	/* The last hop was heard: Address[n - 1], or the source of a route without one. */
	babe_neigh_fwd(babe_get_neigh_cache(),
		       w->n_addrs ? babe_srcrt_addr(data, data_end, w->srcrt_off, w->n_addrs - 1) :
				   ip->saddr,
		       0, &tmp);
	return babe_ingress_deliver(ctx, eth, ip, dsr->next_header,
				    sizeof(struct babe_dsr_hdr) + plen, bytes);
}

static __always_inline int babe_mesh_ingress_run(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct babe_dsr_walk w = {};
	struct babe_config *cfg;
	struct babe_dsr_hdr *dsr;
	struct babe_cursor c;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 tot_len, plen, drop;

	babe_cursor_init(&c, ctx);
	eth = babe_parse_eth(&c);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IP)) {
		babe_count(BABE_STAT_PASS_OTHER, bytes);
		return XDP_PASS;
	}
	ip = babe_parse_ipv4(&c);
	if (!ip)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	cfg = babe_get_config();
	if (!cfg || (ip->protocol != BABE_IPPROTO_DSR &&
		     (ip->protocol != BABE_NEXT_HEADER_TRANSPORT || ip->daddr != cfg->self_addr))) {
		babe_count(BABE_STAT_PASS_OTHER, bytes);
		return XDP_PASS;
	}
	if (ip->protocol == BABE_NEXT_HEADER_TRANSPORT) /* one hop: no DSR header */
		return babe_to_engine(ctx, BABE_STAT_ENGINE_TRANSPORT, bytes, XDP_PASS);

	/* DSR from here on: every check failing is a counted drop. */
	if (ip->version != 4 || ip->ihl < 5)
		return babe_drop(BABE_STAT_DROP_BAD_IP_HEADER, bytes);
	if (ip->ihl > 5)
		return babe_drop(BABE_STAT_DROP_IP_OPTIONS, bytes);
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < sizeof(struct iphdr) + sizeof(struct babe_dsr_hdr))
		return babe_drop(BABE_STAT_DROP_BAD_DSR_LENGTH, bytes);
	if ((void *)ip + tot_len > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	if (babe_ipv4_is_fragment(ip))
		return babe_drop(BABE_STAT_DROP_FRAGMENT, bytes);
	if (!babe_ipv4_hdr_csum_ok(ip))
		return babe_drop(BABE_STAT_DROP_BAD_IP_HEADER, bytes);
	dsr = c.pos;
	if ((void *)(dsr + 1) > data_end)
		return babe_drop(BABE_STAT_DROP_TRUNCATED, bytes);
	if (dsr->flags & BABE_DSR_HDR_F) /* flow state header */
		return babe_to_engine(ctx, BABE_STAT_ENGINE_UNSUPPORTED, bytes, XDP_PASS);
	plen = bpf_ntohs(dsr->payload_len);
	if (sizeof(struct iphdr) + sizeof(struct babe_dsr_hdr) + plen > tot_len)
		return babe_drop(BABE_STAT_DROP_BAD_DSR_LENGTH, bytes);
	/* Inlined twice: with the common header's constants, and after the walk. */
	if (babe_dsr_walk_fast(dsr + 1, data_end, plen, &w))
		return babe_ingress_route(ctx, eth, ip, dsr, cfg, &w, plen, bytes);
	drop = babe_dsr_walk_unpack(babe_dsr_walk(ctx, plen), &w);
	if (drop)
		return babe_drop(drop, bytes);
	return babe_ingress_route(ctx, eth, ip, dsr, cfg, &w, plen, bytes);
}

#endif /* BABE_BPF_LIB_INGRESS_H */
