/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps of babe_xdp.bpf.c, declared once with BTF key/value types so that
 * `bpftool map dump` prints them readably. Names, sizes and layouts come from
 * headers/babe/maps.h (the contract with userspace/dataplane).
 */
#ifndef BABE_BPF_LIB_MAPS_H
#define BABE_BPF_LIB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "babe/maps.h"
#include "babe/stats.h"

/* destination (__be32) -> source route; per-CPU LRU lists (no common LRU lock). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, BABE_ROUTES_MAX);
	__type(key, __be32);
	__type(value, struct babe_route);
} routes SEC(".maps");

/* next hop (__be32) -> interface, MACs, last heard. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BABE_NEIGHBOURS_MAX);
	__type(key, __be32);
	__type(value, struct babe_neighbour);
} neighbours SEC(".maps");

/* ifindex -> ifindex: the interfaces XDP may redirect to. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, BABE_TX_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

/* rx queue index -> AF_XDP socket of the engine shard that owns the queue. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, BABE_XSKS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* ifindex -> first xsks slot of that interface's queues (see babe_to_engine). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BABE_XSK_SLOTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsk_slots SEC(".maps");

/* counter id (enum babe_stat_id) -> packets and bytes, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BABE_STAT_MAX);
	__type(key, __u32);
	__type(value, struct babe_stat);
} stats SEC(".maps");

/* key 0 -> this node's configuration. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct babe_config);
} config SEC(".maps");

/*
 * Per-CPU caches in front of `neighbours` (bpf/lib/forward.h), internal to
 * the programs: a hash lookup costs more than a whole minimal forwarder,
 * these an inlined array access. Direct-mapped by a multiplicative hash of
 * the address; a collision only costs a lookup. Slots start zeroed (address
 * 0.0.0.0 is never a neighbour). Writers of `neighbours` need not touch
 * them: see babe_neigh_cache_ttl_ns for how late a change is seen; zeroing
 * the map makes it seen at once.
 *
 * A plain ARRAY with one entry per CPU (key = CPU id) rather than a
 * PERCPU_ARRAY: per-CPU memory sits in vmalloc'd 4 KiB pages, a small ARRAY
 * in the kernel's direct map (huge pages), so touching it costs far fewer
 * TLB misses. Each entry is a multiple of 64 bytes: no two CPUs share a
 * cache line. A CPU whose id is at or above max_entries (set it to the
 * number of possible CPUs before load to cover every CPU; the default keeps
 * the array within one kmalloc) reads `neighbours` directly.
 */
#define BABE_NEIGH_CACHE_BITS 5
#define BABE_NEIGH_CACHE_SLOTS (1U << BABE_NEIGH_CACHE_BITS)
#define BABE_NEIGH_CACHE_CPUS 16

/* A copy of a neighbour entry: where to send to addr. */
struct babe_nh_slot {
	__be32 addr;      /* 0 = empty */
	__u32 ifindex;
	__u8 mac[6];
	__u8 src_mac[6];
	__u64 filled_ns;  /* babe_now() when copied from `neighbours` */
};
BABE_STATIC_ASSERT(sizeof(struct babe_nh_slot) == 32, "nh slot size");

/* When this CPU last looked addr up to stamp its last_heard_ns. */
struct babe_heard_slot {
	__be32 addr;      /* 0 = empty */
	__u32 pad;
	__u64 checked_ns; /* babe_now() */
};
BABE_STATIC_ASSERT(sizeof(struct babe_heard_slot) == 16, "heard slot size");

struct babe_neigh_cache {
	struct babe_nh_slot nh[BABE_NEIGH_CACHE_SLOTS];       /* by next hop */
	struct babe_heard_slot heard[BABE_NEIGH_CACHE_SLOTS]; /* by previous hop */
};
BABE_STATIC_ASSERT(sizeof(struct babe_neigh_cache) % 64 == 0, "cache lines per CPU");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BABE_NEIGH_CACHE_CPUS);
	__type(key, __u32);
	__type(value, struct babe_neigh_cache);
} babe_neigh_cache SEC(".maps");

#endif /* BABE_BPF_LIB_MAPS_H */
