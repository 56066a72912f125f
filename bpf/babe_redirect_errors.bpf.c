// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Redirect failures per interface, from the kernel's XDP tracepoints: devmaps
 * keep no counters, and a device that cannot take natively redirected frames
 * (no ndo_xdp_xmit; a veth whose peer runs no NAPI) drops every one of them
 * with nothing but xdp:xdp_devmap_xmit to show it. BTF-typed raw tracepoints
 * (tp_btf: no kprobes, no trampolines) give the devices themselves, so only
 * this network namespace's are counted (babe_netns_inum, set by the loader).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "babe/maps.h"

/* The few kernel fields read, relocated against the running kernel's BTF. */
struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));
struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));
typedef struct {
	struct net *net;
} possible_net_t;
struct bpf_prog;
struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

const volatile __u32 babe_netns_inum = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BABE_TX_PORTS_MAX);
	__type(key, __u32); /* ifindex */
	__type(value, struct babe_redirect_counts);
} babe_redirect_errors SEC(".maps");

/* The counts of ifindex, when dev is in babed's namespace (ifindex is too). */
static __always_inline struct babe_redirect_counts *babe_errors_of(const struct net_device *dev,
								   __u32 ifindex)
{
	struct babe_redirect_counts zero = {}, *e;

	if (BPF_CORE_READ(dev, nd_net.net, ns.inum) != babe_netns_inum)
		return NULL;
	e = bpf_map_lookup_elem(&babe_redirect_errors, &ifindex);
	if (e)
		return e;
	bpf_map_update_elem(&babe_redirect_errors, &ifindex, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&babe_redirect_errors, &ifindex);
}

static __always_inline void babe_add_drops(const struct net_device *dev, __u32 ifindex, __u64 n,
					   int into)
{
	struct babe_redirect_counts *e = babe_errors_of(dev, ifindex);

	if (!e)
		return;
	if (into)
		__sync_fetch_and_add(&e->xmit_drops, n);
	else
		__sync_fetch_and_add(&e->redirect_errors, n);
}

/* A devmap flush: `drops` of the frames redirected into to_dev were refused. */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(babe_devmap_xmit, const struct net_device *from_dev, const struct net_device *to_dev,
	     int sent, int drops, int err)
{
	if (drops > 0 && to_dev)
		babe_add_drops(to_dev, BPF_CORE_READ(to_dev, ifindex), drops, 1);
	return 0;
}

/*
 * A redirect of a frame that came in on dev failed. Into a devmap (babed's
 * tx_ports: key = ifindex) the target refused it at once (a device without
 * ndo_xdp_xmit): counted on the target; anything else (an XSKMAP slot, a
 * generic-mode transmit) on dev.
 */
SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(babe_redirect_err, const struct net_device *dev, const struct bpf_prog *xdp,
	     const void *tgt, int err, enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	if (!dev)
		return 0;
	if (map_type == BPF_MAP_TYPE_DEVMAP_HASH || map_type == BPF_MAP_TYPE_DEVMAP)
		babe_add_drops(dev, index, 1, 1);
	else
		babe_add_drops(dev, BPF_CORE_READ(dev, ifindex), 1, 0);
	return 0;
}

/* Kernels before 6.x reported map redirect failures here (not loaded where absent). */
SEC("tp_btf/xdp_redirect_map_err")
int BPF_PROG(babe_redirect_map_err, const struct net_device *dev)
{
	if (dev)
		babe_add_drops(dev, BPF_CORE_READ(dev, ifindex), 1, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
