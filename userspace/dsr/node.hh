// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// One DSR (RFC 4728) node as a deterministic, sans-IO state machine: the
// daemon's engine, the simulator and the tests drive exactly this class.
// Inputs are packets, link feedback, "heard from" evidence and timeouts, each
// with the current time passed in; outputs are polled: frames to transmit,
// the next timer deadline and events (routes for the kernel's route map,
// broken links, packets delivered/released/dropped, discoveries done/failed).
// No clock reads, sockets, threads or globals; randomness (jitter) comes from
// a PRNG seeded by the constructor; every table is allocated at construction
// with the bounds of `config`, so handling a packet never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>

#include "core/time.hh"
#include "dsr/codec/ipv4.hh"
#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

// Sizes of the node's tables, for babectl, metrics and simulator checkers.
struct table_sizes {
    std::size_t cache_links = 0;    // link cache: directed links (path cache: 0)
    std::size_t cache_paths = 0;    // path cache: paths (link cache: 0)
    std::size_t installed_routes = 0;
    std::size_t send_buffer = 0;
    std::size_t maint_buffer = 0;
    std::size_t request_table = 0;  // initiators with entries
    std::size_t discoveries = 0;    // targets with a discovery running
    std::size_t grat_replies = 0;
    std::size_t blacklist = 0;
    std::size_t neighbours = 0;
    std::size_t tx_queue = 0;
    std::size_t events = 0;
};

// A DSR node.
//
// Call order (single-threaded; the caller owns the clock):
//   1. Construct with a validated config, this node's address and a seed.
//   2. Feed inputs as they happen, each with a non-decreasing `now`:
//      send(), handle_packet(), handle_link_feedback(), handle_heard(),
//      start_discovery(); and handle_timeout(now) once now >= poll_timeout().
//   3. After any input, drain the outputs: poll_transmit(now, out) until it
//      returns nullopt (it only returns frames whose jitter/delay has passed),
//      and poll_event() until nullopt. Then sleep until poll_timeout().
//   Outputs left undrained stay queued up to their bounds; what overflows is
//   counted (tx_queue_overflows, event_queue_overflows) and, for packets
//   held by handle, reported as dropped — handles are never lost.
//
// Handle contract: every handle given to send() or handle_packet() comes
// back exactly once in an event: delivered (this node is the destination),
// released (sent and done with) or dropped (with a reason). Between, the
// caller keeps the buffer unchanged; the core may ask for it to be sent more
// than once (maintenance retransmission, salvage). The core never reads
// packet bytes after the call that passed them in, and copies only headers.
class node {
public:
    node(const config& cfg, addr self, std::uint64_t seed);
    ~node();
    node(node&&) noexcept;
    node& operator=(node&&) noexcept;
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    // A packet received on link `in`: a full IPv4 packet with a DSR Options
    // header (protocol 48) inside. `prev_hop` is the link-layer sender's IPv4
    // address when known (no_addr otherwise: inferred from the packet). `h`
    // is the caller's buffer holding `pkt`, when the core may keep or forward
    // it by handle. `overheard` = promiscuous reception of a frame not
    // addressed to this node (passive acks, route shortening, §3.4.3).
    void handle_packet(time_point now, link_id in, addr prev_hop, std::span<const std::byte> pkt,
                       std::optional<packet_handle> h, bool overheard = false);
    // The same for a packet the caller parsed already (codec::parse_ipv4_dsr
    // succeeded): it is not parsed again.
    void handle_packet(time_point now, link_id in, addr prev_hop, const codec::ipv4_dsr_view& parsed,
                       std::optional<packet_handle> h, bool overheard = false);

    // A locally originated IPv4 packet (no DSR header yet) to send into the
    // mesh: it leaves at once on a cached route or waits in the Send Buffer
    // while a Route Discovery runs. hop_recovery false: a packet of the
    // hop-recovered Next Header goes without it (what later packets make
    // good anyway, such as a transport's pure acknowledgements).
    void send(time_point now, packet_handle h, std::span<const std::byte> ip_packet, bool hop_recovery = true);

    // Link-layer feedback for a frame sent to next_hop with want_link_feedback,
    // one call per such frame, in the order the frames were polled per next
    // hop. A failure breaks the link (§8.3.4) once; the frames already handed
    // to the link layer for that hop before the break wait for their own
    // feedback (each failed one is salvaged, each delivered one released), so
    // a packet is never both salvaged and delivered by the original frame.
    void handle_link_feedback(time_point now, addr next_hop, link_status status);
    void handle_link_feedback(time_point now, addr next_hop, bool delivered)
    {
        handle_link_feedback(now, next_hop, delivered ? link_status::delivered : link_status::failed);
    }

    // "Heard from" evidence: the caller saw a frame from `neighbour` (the
    // kernel stamps per-neighbour last-heard times). Confirms links (§8.3.1).
    void handle_heard(time_point now, addr neighbour, link_id in = 0);

    // Expired timers: discovery retransmissions, send-buffer and maintenance
    // timeouts, cache expiry. Call when now >= poll_timeout().
    void handle_timeout(time_point now);

    // Confirm the link to `neighbour` now with an Acknowledgement Request of
    // its own (§8.3.3), retransmitted up to MaxMaintRexmt times; when none is
    // answered the link is broken (Route Error, salvage, link_broken event).
    // For links whose traffic the kernel forwards without the core: the
    // caller probes a neighbour it sends to but has not heard from within
    // MaintHoldoffTime. At most one probe per neighbour is outstanding.
    void probe_neighbour(time_point now, addr neighbour);

    // The link to `neighbour` is gone for certain (the caller saw the carrier
    // drop): Route Maintenance fails it now, as after MaxMaintRexmt (§8.3.4):
    // Route Errors, salvage, link_broken.
    void neighbour_lost(time_point now, addr neighbour);

    // The caller's data plane is using the route to `dst` (packets the core
    // never sees, e.g. forwarded in the kernel): its links count as used, so
    // they do not expire while traffic flows (RouteCacheTimeout counts from
    // last use, §4.1; link lifetimes, docs/dsr-core.md). Returns false when
    // no route to dst is cached.
    bool touch_route(time_point now, addr dst);

    // Forget every cached route (babectl flush): the cache empties and every
    // reported route is withdrawn (route_removed). Returns the links (link
    // cache) or paths (path cache) dropped.
    std::size_t flush_routes(time_point now);

    // Apply a new configuration without losing state (SIGHUP): timers,
    // limits and behaviour flags change; table bounds and the cache kind,
    // allocated at construction, are kept. False (nothing changed) when the
    // merged configuration does not validate.
    bool reconfigure(const config& next);

    // Start (or keep running) a Route Discovery for `target` (babectl discover).
    void start_discovery(time_point now, addr target);

    // The earliest time handle_timeout() or poll_transmit() has work to do.
    std::optional<time_point> poll_timeout() const;

    // The next frame due by `now`, written into `out` (at least
    // min_transmit_buffer bytes). Control packets are written whole; data
    // packets held by handle get their new IPv4 + DSR headers in `out` and
    // the transmit names the handle and the payload offset (see transmit).
    std::optional<transmit> poll_transmit(time_point now, std::span<std::byte> out)
    {
        transmit t;
        if (poll_transmit(now, out, t))
            return t;
        return std::nullopt;
    }
    // The same into `t` (false: nothing due). The engine's per-packet form:
    // no transmit assembled on the stack and copied out.
    bool poll_transmit(time_point now, std::span<std::byte> out, transmit& t);

    std::optional<event> poll_event();

    const counters& stats() const;

    // ---- read access (babectl, metrics, simulator checkers) ----
    addr self() const;
    const config& cfg() const;
    // The best cached route to dst, if any (no counters touched).
    std::optional<route> find_route(addr dst) const;
    // Hop-by-hop recovery: how many more packets of that class to dst fit
    // in the window of the next hop toward it (hop_window when no route is
    // known; unbounded when the recovery is off). Beyond it packets go
    // without recovery (hop_window_full): a sender that stops at zero keeps
    // every one of its own recovered.
    std::uint32_t hop_room(addr dst) const;
    // Links of the link cache (or the links of the path cache's paths),
    // written as (from, to) pairs into out; returns how many were written.
    std::size_t cached_links(std::span<std::pair<addr, addr>> out) const;
    bool blacklisted(addr neighbour) const;
    table_sizes sizes() const;

    struct impl;

private:
    std::unique_ptr<impl> _impl;
};

} // namespace babe::dsr
