/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counter ids of the per-CPU `stats` map: one per XDP action and one per drop
 * reason. X-macro tables give BPF the codes and the metrics exporter the
 * label strings (cilium drop_reasons.h style): add a row, both sides follow.
 */
#ifndef BABE_STATS_H
#define BABE_STATS_H

#include <linux/types.h>

/* X(enum suffix, label) — outcomes that are not drops. */
#define BABE_ACTIONS(X)                                                                            \
	X(TRANSIT, "transit")                 /* forwarded by source route */                   \
	X(DELIVER, "deliver")                 /* for this node: stripped, passed up */          \
	X(ENCAP, "encap")                     /* locally originated, header inserted */         \
	X(TO_ENGINE, "to_engine")             /* redirected to AF_XDP */                        \
	X(PASS_OTHER, "pass_other")           /* not DSR: passed to the stack */                \
	X(NO_XSK, "no_xsk")   /* for the engine, no socket: passed (ingress), dropped (egress) */

/* X(enum suffix, label) — every way a packet is dropped. */
#define BABE_DROP_REASONS(X)                                                                       \
	X(TRUNCATED, "truncated")                                                                  \
	X(BAD_IP_HEADER, "bad_ip_header")                                                          \
	X(IP_OPTIONS, "ip_options")                                                                \
	X(FRAGMENT, "fragment")                                                                    \
	X(BAD_DSR_LENGTH, "bad_dsr_length")                                                        \
	X(BAD_OPTION_LENGTH, "bad_option_length")                                                  \
	X(SEGS_LEFT_BEYOND_ROUTE, "segs_left_beyond_route")                                        \
	X(ROUTE_TOO_LONG, "route_too_long")                                                        \
	X(NOT_ON_ROUTE, "not_on_route")                                                            \
	X(TTL_EXPIRED, "ttl_expired")                                                              \
	X(UNKNOWN_OPTION_DROP, "unknown_option_drop")                                              \
	X(NO_ROOM, "no_room")                                                                      \
	X(REDIRECT_FAILED, "redirect_failed")                                                      \
	X(DUPLICATE_SOURCE_ROUTE, "duplicate_source_route")                                        \
	X(TOO_MANY_OPTIONS, "too_many_options")                                                    \
	X(NESTED_DSR, "nested_dsr")

/*
 * X(enum suffix, label) — why a packet went to the engine. Counted in addition
 * to TO_ENGINE or NO_XSK, so that these rows add up to those two.
 */
#define BABE_ENGINE_REASONS(X)                                                                     \
	X(CONTROL, "control")                 /* RREQ/RREP/RERR/Ack Request/Ack option */       \
	X(NO_ROUTE, "no_route")               /* local egress: route cache miss */              \
	X(NO_NEIGHBOUR, "no_neighbour")       /* next hop not in the neighbour map */           \
	X(TRANSPORT, "transport")             /* Babe transport segment for this node */        \
	X(UNSUPPORTED, "unsupported")         /* flow state, external hops, unknown options */

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
 * Per-CPU value of each counter.
 */
struct babe_stat {
	__u64 packets;
	__u64 bytes;
};

#endif /* BABE_STATS_H */
