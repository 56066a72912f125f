// SPDX-License-Identifier: Apache-2.0
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

std::optional<std::size_t> encode_packet(const packet_record& r, std::span<std::byte> out)
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

} // namespace babe::dsr
