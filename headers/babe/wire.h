/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DSR wire format of RFC 4728 (section 6, and section 7 for the optional
 * flow state header): protocol number, option types, fixed-layout option
 * headers and the bit masks of their flag bytes. One definition compiled by
 * clang -target bpf (bpf/lib/dsr.h) and by g++ (userspace/dsr/codec): both
 * are tested against the same golden bytes.
 *
 * All multi-byte fields are in network byte order. Structs are packed and
 * only use byte-sized or explicitly big-endian members; every struct has a
 * size assert that holds in C and C++.
 */
#ifndef BABE_WIRE_H
#define BABE_WIRE_H

#include <linux/types.h>

#ifdef __cplusplus
#define BABE_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define BABE_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* IPv4 protocol number of the DSR Options header (IANA, RFC 4728 §6.1). */
#define BABE_IPPROTO_DSR 48

/* Option types (RFC 4728 §6, IANA "DSR Protocol Options"). */
enum babe_dsr_opt_type {
	BABE_DSR_OPT_PADN = 0,
	BABE_DSR_OPT_RREQ = 1,
	BABE_DSR_OPT_RREP = 2,
	BABE_DSR_OPT_RERR = 3,
	BABE_DSR_OPT_ACK = 32,
	BABE_DSR_OPT_SRCRT = 96,
	BABE_DSR_OPT_TIMEOUT = 128,  /* flow state extension */
	BABE_DSR_OPT_FLOWID = 129,   /* flow state extension */
	BABE_DSR_OPT_ACK_REQ = 160,
	BABE_DSR_OPT_PAD1 = 224,
};

/*
 * Option type subfields (IANA note to RFC 4728 §6.1): the top bit asks for a
 * Route Error of type OPTION_NOT_SUPPORTED; the next two bits say what a node
 * that does not know the option does with the packet.
 */
#define BABE_DSR_OPT_UNK_REPORT 0x80
#define BABE_DSR_OPT_ACT_MASK 0x60
#define BABE_DSR_OPT_ACT_SHIFT 5
enum babe_dsr_unknown_action {
	BABE_DSR_ACT_IGNORE = 0, /* skip the option */
	BABE_DSR_ACT_REMOVE = 1, /* remove the option, process the rest */
	BABE_DSR_ACT_MARK = 2,   /* keep the option, mark it unsupported */
	BABE_DSR_ACT_DROP = 3,   /* drop the packet */
};
/* "Mark": the most significant bit of the first byte after Opt Data Len. */
#define BABE_DSR_OPT_MARK_BIT 0x80

/*
 * Route Error types (RFC 4728 §6.4 and §7.3, IANA "DSR Route Error Types").
 * Type-specific information: NODE_UNREACHABLE 4 bytes (unreachable node),
 * FLOW_STATE_NOT_SUPPORTED none, OPTION_NOT_SUPPORTED 1 byte (the option
 * type), UNKNOWN_FLOW 6 (original destination, flow id), DEFAULT_FLOW_UNKNOWN
 * 4 (original destination).
 */
enum babe_dsr_err_type {
	BABE_DSR_ERR_NODE_UNREACHABLE = 1,
	BABE_DSR_ERR_FLOW_STATE_NOT_SUPPORTED = 2,
	BABE_DSR_ERR_OPTION_NOT_SUPPORTED = 3,
	BABE_DSR_ERR_UNKNOWN_FLOW = 129,
	BABE_DSR_ERR_DEFAULT_FLOW_UNKNOWN = 130,
};

/* Protocol constant of RFC 4728 §9: the 4-bit Salvage field's ceiling. */
#define BABE_DSR_MAX_SALVAGE_COUNT 15

/* Longest source route Babe handles, in addresses (intermediate nodes). */
#define BABE_MAX_ROUTE_HOPS 16

/*
 * DSR Options header (§6.1): Next Header, F bit (0 here; 1 marks the flow
 * state header), 7 reserved bits, Payload Length = bytes of options that
 * follow this 4-byte fixed part.
 */
struct babe_dsr_hdr {
	__u8 next_header;
	__u8 flags;          /* BABE_DSR_HDR_F in the top bit */
	__be16 payload_len;  /* bytes of options after this header */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_hdr) == 4, "dsr hdr size");
#define BABE_DSR_HDR_F 0x80

/*
 * DSR Flow State header (RFC 4728 §7.1): Next Header, F bit (1 here, which
 * tells it from a DSR Options header), Hop Count (7 bits), Flow Identifier.
 */
struct babe_dsr_flow_hdr {
	__u8 next_header;
	__u8 f_hop_count;    /* F (0x80) | Hop Count (0x7f) */
	__be16 flow_id;
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_flow_hdr) == 4, "flow hdr size");
#define BABE_DSR_FLOW_HOP_COUNT_MASK 0x7f

/* Every option but Pad1 begins with type and data length. */
struct babe_dsr_opt {
	__u8 type;
	__u8 data_len;       /* bytes after this 2-byte prefix */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_opt) == 2, "opt size");

/* Route Request (§6.2): data_len = 6 + 4n; addresses recorded so far. */
struct babe_dsr_rreq {
	__u8 type;
	__u8 data_len;
	__be16 id;
	__be32 target;
	/* __be32 addr[n] follows */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_rreq) == 8, "rreq size");
#define BABE_DSR_RREQ_FIXED_DATA 6

/*
 * Route Reply (§6.3): data_len = 1 + 4n; L (Last Hop External) in the top bit
 * of flags; addresses start at offset 3 (alignment 4n+3).
 */
struct babe_dsr_rrep {
	__u8 type;
	__u8 data_len;
	__u8 flags;          /* BABE_DSR_RREP_L */
	/* __be32 addr[n] follows, unaligned */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_rrep) == 3, "rrep size");
#define BABE_DSR_RREP_L 0x80
#define BABE_DSR_RREP_FIXED_DATA 1

/*
 * Route Error (§6.4): data_len = 10 + length of the type-specific info.
 * Byte 3: 4 reserved bits, then the 4-bit Salvage count.
 */
struct babe_dsr_rerr {
	__u8 type;
	__u8 data_len;
	__u8 err_type;
	__u8 salvage;        /* low 4 bits */
	__be32 err_src;
	__be32 err_dst;
	/* type-specific information follows */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_rerr) == 12, "rerr size");
#define BABE_DSR_RERR_FIXED_DATA 10
#define BABE_DSR_RERR_SALVAGE_MASK 0x0f

/*
 * Acknowledgement Request (§6.5): data_len = 2; data_len >= 6 carries the
 * §7.4.1 Previous Hop Address extension (ACK Request Source Address) after id.
 */
struct babe_dsr_ack_req {
	__u8 type;
	__u8 data_len;
	__be16 id;
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_ack_req) == 4, "ack req size");
#define BABE_DSR_ACK_REQ_DATA 2

/* Acknowledgement (§6.6): data_len = 10. */
struct babe_dsr_ack {
	__u8 type;
	__u8 data_len;
	__be16 id;
	__be32 ack_src;
	__be32 ack_dst;
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_ack) == 12, "ack size");
#define BABE_DSR_ACK_DATA 10

/*
 * DSR Source Route (§6.7): data_len = 2 + 4n. Bytes 2-3, most significant bit
 * first: F (First Hop External), L (Last Hop External), 4 reserved bits,
 * Salvage (4 bits), Segments Left (6 bits). Lists the intermediate nodes only.
 */
struct babe_dsr_srcrt {
	__u8 type;
	__u8 data_len;
	__be16 flags_segs;   /* see the masks below, host order after ntohs */
	/* __be32 addr[n] follows */
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_srcrt) == 4, "srcrt size");
#define BABE_DSR_SRCRT_FIXED_DATA 2
#define BABE_DSR_SRCRT_F 0x8000
#define BABE_DSR_SRCRT_L 0x4000
#define BABE_DSR_SRCRT_SALVAGE_SHIFT 6
#define BABE_DSR_SRCRT_SALVAGE_MASK 0x03c0
#define BABE_DSR_SRCRT_SEGS_MASK 0x003f

/* Flow state Timeout option (§7.2.1, type 128): data_len = 2 (more = extensions), seconds. */
struct babe_dsr_timeout {
	__u8 type;
	__u8 data_len;
	__be16 timeout_s;
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_timeout) == 4, "timeout size");

/*
 * Flow state Destination and Flow ID option (§7.2.2, type 129): data_len = 6
 * (more = extensions).
 */
struct babe_dsr_flowid {
	__u8 type;
	__u8 data_len;
	__be16 new_flow_id;
	__be32 new_dst;
} __attribute__((packed));
BABE_STATIC_ASSERT(sizeof(struct babe_dsr_flowid) == 8, "flowid size");

#endif /* BABE_WIRE_H */
