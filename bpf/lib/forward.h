/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ways a packet leaves the XDP programs: to the engine through the
 * XSKMAP, to a neighbour through the devmap after an Ethernet rewrite, and
 * the "last heard" stamp that tells the engine a neighbour is alive.
 */
#ifndef BABE_BPF_LIB_FORWARD_H
#define BABE_BPF_LIB_FORWARD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "babe/maps.h"
#include "babe/stats.h"
#include "lib/ack.h"
#include "lib/maps.h"
#include "lib/stats.h"

/*
 * A neighbour's last_heard_ns and last_tx_ns are rewritten only when older
 * than this (ns), so that CPUs refreshing their caches in the same tick do
 * not all write the shared entry. A compile-time constant (override with
 * -D): a `const volatile` rodata knob is one more map value that every
 * packet reads.
 */
#ifndef BABE_LAST_HEARD_GRANULARITY_NS
#define BABE_LAST_HEARD_GRANULARITY_NS 1000000ULL
#endif

/*
 * Redirect to the AF_XDP socket of this RX queue. One XSKMAP serves every
 * interface the program runs on: the engine gives each interface a block of
 * slots (xsk_slots: ifindex -> first slot) and binds queue q at first + q.
 * Without one, fallback is the verdict (XDP_PASS on the mesh, XDP_DROP on
 * babe0) and counts NO_XSK, but for a neighbour's standalone Ack Request on
 * the mesh, which XDP answers itself (ack.h; ACK_REPLY). reason is a
 * BABE_STAT_ENGINE_* id, counted as well. (The slow path only: one hash
 * lookup more is no cost here.)
 */
static __noinline int babe_to_engine(struct xdp_md *ctx, __u32 reason, __u64 bytes,
				     __u64 fallback)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *first = bpf_map_lookup_elem(&xsk_slots, &ifindex);
	__u32 slot = ctx->rx_queue_index + (first ? *first : 0);
	int rc = bpf_redirect_map(&xsks, slot, fallback);
	struct babe_config *cfg;
	__u32 key = 0;

	if (rc != XDP_REDIRECT && fallback == XDP_PASS && reason == BABE_STAT_ENGINE_CONTROL) {
		cfg = bpf_map_lookup_elem(&config, &key);
		if (cfg && babe_answer_ack_request(ctx, cfg->self_addr)) {
			babe_count(BABE_STAT_ACK_REPLY, bytes);
			babe_count(reason, bytes);
			return XDP_TX;
		}
	}
	babe_count(rc == XDP_REDIRECT ? BABE_STAT_TO_ENGINE : BABE_STAT_NO_XSK, bytes);
	babe_count(reason, bytes);
	return rc;
}

/* This CPU's caches in front of `neighbours`, or NULL past the map's CPUs. */
static __always_inline struct babe_neigh_cache *babe_get_neigh_cache(void)
{
	__u32 key = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&babe_neigh_cache, &key);
}

/* Slot of the hop pair (prev, next) in this CPU's direct-mapped cache. */
static __always_inline __u32 babe_neigh_slot(__be32 prev, __be32 next)
{
	return (((__u32)prev ^ ((__u32)next * 0x85ebca6bU)) * 0x9e3779b1U) >>
	       (32 - BABE_NEIGH_CACHE_BITS);
}

/*
 * The per-packet neighbour work of a forwarded or delivered packet: how to
 * reach next (ifindex, MACs) and "prev was heard". prev 0: nothing to
 * stamp; next 0: no next hop (delivery). Returns the slot holding next's
 * entry, or NULL when next is not in `neighbours`.
 *
 * This CPU's slot for the pair (prev, next) is used as it is while it was
 * refreshed in the current scheduler tick (jiffies, which the verifier
 * inlines as one load): no clock read, no hash lookup, one cache line. The
 * first packet of a pair in a tick refreshes it: one coarse clock read, a
 * `neighbours` lookup of next (copied into the slot, last_tx_ns stamped:
 * traffic goes there, which is Route Maintenance evidence for the engine)
 * and one of prev (last_heard_ns stamped). So a neighbour change is seen
 * within a tick (<= 4 ms at HZ=250; neighbours change on the scale of the
 * 250 ms MaintHoldoffTime) and stamps lag by less than one; writers need
 * not do anything, and zeroing the cache makes a change visible at once.
 * A next hop that is not a neighbour is not cached (the slot is cleared):
 * a new neighbour is used at once. Without a cache (nc NULL, a CPU past the
 * map) every packet looks up and stamps, with tmp as the slot.
 */
static __always_inline const struct babe_neigh_slot *
babe_neigh_fwd(struct babe_neigh_cache *nc, __be32 prev, __be32 next, struct babe_neigh_slot *tmp)
{
	struct babe_neigh_slot *s = nc ? &nc->slot[babe_neigh_slot(prev, next)] : tmp;
	__u64 j = bpf_jiffies64();
	struct babe_neighbour *nb;
	__u64 now;

	if (nc && s->jiffies == j && s->prev == prev && s->next == next)
		return s;
	now = bpf_ktime_get_coarse_ns();
	if (next) {
		nb = bpf_map_lookup_elem(&neighbours, &next);
		if (!nb) {
			s->prev = 0; /* not cached: the next packet looks again */
			s->next = 0;
			return NULL;
		}
		s->ifindex = nb->ifindex;
		__builtin_memcpy(s->mac, nb->mac, ETH_ALEN);
		__builtin_memcpy(s->src_mac, nb->src_mac, ETH_ALEN);
		/* signed: a stamp a little ahead of the coarse clock is not moved back */
		if ((__s64)(now - nb->last_tx_ns) >= (__s64)BABE_LAST_HEARD_GRANULARITY_NS)
			nb->last_tx_ns = now;
	}
	if (prev) {
		nb = bpf_map_lookup_elem(&neighbours, &prev);
		if (nb && (__s64)(now - nb->last_heard_ns) >= (__s64)BABE_LAST_HEARD_GRANULARITY_NS)
			nb->last_heard_ns = now;
	}
	s->prev = prev;
	s->next = next;
	s->jiffies = j;
	return s;
}

/*
 * The MACs towards the next hop: destination its MAC, source ours on its
 * interface. Word copies (a 4 + 2 byte split that keeps every access
 * naturally aligned in the slot and in a frame starting on 4 bytes; x86
 * and arm64 take unaligned packet access anyway) instead of the twelve
 * byte loads and stores __builtin_memcpy makes of unknown alignment.
 */
static __always_inline void babe_rewrite_macs(struct ethhdr *eth, const struct babe_neigh_slot *nh)
{
	__u8 *d = (__u8 *)eth;

	*(__u32 *)d = *(const __u32 *)nh->mac;
	*(__u16 *)(d + 4) = *(const __u16 *)(nh->mac + 4);
	*(__u16 *)(d + 6) = *(const __u16 *)nh->src_mac;
	*(__u32 *)(d + 8) = *(const __u32 *)(nh->src_mac + 2);
}

/* A whole Ethernet header to the next hop, IPv4. */
static __always_inline void babe_rewrite_eth(struct ethhdr *eth, const struct babe_neigh_slot *nh)
{
	babe_rewrite_macs(eth, nh);
	eth->h_proto = bpf_htons(ETH_P_IP);
}

/* Redirect through tx_ports; a port missing from the devmap is a counted drop. */
static __always_inline int babe_redirect_tx(const struct babe_neigh_slot *nh, __u32 ok_id,
					    __u64 bytes)
{
	int rc = bpf_redirect_map(&tx_ports, nh->ifindex, XDP_DROP);

	babe_count(rc == XDP_REDIRECT ? ok_id : BABE_STAT_DROP_REDIRECT_FAILED, bytes);
	return rc;
}

/* This node's configuration, or NULL when the engine has not enabled it. */
static __always_inline struct babe_config *babe_get_config(void)
{
	__u32 key = 0;
	struct babe_config *cfg = bpf_map_lookup_elem(&config, &key);

	if (!cfg || !(cfg->flags & BABE_CONFIG_F_ENABLED))
		return NULL;
	return cfg;
}

#endif /* BABE_BPF_LIB_FORWARD_H */
