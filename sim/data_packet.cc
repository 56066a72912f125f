// SPDX-License-Identifier: Apache-2.0
// Generated data packets (data_packet.hh).
#include "sim/data_packet.hh"

#include <cstring>

#include "dsr/codec/ipv4.hh"

namespace babe::sim {

namespace {
constexpr std::uint8_t ipproto_udp = 17;
constexpr std::uint32_t udp_header_len = 8;
} // namespace

std::uint32_t write_data_packet(std::span<std::byte> out, std::uint32_t src, std::uint32_t dst,
                                std::uint16_t ip_id, std::uint32_t uid, std::uint32_t flow,
                                std::uint32_t seq, std::uint32_t payload_b)
{
    using namespace dsr::codec;
    const std::uint32_t total = ipv4_min_header_len + udp_header_len + payload_b;
    if (out.size() < total || payload_b < 16)
        return 0;
    std::byte* p = out.data();
    std::memset(p, 0, total);
    ipv4_fields ip;
    ip.id = ip_id;
    ip.ttl = sim_ttl;
    ip.protocol = ipproto_udp;
    ip.source = ipv4_addr{src};
    ip.destination = ipv4_addr{dst};
    write_ipv4_header(p, ip, static_cast<std::uint16_t>(total));
    std::byte* u = p + ipv4_min_header_len;
    store_be16(u, sim_udp_port);     // source port
    store_be16(u + 2, sim_udp_port); // destination port
    store_be16(u + 4, static_cast<std::uint16_t>(udp_header_len + payload_b));
    // UDP checksum 0: none (allowed over IPv4)
    store_be32(u + 8, sim_tag_magic);
    store_be32(u + 12, uid);
    store_be32(u + 16, flow);
    store_be32(u + 20, seq);
    return total;
}

} // namespace babe::sim
