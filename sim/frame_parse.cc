// SPDX-License-Identifier: Apache-2.0
// Frame parsing for the simulator's books (see frame_parse.hh). Option numbers come from headers/babe/wire.h.
#include "sim/frame_parse.hh"

#include <babe/wire.h>

#include <cstring>

namespace babe::sim {

namespace {

// The fields read, named after the RFCs that define them, as byte offsets
// (written out here rather than taken from the codec under test).
// RFC 791 IPv4 header:
constexpr std::size_t ip_min_header = 20;   // IHL 5
constexpr std::size_t ip_version_ihl = 0;   // Version (high nibble), IHL in 32-bit words
constexpr std::size_t ip_total_length = 2;
constexpr std::size_t ip_ttl = 8;
constexpr std::size_t ip_protocol = 9;
constexpr std::size_t ip_source = 12;
constexpr std::size_t ip_destination = 16;
constexpr std::uint8_t ip_protocol_udp = 17; // RFC 768
// RFC 768 UDP header: 8 bytes; the simulator's tag follows it.
constexpr std::size_t udp_header = 8;
constexpr std::size_t tag_magic = udp_header, tag_uid = udp_header + 4; // the simulator's tag
constexpr std::size_t tag_min = udp_header + 8;                       // magic and uid
// RFC 4728 §6.1 DSR Options header: Next Header, F + reserved, Payload Length.
constexpr std::size_t dsr_next_header = 0;
constexpr std::size_t dsr_flags = 1;
constexpr std::size_t dsr_payload_length = 2;
constexpr std::size_t dsr_fixed_header = 4;
// Every option but Pad1: Option Type, Opt Data Len, then its data.
constexpr std::size_t opt_type_len = 2;
// §6.7 DSR Source Route option data: F, L, Reserved, Salvage, Segs Left (16 bits), then Address[i].
constexpr std::size_t srcrt_fixed = 2;
constexpr unsigned srcrt_segs_left_mask = 0x3f, srcrt_salvage_shift = 6, srcrt_salvage_mask = 0xf;
// §6.2 Route Request option data: Identification, Target Address, then Address[i].
constexpr std::size_t rreq_fixed = 6;
constexpr std::size_t addr_len = 4;

std::uint8_t u8(const std::byte* p) { return std::to_integer<std::uint8_t>(*p); }
std::uint16_t be16(const std::byte* p) { return static_cast<std::uint16_t>((u8(p) << 8) | u8(p + 1)); }
std::uint32_t be32(const std::byte* p)
{
    return (std::uint32_t(u8(p)) << 24) | (std::uint32_t(u8(p + 1)) << 16) |
           (std::uint32_t(u8(p + 2)) << 8) | u8(p + 3);
}

void read_tag(parsed_frame& f, const std::byte* p, std::size_t n)
{
    if (n >= tag_min && be32(p + tag_magic) == sim_tag_magic)
        f.uid = be32(p + tag_uid);
}

} // namespace

parsed_frame parse_frame(std::span<const std::byte> ip)
{
    parsed_frame f;
    if (ip.size() < ip_min_header || (u8(ip.data() + ip_version_ihl) >> 4) != 4)
        return f;
    std::size_t ihl = (u8(ip.data() + ip_version_ihl) & 0xf) * 4u;
    std::size_t total = be16(ip.data() + ip_total_length);
    if (ihl < ip_min_header || total < ihl || total > ip.size())
        return f;
    f.ipv4 = true;
    f.ttl = u8(ip.data() + ip_ttl);
    f.protocol = u8(ip.data() + ip_protocol);
    f.src = be32(ip.data() + ip_source);
    f.dst = be32(ip.data() + ip_destination);
    const std::byte* p = ip.data() + ihl;
    std::size_t left = total - ihl;
    if (f.protocol == ip_protocol_udp) {
        read_tag(f, p, left);
        return f;
    }
    if (f.protocol != BABE_IPPROTO_DSR)
        return f;
    if (left < dsr_fixed_header || (u8(p + dsr_flags) & BABE_DSR_HDR_F)) {
        f.dsr_malformed = true;
        return f;
    }
    f.next_header = u8(p + dsr_next_header);
    std::size_t plen = be16(p + dsr_payload_length);
    const std::size_t end = dsr_fixed_header + plen;
    if (end > left) {
        f.dsr_malformed = true;
        return f;
    }
    f.dsr = true;
    std::size_t off = dsr_fixed_header;
    while (off < end) {
        std::uint8_t type = u8(p + off);
        if (type == BABE_DSR_OPT_PAD1) {
            ++off;
            continue;
        }
        if (off + opt_type_len > end || off + opt_type_len + u8(p + off + 1) > end) {
            f.dsr_malformed = true;
            return f;
        }
        std::size_t dlen = u8(p + off + 1);
        const std::byte* d = p + off + opt_type_len;
        switch (type) {
        case BABE_DSR_OPT_SRCRT:
            if (dlen >= srcrt_fixed && (dlen - srcrt_fixed) % addr_len == 0) {
                f.has_source_route = true;
                std::uint16_t bits = be16(d);
                f.segs_left = bits & srcrt_segs_left_mask;
                f.salvage = (bits >> srcrt_salvage_shift) & srcrt_salvage_mask;
                f.route_len = static_cast<std::uint8_t>((dlen - srcrt_fixed) / addr_len);
                for (std::size_t i = 0; i < f.route_len && i < f.route.size(); ++i)
                    f.route[i] = be32(d + srcrt_fixed + addr_len * i);
            } else {
                f.dsr_malformed = true;
            }
            break;
        case BABE_DSR_OPT_RREQ:
            f.has_rreq = true;
            if (dlen >= rreq_fixed && (dlen - rreq_fixed) % addr_len == 0 && !f.has_source_route) {
                f.route_len = static_cast<std::uint8_t>((dlen - rreq_fixed) / addr_len);
                for (std::size_t i = 0; i < f.route_len && i < f.route.size(); ++i)
                    f.route[i] = be32(d + rreq_fixed + addr_len * i);
            }
            break;
        case BABE_DSR_OPT_RREP: f.has_rrep = true; break;
        case BABE_DSR_OPT_RERR: f.has_rerr = true; break;
        case BABE_DSR_OPT_ACK_REQ: f.has_ack_req = true; break;
        case BABE_DSR_OPT_ACK: f.has_ack = true; break;
        default: break;
        }
        off += opt_type_len + dlen;
    }
    if (f.next_header == ip_protocol_udp)
        read_tag(f, p + end, left - end);
    return f;
}

} // namespace babe::sim
