/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Cursor-based header parsing (xdp-tools parsing_helpers.h style): every
 * helper checks the header fits before the packet end and advances the
 * cursor, so the verifier sees one bounds check per header.
 */
#ifndef BABE_BPF_LIB_PARSE_H
#define BABE_BPF_LIB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct babe_cursor {
	void *pos;
	void *end;
};

static __always_inline void babe_cursor_init(struct babe_cursor *c, struct xdp_md *ctx)
{
	c->pos = (void *)(long)ctx->data;
	c->end = (void *)(long)ctx->data_end;
}

/* The Ethernet header, or NULL when the frame is shorter. */
static __always_inline struct ethhdr *babe_parse_eth(struct babe_cursor *c)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return NULL;
	c->pos = eth + 1;
	return eth;
}

/* The fixed 20 bytes of an IPv4 header, or NULL when the frame is shorter. */
static __always_inline struct iphdr *babe_parse_ipv4(struct babe_cursor *c)
{
	struct iphdr *ip = c->pos;

	if ((void *)(ip + 1) > c->end)
		return NULL;
	c->pos = ip + 1;
	return ip;
}

/* The IPv4 flags/fragment-offset word with the DF bit masked out: 0 = not a fragment. */
static __always_inline int babe_ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(0x3fff)) != 0;
}

/* The 20-byte IPv4 header's checksum verifies (ten 16-bit loads, unrolled). */
static __always_inline int babe_ipv4_hdr_csum_ok(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* ip is in the prefix/len (both network order, len 0 matches everything). */
static __always_inline int babe_in_prefix(__be32 addr, __be32 prefix, __u8 len)
{
	__u32 mask;

	if (len == 0)
		return 1;
	if (len >= 32)
		return addr == prefix;
	mask = bpf_htonl(~0U << (32 - len));
	return (addr & mask) == (prefix & mask);
}

#endif /* BABE_BPF_LIB_PARSE_H */
