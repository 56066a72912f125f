/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DSR Options header as XDP sees it (RFC 4728 §6): a bounded walk over
 * the options that checks every length, finds the Source Route, and sorts
 * the rest into control options (for the engine), options XDP does not
 * handle (for the engine) and unknown options whose type bits say drop.
 * Offsets are from the start of the frame; IPv4 options are rejected before
 * the walk, so the DSR header always sits at BABE_DSR_OFF.
 */
#ifndef BABE_BPF_LIB_DSR_H
#define BABE_BPF_LIB_DSR_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "babe/maps.h"
#include "babe/stats.h"
#include "babe/wire.h"
#include "lib/maps.h"

#define BABE_DSR_OFF ((__u32)(sizeof(struct ethhdr) + sizeof(struct iphdr))) /* 34 */
#define BABE_DSR_OPTS_OFF (BABE_DSR_OFF + (__u32)sizeof(struct babe_dsr_hdr)) /* 38 */
/* No option starts past this offset: bounds variable offsets for the verifier. */
#define BABE_DSR_OFF_MAX 4096
/*
 * Bound a frame offset for the verifier with a mask rather than a compare
 * (clang may fold a compare into another register). Offsets the walk
 * accepts are below BABE_DSR_OFF_MAX + 64, so the mask changes nothing.
 */
#define BABE_OFF_MASK 0x1fff
BABE_STATIC_ASSERT((BABE_MAX_ROUTE_HOPS & (BABE_MAX_ROUTE_HOPS - 1)) == 0, "hops: power of 2");

/* What the walk found. */
struct babe_dsr_walk {
	__u32 srcrt_off;   /* frame offset of the Source Route option, 0 = none */
	__u16 flags_segs;  /* its flags/Segments Left word, host order */
	__u8 n_addrs;      /* addresses it lists */
	__u8 control;      /* a Route Request/Reply/Error, Ack Request or Ack */
	__u8 unsupported;  /* flow state or an unknown option XDP must not ignore */
};

/* Classes of options, as bits accumulated over the walk. */
#define BABE_WALK_F_CONTROL 0x01     /* RREQ, RREP, RERR, Ack Request, Ack */
#define BABE_WALK_F_UNSUPPORTED 0x02 /* flow state, unknown: remove/mark/report */
#define BABE_WALK_F_DROP 0x04        /* unknown option whose type says drop */

/* The class of an option other than Pad1 and Source Route. */
static __always_inline __u32 babe_dsr_classify(__u8 type)
{
	__u8 act;

	switch (type) {
	case BABE_DSR_OPT_PADN:
		return 0;
	case BABE_DSR_OPT_RREQ:
	case BABE_DSR_OPT_RREP:
	case BABE_DSR_OPT_RERR:
	case BABE_DSR_OPT_ACK:
	case BABE_DSR_OPT_ACK_REQ:
		return BABE_WALK_F_CONTROL;
	case BABE_DSR_OPT_TIMEOUT:
	case BABE_DSR_OPT_FLOWID:
		return BABE_WALK_F_UNSUPPORTED;
	}
	/* Unknown: the type's action bits decide (RFC 4728 §6.1). */
	act = (type & BABE_DSR_OPT_ACT_MASK) >> BABE_DSR_OPT_ACT_SHIFT;
	if (act == BABE_DSR_ACT_IGNORE)
		return 0;
	if (act == BABE_DSR_ACT_DROP && !(type & BABE_DSR_OPT_UNK_REPORT))
		return BABE_WALK_F_DROP;
	/* Remove, mark, or drop with a Route Error to send: the engine's job. */
	return BABE_WALK_F_UNSUPPORTED;
}

/*
 * The loop-carried state of the walk (offset and findings) lives in a per-CPU
 * map value rather than in registers: the verifier does not track map
 * contents, so every iteration starts from the same verifier state and the
 * loop is verified in a couple of passes instead of one state per path
 * through all iterations (which grows 4x per option). Every access is
 * volatile: otherwise clang keeps the findings in registers across
 * iterations (only storing them), and their constants split the verifier's
 * states again: 52617 instructions verified for babe_mesh_ingress instead
 * of 5949, ~25 ms more of every babed's start-up (bpftool -d prog load).
 */
struct babe_walk_scratch {
	__u32 off;        /* of the next option */
	__u32 srcrt_off;
	__u32 flags;      /* BABE_WALK_F_* */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct babe_walk_scratch);
} babe_walk_scratch SEC(".maps");

/*
 * Walk the options in [off, end) of the frame. Returns 0 when every option
 * fits exactly, else the drop reason. At most BABE_XDP_MAX_OPTIONS options.
 */
static __always_inline __u32 babe_dsr_walk_options(void *data, void *data_end, __u32 off, __u32 end,
						   struct babe_dsr_walk *w)
{
	struct babe_walk_scratch *sc;
	__u32 key = 0, i, srcrt_off, flags;

	sc = bpf_map_lookup_elem(&babe_walk_scratch, &key);
	if (!sc)
		return BABE_STAT_DROP_NO_ROOM;
	sc->off = off;
	sc->srcrt_off = 0;
	sc->flags = 0;
	for (i = 0; i < BABE_XDP_MAX_OPTIONS; i++) {
		__u8 *p;
		__u8 type, len;

		/* volatile: clang must not forward the value stored last iteration */
		off = *(volatile __u32 *)&sc->off;
		if (off >= end)
			break;
		if (off > BABE_DSR_OFF_MAX)
			return BABE_STAT_DROP_BAD_DSR_LENGTH;
		p = data + (off & BABE_OFF_MASK);
		if ((void *)(p + 1) > data_end)
			return BABE_STAT_DROP_TRUNCATED;
		type = p[0];
		if (type == BABE_DSR_OPT_PAD1) {
			sc->off = off + 1;
			continue;
		}
		if (off + 2 > end)
			return BABE_STAT_DROP_BAD_OPTION_LENGTH;
		if ((void *)(p + 2) > data_end)
			return BABE_STAT_DROP_TRUNCATED;
		len = p[1];
		if (off + 2 + len > end)
			return BABE_STAT_DROP_BAD_OPTION_LENGTH;
		if (type == BABE_DSR_OPT_SRCRT) {
			if (*(volatile __u32 *)&sc->srcrt_off)
				return BABE_STAT_DROP_DUPLICATE_SOURCE_ROUTE;
			*(volatile __u32 *)&sc->srcrt_off = off;
		} else {
			*(volatile __u32 *)&sc->flags |= babe_dsr_classify(type);
		}
		*(volatile __u32 *)&sc->off = off + 2 + len;
	}
	if (*(volatile __u32 *)&sc->off != end)
		return BABE_STAT_DROP_TOO_MANY_OPTIONS;
	flags = *(volatile __u32 *)&sc->flags;
	srcrt_off = *(volatile __u32 *)&sc->srcrt_off;
	if (flags & BABE_WALK_F_DROP)
		return BABE_STAT_DROP_UNKNOWN_OPTION_DROP;
	w->control = !!(flags & BABE_WALK_F_CONTROL);
	w->unsupported = !!(flags & BABE_WALK_F_UNSUPPORTED);
	if (srcrt_off) {
		/* The Source Route's own lengths, checked once after the loop. */
		struct babe_dsr_srcrt *sr = data + (srcrt_off & BABE_OFF_MASK);
		__u32 dlen;

		if ((void *)(sr + 1) > data_end)
			return BABE_STAT_DROP_TRUNCATED;
		dlen = sr->data_len;
		if (dlen < BABE_DSR_SRCRT_FIXED_DATA || (dlen - BABE_DSR_SRCRT_FIXED_DATA) % 4 != 0)
			return BABE_STAT_DROP_BAD_OPTION_LENGTH;
		if ((dlen - BABE_DSR_SRCRT_FIXED_DATA) / 4 > BABE_MAX_ROUTE_HOPS)
			return BABE_STAT_DROP_ROUTE_TOO_LONG;
		w->srcrt_off = srcrt_off;
		w->n_addrs = (dlen - BABE_DSR_SRCRT_FIXED_DATA) / 4;
		w->flags_segs = bpf_ntohs(sr->flags_segs);
	}
	return 0;
}

/*
 * The walk as a global BPF function: the verifier checks it once, on its
 * own, and its callers see one packed scalar instead of one state per path
 * through the loop (which would multiply the states of everything after it).
 * Walks [BABE_DSR_OPTS_OFF, BABE_DSR_OPTS_OFF + plen). Result, low to high:
 * 8 bits drop reason (0 = well-formed), 8 bits BABE_WALK_F_*, 16 bits
 * srcrt_off, 16 bits flags_segs, 8 bits n_addrs.
 */
__attribute__((noinline)) __u64 babe_dsr_walk(struct xdp_md *ctx, __u32 plen)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct babe_dsr_walk w = {};
	__u32 drop;

	if (plen > BABE_DSR_OFF_MAX)
		return BABE_STAT_DROP_BAD_DSR_LENGTH;
	drop = babe_dsr_walk_options(data, data_end, BABE_DSR_OPTS_OFF, BABE_DSR_OPTS_OFF + plen, &w);
	if (drop)
		return drop & 0xff;
	return ((__u64)(w.control ? BABE_WALK_F_CONTROL : 0) << 8) |
	       ((__u64)(w.unsupported ? BABE_WALK_F_UNSUPPORTED : 0) << 8) |
	       ((__u64)(w.srcrt_off & 0xffff) << 16) | ((__u64)w.flags_segs << 32) |
	       ((__u64)w.n_addrs << 48);
}

/*
 * The common case without a walk: the options are exactly one Source Route
 * of 0..16 addresses right after the DSR header. Returns 1 and fills w when
 * so (the lengths are then checked as the walk would); 0 means "walk".
 */
static __always_inline int babe_dsr_walk_fast(void *opts, void *data_end, __u32 plen,
					      struct babe_dsr_walk *w)
{
	struct babe_dsr_srcrt *sr = opts;
	__u32 dlen;

	if ((void *)(sr + 1) > data_end || sr->type != BABE_DSR_OPT_SRCRT)
		return 0;
	dlen = sr->data_len;
	if (plen != 2 + dlen || dlen < BABE_DSR_SRCRT_FIXED_DATA ||
	    (dlen - BABE_DSR_SRCRT_FIXED_DATA) % 4 != 0 ||
	    (dlen - BABE_DSR_SRCRT_FIXED_DATA) / 4 > BABE_MAX_ROUTE_HOPS)
		return 0;
	w->srcrt_off = BABE_DSR_OPTS_OFF;
	w->n_addrs = (dlen - BABE_DSR_SRCRT_FIXED_DATA) / 4;
	w->flags_segs = bpf_ntohs(sr->flags_segs);
	return 1;
}

/* Unpack babe_dsr_walk's result; returns its drop reason (0 = well-formed). */
static __always_inline __u32 babe_dsr_walk_unpack(__u64 v, struct babe_dsr_walk *w)
{
	w->control = !!((v >> 8) & BABE_WALK_F_CONTROL);
	w->unsupported = !!((v >> 8) & BABE_WALK_F_UNSUPPORTED);
	w->srcrt_off = (v >> 16) & 0xffff;
	w->flags_segs = (v >> 32) & 0xffff;
	w->n_addrs = (v >> 48) & 0xff;
	return v & 0xff;
}

/*
 * Address[idx] (0-based) of the Source Route at srcrt_off, or 0 when it is
 * out of the frame (the walk has checked it is not; the verifier wants it).
 */
static __always_inline __be32 babe_srcrt_addr(void *data, void *data_end, __u32 srcrt_off, __u32 idx)
{
	__u8 *p = data + (srcrt_off & BABE_OFF_MASK) + sizeof(struct babe_dsr_srcrt) +
		  4 * (idx & (BABE_MAX_ROUTE_HOPS - 1));

	if ((void *)(p + 4) > data_end)
		return 0;
	return *(__be32 *)p;
}

#endif /* BABE_BPF_LIB_DSR_H */
