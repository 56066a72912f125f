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
#include "lib/capture.h"

/*
 * Capture wraps each program: off, an inlined lookup and a predictable
 * branch before and after; the programs themselves do not change. The
 * flag is read twice, not held across the program: a register live
 * through the program would split every verifier state in two (3x the
 * verified instructions). A capture switched on between the two reads
 * gives its first packet on that CPU a stale reason, nothing worse. (A
 * separate captured copy of each program would need a second stack frame
 * as deep as the first: over the verifier's 512 bytes.)
 */
SEC("xdp")
int babe_mesh_ingress(struct xdp_md *ctx)
{
	int verdict;

	if (babe_capture_on())
		babe_capture_before();
	verdict = babe_mesh_ingress_run(ctx);
	if (babe_capture_on())
		babe_capture_after(ctx, verdict, BABE_CAPTURE_MESH_INGRESS);
	return verdict;
}

SEC("xdp")
int babe_local_egress(struct xdp_md *ctx)
{
	int verdict;

	if (babe_capture_on())
		babe_capture_before();
	verdict = babe_local_egress_run(ctx);
	if (babe_capture_on())
		babe_capture_after(ctx, verdict, BABE_CAPTURE_LOCAL_EGRESS);
	return verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
