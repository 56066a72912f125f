/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF maps shared by the XDP programs (bpf/) and the engine/loader
 * (userspace/dataplane/): names, key and value layouts. One definition for
 * clang -target bpf and g++. Addresses are network byte order (__be32) as
 * they appear in packets; times are CLOCK_MONOTONIC nanoseconds (XDP uses
 * the coarse clock, bpf_ktime_get_coarse_ns: up to one tick behind).
 */
#ifndef BABE_MAPS_H
#define BABE_MAPS_H

#include <linux/types.h>
#include "babe/wire.h"

/* Map names as they are pinned under the bpffs pin path (default /sys/fs/bpf/babe). */
#define BABE_MAP_ROUTES "routes"
#define BABE_MAP_NEIGHBOURS "neighbours"
#define BABE_MAP_TX_PORTS "tx_ports"
#define BABE_MAP_XSKS "xsks"
#define BABE_MAP_XSK_SLOTS "xsk_slots"
#define BABE_MAP_STATS "stats"
#define BABE_MAP_CONFIG "config"
#define BABE_MAP_LAYOUT "layout"

/*
 * Layout version of the pinned maps, stored in the pinned `layout` map (one
 * ARRAY entry, struct babe_layout, created and pinned by the loader before
 * any other map). BUMP IT whenever the meaning of a pinned map's key or value
 * changes, even at the same size (a field reused, a unit changed, a counter
 * row inserted), and give the loader a migration from the previous version
 * (userspace/dataplane/layout.cc) or it refuses the older pins. A change of
 * size alone (a bigger map, a new field at the end) is seen without a bump;
 * see docs/dataplane.md "Upgrades". Pins made before the layout map existed
 * count as version 1.
 */
#define BABE_LAYOUT_VERSION 1

struct babe_layout {
	__u32 version;            /* BABE_LAYOUT_VERSION of the babed that made the pins */
	__u32 reserved;           /* 0 */
};
BABE_STATIC_ASSERT(sizeof(struct babe_layout) == 8, "layout size");

#define BABE_ROUTES_MAX 65536
#define BABE_NEIGHBOURS_MAX 4096
#define BABE_TX_PORTS_MAX 64
#define BABE_XSKS_MAX 256
/* xsk_slots: each interface gets BABE_XSK_QUEUES_PER_IF consecutive xsks slots. */
#define BABE_XSK_SLOTS_MAX 64
#define BABE_XSK_QUEUES_PER_IF 8

/*
 * The structs below are pinned map values: a change of meaning here bumps
 * BABE_LAYOUT_VERSION (above).
 *
 * routes: destination (__be32) -> source route. hops[] lists the intermediate
 * nodes only, in order (RFC 4728 §8.1.3); n_hops == 0 is a one-hop route
 * (the destination is a neighbour, no Source Route option is inserted).
 * The first hop is hops[0], or the destination when n_hops == 0.
 *
 * used_epoch is the "used" mark: local egress stores the config's
 * route_epoch here when it sends a packet on the route and the two differ
 * (one store per route per epoch, not one per packet; nothing while
 * route_epoch is 0). The engine advances route_epoch periodically and
 * takes the routes marked with the epoch that just ended (or already with
 * the new one) as used, so
 * that the DSR core keeps routes alive whose packets it never sees. The
 * engine writes 0 here and never rewrites a route to clear it.
 */
struct babe_route {
	__u8 n_hops;              /* intermediate addresses in hops[] */
	__u8 flags;               /* reserved, 0 */
	__u16 used_epoch;         /* route_epoch in which XDP last sent on it, 0 = not since written */
	__u32 generation;         /* bumped by the engine on every rewrite */
	__be32 hops[BABE_MAX_ROUTE_HOPS];
};
BABE_STATIC_ASSERT(sizeof(struct babe_route) == 8 + 4 * BABE_MAX_ROUTE_HOPS, "route size");

/*
 * neighbours: next-hop address (__be32) -> how to reach it. Written by the
 * engine; last_tx_ns is stamped by XDP when it forwards or sends to this
 * neighbour (on a next-hop cache refill: at most every babe_neigh_cache_ttl_ns
 * per CPU), so the engine probes only neighbours that carry traffic;
 * last_heard_ns is stamped by XDP whenever a DSR packet from this
 * neighbour arrives (route maintenance evidence, RFC 4728 §8.3).
 */
struct babe_neighbour {
	__u32 ifindex;            /* mesh interface to send on */
	__u8 mac[6];              /* the neighbour's MAC */
	__u8 src_mac[6];          /* our MAC on ifindex */
	__u64 last_heard_ns;      /* CLOCK_MONOTONIC, 0 = never */
	__u64 last_tx_ns;         /* CLOCK_MONOTONIC of a recent frame XDP sent to it, 0 = never */
};
BABE_STATIC_ASSERT(sizeof(struct babe_neighbour) == 32, "neighbour size");

/*
 * config: one entry (key 0) the engine writes before attaching; the programs
 * read it on every packet (an ARRAY so that it can change without a reload).
 */
struct babe_config {
	__be32 self_addr;         /* this node's address */
	__be32 mesh_prefix;       /* mesh prefix, network order */
	__u8 mesh_prefix_len;
	__u8 flags;               /* BABE_CONFIG_F_* */
	__u16 pad;
	__u32 local_ifindex;      /* babe0 (the host side of the local veth pair) */
	__u8 local_mac[6];        /* MAC of babe0 as seen by the host stack */
	__u16 route_epoch;        /* current route-use epoch (see babe_route), 0 = not marking */
};
BABE_STATIC_ASSERT(sizeof(struct babe_config) == 24, "config size");
#define BABE_CONFIG_F_ENABLED 0x01

/*
 * babe_redirect_errors (bpf/babe_redirect_errors.bpf.c, not pinned): ifindex
 * -> redirect failures seen by the xdp tracepoints in babed's namespace.
 */
struct babe_redirect_counts {
	__u64 xmit_drops;         /* redirected into this device, refused (no ndo_xdp_xmit, its xmit failed) */
	__u64 redirect_errors;    /* came in on this device, any other redirect failed (XSKMAP, generic) */
};
BABE_STATIC_ASSERT(sizeof(struct babe_redirect_counts) == 16, "redirect errors size");

/*
 * DSR Next Header values the programs act on. A packet for this node whose
 * Next Header (or, without a DSR header, IPv4 protocol) is Babe's reliable
 * transport goes to the engine; "no next header" (a DSR header that carries
 * only options) never goes up the stack.
 */
#define BABE_NEXT_HEADER_TRANSPORT 253 /* RFC 3692 experimental */
#define BABE_NEXT_HEADER_NONE 59       /* IANA "No Next Header" */

/* Most DSR options the XDP walk looks at in one header (bounded loop). */
#ifndef BABE_XDP_MAX_OPTIONS
#define BABE_XDP_MAX_OPTIONS 8
#endif

#endif /* BABE_MAPS_H */
