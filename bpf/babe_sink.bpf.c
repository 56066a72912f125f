// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark sink: counts every frame and byte it receives, per CPU, and
 * drops it (XDP_DROP). Attached to the last interface of a benchmark chain so
 * that the benchmark can check that every generated packet arrived without
 * the receiving stack costing anything. Not part of the data plane.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { BABE_SINK_PACKETS = 0, BABE_SINK_BYTES = 1, BABE_SINK_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BABE_SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} babe_sink_stats SEC(".maps");

static __always_inline void babe_sink_count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&babe_sink_stats, &idx);

	if (v)
		*v += n;
}

SEC("xdp")
int babe_sink(struct xdp_md *ctx)
{
	babe_sink_count(BABE_SINK_PACKETS, 1);
	babe_sink_count(BABE_SINK_BYTES, ctx->data_end - ctx->data);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
