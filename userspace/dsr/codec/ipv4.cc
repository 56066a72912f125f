// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// IPv4 header parsing, encoding and checksums (see ipv4.hh).
#include "dsr/codec/ipv4.hh"

#include <cstring>

#include "babe/csum.h"
#include "babe/wire.h"

namespace babe::dsr::codec {

std::uint16_t ipv4_header_checksum(bytes_view header)
{
    if (header.size() > 60 || header.size() % 2 != 0)
        return 0xffff; // not a header: nonzero, so checksum_ok() fails
    // csum.h works on words as they sit in memory; the result goes back the same way.
    const __u16 raw = babe_ipv4_csum(header.data(), static_cast<__u32>(header.size()));
    std::byte b[2];
    std::memcpy(b, &raw, 2);
    return load_be16(b);
}

std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_word,
                                std::uint16_t new_word)
{
    // One's complement sums commute with byte swapping: host-order words work.
    return babe_csum_replace16(checksum, old_word, new_word);
}

bool ipv4_view::checksum_ok() const { return ipv4_header_checksum(header()) == 0; }

codec_result<ipv4_view> parse_ipv4(bytes_view b)
{
    if (b.size() < ipv4_min_header_len)
        return make_error(codec_error::truncated);
    const std::uint8_t vihl = load_u8(b.data());
    if ((vihl >> 4) != 4)
        return make_error(codec_error::bad_ip_version);
    const std::size_t hl = 4u * (vihl & 0x0f);
    if (hl < ipv4_min_header_len)
        return make_error(codec_error::bad_ip_header_length);
    if (hl > b.size())
        return make_error(codec_error::truncated);
    const std::size_t total = load_be16(b.data() + 2);
    if (total < hl || total > b.size())
        return make_error(codec_error::bad_ip_total_length);
    return ipv4_view(b.first(total));
}

codec_result<ipv4_dsr_view> parse_ipv4_dsr(bytes_view b)
{
    auto ip = parse_ipv4(b);
    if (!ip)
        return make_error(ip.error());
    if (ip->protocol() != BABE_IPPROTO_DSR)
        return make_error(codec_error::not_dsr);
    auto dsr = parse_dsr(ip->payload());
    if (!dsr)
        return make_error(dsr.error());
    return ipv4_dsr_view{*ip, *dsr};
}

codec_result<std::size_t> encode_ipv4_header(bytes_mut out, const ipv4_fields& f,
                                             std::uint16_t total_len)
{
    if (total_len < ipv4_min_header_len)
        return make_error(codec_error::field_out_of_range);
    if (out.size() < ipv4_min_header_len)
        return make_error(codec_error::buffer_too_small);
    write_ipv4_header(out.data(), f, total_len);
    return ipv4_min_header_len;
}

namespace {

codec_result<void> replace_word(bytes_mut h, std::size_t at, std::uint16_t new_word)
{
    if (h.size() < ipv4_min_header_len)
        return make_error(codec_error::truncated);
    const std::uint16_t old_word = load_be16(h.data() + at);
    store_be16(h.data() + at, new_word);
    store_be16(h.data() + 10, checksum_update16(load_be16(h.data() + 10), old_word, new_word));
    return {};
}

} // namespace

codec_result<void> ipv4_decrement_ttl(bytes_mut h)
{
    if (h.size() < ipv4_min_header_len)
        return make_error(codec_error::truncated);
    const std::uint8_t ttl = load_u8(h.data() + 8);
    if (ttl == 0)
        return make_error(codec_error::field_out_of_range);
    const std::uint16_t word = load_be16(h.data() + 8); // TTL | protocol
    return replace_word(h, 8, static_cast<std::uint16_t>(word - 0x0100));
}

codec_result<void> ipv4_set_protocol(bytes_mut h, std::uint8_t protocol)
{
    if (h.size() < ipv4_min_header_len)
        return make_error(codec_error::truncated);
    const std::uint16_t word = load_be16(h.data() + 8);
    return replace_word(h, 8, static_cast<std::uint16_t>((word & 0xff00) | protocol));
}

codec_result<void> ipv4_set_total_len(bytes_mut h, std::uint16_t total_len)
{
    return replace_word(h, 2, total_len);
}

} // namespace babe::dsr::codec
