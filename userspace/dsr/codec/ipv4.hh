// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// IPv4 header helpers of the wire codec: a checked zero-copy view of an IPv4
// packet (parse_ipv4), an encoder for a 20-byte header with its checksum,
// the header checksum itself, and in-place edits with incremental checksum
// updates (RFC 1624) for the forwarding path (TTL decrement, protocol and
// total length rewrites when a DSR header is inserted or stripped).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dsr/codec/bytes.hh"
#include "dsr/codec/codec_error.hh"
#include "dsr/codec/options.hh"

namespace babe::dsr::codec {

inline constexpr std::size_t ipv4_min_header_len = 20;
inline constexpr std::uint16_t ipv4_flag_df = 0x4000;
inline constexpr std::uint16_t ipv4_flag_mf = 0x2000;
inline constexpr std::uint16_t ipv4_frag_offset_mask = 0x1fff;

// A checked IPv4 packet: header length and total length agree with the bytes
// given (trailing bytes past Total Length, e.g. Ethernet padding, are cut).
class ipv4_view {
public:
    ipv4_view() = default;
    explicit ipv4_view(bytes_view packet) : _p(packet) {}

    std::size_t header_len() const { return 4u * (load_u8(_p.data()) & 0x0f); }
    std::uint8_t tos() const { return load_u8(_p.data() + 1); }
    std::uint16_t total_len() const { return load_be16(_p.data() + 2); }
    std::uint16_t id() const { return load_be16(_p.data() + 4); }
    std::uint16_t flags_frag() const { return load_be16(_p.data() + 6); }
    bool is_fragment() const
    {
        return (flags_frag() & (ipv4_flag_mf | ipv4_frag_offset_mask)) != 0;
    }
    std::uint8_t ttl() const { return load_u8(_p.data() + 8); }
    std::uint8_t protocol() const { return load_u8(_p.data() + 9); }
    std::uint16_t checksum() const { return load_be16(_p.data() + 10); }
    ipv4_addr source() const { return load_addr(_p.data() + 12); }
    ipv4_addr destination() const { return load_addr(_p.data() + 16); }

    bytes_view packet() const { return _p; }
    bytes_view header() const { return _p.first(header_len()); }
    bytes_view payload() const { return _p.subspan(header_len()); }
    // The header checksum verifies.
    bool checksum_ok() const;

private:
    bytes_view _p;
};

// Checks version 4, IHL >= 5, header and Total Length within `b`.
codec_result<ipv4_view> parse_ipv4(bytes_view b);

// An IPv4 packet carrying a DSR Options header (protocol 48) with its
// options checked; `dsr.rest()` is the payload after it.
struct ipv4_dsr_view {
    ipv4_view ip;
    dsr_view dsr;
};
codec_result<ipv4_dsr_view> parse_ipv4_dsr(bytes_view b);

struct ipv4_fields {
    std::uint8_t tos = 0;
    std::uint16_t id = 0;
    bool dont_fragment = false;
    // MF, Fragment Offset and the reserved flag as on the wire: a header
    // rebuilt from a received one keeps them.
    std::uint16_t more_frag = 0;
    std::uint8_t ttl = 64;
    std::uint8_t protocol = 0;
    ipv4_addr source;
    ipv4_addr destination;
};

// The fields of a received header, for write_ipv4_header to rebuild it.
inline ipv4_fields fields_of(const ipv4_view& v)
{
    const std::uint16_t ff = v.flags_frag();
    return {.tos = v.tos(),
            .id = v.id(),
            .dont_fragment = (ff & ipv4_flag_df) != 0,
            .more_frag = static_cast<std::uint16_t>(ff & ~ipv4_flag_df),
            .ttl = v.ttl(),
            .protocol = v.protocol(),
            .source = v.source(),
            .destination = v.destination()};
}

// The one IPv4 header writer: 20 bytes (no IP options) at `out`, which the
// caller has checked holds them, with Total Length and the checksum. The
// checksum is summed from the field values, not read back from the bytes
// just stored (a load of fresh narrower stores stalls on the per-packet
// path); it equals ipv4_header_checksum() of the written header.
inline void write_ipv4_header(std::byte* out, const ipv4_fields& f, std::uint16_t total_len)
{
    const auto version_ihl_tos = static_cast<std::uint16_t>(0x4500 | f.tos);
    const auto flags_frag =
        static_cast<std::uint16_t>((f.dont_fragment ? ipv4_flag_df : 0) | (f.more_frag & ~ipv4_flag_df));
    const auto ttl_protocol = static_cast<std::uint16_t>((f.ttl << 8) | f.protocol);
    const std::uint32_t s = f.source.value, d = f.destination.value;
    std::uint32_t sum = std::uint32_t{version_ihl_tos} + total_len + f.id + flags_frag + ttl_protocol +
                        (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    store_be16(out, version_ihl_tos);
    store_be16(out + 2, total_len);
    store_be16(out + 4, f.id);
    store_be16(out + 6, flags_frag);
    store_be16(out + 8, ttl_protocol);
    store_be16(out + 10, static_cast<std::uint16_t>(~sum));
    store_addr(out + 12, f.source);
    store_addr(out + 16, f.destination);
}

// write_ipv4_header with its bounds checked.
codec_result<std::size_t> encode_ipv4_header(bytes_mut out, const ipv4_fields& f,
                                             std::uint16_t total_len);

// The IPv4 header checksum (RFC 1071) of `header` (20..60 bytes, even), in
// host order: the value to store when the checksum field was zero while
// summing; 0 when computed over an intact header with its checksum in
// place. Computed by headers/babe/csum.h, the code the XDP programs run.
std::uint16_t ipv4_header_checksum(bytes_view header);

// RFC 1624 eqn. 3 (csum.h): the checksum after a 16-bit word of the covered
// data changed from old_word to new_word (all three in host order).
std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word);

// In-place edits of a header (`h` starts at the IPv4 header, at least 20
// bytes), each updating the checksum incrementally.
codec_result<void> ipv4_decrement_ttl(bytes_mut h);
codec_result<void> ipv4_set_protocol(bytes_mut h, std::uint8_t protocol);
codec_result<void> ipv4_set_total_len(bytes_mut h, std::uint16_t total_len);

} // namespace babe::dsr::codec
