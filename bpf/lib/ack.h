/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A neighbour's Ack Request answered in XDP while no engine socket is bound
 * (babed restarting, or down). The XDP data path keeps forwarding and
 * delivering without babed, so the link to this node is up; left unanswered,
 * a neighbour's maintenance probe (three tries some 20 ms apart) declares it
 * broken and sends Route Errors that keep remote nodes off it for
 * broken_link_holdoff. Only the engine's probe form is answered here: IPv4
 * (no options) + DSR header (Next Header 59, "no next header") + exactly one
 * Ack Request (RFC 4728 §6.5), IP destination this node. The Ack (§6.6) is
 * what the engine would send: TTL 1, from this node to the IP source, out of
 * the interface it came in on (XDP_TX).
 */
#ifndef BABE_BPF_LIB_ACK_H
#define BABE_BPF_LIB_ACK_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "babe/csum.h"
#include "babe/maps.h"
#include "babe/wire.h"

/* The Ack frame as it leaves (50 bytes). */
struct babe_ack_frame {
	struct ethhdr eth;
	struct iphdr ip;
	struct babe_dsr_hdr dsr;
	struct babe_dsr_ack ack;
} __attribute__((packed));

/* The standalone probe, as it arrives (42 bytes before any link padding). */
#define BABE_ACK_REQ_FRAME_LEN                                                                     \
	(sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct babe_dsr_hdr) +              \
	 sizeof(struct babe_dsr_ack_req))

/* Rewrites a standalone Ack Request for self into its Ack; 1 when it did (verdict XDP_TX). */
static __always_inline int babe_answer_ack_request(struct xdp_md *ctx, __be32 self)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct babe_dsr_hdr *dsr = (void *)(ip + 1);
	struct babe_dsr_ack_req *req = (void *)(dsr + 1);
	struct babe_ack_frame a = {};
	int grow = (int)sizeof(a) - (int)BABE_ACK_REQ_FRAME_LEN;

	if ((void *)(req + 1) > data_end)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 || ip->ihl != 5 ||
	    ip->protocol != BABE_IPPROTO_DSR || ip->daddr != self ||
	    ip->tot_len != bpf_htons(BABE_ACK_REQ_FRAME_LEN - sizeof(struct ethhdr)) ||
	    dsr->next_header != BABE_NEXT_HEADER_NONE || dsr->flags != 0 ||
	    dsr->payload_len != bpf_htons(sizeof(struct babe_dsr_ack_req)) ||
	    req->type != BABE_DSR_OPT_ACK_REQ || req->data_len != BABE_DSR_ACK_REQ_DATA)
		return 0;

	__builtin_memcpy(a.eth.h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(a.eth.h_source, eth->h_dest, ETH_ALEN);
	a.eth.h_proto = bpf_htons(ETH_P_IP);
	a.ip.version = 4;
	a.ip.ihl = 5;
	a.ip.tot_len = bpf_htons(sizeof(a) - sizeof(struct ethhdr));
	a.ip.id = ip->id;
	a.ip.ttl = 1;
	a.ip.protocol = BABE_IPPROTO_DSR;
	a.ip.saddr = self;
	a.ip.daddr = ip->saddr;
	a.ip.check = babe_ipv4_csum(&a.ip, sizeof(a.ip));
	a.dsr.next_header = BABE_NEXT_HEADER_NONE;
	a.dsr.payload_len = bpf_htons(sizeof(struct babe_dsr_ack));
	a.ack.type = BABE_DSR_OPT_ACK;
	a.ack.data_len = BABE_DSR_ACK_DATA;
	a.ack.id = req->id;
	a.ack.ack_src = self;
	a.ack.ack_dst = ip->saddr;

	/* Eight bytes more in front; link padding after the probe stays as trailer. */
	if (bpf_xdp_adjust_head(ctx, -grow))
		return 0;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(a) > data_end)
		return 0;
	__builtin_memcpy(data, &a, sizeof(a));
	return 1;
}

#endif /* BABE_BPF_LIB_ACK_H */
