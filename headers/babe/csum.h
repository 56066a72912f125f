/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Internet checksum (RFC 1071) of IPv4 headers, computed in full or
 * updated incrementally when a 16- or 32-bit field changes (RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m')). Plain C `static inline`, compiled by clang
 * -target bpf (bpf/lib) and by g++ (the userspace codec, tests).
 *
 * All values are 16-bit words exactly as they sit in memory (network order):
 * one's complement sums do not care about byte order as long as every word
 * is taken the same way, so callers pass raw fields and store the result raw.
 */
#ifndef BABE_CSUM_H
#define BABE_CSUM_H

#include <linux/types.h>

/* Fold a 32-bit accumulator into 16 bits (two rounds absorb every carry). */
static inline __u16 babe_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * Add len bytes at buf (len even, at most 60: an IPv4 header) to sum. The
 * loop bound is constant so the BPF verifier accepts it.
 */
static inline __u32 babe_csum_add(const void *buf, __u32 len, __u32 sum)
{
	const __u8 *p = (const __u8 *)buf;
	__u32 i;

	for (i = 0; i < 60; i += 2) {
		__u16 w;

		if (i >= len)
			break;
		__builtin_memcpy(&w, p + i, 2);
		sum += w;
	}
	return sum;
}

/*
 * The checksum to store in an IPv4 header of hdr_len bytes (hdr_len = 4 *
 * IHL). The header's checksum field must be zero, or the result is the
 * value that verifies it: a correct header yields 0.
 */
static inline __u16 babe_ipv4_csum(const void *hdr, __u32 hdr_len)
{
	return (__u16)~babe_csum_fold(babe_csum_add(hdr, hdr_len, 0));
}

/* The new checksum after a 16-bit word changed from old_w to new_w. */
static inline __u16 babe_csum_replace16(__u16 check, __u16 old_w, __u16 new_w)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~old_w;
	sum += new_w;
	return (__u16)~babe_csum_fold(sum);
}

/* The new checksum after a 32-bit field (two words) changed. */
static inline __u16 babe_csum_replace32(__u16 check, __u32 old_v, __u32 new_v)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~(__u16)(old_v >> 16);
	sum += (__u16)~(__u16)(old_v & 0xffff);
	sum += (__u16)(new_v >> 16);
	sum += (__u16)(new_v & 0xffff);
	return (__u16)~babe_csum_fold(sum);
}

#endif /* BABE_CSUM_H */
