/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counters by id (headers/babe/stats.h), one set per CPU: every verdict of
 * the XDP programs goes through one of these helpers so that each packet is
 * counted exactly once as an action or a drop reason.
 */
#ifndef BABE_BPF_LIB_STATS_H
#define BABE_BPF_LIB_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "babe/stats.h"
#include "lib/maps.h"

/*
 * A CPU without an entry of its own in `stats` counts into the shared entry
 * 0, atomically. Out of line: no loader that sizes the map ever gets here.
 */
static __noinline void babe_count_shared(__u32 id, __u64 bytes)
{
	__u32 key = 0;
	struct babe_stats_cpu *sc = bpf_map_lookup_elem(&stats, &key);
	struct babe_stat *s;

	asm volatile("" : "+r"(id));
	if (!sc || id >= BABE_STAT_MAX)
		return;
	s = (struct babe_stat *)sc + id;
	__sync_fetch_and_add(&s->packets, 1);
	__sync_fetch_and_add(&s->bytes, bytes);
}

/*
 * Count one packet of bytes under id (enum babe_stat_id) in this CPU's entry
 * of `stats` (struct babe_stats_cpu, whose fields are in id order). The
 * verifier inlines both the CPU id and the ARRAY lookup: a handful of
 * instructions, no helper call.
 */
static __always_inline void babe_count(__u32 id, __u64 bytes)
{
	__u32 key = bpf_get_smp_processor_id() + 1;
	struct babe_stats_cpu *sc = bpf_map_lookup_elem(&stats, &key);
	struct babe_stat *s;

	if (!sc) {
		babe_count_shared(id, bytes);
		return;
	}
	/* keep the bound check on the value the index uses (ids may be variables) */
	asm volatile("" : "+r"(id));
	if (id >= BABE_STAT_MAX)
		return;
	s = (struct babe_stat *)sc + id;
	s->packets++;
	s->bytes += bytes;
}

/*
 * Count a drop (id is a BABE_STAT_DROP_*) and return the verdict. Out of
 * line on purpose: a drop site is then two moves and a call instead of a
 * map lookup and two increments, and the forwarding path stays short and
 * contiguous in the JIT image (every code page it touches costs a TLB miss
 * after the syscall that BPF_PROG_RUN is).
 */
static __noinline int babe_drop(__u32 id, __u64 bytes)
{
	babe_count(id, bytes);
	return XDP_DROP;
}

#endif /* BABE_BPF_LIB_STATS_H */
