// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The plain data the DSR core exchanges with its caller: addresses, links,
// packet handles, routes, the transmissions it asks for and the events it
// reports. No behaviour here; see node.hh for the calls that produce them.
#pragma once

#include <babe/wire.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/time.hh"

namespace babe::dsr {

using addr = std::uint32_t;    // IPv4 address, host byte order
using link_id = std::uint16_t; // the caller's interface number
constexpr addr broadcast = 0xffffffff;
constexpr addr no_addr = 0;

constexpr link_id all_links = 0xffff; // a broadcast goes out on every link

// A caller-owned buffer (UMEM frame, simulator slot). The core never reads
// through it: it only hands it back in transmits and events.
struct packet_handle {
    std::uint32_t id = 0;
    friend bool operator==(packet_handle, packet_handle) = default;
};

constexpr std::size_t max_route_hops = BABE_MAX_ROUTE_HOPS;

// A source route to `dst`: the intermediate nodes in order (none for a
// neighbour). The first hop is hops[0], or dst when there are none.
struct route {
    std::array<addr, max_route_hops> hops{};
    std::uint8_t hop_count = 0; // intermediate nodes
    addr dst = no_addr;

    addr next_hop() const { return hop_count ? hops[0] : dst; }
    std::span<const addr> intermediates() const { return {hops.data(), hop_count}; }
    std::size_t length() const { return hop_count + 1u; } // in links
    friend bool operator==(const route& a, const route& b)
    {
        if (a.dst != b.dst || a.hop_count != b.hop_count)
            return false;
        for (std::size_t i = 0; i < a.hop_count; ++i)
            if (a.hops[i] != b.hops[i])
                return false;
        return true;
    }
};

// The smallest `out` buffer poll_transmit accepts: an IPv4 header plus the
// largest DSR options header the core writes.
constexpr std::size_t min_transmit_buffer = 512;

// One frame for the caller to put on a link.
struct transmit {
    link_id link = 0;            // all_links for a broadcast
    addr next_hop = broadcast;   // link-layer destination (broadcast for RREQ)
    std::size_t length = 0;      // bytes written to `out`: IPv4 header + DSR header
    // For a data packet held by handle: send out[0, length) followed by the
    // original packet's bytes from payload_offset to its end. The handle stays
    // the caller's to keep alive until it comes back in a released, delivered
    // or dropped event (the core may send it again: retransmission, salvage).
    std::optional<packet_handle> handle;
    std::uint32_t payload_offset = 0;
    bool want_link_feedback = false; // call handle_link_feedback(next_hop, ...) for it
    // config::release_on_transmit: the core is done with `handle` (no
    // released event follows); it is the caller's to free once sent.
    bool handle_released = false;
};

// Link-layer feedback for one frame sent with want_link_feedback.
enum class link_status : std::uint8_t {
    delivered, // acknowledged by the next hop
    failed,    // never acknowledged (retries exhausted): Route Maintenance fails the link
    not_sent,  // refused by the sender's own queue (full): dropped, the link is not blamed
};

enum class event_kind : std::uint8_t {
    route_changed,   // best route to `dst` is now `route` (new or different)
    route_removed,   // no route to `dst` any more
    link_broken,     // link from -> to declared broken (Route Maintenance or Route Error)
    delivered,       // a packet for this node: handle (if given), payload at payload_offset
    released,        // the core is done with `handle` (sent and confirmed or given up past)
    dropped,         // the core dropped `handle` (or a handle-less packet) for `reason`
    discovery_done,  // a route to `dst` arrived; `latency` since the first request
    discovery_failed, // MaxRequestRexmt requests for `dst` gave no route
};

enum class drop_reason : std::uint8_t {
    none = 0,
    send_buffer_timeout,  // no route within SendBufferTimeout (§4.2)
    send_buffer_full,     // the Send Buffer bound refused it
    discovery_failed,     // MaxRequestRexmt reached with packets waiting
    maint_failed,         // next hop unconfirmed and no salvage route (§8.3.6)
    maint_buffer_full,    // RexmtBufferSize refused it
    salvage_limit,        // MAX_SALVAGE_COUNT reached
    route_too_long,       // more hops than BABE_MAX_ROUTE_HOPS
    ttl_expired,
    malformed,            // the codec refused it
    hostile,              // well formed but impossible (loop, our own address, ...)
    not_on_route,         // source route does not name this node
    bad_segments_left,    // Segments Left > n (§8.1.4)
    no_handle,            // payload to forward but no handle given
    tx_queue_full,
    not_for_us,           // overheard, nothing to do with it
    duplicate,            // a Route Request already seen (§8.2.2)
    rate_limited,         // flood protection
    unknown_option,       // an option whose type says drop (§6.1)
    hop_rexmt_exhausted,  // hop-by-hop recovery: hop_max_rexmt reached, the link alive
};

const char* to_string(drop_reason r);
const char* to_string(event_kind k);

struct event {
    event_kind kind = event_kind::route_changed;
    addr dst = no_addr;              // route_*, discovery_*: the destination
    addr from = no_addr, to = no_addr; // link_broken
    route path;                      // route_changed: the new best route
    std::optional<packet_handle> handle; // delivered / released / dropped
    std::uint32_t payload_offset = 0; // delivered: upper-layer payload starts here
    std::uint8_t protocol = 0;       // delivered: the original IP protocol (Next Header)
    addr src = no_addr;              // delivered: the IP source
    drop_reason reason = drop_reason::none; // dropped
    duration latency{};              // discovery_done
};

} // namespace babe::dsr
