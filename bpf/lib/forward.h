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
#include "lib/maps.h"
#include "lib/stats.h"

/*
 * A neighbour's last_heard_ns is rewritten only when it is older than this
 * (ns): one store per neighbour per interval instead of a shared cache line
 * written by every packet on every CPU. Set through skel->rodata.
 */
const volatile __u64 babe_last_heard_granularity_ns = 1000000;
/*
 * How long (ns) a neighbour entry copied into the per-CPU next-hop cache is
 * used without looking at `neighbours` again. The clock is the coarse one
 * (it moves once per scheduler tick), so the bound on how late XDP sees a
 * changed or removed neighbour is this or one tick, whichever is larger. A
 * new neighbour is seen at once (only hits are cached). Set through
 * skel->rodata; 0 turns the cache off.
 */
const volatile __u64 babe_neigh_cache_ttl_ns = 1000000;

/*
 * Redirect to the AF_XDP socket of this RX queue. One XSKMAP serves every
 * interface the program runs on: the engine gives each interface a block of
 * slots (xsk_slots: ifindex -> first slot) and binds queue q at first + q.
 * Without one, fallback is the verdict (XDP_PASS on the mesh, XDP_DROP on
 * babe0) and counts NO_XSK. reason is a BABE_STAT_ENGINE_* id, counted as
 * well. (The slow path only: one hash lookup more is no cost here.)
 */
static __noinline int babe_to_engine(struct xdp_md *ctx, __u32 reason, __u64 bytes,
				     __u64 fallback)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *first = bpf_map_lookup_elem(&xsk_slots, &ifindex);
	__u32 slot = ctx->rx_queue_index + (first ? *first : 0);
	int rc = bpf_redirect_map(&xsks, slot, fallback);

	babe_count(rc == XDP_REDIRECT ? BABE_STAT_TO_ENGINE : BABE_STAT_NO_XSK, bytes);
	babe_count(reason, bytes);
	return rc;
}

/*
 * The time of this packet for stamps and cache ages: CLOCK_MONOTONIC as of
 * the last tick (bpf_ktime_get_coarse_ns). A few ns where bpf_ktime_get_ns
 * costs tens in a VM; the engine reads stamps every 50 ms against a 250 ms
 * holdoff, so a tick of lag (1-4 ms) does not matter. Read at most once per
 * packet and passed down.
 */
static __always_inline __u64 babe_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

/* This CPU's caches in front of `neighbours`, or NULL past the map's CPUs. */
static __always_inline struct babe_neigh_cache *babe_get_neigh_cache(void)
{
	__u32 key = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&babe_neigh_cache, &key);
}

/* Slot of addr (__be32) in a direct-mapped table of 2^BABE_NEIGH_CACHE_BITS slots. */
static __always_inline __u32 babe_neigh_slot(__be32 addr)
{
	return ((__u32)addr * 0x9e3779b1U) >> (32 - BABE_NEIGH_CACHE_BITS);
}

/* Copy a neighbour entry for addr into s. */
static __always_inline void babe_nh_fill(struct babe_nh_slot *s, __be32 addr,
					 const struct babe_neighbour *nb, __u64 now)
{
	s->addr = addr;
	s->ifindex = nb->ifindex;
	__builtin_memcpy(s->mac, nb->mac, ETH_ALEN);
	__builtin_memcpy(s->src_mac, nb->src_mac, ETH_ALEN);
	s->filled_ns = now;
}

/*
 * How to reach next (ifindex, MACs), or NULL when it is not a neighbour.
 * Served from this CPU's next-hop cache when the slot holds next and was
 * filled less than babe_neigh_cache_ttl_ns ago; otherwise from `neighbours`,
 * and the slot is refilled. A miss is not cached. Without a cache (nc NULL)
 * the entry is copied into tmp.
 */
static __always_inline const struct babe_nh_slot *
babe_find_next_hop(struct babe_neigh_cache *nc, __be32 next, __u64 now, struct babe_nh_slot *tmp)
{
	struct babe_nh_slot *s = nc ? &nc->nh[babe_neigh_slot(next)] : tmp;
	struct babe_neighbour *nb;

	if (nc && s->addr == next && now - s->filled_ns < babe_neigh_cache_ttl_ns)
		return s;
	nb = bpf_map_lookup_elem(&neighbours, &next);
	if (!nb) {
		if (nc && s->addr == next)
			s->addr = 0; /* gone: the next packet looks again */
		return NULL;
	}
	babe_nh_fill(s, next, nb, now);
	/* Traffic goes to this neighbour: Route Maintenance evidence for the
	 * engine, which probes a neighbour it sends to but no longer hears. */
	if ((__s64)(now - nb->last_tx_ns) >= (__s64)babe_last_heard_granularity_ns)
		nb->last_tx_ns = now;
	return s;
}

/*
 * Stamp addr's last heard time, if it is a known neighbour. This CPU's heard
 * cache remembers when it last looked addr up (neighbour or not): within
 * babe_last_heard_granularity_ns of that, nothing is read or written, so a
 * stream of packets from one neighbour costs one hash lookup per interval
 * per CPU instead of one per packet.
 */
static __always_inline void babe_stamp_heard(struct babe_neigh_cache *nc, __be32 addr, __u64 now)
{
	struct babe_neighbour *nb;

	if (nc) {
		struct babe_heard_slot *s = &nc->heard[babe_neigh_slot(addr)];

		if (s->addr == addr && now - s->checked_ns < babe_last_heard_granularity_ns)
			return;
		s->addr = addr;
		s->checked_ns = now;
	}
	nb = bpf_map_lookup_elem(&neighbours, &addr);
	/* signed: a stamp a little ahead of the coarse clock is not moved back */
	if (nb && (__s64)(now - nb->last_heard_ns) >= (__s64)babe_last_heard_granularity_ns)
		nb->last_heard_ns = now;
}

/* Ethernet to the next hop, from our MAC on its interface, IPv4. */
static __always_inline void babe_rewrite_eth(struct ethhdr *eth, const struct babe_nh_slot *nh)
{
	__builtin_memcpy(eth->h_dest, nh->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->src_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
}

/* Redirect through tx_ports; a port missing from the devmap is a counted drop. */
static __always_inline int babe_redirect_tx(const struct babe_nh_slot *nh, __u32 ok_id,
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
