/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet capture: when a client turns it on (capture_ctl, headers/babe/
 * capture.h), each frame an entry point handles is copied (its first
 * snaplen bytes) into the capture_ring ring buffer after the verdict, with
 * the verdict and the packet's action or drop reason. A full ring is a
 * counted lost record, never a stall.
 *
 * Off, an entry point pays one ARRAY lookup (inlined by the verifier) and
 * a predictable branch before and after the program (babe_xdp.bpf.c). On,
 * babe_capture_before snapshots this CPU's packet counters, the program
 * runs, and babe_capture_after takes the counter that moved as the reason:
 * the programs themselves do not change, and every path (transit,
 * delivered, to the engine, locally originated, each drop) is covered by
 * the counting that already exists (each packet counts once as an action
 * or a drop, and once more as an engine reason when meant for the engine).
 */
#ifndef BABE_BPF_LIB_CAPTURE_H
#define BABE_BPF_LIB_CAPTURE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "babe/capture.h"
#include "babe/stats.h"
#include "lib/maps.h"

/* key 0 -> the capture switch, snaplen and lost count (pinned: a client sets it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct babe_capture_ctl);
} capture_ctl SEC(".maps");

/* The records (struct babe_capture_hdr + frame bytes). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BABE_CAPTURE_RING_BYTES);
} capture_ring SEC(".maps");

/* Per CPU (key as in `stats`): its packet counters before the program ran. */
struct babe_capture_snap {
	__u64 packets[BABE_STAT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BABE_STATS_CPUS_DEFAULT + 1);
	__type(key, __u32);
	__type(value, struct babe_capture_snap);
} babe_capture_snap SEC(".maps");

struct babe_capture_rec {
	struct babe_capture_hdr h;
	__u8 data[BABE_CAPTURE_SNAP_MAX];
};

/* The one branch every packet pays. */
static __always_inline int babe_capture_on(void)
{
	__u32 key = 0;
	struct babe_capture_ctl *cc = bpf_map_lookup_elem(&capture_ctl, &key);

	return cc && cc->on;
}

/* This CPU's counters and snapshot slot, or 0 past the map's CPUs. */
static __always_inline int babe_capture_slots(struct babe_stat **st, struct babe_capture_snap **snap)
{
	__u32 key = bpf_get_smp_processor_id() + 1;

	*st = bpf_map_lookup_elem(&stats, &key);
	*snap = bpf_map_lookup_elem(&babe_capture_snap, &key);
	return *st && *snap;
}

/*
 * Global (not static) functions, so the verifier checks each once on its
 * own: a static one is re-verified at every state that calls it, and every
 * path through the programs reaches babe_capture_after (8x the verified
 * instructions). Hence also their int return. Only babe_xdp.bpf.c
 * includes this header.
 */
__noinline int babe_capture_before(void)
{
	struct babe_capture_snap *snap;
	struct babe_stat *st;
	__u32 i;

	if (!babe_capture_slots(&st, &snap))
		return 0;
	for (i = 0; i < BABE_STAT_MAX; i++)
		snap->packets[i] = st[i].packets;
	return 0;
}

/* After the program: the record, or a counted loss when the ring is full. */
__noinline int babe_capture_after(struct xdp_md *ctx, int verdict, __u32 hook)
{
	__u16 stat_id = BABE_CAPTURE_REASON_NONE, engine = BABE_CAPTURE_REASON_NONE;
	struct babe_capture_snap *snap;
	struct babe_capture_rec *rec;
	struct babe_capture_ctl *cc;
	struct babe_stat *st;
	__u32 key = 0, len, caplen, i;

	cc = bpf_map_lookup_elem(&capture_ctl, &key);
	if (!cc)
		return 0;
	if (babe_capture_slots(&st, &snap)) {
		for (i = 0; i < BABE_STAT_MAX; i++) {
			if (st[i].packets == snap->packets[i])
				continue;
			if (i >= BABE_STAT_FIRST_ENGINE)
				engine = i;
			else if (stat_id == BABE_CAPTURE_REASON_NONE)
				stat_id = i;
		}
	}
	rec = bpf_ringbuf_reserve(&capture_ring, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&cc->lost, 1);
		return 0;
	}
	len = ctx->data_end - ctx->data;
	caplen = len < cc->snaplen ? len : cc->snaplen;
	if (caplen > BABE_CAPTURE_SNAP_MAX)
		caplen = BABE_CAPTURE_SNAP_MAX;
	if (caplen == 0 || bpf_xdp_load_bytes(ctx, 0, rec->data, caplen))
		caplen = 0;
	rec->h.ts_ns = bpf_ktime_get_ns();
	rec->h.ifindex = ctx->ingress_ifindex;
	rec->h.len = len;
	rec->h.caplen = caplen;
	rec->h.stat_id = stat_id;
	rec->h.engine_reason = engine;
	rec->h.verdict = verdict;
	rec->h.dir = verdict == XDP_REDIRECT &&
				     (stat_id == BABE_STAT_TRANSIT || stat_id == BABE_STAT_ENCAP) ?
			     BABE_CAPTURE_DIR_EGRESS :
			     BABE_CAPTURE_DIR_INGRESS;
	rec->h.hook = hook;
	__builtin_memset(rec->h.pad, 0, sizeof(rec->h.pad));
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

#endif /* BABE_BPF_LIB_CAPTURE_H */
