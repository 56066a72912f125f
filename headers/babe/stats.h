/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counter ids of the `stats` map: one per XDP action and one per drop
 * reason. X-macro tables give BPF the codes, the map value its field names
 * and the metrics exporter the label strings (cilium drop_reasons.h style):
 * add a row, every side follows. A new row changes the map value's size: a
 * babed started on older pins recreates `stats` (counters restart from 0);
 * rows reordered at the same size need a BABE_LAYOUT_VERSION bump (maps.h). The second column is the label, spelled
 * as an identifier (it names a field of struct babe_stats_cpu).
 */
#ifndef BABE_STATS_H
#define BABE_STATS_H

#include <linux/types.h>
#include "babe/wire.h"

/* X(enum suffix, label) — outcomes that are not drops. */
#define BABE_ACTIONS(X)                                                                            \
	X(TRANSIT, transit)                 /* forwarded by source route */                   \
	X(DELIVER, deliver)                 /* for this node: stripped, passed up */          \
	X(ENCAP, encap)                     /* locally originated, header inserted */         \
	X(TO_ENGINE, to_engine)             /* redirected to AF_XDP */                        \
	X(PASS_OTHER, pass_other)           /* not DSR: passed to the stack */                \
	X(NO_XSK, no_xsk)   /* for the engine, no socket: passed (ingress), dropped (egress) */ \
	X(ACK_REPLY, ack_reply) /* a neighbour's Ack Request, no socket: answered by XDP */

/* X(enum suffix, label) — every way a packet is dropped. */
#define BABE_DROP_REASONS(X)                                                                       \
	X(TRUNCATED, truncated)                                                                  \
	X(BAD_IP_HEADER, bad_ip_header)                                                          \
	X(IP_OPTIONS, ip_options)                                                                \
	X(FRAGMENT, fragment)                                                                    \
	X(BAD_DSR_LENGTH, bad_dsr_length)                                                        \
	X(BAD_OPTION_LENGTH, bad_option_length)                                                  \
	X(SEGS_LEFT_BEYOND_ROUTE, segs_left_beyond_route)                                        \
	X(ROUTE_TOO_LONG, route_too_long)                                                        \
	X(NOT_ON_ROUTE, not_on_route)                                                            \
	X(TTL_EXPIRED, ttl_expired)                                                              \
	X(UNKNOWN_OPTION_DROP, unknown_option_drop)                                              \
	X(NO_ROOM, no_room)                                                                      \
	X(REDIRECT_FAILED, redirect_failed)                                                      \
	X(DUPLICATE_SOURCE_ROUTE, duplicate_source_route)                                        \
	X(TOO_MANY_OPTIONS, too_many_options)                                                    \
	X(NESTED_DSR, nested_dsr)

/*
 * X(enum suffix, label) — why a packet went to the engine. Counted in addition
 * to TO_ENGINE, NO_XSK or ACK_REPLY, so that these rows add up to those three.
 */
#define BABE_ENGINE_REASONS(X)                                                                     \
	X(CONTROL, control)                 /* RREQ/RREP/RERR/Ack Request/Ack option */       \
	X(NO_ROUTE, no_route)               /* local egress: route cache miss */              \
	X(NO_NEIGHBOUR, no_neighbour)       /* next hop not in the neighbour map */           \
	X(TRANSPORT, transport)             /* Babe transport segment for this node */        \
	X(UNSUPPORTED, unsupported)         /* flow state, external hops, unknown options */

#define BABE_STAT_ACTION_ENUM(name, label) BABE_STAT_##name,
#define BABE_STAT_DROP_ENUM(name, label) BABE_STAT_DROP_##name,
#define BABE_STAT_ENGINE_ENUM(name, label) BABE_STAT_ENGINE_##name,
enum babe_stat_id {
	BABE_ACTIONS(BABE_STAT_ACTION_ENUM)
	BABE_DROP_REASONS(BABE_STAT_DROP_ENUM)
	BABE_ENGINE_REASONS(BABE_STAT_ENGINE_ENUM)
	BABE_STAT_MAX
};
#undef BABE_STAT_ACTION_ENUM
#undef BABE_STAT_DROP_ENUM
#undef BABE_STAT_ENGINE_ENUM

/* Where each table starts in the id space (the exporter labels by table). */
#define BABE_STAT_FIRST_DROP BABE_STAT_DROP_TRUNCATED
#define BABE_STAT_FIRST_ENGINE BABE_STAT_ENGINE_CONTROL

/*
 * Each packet counts exactly once in BABE_ACTIONS or BABE_DROP_REASONS, and,
 * when it was meant for the engine, once more in BABE_ENGINE_REASONS.
 * One counter of one CPU.
 */
struct babe_stat {
	__u64 packets;
	__u64 bytes;
};

/*
 * The value of one `stats` map entry: every counter of one CPU, as named
 * fields in id order (bpftool prints them by name; the programs index them
 * as an array of struct babe_stat by enum babe_stat_id). Fields are the
 * labels, drops prefixed drop_, engine reasons engine_, as the exporter
 * names them. Padded to whole cache lines: CPUs never share one.
 *
 * `stats` is a plain ARRAY, not a PERCPU_ARRAY: entry 1 + c belongs to CPU
 * c and only that CPU writes it (plain increments, as per-CPU values);
 * entry 0 collects, with atomic adds, the counts of CPUs at or above the
 * map's max_entries - 1 (a loader sizes the map to the possible CPUs + 1,
 * so that entry stays zero; the object's default covers
 * BABE_STATS_CPUS_DEFAULT CPUs). Readers sum every entry. Why an ARRAY: a
 * per-CPU value lives in vmalloc'd per-CPU pages, a small ARRAY in the
 * kernel's direct map, and on the forwarding path the difference is a TLB
 * miss per packet (docs/dataplane.md).
 */
#define BABE_STAT_FIELD_ACTION(name, label) struct babe_stat label;
#define BABE_STAT_FIELD_DROP(name, label) struct babe_stat drop_##label;
#define BABE_STAT_FIELD_ENGINE(name, label) struct babe_stat engine_##label;
struct babe_stats_cpu {
	BABE_ACTIONS(BABE_STAT_FIELD_ACTION)
	BABE_DROP_REASONS(BABE_STAT_FIELD_DROP)
	BABE_ENGINE_REASONS(BABE_STAT_FIELD_ENGINE)
	__u8 pad[(64 - (BABE_STAT_MAX * 16) % 64) % 64];
};
#undef BABE_STAT_FIELD_ACTION
#undef BABE_STAT_FIELD_DROP
#undef BABE_STAT_FIELD_ENGINE
BABE_STATIC_ASSERT(sizeof(struct babe_stats_cpu) % 64 == 0 &&
			   sizeof(struct babe_stats_cpu) - sizeof(struct babe_stat) * BABE_STAT_MAX < 64,
		   "counters in id order, whole cache lines");
#define BABE_STATS_CPUS_DEFAULT 64

#endif /* BABE_STATS_H */
