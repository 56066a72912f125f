/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU counters by id (headers/babe/stats.h): every verdict of the XDP
 * programs goes through one of these helpers so that each packet is counted
 * exactly once as an action or a drop reason.
 */
#ifndef BABE_BPF_LIB_STATS_H
#define BABE_BPF_LIB_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "babe/stats.h"
#include "lib/maps.h"

static __always_inline void babe_count(__u32 id, __u64 bytes)
{
	struct babe_stat *s = bpf_map_lookup_elem(&stats, &id);

	if (s) {
		s->packets++;
		s->bytes += bytes;
	}
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
