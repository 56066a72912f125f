// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// packet_record: a packet the node will transmit, described by its headers
// only (the payload stays in the caller's buffer, named by handle). Records
// sit in the send buffer, the maintenance buffer and the transmit queue, are
// re-routed by salvage, and are written to the wire by encode_packet(): a
// 20-byte IPv4 header, then the DSR Options header with the carried control
// options, an optional Acknowledgement Request and the Source Route.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "dsr/types.hh"

namespace babe::dsr {

constexpr std::uint8_t ipproto_none = 59; // "No Next Header": control-only DSR packets
constexpr std::size_t max_extra_options = 192;

// Every field of a packet_record but the option bytes.
struct packet_fields {
    addr src = no_addr, dst = no_addr; // IPv4 source and (final) destination
    std::uint8_t ttl = 64;
    std::uint8_t tos = 0;
    std::uint8_t next_header = ipproto_none;
    std::uint16_t ip_id = 0;
    std::optional<packet_handle> handle;
    // When this packet first entered the Send Buffer: a packet that comes
    // back to it (its route broke again) keeps its SendBufferTimeout.
    std::optional<time_point> buffered_at;
    std::uint32_t payload_offset = 0; // in the caller's buffer
    std::uint32_t payload_len = 0;
    // Source Route option (when has_srcrt): intermediates of path.
    bool has_srcrt = false;
    route path;
    std::uint8_t segs_left = 0;
    std::uint8_t salvage = 0;
    // Add an Acknowledgement Request with this id to this transmission.
    std::optional<std::uint16_t> ack_req_id;
    // Bytes of `extra` in use.
    std::uint8_t extra_len = 0;
    // Its sender asked for no hop-by-hop recovery (node::send).
    bool no_hop_recovery = false;
};

// A record is copied several times on its way (transmit queue, maintenance
// buffer, send buffer): a copy takes the fields and only the option bytes
// in use, not the whole option area (data packets carry none).
struct packet_record : packet_fields {
    // Other DSR options, already encoded (RREQ, RREP, RERR, Ack, unknown ones
    // being forwarded), written before the Source Route. Only the first
    // extra_len bytes are meaningful: they are all that is ever read or
    // copied, so the rest is left uninitialised.
    std::array<std::byte, max_extra_options> extra;

    packet_record() = default;
    packet_record(const packet_record& o) : packet_fields(o) { copy_extra(o); }
    packet_record& operator=(const packet_record& o)
    {
        if (this != &o) {
            static_cast<packet_fields&>(*this) = o;
            copy_extra(o);
        }
        return *this;
    }

    std::span<std::byte> extra_room() { return {extra.data() + extra_len, extra.size() - extra_len}; }
    std::span<const std::byte> extra_bytes() const { return {extra.data(), extra_len}; }
    // Send it along `r`: its Source Route, all of it still ahead.
    void set_source_route(const route& r)
    {
        path = r;
        has_srcrt = r.hop_count > 0;
        segs_left = r.hop_count;
    }
    // Append encoded option bytes; false when they do not fit.
    bool append_extra(std::span<const std::byte> b);
    // The address this node sends to next: path.hops[n - segs_left] or the
    // destination (segs_left counts the hops still to visit after the next).
    addr next_hop_after(std::uint8_t segs) const;

private:
    void copy_extra(const packet_record& o)
    {
        if (o.extra_len)
            std::memcpy(extra.data(), o.extra.data(), o.extra_len);
    }
};

// Bytes of IPv4 + DSR header encode_packet() writes for `r` (0 if too big).
std::size_t header_size(const packet_record& r);

// Writes the headers of `r` into `out`; returns the length, or nullopt when
// `out` is too small or a field does not fit. Data packets (no other
// options) are written directly; the rest through the codec's builder.
std::optional<std::size_t> encode_packet(const packet_record& r, std::span<std::byte> out);
// Every packet through the codec's builder: the reference the direct path
// is tested against.
std::optional<std::size_t> encode_packet_general(const packet_record& r, std::span<std::byte> out);

} // namespace babe::dsr
