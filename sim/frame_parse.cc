// SPDX-License-Identifier: Apache-2.0
// Frame parsing and data packet writing for the simulator's books (see
// frame_parse.hh). Option numbers come from headers/babe/wire.h.
#include "sim/frame_parse.hh"

#include <babe/wire.h>

#include <cstring>

namespace babe::sim {

namespace {

std::uint8_t u8(const std::byte* p) { return std::to_integer<std::uint8_t>(*p); }
std::uint16_t be16(const std::byte* p) { return static_cast<std::uint16_t>((u8(p) << 8) | u8(p + 1)); }
std::uint32_t be32(const std::byte* p)
{
    return (std::uint32_t(u8(p)) << 24) | (std::uint32_t(u8(p + 1)) << 16) |
           (std::uint32_t(u8(p + 2)) << 8) | u8(p + 3);
}
void put16(std::byte* p, std::uint16_t v)
{
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v);
}
void put32(std::byte* p, std::uint32_t v)
{
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

void read_tag(parsed_frame& f, const std::byte* p, std::size_t n)
{
    if (n >= 8 + 8 && be32(p + 8) == sim_tag_magic)
        f.uid = be32(p + 12);
}

} // namespace

parsed_frame parse_frame(std::span<const std::byte> ip)
{
    parsed_frame f;
    if (ip.size() < 20 || (u8(ip.data()) >> 4) != 4)
        return f;
    std::size_t ihl = (u8(ip.data()) & 0xf) * 4u;
    std::size_t total = be16(ip.data() + 2);
    if (ihl < 20 || total < ihl || total > ip.size())
        return f;
    f.ipv4 = true;
    f.ttl = u8(ip.data() + 8);
    f.protocol = u8(ip.data() + 9);
    f.src = be32(ip.data() + 12);
    f.dst = be32(ip.data() + 16);
    const std::byte* p = ip.data() + ihl;
    std::size_t left = total - ihl;
    if (f.protocol == 17) {
        read_tag(f, p, left);
        return f;
    }
    if (f.protocol != BABE_IPPROTO_DSR)
        return f;
    if (left < 4 || (u8(p + 1) & BABE_DSR_HDR_F)) {
        f.dsr_malformed = true;
        return f;
    }
    f.next_header = u8(p);
    std::size_t plen = be16(p + 2);
    if (plen + 4 > left) {
        f.dsr_malformed = true;
        return f;
    }
    f.dsr = true;
    std::size_t off = 4;
    while (off < 4 + plen) {
        std::uint8_t type = u8(p + off);
        if (type == BABE_DSR_OPT_PAD1) {
            ++off;
            continue;
        }
        if (off + 2 > 4 + plen || off + 2 + u8(p + off + 1) > 4 + plen) {
            f.dsr_malformed = true;
            return f;
        }
        std::size_t dlen = u8(p + off + 1);
        const std::byte* d = p + off + 2;
        switch (type) {
        case BABE_DSR_OPT_SRCRT:
            if (dlen >= 2 && (dlen - 2) % 4 == 0) {
                f.has_source_route = true;
                std::uint16_t bits = be16(d);
                f.segs_left = bits & 0x3f;
                f.salvage = (bits >> 6) & 0xf;
                f.route_len = static_cast<std::uint8_t>((dlen - 2) / 4);
                for (std::size_t i = 0; i < f.route_len && i < f.route.size(); ++i)
                    f.route[i] = be32(d + 2 + 4 * i);
            } else {
                f.dsr_malformed = true;
            }
            break;
        case BABE_DSR_OPT_RREQ:
            f.has_rreq = true;
            if (dlen >= 6 && (dlen - 6) % 4 == 0 && !f.has_source_route) {
                f.route_len = static_cast<std::uint8_t>((dlen - 6) / 4);
                for (std::size_t i = 0; i < f.route_len && i < f.route.size(); ++i)
                    f.route[i] = be32(d + 6 + 4 * i);
            }
            break;
        case BABE_DSR_OPT_RREP: f.has_rrep = true; break;
        case BABE_DSR_OPT_RERR: f.has_rerr = true; break;
        case BABE_DSR_OPT_ACK_REQ: f.has_ack_req = true; break;
        case BABE_DSR_OPT_ACK: f.has_ack = true; break;
        default: break;
        }
        off += 2 + dlen;
    }
    if (f.next_header == 17)
        read_tag(f, p + 4 + plen, left - 4 - plen);
    return f;
}

std::uint32_t write_data_packet(std::span<std::byte> out, std::uint32_t src, std::uint32_t dst,
                                std::uint16_t ip_id, std::uint32_t uid, std::uint32_t flow,
                                std::uint32_t seq, std::uint32_t payload_b)
{
    std::uint32_t total = 20 + 8 + payload_b;
    if (out.size() < total || payload_b < 16)
        return 0;
    std::byte* p = out.data();
    std::memset(p, 0, total);
    p[0] = std::byte{0x45};
    put16(p + 2, static_cast<std::uint16_t>(total));
    put16(p + 4, ip_id);
    p[8] = std::byte{sim_ttl};
    p[9] = std::byte{17};
    put32(p + 12, src);
    put32(p + 16, dst);
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += be16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(p + 10, static_cast<std::uint16_t>(~sum));
    std::byte* u = p + 20;
    put16(u, static_cast<std::uint16_t>(sim_udp_port));
    put16(u + 2, static_cast<std::uint16_t>(sim_udp_port));
    put16(u + 4, static_cast<std::uint16_t>(8 + payload_b));
    // UDP checksum 0: none (allowed over IPv4)
    put32(u + 8, sim_tag_magic);
    put32(u + 12, uid);
    put32(u + 16, flow);
    put32(u + 20, seq);
    return total;
}

} // namespace babe::sim
