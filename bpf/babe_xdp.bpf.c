// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Babe's XDP data plane: babe_mesh_ingress runs on every mesh interface and
 * forwards DSR packets along their source route, delivers those for this node
 * and hands control traffic to the engine; babe_local_egress runs on the peer
 * end of the babe0 veth pair and inserts the source route of locally
 * originated packets. Entry points stay thin: the logic is in bpf/lib/
 * (ingress.h, egress.h), the maps in bpf/lib/maps.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/ingress.h"
#include "lib/egress.h"

SEC("xdp")
int babe_mesh_ingress(struct xdp_md *ctx)
{
	return babe_mesh_ingress_run(ctx);
}

SEC("xdp")
int babe_local_egress(struct xdp_md *ctx)
{
	return babe_local_egress_run(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
