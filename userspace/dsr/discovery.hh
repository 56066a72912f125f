// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Discovery (RFC 4728 §8.2.1-8.2.2): this node's own discoveries
// (a non-propagating request first, then floods with exponential backoff up
// to MaxRequestRexmt; the last Route Error piggybacked on the next request,
// §3.4.4), and the Route Requests of others: checked, learned from, answered
// (as target or from the cache, by `replies`) or rebroadcast once after
// BroadcastJitter, within a per-initiator rate.
#pragma once

#include <cstdint>
#include <optional>

#include "dsr/node_state.hh"
#include "dsr/packet_context.hh"
#include "dsr/request_table.hh"

namespace babe::dsr {

class forwarding;
class replies;
class route_reporting;
class transmitter;

// A Route Error to piggyback on the next Route Request (§3.4.4).
struct route_error_note {
    addr err_src = no_addr, err_dst = no_addr, unreachable = no_addr;
    std::uint8_t salvage = 0;
};

class discovery {
public:
    discovery(node_state& state, transmitter& out, replies& route_replies, forwarding& data_path,
              route_reporting& reported);

    // Start (or keep running) a discovery for `target`.
    void start(time_point now, addr target);
    // Every discovery whose target now has a route is done.
    void finish(time_point now);
    // Retransmissions and failures due by now.
    void timeouts(time_point now);
    void piggyback(const route_error_note& e) { _last_error = e; }

    // A Route Request from someone else (ctx.rreq, broadcast).
    void take_request(time_point now, const packet_context& ctx);

    std::size_t running() const { return _running.size(); }
    std::size_t initiators_seen() const { return _seen.size(); }
    std::optional<time_point> next_deadline() const { return _running.next_deadline(); }
    std::uint16_t next_rreq_id = 0;

private:
    void send_request(time_point now, discovery_table::entry& e);
    // Wait before e's next request, and its hop limit (§3.3.3).
    duration next_wait(discovery_table::entry& e) const;
    // Whether a request from initiator with this record may be processed.
    bool acceptable(time_point now, const packet_context& ctx, const addr_vec& record, addr target);
    // Rebroadcast with our address appended, after BroadcastJitter (§8.2.2).
    void rebroadcast(time_point now, const packet_context& ctx, const addr_vec& record,
                     addr target);

    node_state& _state;
    transmitter& _transmitter;
    replies& _replies;
    forwarding& _forwarding;
    route_reporting& _reported;
    discovery_table _running;
    request_table _seen;
    rate_limiter _rate;
    std::optional<route_error_note> _last_error;
};

} // namespace babe::dsr
