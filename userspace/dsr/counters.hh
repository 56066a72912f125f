// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The counters of one DSR node: one plain u64 per protocol event and per
// refusal of a bound, read as a struct for metrics (`node::stats()`). The
// X-macro gives the metrics exporter each field's name as a label.
#pragma once

#include <cstdint>

namespace babe::dsr {

#define BABE_DSR_COUNTERS(X)                                                                       \
    /* Route Discovery §3.3, §8.2 */                                                               \
    X(rreq_originated)          /* first Route Request of a discovery */                           \
    X(rreq_retransmitted)       /* later Route Requests of a discovery (backoff) */                \
    X(rreq_forwarded)           /* rebroadcast after BroadcastJitter */                            \
    X(rreq_duplicate)           /* (initiator, id, target) already in the Request Table */        \
    X(rreq_rate_limited)        /* initiator over its rate (flood protection) */                   \
    X(rreq_hop_limit)           /* TTL exhausted, not rebroadcast */                               \
    X(rreq_received_as_target)  /* we are the target */                                            \
    X(rreq_blacklisted)         /* from a probable-unidirectional neighbour, ignored (§4.6) */     \
    X(rreq_own)                 /* our own request heard back */                                   \
    X(discovery_done)           /* a route arrived for a target in discovery */                    \
    X(discovery_failed)         /* MaxRequestRexmt reached */                                      \
    /* Route Reply §8.2.4-8.2.5 */                                                                 \
    X(rrep_from_target)                                                                            \
    X(rrep_from_cache)                                                                             \
    X(rrep_gratuitous)                                                                             \
    X(rrep_grat_held_off)       /* suppressed by the Gratuitous Reply Table */                     \
    X(rrep_cache_suppressed)    /* delayed cached reply cancelled: a shorter one was heard */      \
    X(rrep_received)            /* replies that reached their initiator (us) */                    \
    X(rrep_forwarded)                                                                              \
    /* Route Error §8.3.4-8.3.5 */                                                                 \
    X(rerr_sent)                                                                                   \
    X(rerr_received)                                                                               \
    X(rerr_forwarded)                                                                              \
    X(rerr_piggybacked)         /* on a Route Request (§3.4.4) */                                  \
    /* Route Maintenance §8.3 */                                                                   \
    X(ack_req_sent)                                                                                \
    X(ack_sent)                                                                                    \
    X(ack_received)                                                                                \
    X(confirm_passive)          /* passive acknowledgement heard (§8.3.3) */                       \
    X(confirm_heard)            /* "heard from" evidence (§8.3.1) */                               \
    X(confirm_link)             /* link-layer acknowledgement (§8.3.1) */                          \
    X(maint_probes)             /* Ack Requests of their own for kernel-forwarded links */         \
    X(maint_retransmits)                                                                           \
    X(maint_failures)           /* MaxMaintRexmt reached: link broken */                           \
    X(maint_buffer_overflows)   /* RexmtBufferSize refused a packet */                             \
    X(link_not_sent)            /* the link layer's queue refused a frame: not a link failure */   \
    X(link_feedback_timeouts)   /* no link-layer answer within link_feedback_timeout */            \
    X(ack_rtt_samples)          /* Acknowledgement round trips measured (Karn: first sends) */     \
    X(hop_reliable_sent)        /* hop-by-hop recovery: transmissions of such packets */           \
    X(hop_duplicates)           /* ... retransmissions received again: acknowledged, dropped */    \
    X(hop_rexmt_exhausted)      /* ... hop_max_rexmt reached with the link alive: dropped */       \
    X(hop_window_full)          /* ... hop_window awaiting an Ack there: sent without recovery */  \
    X(acks_redundant)           /* earlier ids repeated in Ack packets (ack_redundancy) */         \
    /* Data */                                                                                     \
    X(data_originated)                                                                             \
    X(data_forwarded)                                                                              \
    X(data_delivered)                                                                              \
    X(data_salvaged)            /* §3.4.1 / §8.3.6 */                                              \
    X(salvage_limit)            /* MAX_SALVAGE_COUNT reached */                                    \
    X(ttl_expired)                                                                                 \
    X(not_on_route)             /* a source route that does not name us next */                    \
    X(bad_segments_left)        /* Segments Left > n (not counted as malformed) */                 \
    X(no_handle)                /* a packet with payload to keep, given without a handle */        \
    /* Send Buffer §4.2 */                                                                         \
    X(send_buffer_enqueued)                                                                        \
    X(send_buffer_sent)                                                                            \
    X(send_buffer_timeouts)                                                                        \
    X(send_buffer_overflows)                                                                       \
    /* Route Cache §4.1 */                                                                         \
    X(cache_hits)                                                                                  \
    X(cache_misses)                                                                                \
    X(cache_evictions)          /* LRU entry removed to make room */                               \
    X(cache_expired)            /* RouteCacheTimeout */                                            \
    X(cache_links_added)                                                                           \
    X(cache_links_removed)                                                                         \
    X(cache_relearn_refused)    /* hearsay of a link broken within broken_link_holdoff ignored */  \
    X(route_too_long)           /* more than BABE_MAX_ROUTE_HOPS intermediate nodes */             \
    X(installed_evictions)      /* reported routes dropped for room */                             \
    /* Other tables */                                                                             \
    X(request_table_evictions)                                                                     \
    X(discovery_table_overflows)                                                               \
    X(grat_table_overflows)                                                                        \
    X(blacklist_added)                                                                             \
    X(blacklist_cleared)        /* bidirectionality shown (§4.6) */                                \
    X(blacklist_overflows)                                                                         \
    X(neighbour_overflows)                                                                         \
    X(rate_table_overflows)                                                                        \
    X(reply_queue_overflows)    /* reply_queue_size cached replies waiting: request rebroadcast */ \
    X(tx_queue_overflows)                                                                          \
    X(event_queue_overflows)                                                                       \
    X(out_too_small)            /* poll_transmit given a buffer too small */                       \
    /* Hostile or malformed input */                                                               \
    X(malformed)                /* the codec refused it */                                         \
    X(hostile)                  /* well formed but impossible: loops, our own address, ... */     \
    X(unknown_option)

struct counters {
#define BABE_DSR_COUNTER_FIELD(name) std::uint64_t name = 0;
    BABE_DSR_COUNTERS(BABE_DSR_COUNTER_FIELD)
#undef BABE_DSR_COUNTER_FIELD
};

} // namespace babe::dsr
