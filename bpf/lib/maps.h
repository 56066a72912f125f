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

/*
 * 1 + CPU id -> that CPU's counters (entry 0: CPUs beyond the map, atomic);
 * see struct babe_stats_cpu. A loader sets max_entries to the possible CPUs + 1.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BABE_STATS_CPUS_DEFAULT + 1);
	__type(key, __u32);
	__type(value, struct babe_stats_cpu);
} stats SEC(".maps");

/* key 0 -> this node's configuration. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct babe_config);
} config SEC(".maps");

/*
 * Per-CPU caches in front of `neighbours` (babe_neigh_fwd in
 * bpf/lib/forward.h), internal to the programs: a hash lookup costs more
 * than a whole minimal forwarder, a slot here one cache line. Direct-mapped
 * by a multiplicative hash of the (previous hop, next hop) pair; a
 * collision only costs lookups. Slots start zeroed (never valid: no packet
 * has the pair 0.0.0.0 -> 0.0.0.0 with work to do).
 *
 * A plain ARRAY with one entry per CPU (key = CPU id) rather than a
 * PERCPU_ARRAY: per-CPU memory sits in vmalloc'd 4 KiB pages, a small ARRAY
 * in the kernel's direct map. Each slot is one cache line, so no two CPUs
 * share one. A CPU whose id is at or above max_entries (set it to the
 * number of possible CPUs before load to cover every CPU; the default
 * keeps the array within one kmalloc) reads `neighbours` directly.
 */
#define BABE_NEIGH_CACHE_BITS 5
#define BABE_NEIGH_CACHE_SLOTS (1U << BABE_NEIGH_CACHE_BITS)
#define BABE_NEIGH_CACHE_CPUS 8

/* One (previous hop, next hop) pair: where to send, valid for one tick. */
struct babe_neigh_slot {
	__be32 prev;      /* previous hop stamped as heard, 0 = none */
	__be32 next;      /* next hop, 0 = none (delivery) */
	__u64 jiffies;    /* the tick this slot was refreshed in */
	__u32 pad;
	__u32 ifindex;    /* next's entry in `neighbours`: */
	__u8 mac[6];
	__u8 src_mac[6];
	__u8 pad2[28];
};
BABE_STATIC_ASSERT(sizeof(struct babe_neigh_slot) == 64, "neigh slot: one cache line");

struct babe_neigh_cache {
	struct babe_neigh_slot slot[BABE_NEIGH_CACHE_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BABE_NEIGH_CACHE_CPUS);
	__type(key, __u32);
	__type(value, struct babe_neigh_cache);
} babe_neigh_cache SEC(".maps");

#endif /* BABE_BPF_LIB_MAPS_H */
