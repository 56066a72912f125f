/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet capture from the XDP programs (bpf/lib/capture.h): the control
 * entry a capture client sets, and the record each captured frame becomes
 * in the `capture_ring` ring buffer. One definition for BPF and userspace.
 */
#ifndef BABE_CAPTURE_H
#define BABE_CAPTURE_H

#include <linux/types.h>
#include "babe/wire.h"

#define BABE_CAPTURE_CTL_MAP "capture_ctl"
#define BABE_CAPTURE_RING_MAP "capture_ring"
/* Ring buffer bytes (a power of two, whole pages): ~500 full records. */
#define BABE_CAPTURE_RING_BYTES (1U << 20)
/* Most bytes of one frame a record holds (the snaplen's ceiling). */
#define BABE_CAPTURE_SNAP_MAX 2048U

/* Key 0 of `capture_ctl`: written by the capture client, lost counted by XDP. */
struct babe_capture_ctl {
	__u32 on;       /* 0: capture off (the programs' one branch) */
	__u32 snaplen;  /* bytes of each frame copied, 1..BABE_CAPTURE_SNAP_MAX */
	__u64 lost;     /* records dropped because the ring was full (atomic) */
};
BABE_STATIC_ASSERT(sizeof(struct babe_capture_ctl) == 16, "capture ctl size");

/* Which program saw the frame. */
enum babe_capture_hook {
	BABE_CAPTURE_MESH_INGRESS = 0,  /* babe_mesh_ingress (a mesh interface) */
	BABE_CAPTURE_LOCAL_EGRESS = 1,  /* babe_local_egress (babe0's peer: locally originated) */
	BABE_CAPTURE_ENGINE_TX = 2,     /* sent by the engine through AF_XDP TX (userspace) */
};

/*
 * Direction of a record. XDP has no egress hook: "egress" is the redirect
 * decision (the frame as XDP handed it to the devmap), not proof that the
 * driver sent it; a failed redirect is counted as redirect_failed.
 */
enum babe_capture_dir {
	BABE_CAPTURE_DIR_INGRESS = 0,
	BABE_CAPTURE_DIR_EGRESS = 1,
};

#define BABE_CAPTURE_REASON_NONE 0xffff

/*
 * One record: this header, then caplen bytes of the frame as XDP left it
 * (after its rewrite: a transit frame with its next hop's MACs and TTL - 1,
 * a delivered one without its DSR header). stat_id is the packet's
 * action or drop reason (enum babe_stat_id), engine_reason its
 * BABE_STAT_ENGINE_* id when it was meant for the engine.
 */
struct babe_capture_hdr {
	__u64 ts_ns;          /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 ifindex;        /* the interface the frame arrived on */
	__u32 len;            /* the frame's length */
	__u32 caplen;         /* bytes that follow */
	__u16 stat_id;        /* enum babe_stat_id, BABE_CAPTURE_REASON_NONE if unknown */
	__u16 engine_reason;  /* BABE_STAT_ENGINE_*, or BABE_CAPTURE_REASON_NONE */
	__u8 verdict;         /* XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT */
	__u8 dir;             /* enum babe_capture_dir */
	__u8 hook;            /* enum babe_capture_hook */
	__u8 pad[5];
};
BABE_STATIC_ASSERT(sizeof(struct babe_capture_hdr) == 32, "capture record header size");

#endif /* BABE_CAPTURE_H */
