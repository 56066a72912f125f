// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Encoder, decoder and CRC32C of the transport segment header (segment.hh).
#include "transport/segment.hh"

namespace babe::transport {
namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table()
{
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto crc_table = make_crc_table();

void put16(std::byte* p, std::uint16_t v)
{
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v);
}
void put32(std::byte* p, std::uint32_t v)
{
    p[0] = std::byte(v >> 24);
    p[1] = std::byte(v >> 16);
    p[2] = std::byte(v >> 8);
    p[3] = std::byte(v);
}
std::uint16_t get16(const std::byte* p) { return std::uint16_t((unsigned(p[0]) << 8) | unsigned(p[1])); }
std::uint32_t get32(const std::byte* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

} // namespace

const char* to_string(decode_error e)
{
    switch (e) {
#define X(n)                                                                                       \
    case decode_error::n:                                                                          \
        return #n;
        BABE_TRANSPORT_DECODE_ERRORS(X)
#undef X
    }
    return "unknown";
}

std::uint32_t crc32c(std::uint32_t crc, std::span<const std::byte> data)
{
    crc = ~crc;
    for (std::byte b : data)
        crc = crc_table[(crc ^ std::uint32_t(b)) & 0xff] ^ (crc >> 8);
    return ~crc;
}

result<std::size_t, encode_error> encode_header(std::span<std::byte> out, const segment_header& h,
                                                std::span<const std::byte> payload)
{
    if (h.sack_count > max_sack_blocks)
        return make_error(encode_error::bad_sack_count);
    const std::size_t len = h.length();
    if (out.size() < len)
        return make_error(encode_error::buffer_too_small);
    if (payload.size() > 0xffffffffu - len)
        return make_error(encode_error::payload_too_long);
    std::byte* p = out.data();
    put16(p + 0, h.src_port);
    put16(p + 2, h.dst_port);
    put32(p + 4, h.seq);
    put32(p + 8, h.ack);
    p[12] = std::byte(h.flags);
    p[13] = std::byte(h.sack_count);
    p[14] = std::byte(segment_version);
    p[15] = std::byte{0};
    put32(p + 16, h.window);
    put32(p + 20, 0);
    for (std::size_t i = 0; i < h.sack_count; ++i) {
        put32(p + header_fixed + 8 * i, h.sacks[i].start);
        put32(p + header_fixed + 8 * i + 4, h.sacks[i].end);
    }
    std::uint32_t c = crc32c(0, std::span<const std::byte>(p, len));
    c = crc32c(c, payload);
    put32(p + 20, c);
    return len;
}

result<decoded_segment, decode_error> decode_segment(std::span<const std::byte> seg)
{
    if (seg.size() < header_fixed)
        return make_error(decode_error::truncated);
    const std::byte* p = seg.data();
    if (std::uint8_t(p[14]) != segment_version)
        return make_error(decode_error::bad_version);
    if (p[15] != std::byte{0})
        return make_error(decode_error::reserved_nonzero);
    decoded_segment d;
    auto& h = d.header;
    h.flags = std::uint8_t(p[12]);
    if ((h.flags & ~flag::all) != 0 || (h.has(flag::syn) && h.has(flag::fin)) ||
        (h.has(flag::syn) && h.has(flag::rst)))
        return make_error(decode_error::bad_flags);
    h.sack_count = std::uint8_t(p[13]);
    if (h.sack_count > max_sack_blocks)
        return make_error(decode_error::bad_sack_count);
    d.header_length = h.length();
    if (seg.size() < d.header_length)
        return make_error(decode_error::truncated);
    h.src_port = get16(p + 0);
    h.dst_port = get16(p + 2);
    h.seq = get32(p + 4);
    h.ack = get32(p + 8);
    h.window = get32(p + 16);
    const std::uint32_t want = get32(p + 20);
    for (std::size_t i = 0; i < h.sack_count; ++i) {
        h.sacks[i].start = get32(p + header_fixed + 8 * i);
        h.sacks[i].end = get32(p + header_fixed + 8 * i + 4);
        const std::uint32_t width = h.sacks[i].end - h.sacks[i].start;
        if (width == 0 || width > 0x80000000u)
            return make_error(decode_error::bad_sack_block);
    }
    // Checksum: header with the field taken as zero, then the payload.
    std::uint32_t c = crc32c(0, seg.first(20));
    constexpr std::array<std::byte, 4> zero{};
    c = crc32c(c, zero);
    c = crc32c(c, seg.subspan(24));
    if (c != want)
        return make_error(decode_error::bad_checksum);
    d.payload = seg.subspan(d.header_length);
    return d;
}

} // namespace babe::transport
