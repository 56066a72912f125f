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

#endif /* BABE_BPF_LIB_MAPS_H */
