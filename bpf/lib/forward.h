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
 * Redirect to the AF_XDP socket of this RX queue. Without one, fallback is
 * the verdict (XDP_PASS on the mesh, XDP_DROP on babe0) and counts NO_XSK.
 * reason is a BABE_STAT_ENGINE_* id, counted as well.
 */
static __always_inline int babe_to_engine(struct xdp_md *ctx, __u32 reason, __u64 bytes,
					  __u64 fallback)
{
	int rc = bpf_redirect_map(&xsks, ctx->rx_queue_index, fallback);

	babe_count(rc == XDP_REDIRECT ? BABE_STAT_TO_ENGINE : BABE_STAT_NO_XSK, bytes);
	babe_count(reason, bytes);
	return rc;
}

/* Stamp addr's last heard time, if it is a known neighbour. */
static __always_inline void babe_stamp_heard(__be32 addr)
{
	struct babe_neighbour *nb = bpf_map_lookup_elem(&neighbours, &addr);
	__u64 now;

	if (!nb)
		return;
	now = bpf_ktime_get_ns();
	if (now - nb->last_heard_ns >= babe_last_heard_granularity_ns)
		nb->last_heard_ns = now;
}

/* Ethernet to the neighbour, from our MAC on its interface, IPv4. */
static __always_inline void babe_rewrite_eth(struct ethhdr *eth, const struct babe_neighbour *nb)
{
	__builtin_memcpy(eth->h_dest, nb->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nb->src_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
}

/* Redirect through tx_ports; a port missing from the devmap is a counted drop. */
static __always_inline int babe_redirect_tx(const struct babe_neighbour *nb, __u32 ok_id,
					    __u64 bytes)
{
	int rc = bpf_redirect_map(&tx_ports, nb->ifindex, XDP_DROP);

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
