// SPDX-License-Identifier: Apache-2.0
// Test-side packet construction for the XDP fixtures and the randomized
// test: Ethernet, IPv4 (checksum computed in full, independently of the
// programs' incremental updates), the DSR Options header and its options,
// built byte by byte from RFC 4728 §6 (no shared code with bpf/). Also a
// reference validator saying whether a frame is well-formed DSR by the rules
// the programs document (docs/dataplane.md).
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace babe::test {

using bytes = std::vector<std::uint8_t>;
using mac = std::array<std::uint8_t, 6>;

// An address of 10.0.0.0/16 in network order, as the maps store it.
inline std::uint32_t addr(std::uint8_t c, std::uint8_t d)
{
    return htonl((10U << 24) | (static_cast<std::uint32_t>(c) << 8) | d);
}

// A MAC per node number so that rewrites are visible.
inline mac node_mac(std::uint8_t node, std::uint8_t salt = 0)
{
    return {0x02, 0xba, 0xbe, salt, 0x00, node};
}

inline void put16(bytes& b, std::size_t off, std::uint16_t host)
{
    b[off] = static_cast<std::uint8_t>(host >> 8);
    b[off + 1] = static_cast<std::uint8_t>(host & 0xff);
}

inline std::uint16_t get16(const bytes& b, std::size_t off)
{
    return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}

inline void append(bytes& b, const bytes& tail)
{
    for (auto x : tail)
        b.push_back(x);
}

inline void append_be32(bytes& b, std::uint32_t net)
{
    std::uint8_t p[4];
    std::memcpy(p, &net, 4);
    for (auto x : p)
        b.push_back(x);
}

inline bytes eth_header(const mac& dst, const mac& src, std::uint16_t type = 0x0800)
{
    bytes b(dst.begin(), dst.end());
    b.insert(b.end(), src.begin(), src.end());
    b.push_back(static_cast<std::uint8_t>(type >> 8));
    b.push_back(static_cast<std::uint8_t>(type & 0xff));
    return b;
}

// RFC 1071 over a byte range, straightforward big-endian word sum.
inline std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len)
{
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < len; i += 2)
        sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

struct ip_fields {
    std::uint32_t src = 0;  // network order
    std::uint32_t dst = 0;  // network order
    std::uint8_t proto = 17;
    std::uint8_t ttl = 64;
    std::uint16_t id = 0x1234;
    std::uint16_t frag = 0x4000;  // DF
    std::uint8_t tos = 0;
    bytes options = {};           // IPv4 options (multiple of 4)
};

// An IPv4 header + payload with a correct checksum.
inline bytes ipv4_packet(const ip_fields& f, const bytes& payload)
{
    std::size_t hlen = 20 + f.options.size();
    bytes b(hlen, 0);
    b[0] = static_cast<std::uint8_t>(0x40 | (hlen / 4));
    b[1] = f.tos;
    put16(b, 2, static_cast<std::uint16_t>(hlen + payload.size()));
    put16(b, 4, f.id);
    put16(b, 6, f.frag);
    b[8] = f.ttl;
    b[9] = f.proto;
    std::memcpy(b.data() + 12, &f.src, 4);
    std::memcpy(b.data() + 16, &f.dst, 4);
    if (!f.options.empty())
        std::memcpy(b.data() + 20, f.options.data(), f.options.size());
    put16(b, 10, inet_checksum(b.data(), hlen));
    append(b, payload);
    return b;
}

// Recompute the IPv4 header checksum of a frame in place (after a test edit).
inline void fix_ip_checksum(bytes& frame)
{
    std::size_t hlen = static_cast<std::size_t>(frame[14] & 0x0f) * 4;
    put16(frame, 24, 0);
    put16(frame, 24, inet_checksum(frame.data() + 14, hlen));
}

// A UDP-looking payload (header + data); the programs never read it.
inline bytes udp_payload(std::size_t data_len = 18)
{
    bytes b = {0x30, 0x39, 0x00, 0x35, 0, 0, 0, 0};
    put16(b, 4, static_cast<std::uint16_t>(8 + data_len));
    for (std::size_t i = 0; i < data_len; ++i)
        b.push_back(static_cast<std::uint8_t>(0xa0 + i));
    return b;
}

// DSR Options header: Next Header, flags, Payload Length = options size.
inline bytes dsr_header(std::uint8_t next_header, const bytes& options, std::uint8_t flags = 0)
{
    bytes b = {next_header, flags, 0, 0};
    put16(b, 2, static_cast<std::uint16_t>(options.size()));
    append(b, options);
    return b;
}

// Source Route option (type 96, data_len 2 + 4n).
inline bytes srcrt_option(std::initializer_list<std::uint32_t> addrs, unsigned segs_left,
                          std::uint16_t flags = 0)
{
    std::vector<std::uint32_t> v(addrs);
    bytes b = {96, static_cast<std::uint8_t>(2 + 4 * v.size()), 0, 0};
    put16(b, 2, static_cast<std::uint16_t>(flags | (segs_left & 0x3f)));
    for (auto a : v)
        append_be32(b, a);
    return b;
}

inline bytes srcrt_option(const std::vector<std::uint32_t>& v, unsigned segs_left,
                          std::uint16_t flags = 0)
{
    bytes b = {96, static_cast<std::uint8_t>(2 + 4 * v.size()), 0, 0};
    put16(b, 2, static_cast<std::uint16_t>(flags | (segs_left & 0x3f)));
    for (auto a : v)
        append_be32(b, a);
    return b;
}

// Route Request (type 1): id, target, addresses so far.
inline bytes rreq_option(std::uint16_t id, std::uint32_t target,
                         std::initializer_list<std::uint32_t> addrs = {})
{
    bytes b = {1, static_cast<std::uint8_t>(6 + 4 * addrs.size()), 0, 0};
    put16(b, 2, id);
    append_be32(b, target);
    for (auto a : addrs)
        append_be32(b, a);
    return b;
}

// Route Reply (type 2): flags byte, addresses.
inline bytes rrep_option(std::initializer_list<std::uint32_t> addrs)
{
    bytes b = {2, static_cast<std::uint8_t>(1 + 4 * addrs.size()), 0};
    for (auto a : addrs)
        append_be32(b, a);
    return b;
}

// Route Error (type 3) NODE_UNREACHABLE with the unreachable node.
inline bytes rerr_option(std::uint32_t err_src, std::uint32_t err_dst, std::uint32_t unreachable)
{
    bytes b = {3, 14, 1, 0};
    append_be32(b, err_src);
    append_be32(b, err_dst);
    append_be32(b, unreachable);
    return b;
}

inline bytes ack_req_option(std::uint16_t id)
{
    bytes b = {160, 2, 0, 0};
    put16(b, 2, id);
    return b;
}

inline bytes ack_option(std::uint16_t id, std::uint32_t src, std::uint32_t dst)
{
    bytes b = {32, 10, 0, 0};
    put16(b, 2, id);
    append_be32(b, src);
    append_be32(b, dst);
    return b;
}

inline bytes padn_option(std::uint8_t data_len) { bytes b = {0, data_len}; b.resize(2 + data_len, 0); return b; }

inline bytes concat(std::initializer_list<bytes> parts)
{
    bytes b;
    for (const auto& p : parts)
        append(b, p);
    return b;
}

// Ethernet + IPv4(DSR) frame.
inline bytes dsr_frame(const mac& dst, const mac& src, ip_fields f, std::uint8_t next_header,
                       const bytes& options, const bytes& payload, std::uint8_t dsr_flags = 0)
{
    f.proto = 48;
    bytes dsr = dsr_header(next_header, options, dsr_flags);
    append(dsr, payload);
    return concat({eth_header(dst, src), ipv4_packet(f, dsr)});
}

inline bytes ip_frame(const mac& dst, const mac& src, const ip_fields& f, const bytes& payload)
{
    return concat({eth_header(dst, src), ipv4_packet(f, payload)});
}

// Reference rules (docs/dataplane.md, "Malformed"): is this frame a DSR
// packet the programs may forward, deliver or hand to the engine?
struct dsr_check {
    bool is_dsr = false;   // IPv4 protocol 48 with a readable IPv4 header
    bool valid = false;    // passes every rule below
    bool flow_state = false;
};

inline dsr_check check_dsr(const bytes& f)
{
    dsr_check r;
    if (f.size() < 34 || get16(f, 12) != 0x0800 || f[23] != 48)
        return r;
    r.is_dsr = true;
    if ((f[14] >> 4) != 4 || (f[14] & 0x0f) != 5)
        return r;
    std::size_t tot = get16(f, 16);
    if (tot < 24 || 14 + tot > f.size())
        return r;
    if ((get16(f, 20) & 0x3fff) != 0)
        return r;
    if (inet_checksum(f.data() + 14, 20) != 0)
        return r;
    if (f[35] & 0x80) {
        r.flow_state = true;
        r.valid = true;
        return r;
    }
    std::size_t plen = get16(f, 36);
    if (24 + plen > tot)
        return r;
    std::size_t off = 38, end = 38 + plen;
    int opts = 0;
    bool have_srcrt = false;
    while (off < end) {
        if (++opts > 8)
            return r;
        std::uint8_t type = f[off];
        if (type == 224) {
            off += 1;
            continue;
        }
        if (off + 2 > end || off + 2 + f[off + 1] > end)
            return r;
        std::uint8_t len = f[off + 1];
        if (type == 96) {
            if (have_srcrt || len < 2 || (len - 2) % 4 != 0 || (len - 2) / 4 > 16)
                return r;
            have_srcrt = true;
            unsigned n = (len - 2) / 4U;
            unsigned segs = get16(f, off + 2) & 0x3f;
            if (segs > n)
                return r;
        } else if (type != 0 && type != 1 && type != 2 && type != 3 && type != 32 &&
                   type != 160 && type != 128 && type != 129) {
            unsigned act = (type & 0x60) >> 5;
            if (act == 3 && !(type & 0x80))
                return r;
        }
        off += 2 + len;
    }
    r.valid = true;
    return r;
}

}  // namespace babe::test
