// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A received DSR packet, classified once: the IPv4 and DSR views, each
// option the node acts on, the options carried along when forwarding, the
// source route's addresses, the link-layer sender (given, or inferred from
// the route), and the path facts every concern reads (what the packet
// crossed, what may be learned from it). Filled by classify(); the node's
// concerns read it and never parse the packet again.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "dsr/codec/codec.hh"
#include "dsr/packet.hh"
#include "dsr/types.hh"

namespace babe::dsr {

// Addresses of a decoded option, copied out (bounded) for processing.
struct addr_vec {
    std::array<addr, 64> a{};
    std::size_t n = 0;
    std::span<const addr> span() const { return {a.data(), n}; }
    bool push(addr x)
    {
        if (n == a.size())
            return false;
        a[n++] = x;
        return true;
    }
    bool contains(addr x) const { return std::find(a.begin(), a.begin() + n, x) != a.begin() + n; }
};

addr_vec copy_addrs(const codec::address_range& r);

// No zero or broadcast address, no address twice.
bool plausible(std::span<const addr> p);

// The route back to `dst` over `forward_intermediates` reversed; false when
// it has too many hops.
bool reversed_route(std::span<const addr> forward_intermediates, addr dst, route& out);

struct packet_context {
    // ---- the input ----
    link_id in = 0;
    addr prev_hop = no_addr; // the link-layer sender (inferred when not given)
    std::optional<packet_handle> handle;
    bool overheard = false;

    // ---- the headers ----
    codec::ipv4_view ip;
    codec::dsr_view dsr;
    addr src = no_addr, dst = no_addr;

    // ---- the options ----
    std::optional<codec::rreq_view> rreq;
    std::optional<codec::rrep_view> rrep; // the first
    std::optional<codec::srcrt_view> srcrt;
    std::optional<codec::ack_req_view> ack_req;
    std::array<codec::rerr_view, 4> rerrs;
    std::size_t n_rerr = 0;
    std::array<codec::ack_view, 4> acks;
    std::size_t n_ack = 0;
    packet_record carried; // options carried along when forwarding
    bool carry_overflow = false;

    // ---- the source route ----
    addr_vec hops;         // its intermediates
    std::uint8_t segs = 0; // Segments Left
    bool salvaged = false; // its route starts at the salvaging node, not at src (§8.3.6)

    // ---- the path ----
    std::size_t payload_offset = 0, payload_len = 0;
    // The whole path this packet follows: src, hops..., dst.
    std::array<addr, max_route_hops + 2> path{};
    std::size_t path_len = 0;
    // Links this packet crossed (src .. the receiver of this hop) are
    // first-hand; the rest of its source route is the source's cache.
    std::size_t crossed = 0;

    // The intended receiver's index in hops (srcrt with segs > 0).
    std::size_t receiver() const { return hops.n - segs; }
    // What may be learned: the path, without a salvaged route's unknown first link.
    std::span<const addr> learnable() const
    {
        return salvaged ? std::span<const addr>(path.data() + 1, path_len - 1)
                        : std::span<const addr>(path.data(), path_len);
    }
    // A source route with no loop, not through src or dst.
    bool route_plausible() const
    {
        return plausible(hops.span()) && !hops.contains(src) && !hops.contains(dst);
    }
};

enum class classify_error : std::uint8_t {
    none,
    malformed,         // the codec refused it
    unknown_option,    // an option whose type says drop (§6.1)
    route_too_long,    // more than BABE_MAX_ROUTE_HOPS intermediates
    bad_segments_left, // Segments Left beyond the Source Route's addresses (§8.1.4)
};

// One pass over `pkt`: fills `ctx` (whose input fields the caller set).
classify_error classify(std::span<const std::byte> pkt, packet_context& ctx);
// The same over a packet the caller parsed already (parse_ipv4_dsr).
classify_error classify(const codec::ipv4_dsr_view& parsed, packet_context& ctx);


} // namespace babe::dsr
