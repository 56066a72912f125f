// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Writing a packet_record to the wire with the codec: see packet.hh.
#include "dsr/packet.hh"

#include <algorithm>
#include <cstring>

#include "dsr/codec/codec.hh"

namespace babe::dsr {

bool packet_record::append_extra(std::span<const std::byte> b)
{
    if (b.size() > extra.size() - extra_len)
        return false;
    std::memcpy(extra.data() + extra_len, b.data(), b.size());
    extra_len = static_cast<std::uint8_t>(extra_len + b.size());
    return true;
}

addr packet_record::next_hop_after(std::uint8_t segs) const
{
    if (!has_srcrt || segs == 0)
        return dst;
    return path.hops[path.hop_count - segs];
}

std::size_t header_size(const packet_record& r)
{
    std::size_t opts = r.extra_len;
    if (r.ack_req_id)
        opts += 4;
    if (r.has_srcrt && r.path.hop_count > 0)
        opts += 4 + 4u * r.path.hop_count;
    opts = (opts + 3) & ~std::size_t(3);
    return codec::ipv4_min_header_len + codec::dsr_header_len + opts;
}

std::optional<std::size_t> encode_packet_general(const packet_record& r, std::span<std::byte> out)
{
    const std::size_t hdr = header_size(r);
    if (out.size() < hdr)
        return std::nullopt;
    const std::size_t total = hdr + r.payload_len;
    if (total > 0xffff)
        return std::nullopt;
    auto dsr_out = out.subspan(codec::ipv4_min_header_len);
    codec::dsr_builder b(dsr_out, r.next_header);
    if (r.extra_len)
        b.add([&](codec::bytes_mut o) -> codec::codec_result<std::size_t> {
            if (o.size() < r.extra_len)
                return babe::make_error(codec::codec_error::buffer_too_small);
            std::memcpy(o.data(), r.extra.data(), r.extra_len);
            return std::size_t{r.extra_len};
        });
    if (r.ack_req_id)
        b.ack_req(*r.ack_req_id);
    if (r.has_srcrt && r.path.hop_count > 0) {
        std::array<codec::ipv4_addr, max_route_hops> hops{};
        for (std::size_t i = 0; i < r.path.hop_count; ++i)
            hops[i] = codec::ipv4_addr{r.path.hops[i]};
        codec::srcrt_fields f;
        f.salvage = r.salvage;
        f.segments_left = r.segs_left;
        b.srcrt(f, codec::addr_list(hops.data(), r.path.hop_count));
    }
    auto dsr_len = b.finish();
    if (!dsr_len)
        return std::nullopt;
    codec::ipv4_fields ip;
    ip.tos = r.tos;
    ip.id = r.ip_id;
    ip.ttl = r.ttl;
    ip.protocol = BABE_IPPROTO_DSR;
    ip.source = codec::ipv4_addr{r.src};
    ip.destination = codec::ipv4_addr{r.dst};
    const std::size_t len = codec::ipv4_min_header_len + *dsr_len;
    auto iplen = codec::encode_ipv4_header(out, ip, static_cast<std::uint16_t>(len + r.payload_len));
    if (!iplen)
        return std::nullopt;
    return len;
}

// A data packet (no other options): IPv4 header, DSR header, optionally an
// Acknowledgement Request, the Source Route. Its options are a multiple of
// 4 bytes long, so no padding; the bytes are those encode_packet_general
// writes (tested), without the builder's per-option bookkeeping.
std::optional<std::size_t> encode_packet(const packet_record& r, std::span<std::byte> out)
{
    const bool srcrt = r.has_srcrt && r.path.hop_count > 0;
    if (r.extra_len || (srcrt && (r.segs_left > r.path.hop_count || r.salvage > BABE_DSR_MAX_SALVAGE_COUNT)))
        return encode_packet_general(r, out); // other options, or an error to report the codec's way
    const std::size_t hdr = header_size(r);
    if (out.size() < hdr || hdr + r.payload_len > 0xffff)
        return std::nullopt;
    std::byte* p = out.data() + codec::ipv4_min_header_len;
    std::byte* o = p + codec::dsr_header_len;
    if (r.ack_req_id) {
        codec::store_u8(o, BABE_DSR_OPT_ACK_REQ);
        codec::store_u8(o + 1, BABE_DSR_ACK_REQ_DATA);
        codec::store_be16(o + 2, *r.ack_req_id);
        o += 2 + BABE_DSR_ACK_REQ_DATA;
    }
    if (srcrt) {
        const std::size_t n = r.path.hop_count;
        codec::store_u8(o, BABE_DSR_OPT_SRCRT);
        codec::store_u8(o + 1, static_cast<std::uint8_t>(BABE_DSR_SRCRT_FIXED_DATA + 4 * n));
        codec::store_be16(o + 2, static_cast<std::uint16_t>(r.segs_left | (r.salvage << BABE_DSR_SRCRT_SALVAGE_SHIFT)));
        o += 2 + BABE_DSR_SRCRT_FIXED_DATA;
        for (std::size_t i = 0; i < n; ++i, o += 4)
            codec::store_be32(o, r.path.hops[i]);
    }
    const std::size_t dsr_len = static_cast<std::size_t>(o - p);
    codec::store_u8(p, r.next_header);
    codec::store_u8(p + 1, 0);
    codec::store_be16(p + 2, static_cast<std::uint16_t>(dsr_len - codec::dsr_header_len));
    const std::size_t len = codec::ipv4_min_header_len + dsr_len;
    codec::ipv4_fields ip;
    ip.tos = r.tos;
    ip.id = r.ip_id;
    ip.ttl = r.ttl;
    ip.protocol = BABE_IPPROTO_DSR;
    ip.source = codec::ipv4_addr{r.src};
    ip.destination = codec::ipv4_addr{r.dst};
    codec::write_ipv4_header(out.data(), ip, static_cast<std::uint16_t>(len + r.payload_len));
    return len;
}

} // namespace babe::dsr
