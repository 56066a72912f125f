// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Data on source routes (RFC 4728 §8.1): packets this node originates go
// out on a cached route or wait in the Send Buffer (§4.2) while a Route
// Discovery runs; packets naming this node next in their Source Route are
// forwarded (§8.1.4); packets for this node are delivered (§8.1.5). With
// hop-by-hop recovery, retransmissions of packets already received are
// recognised by the duplicate window and go no further.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "dsr/duplicate_window.hh"
#include "dsr/node_state.hh"
#include "dsr/packet_context.hh"
#include "dsr/send_buffer.hh"

namespace babe::dsr {

class discovery;
class maintenance;
class replies;
class route_reporting;

class forwarding {
public:
    forwarding(node_state& state, maintenance& route_maintenance, discovery& route_discovery,
               replies& route_replies, route_reporting& reported);

    // node::send.
    void originate(time_point now, packet_handle h, std::span<const std::byte> ip_packet,
                   bool hop_recovery);
    void send_on_route(time_point now, packet_record rec, const route& r);
    // Into the Send Buffer, and a Route Discovery for its destination.
    void buffer(time_point now, packet_record rec);

    // A retransmission (hop-by-hop recovery) of a packet already received.
    bool hop_duplicate(time_point now, const packet_context& ctx);
    // We are named next in its Source Route (segs > 0).
    void forward(time_point now, const packet_context& ctx);
    // For us.
    void deliver(time_point now, const packet_context& ctx);

    // Send what waits for a destination now reachable.
    void drain(time_point now);
    // Drop what waits for `dst` (its discovery failed).
    void drop_waiting(addr dst);
    // SendBufferTimeout.
    void timeouts(time_point now);

    std::size_t waiting() const { return _waiting.size(); }
    std::optional<time_point> next_deadline() const { return _waiting.next_deadline(); }

private:
    // send_on_route for a route whose links were just refreshed.
    void send_touched(time_point now, packet_record& rec, const route& r);
    // The record that forwards ctx's packet to the next hop.
    packet_record forwarded(const packet_context& ctx) const;

    node_state& _state;
    maintenance& _maintenance;
    discovery& _discovery;
    replies& _replies;
    route_reporting& _reported;
    send_buffer _waiting; // packets waiting for a route
    duplicate_window _duplicates;
};

} // namespace babe::dsr
