// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The first XDP program: counts every packet and byte it sees, per CPU, and
 * passes the packet on. It proves the build chain (clang -> object -> bpftool
 * skeleton -> load -> attach) and serves the demo until the daemon exists.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { BABE_COUNTER_PACKETS = 0, BABE_COUNTER_BYTES = 1, BABE_COUNTER_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BABE_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} babe_counter SEC(".maps");

static __always_inline void babe_count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&babe_counter, &idx);

	if (v)
		*v += n;
}

SEC("xdp")
int babe_count_xdp(struct xdp_md *ctx)
{
	babe_count(BABE_COUNTER_PACKETS, 1);
	babe_count(BABE_COUNTER_BYTES, ctx->data_end - ctx->data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
