// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The configuration of one DSR node: every constant of RFC 4728 §9 with its
// RFC default, plus the bounds of every table and buffer the core
// pre-allocates at construction (Babe's "put a limit on everything"). A node
// never grows a table past these bounds; what a bound refuses is counted in
// `counters`. Validate with `validate_config()` before constructing a node.
#pragma once

#include <babe/wire.h>

#include <cstdint>

#include "core/time.hh"

namespace babe::dsr {

// Which route cache §4.1 structure the node keeps.
enum class cache_kind : std::uint8_t {
    link, // a graph of links with per-link timestamps; BFS shortest path (default)
    path, // whole paths per destination
};

// What reconfigure() replaces: timers, limits and behaviour flags.
struct tunables {
    // ---- RFC 4728 §9 constants, RFC defaults (their table sizes are bounds) ----
    std::uint8_t discovery_hop_limit = 255;      // DiscoveryHopLimit, hops
    duration broadcast_jitter = 10ms;            // BroadcastJitter
    duration route_cache_timeout = 300s;         // RouteCacheTimeout
    duration send_buffer_timeout = 30s;          // SendBufferTimeout
    std::uint32_t max_request_rexmt = 16;        // MaxRequestRexmt, retransmissions
    duration max_request_period = 10s;           // MaxRequestPeriod
    duration request_period = 500ms;             // RequestPeriod
    duration nonprop_request_timeout = 30ms;     // NonpropRequestTimeout
    duration maint_holdoff_time = 250ms;         // MaintHoldoffTime
    std::uint32_t max_maint_rexmt = 2;           // MaxMaintRexmt, retransmissions
    std::uint32_t try_passive_acks = 1;          // TryPassiveAcks, attempts
    duration passive_ack_timeout = 100ms;        // PassiveAckTimeout
    duration grat_reply_holdoff = 1s;            // GratReplyHoldoff
    std::uint8_t max_salvage_count = BABE_DSR_MAX_SALVAGE_COUNT; // MAX_SALVAGE_COUNT

    // ---- behaviour choices ----
    bool nonprop_first = true;       // §3.3.3: first a TTL-1 request, then the flood
    bool expanding_ring = false;     // §3.3.3: TTL 1, 2, 4, ... instead of one flood
    bool reply_from_cache = true;    // §3.3.2 / §8.2.3: intermediate nodes answer
    bool route_shortening = true;    // §3.4.3: gratuitous replies on overheard routes
    bool assume_bidirectional = true; // links learned in one direction also hold reversed
    bool use_link_feedback = true;   // link-layer acks count as §8.3.1 confirmation
    // A data packet sent with no maintenance entry comes back to the caller in
    // its transmit (transmit::handle_released) instead of a released event
    // (the engine's choice: one event fewer per packet on the miss path).
    bool release_on_transmit = false;
    duration maint_ack_timeout = 500ms;   // wait for an Acknowledgement (§8.3.3)
    duration reply_hop_delay = 1ms;       // H of §8.2.4 reply-storm delay d = H*(h-1+r)
    duration blacklist_timeout = 10s;     // §4.6: probable -> questionable after this
    duration cache_sweep_interval = 1s;   // how often expired cache entries are purged
    duration lost_neighbour_holdoff = 1s; // after Route Maintenance fails, packets for that
                                          // next hop fail at once for this long (unless heard)
    duration link_min_lifetime = 10s;     // link cache: a link not refreshed expires after
                                          // max(this, how long it had been seen alive), at most
                                          // RouteCacheTimeout (§4.1; see docs/dsr-core.md)
    duration broken_link_holdoff = 10s;   // a link known broken (Route Error, maintenance) is
                                          // not relearned from hearsay for this long (link cache)
    duration link_feedback_timeout = 3s;  // use_link_feedback: no answer from the link layer
                                          // within this: fall back to an Ack Request (§8.3.3)
    duration max_ack_timeout = 2s;        // the per-neighbour Ack wait (SRTT + 4 RTTVAR of the
                                          // Acknowledgements' round trips, at least
                                          // maint_ack_timeout) is at most this
    // Hop-by-hop recovery (off when 0): packets with this Next Header carry an
    // Acknowledgement Request on every hop (no MaintHoldoffTime, no passive
    // ack), and each hop retransmits them from its maintenance buffer; a
    // receiver acknowledges retransmissions it already has and drops them.
    std::uint8_t hop_reliable_next_header = 0;
    duration hop_min_ack_timeout = 20ms;  // their Ack wait's floor (instead of maint_ack_timeout,
                                          // which guards link breaks); 5 ms resent 5 % of the
                                          // segments needlessly behind a shaped link's queue
    std::uint32_t hop_max_rexmt = 6;      // retransmissions of such a packet while its next hop
                                          // acknowledges others (then it is dropped, counted;
                                          // with no other acknowledgement the link fails
                                          // after MaxMaintRexmt as usual)
    std::uint32_t hop_window = 32;        // such packets awaiting an Ack per next hop; more go
                                          // without recovery (counted): a queue at the next hop
                                          // shows up as loss end to end, not as retransmissions
    std::uint32_t ack_redundancy = 1;     // Acknowledgement options per Ack packet (1-4): the
                                          // newest and the previous ids asked by that neighbour
                                          // within the last second, so one lost Ack costs no
                                          // retransmission
    duration hop_dup_window = 2s;         // a source silent this long starts a new id window

    // ---- flood protection ----
    std::uint32_t rreq_rate_per_initiator = 20; // Route Requests per second per initiator
    std::uint32_t rreq_burst_per_initiator = 10; // token bucket depth

    std::uint16_t default_link = 0;  // link used toward a neighbour never heard on a link
    std::uint8_t data_ttl = 64;      // IP TTL of packets the node originates if none given
};

// What construction fixes: the cache kind and the bound of every table and
// buffer, allocated then (a reconfiguration keeps them).
struct bounds {
    cache_kind cache = cache_kind::link;
    std::uint32_t request_table_size = 64;  // RequestTableSize, nodes
    std::uint32_t request_table_ids = 16;   // RequestTableIds, per initiator
    std::uint32_t rexmt_buffer_size = 50;   // RexmtBufferSize, packets
    std::uint32_t cache_nodes = 256;        // link cache: distinct addresses
    std::uint32_t cache_links = 1024;       // link cache: directed links
    std::uint32_t cache_degree = 32;        // link cache: links out of one node
    std::uint32_t cache_paths = 512;        // path cache: paths in total
    std::uint32_t cache_paths_per_dst = 4;  // path cache: paths per destination
    std::uint32_t installed_routes = 256;   // destinations whose best route is reported
    std::uint32_t send_buffer_size = 256;   // packets waiting for a route
    std::uint32_t discovery_table_size = 64; // targets with a discovery running
    std::uint32_t grat_reply_table_size = 64;
    std::uint32_t blacklist_size = 64;
    std::uint32_t neighbour_table_size = 128;
    std::uint32_t tx_queue_size = 512;      // frames waiting for poll_transmit
    std::uint32_t event_queue_size = 1024;  // events waiting for poll_event
    std::uint32_t reply_queue_size = 64;    // delayed cached replies (§8.2.4)
    std::uint32_t hop_dup_table_size = 64;  // hop-by-hop recovery: sources whose recent IP ids
                                            // are kept (1024 ids each)
    std::uint32_t rreq_rate_table_size = 128; // initiators tracked for rate limiting
};

struct config : tunables, bounds {};

// The RFC defaults and Babe's default bounds.
inline config default_config() { return config{}; }

// True when every bound is usable (non-zero sizes, periods ordered).
bool validate_config(const config& c);

} // namespace babe::dsr
