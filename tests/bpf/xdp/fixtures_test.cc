// SPDX-License-Identifier: Apache-2.0
// Fixture table for babe_mesh_ingress and babe_local_egress (katran style):
// {description, program, input frame, expected verdict, expected output
// bytes, expected counter}. Each row runs once through BPF_PROG_RUN
// (repeat=1) against the real object; expected frames are built from
// scratch with a full checksum, so the programs' incremental updates are
// checked byte for byte. BPF_PROG_RUN reports XDP_REDIRECT as the verdict
// and returns the rewritten frame without transmitting it.
#include "xdp_harness.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <string>
#include <vector>

namespace babe::test {
namespace {

enum class prog { ingress, egress };

struct fixture {
    std::string name;
    prog program;
    bytes in;
    std::uint32_t verdict;
    bytes out;        // expected output; empty = unchanged
    std::uint32_t stat;
    std::uint32_t engine_reason = BABE_STAT_MAX;  // also counted, if set
};

const mac self_mac = node_mac(self_node);
constexpr std::uint8_t A = 1, C = 3, D = 4, E = 5;
const std::uint32_t a_ = addr(0, A), b_ = addr(0, self_node), c_ = addr(0, C), d_ = addr(0, D),
                    e_ = addr(0, E), unknown_ = addr(9, 9);

// A data packet A -> E on the wire towards us, with the given options.
bytes data_frame(const bytes& options, std::uint8_t ttl = 64, std::uint32_t dst = 0,
                 std::uint8_t nh = 17, std::uint8_t src_node = A)
{
    ip_fields f{.src = a_, .dst = dst ? dst : e_, .ttl = ttl};
    return dsr_frame(self_mac, node_mac(src_node), f, nh, options, udp_payload());
}

// What a transit hop emits: same options with Segments Left - 1, TTL - 1,
// Ethernet from us to the next hop.
bytes transit_out(const bytes& out_options, std::uint8_t next_node, std::uint8_t ttl = 64,
                  std::uint32_t dst = 0)
{
    ip_fields f{.src = a_, .dst = dst ? dst : e_, .ttl = static_cast<std::uint8_t>(ttl - 1)};
    return dsr_frame(node_mac(next_node), our_mac_towards(next_node), f, 17, out_options,
                     udp_payload());
}

std::vector<std::uint32_t> long_route(unsigned n, unsigned self_at)
{
    std::vector<std::uint32_t> v;
    for (unsigned i = 0; i < n; ++i)
        v.push_back(i == self_at ? b_ : addr(1, static_cast<std::uint8_t>(i + 1)));
    return v;
}

std::vector<fixture> ingress_fixtures()
{
    std::vector<fixture> t;
    const auto I = prog::ingress;
    // Transit at each position of a 3-address route, then the last hop to the destination.
    t.push_back({"transit first of 3", I, data_frame(srcrt_option({b_, c_, d_}, 3)), XDP_REDIRECT,
                 transit_out(srcrt_option({b_, c_, d_}, 2), C), BABE_STAT_TRANSIT});
    t.push_back({"transit middle of 3", I, data_frame(srcrt_option({c_, b_, d_}, 2), 64, 0, 17, C),
                 XDP_REDIRECT, transit_out(srcrt_option({c_, b_, d_}, 1), D), BABE_STAT_TRANSIT});
    t.push_back({"transit last of 3 -> destination", I,
                 data_frame(srcrt_option({c_, d_, b_}, 1), 64, 0, 17, D), XDP_REDIRECT,
                 transit_out(srcrt_option({c_, d_, b_}, 0), E), BABE_STAT_TRANSIT});
    t.push_back({"transit only intermediate", I, data_frame(srcrt_option({b_}, 1)), XDP_REDIRECT,
                 transit_out(srcrt_option({b_}, 0), E), BABE_STAT_TRANSIT});
    for (unsigned at : {0U, 7U, 15U}) {
        auto r = long_route(16, at);
        unsigned segs = 16 - at;
        std::uint8_t next = at == 15 ? E : static_cast<std::uint8_t>(100 + at + 2);
        t.push_back({"transit 16 hops at " + std::to_string(at), I,
                     data_frame(srcrt_option(r, segs)), XDP_REDIRECT,
                     transit_out(srcrt_option(r, segs - 1), next), BABE_STAT_TRANSIT});
    }
    t.push_back({"transit with Pad1 and PadN around the route", I,
                 data_frame(concat({bytes{224}, padn_option(1), srcrt_option({b_, c_}, 2), bytes{224}})),
                 XDP_REDIRECT,
                 transit_out(concat({bytes{224}, padn_option(1), srcrt_option({b_, c_}, 1), bytes{224}}), C),
                 BABE_STAT_TRANSIT});
    t.push_back({"transit ttl 2 leaves with ttl 1", I, data_frame(srcrt_option({b_, c_}, 2), 2),
                 XDP_REDIRECT, transit_out(srcrt_option({b_, c_}, 1), C, 2), BABE_STAT_TRANSIT});
    t.push_back({"transit ttl 1 expires", I, data_frame(srcrt_option({b_, c_}, 2), 1), XDP_DROP, {},
                 BABE_STAT_DROP_TTL_EXPIRED});
    t.push_back({"transit ttl 0 expires", I, data_frame(srcrt_option({b_, c_}, 2), 0), XDP_DROP, {},
                 BABE_STAT_DROP_TTL_EXPIRED});
    t.push_back({"transit next hop unknown -> engine", I,
                 data_frame(srcrt_option({b_, unknown_}, 2)), XDP_PASS, {}, BABE_STAT_NO_XSK,
                 BABE_STAT_ENGINE_NO_NEIGHBOUR});
    t.push_back({"transit destination unknown -> engine", I,
                 data_frame(srcrt_option({b_}, 1), 64, unknown_), XDP_PASS, {}, BABE_STAT_NO_XSK,
                 BABE_STAT_ENGINE_NO_NEIGHBOUR});
    t.push_back({"hop now visited is another node", I, data_frame(srcrt_option({c_, b_}, 2)),
                 XDP_DROP, {}, BABE_STAT_DROP_NOT_ON_ROUTE});
    t.push_back({"listed as intermediate but also the destination", I,
                 data_frame(srcrt_option({b_, c_}, 2), 64, b_), XDP_DROP, {},
                 BABE_STAT_DROP_NOT_ON_ROUTE});
    t.push_back({"segments left 0 for another destination", I,
                 data_frame(srcrt_option({c_, d_}, 0)), XDP_DROP, {}, BABE_STAT_DROP_NOT_ON_ROUTE});
    t.push_back({"segments left beyond the list", I, data_frame(srcrt_option({b_, c_}, 3)),
                 XDP_DROP, {}, BABE_STAT_DROP_SEGS_LEFT_BEYOND_ROUTE});
    t.push_back({"segments left 63 of 1", I, data_frame(srcrt_option({b_}, 63)), XDP_DROP, {},
                 BABE_STAT_DROP_SEGS_LEFT_BEYOND_ROUTE});

    // Final delivery: the DSR header goes, the original packet goes up.
    auto plain = ip_frame(self_mac, node_mac(D), {.src = a_, .dst = b_}, udp_payload());
    t.push_back({"deliver after a route", I, data_frame(srcrt_option({c_, d_}, 0), 64, b_, 17, D),
                 XDP_PASS, plain, BABE_STAT_DELIVER});
    auto plain_a = ip_frame(self_mac, node_mac(A), {.src = a_, .dst = b_}, udp_payload());
    t.push_back({"deliver header with padding only", I,
                 data_frame(concat({padn_option(2), bytes{224, 224}}), 64, b_), XDP_PASS, plain_a,
                 BABE_STAT_DELIVER});
    auto plain_tcp = ip_frame(self_mac, node_mac(A), {.src = a_, .dst = b_, .proto = 6}, udp_payload());
    t.push_back({"deliver restores protocol 6", I,
                 data_frame(srcrt_option({}, 0), 64, b_, 6), XDP_PASS, plain_tcp, BABE_STAT_DELIVER});
    t.push_back({"deliver ignores unknown option with ignore bits", I,
                 data_frame(concat({bytes{0x1f, 2, 0xaa, 0xbb}, srcrt_option({c_}, 0)}), 64, b_, 17, C),
                 XDP_PASS, ip_frame(self_mac, node_mac(C), {.src = a_, .dst = b_}, udp_payload()),
                 BABE_STAT_DELIVER});

    // Control and everything else for the engine (no XSK bound here: XDP_PASS).
    {
        ip_fields f{.src = a_, .dst = htonl(0xffffffff), .ttl = 255};
        t.push_back({"route request", I,
                     dsr_frame(self_mac, node_mac(A), f, 59, rreq_option(7, e_), {}), XDP_PASS, {},
                     BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    }
    t.push_back({"route reply", I,
                 data_frame(concat({rrep_option({c_, e_}), bytes{224}, srcrt_option({c_}, 0)}), 64, b_, 59, C),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    t.push_back({"route error in transit", I,
                 data_frame(concat({rerr_option(c_, a_, d_), srcrt_option({b_}, 1)}), 64, 0, 59),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    t.push_back({"ack request in transit", I,
                 data_frame(concat({ack_req_option(9), srcrt_option({b_, c_}, 2)})), XDP_PASS, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    // A neighbour's maintenance probe with no engine socket bound (babed
    // restarting): XDP answers it with the Ack the engine would send.
    {
        ip_fields probe{.src = c_, .dst = b_, .ttl = 1, .id = 0x0777, .frag = 0};
        ip_fields ack{.src = b_, .dst = c_, .ttl = 1, .id = 0x0777, .frag = 0};
        t.push_back({"standalone ack request for us, no socket -> answered", I,
                     dsr_frame(self_mac, node_mac(C), probe, 59, ack_req_option(0xbdc7), {}),
                     XDP_TX, dsr_frame(node_mac(C), self_mac, ack, 59, ack_option(0xbdc7, b_, c_), {}),
                     BABE_STAT_ACK_REPLY, BABE_STAT_ENGINE_CONTROL});
        ip_fields other{.src = c_, .dst = d_, .ttl = 1, .id = 0x0777, .frag = 0};
        t.push_back({"standalone ack request for another node -> not answered", I,
                     dsr_frame(self_mac, node_mac(C), other, 59, ack_req_option(1), {}), XDP_PASS, {},
                     BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
        t.push_back({"ack request for us with more options -> not answered", I,
                     dsr_frame(self_mac, node_mac(C), probe, 59, concat({ack_req_option(1), padn_option(2)}), {}),
                     XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    }
    t.push_back({"ack", I, data_frame(concat({ack_option(9, c_, b_), bytes{0, 0}}), 64, b_, 59, C),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_CONTROL});
    t.push_back({"transport segment for us", I, data_frame(srcrt_option({c_}, 0), 64, b_, 253, C),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_TRANSPORT});
    t.push_back({"transport segment one hop (no DSR header)", I,
                 ip_frame(self_mac, node_mac(A), {.src = a_, .dst = b_, .proto = 253}, udp_payload()),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_TRANSPORT});
    t.push_back({"transport segment in transit is forwarded", I,
                 data_frame(srcrt_option({b_}, 1), 64, 0, 253), XDP_REDIRECT,
                 dsr_frame(node_mac(E), our_mac_towards(E), {.src = a_, .dst = e_, .ttl = 63}, 253,
                           srcrt_option({b_}, 0), udp_payload()),
                 BABE_STAT_TRANSIT});
    t.push_back({"no next header for us", I, data_frame(srcrt_option({c_}, 0), 64, b_, 59, C),
                 XDP_PASS, {}, BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});
    {
        ip_fields f{.src = a_, .dst = b_, .proto = 48};
        auto fl = concat({eth_header(self_mac, node_mac(A)),
                          ipv4_packet(f, concat({bytes{17, 0x85, 0x12, 0x34}, udp_payload()}))});
        t.push_back({"flow state header", I, fl, XDP_PASS, {}, BABE_STAT_NO_XSK,
                     BABE_STAT_ENGINE_UNSUPPORTED});
    }
    t.push_back({"flow state timeout option", I,
                 data_frame(concat({bytes{128, 2, 0, 30}, srcrt_option({b_}, 1)})), XDP_PASS, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});
    t.push_back({"unknown option: remove", I,
                 data_frame(concat({bytes{0x3f, 2, 0, 0}, srcrt_option({b_}, 1)})), XDP_PASS, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});
    t.push_back({"unknown option: drop and report", I,
                 data_frame(concat({bytes{0xff, 2, 0, 0}, srcrt_option({b_}, 1)})), XDP_PASS, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});
    t.push_back({"unknown option: drop", I,
                 data_frame(concat({bytes{0x7f, 2, 0, 0}, srcrt_option({b_}, 1)})), XDP_DROP, {},
                 BABE_STAT_DROP_UNKNOWN_OPTION_DROP});
    t.push_back({"external first hop flag", I,
                 data_frame(srcrt_option({b_, c_}, 2, BABE_DSR_SRCRT_F)), XDP_PASS, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});

    // Not ours.
    {
        bytes arp = eth_header({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, node_mac(A), 0x0806);
        bytes body(28, 0x11);
        append(arp, body);
        t.push_back({"arp passes", I, arp, XDP_PASS, {}, BABE_STAT_PASS_OTHER});
        bytes v6 = eth_header(self_mac, node_mac(A), 0x86dd);
        append(v6, bytes(40, 0x60));
        t.push_back({"ipv6 passes", I, v6, XDP_PASS, {}, BABE_STAT_PASS_OTHER});
        t.push_back({"plain udp passes", I, plain_a, XDP_PASS, {}, BABE_STAT_PASS_OTHER});
        t.push_back({"plain udp for another node passes", I,
                     ip_frame(self_mac, node_mac(A), {.src = a_, .dst = e_}, udp_payload()),
                     XDP_PASS, {}, BABE_STAT_PASS_OTHER});
    }

    // Malformed DSR.
    {
        auto f = data_frame(srcrt_option({b_, c_}, 2));
        ip_fields o{.src = a_, .dst = e_, .proto = 48, .options = {1, 1, 1, 0}};
        t.push_back({"ip options", I,
                     concat({eth_header(self_mac, node_mac(A)),
                             ipv4_packet(o, concat({dsr_header(17, srcrt_option({b_, c_}, 2)), udp_payload()}))}),
                     XDP_DROP, {}, BABE_STAT_DROP_IP_OPTIONS});
        auto mf = f;
        put16(mf, 20, 0x2000);
        fix_ip_checksum(mf);
        t.push_back({"more fragments", I, mf, XDP_DROP, {}, BABE_STAT_DROP_FRAGMENT});
        auto fo = f;
        put16(fo, 20, 0x0010);
        fix_ip_checksum(fo);
        t.push_back({"fragment offset", I, fo, XDP_DROP, {}, BABE_STAT_DROP_FRAGMENT});
        auto cs = f;
        cs[24] ^= 0x01;
        t.push_back({"bad ip checksum", I, cs, XDP_DROP, {}, BABE_STAT_DROP_BAD_IP_HEADER});
        auto ver = f;
        ver[14] = 0x65;
        fix_ip_checksum(ver);
        t.push_back({"ip version 6 in an ipv4 frame", I, ver, XDP_DROP, {}, BABE_STAT_DROP_BAD_IP_HEADER});
        auto ihl = f;
        ihl[14] = 0x44;
        fix_ip_checksum(ihl);
        t.push_back({"ihl 4", I, ihl, XDP_DROP, {}, BABE_STAT_DROP_BAD_IP_HEADER});
        auto tl = f;
        put16(tl, 16, static_cast<std::uint16_t>(get16(tl, 16) + 1));
        fix_ip_checksum(tl);
        t.push_back({"total length beyond frame", I, tl, XDP_DROP, {}, BABE_STAT_DROP_TRUNCATED});
        auto tl2 = f;
        put16(tl2, 16, 23);
        fix_ip_checksum(tl2);
        t.push_back({"total length below ip + dsr", I, tl2, XDP_DROP, {}, BABE_STAT_DROP_BAD_DSR_LENGTH});
        auto pl = f;
        put16(pl, 36, static_cast<std::uint16_t>(get16(f, 16) - 24 + 1));
        t.push_back({"payload length beyond ip", I, pl, XDP_DROP, {}, BABE_STAT_DROP_BAD_DSR_LENGTH});
        auto pl2 = f;
        put16(pl2, 36, 13);  // cuts the Source Route (14 bytes) short
        t.push_back({"payload length cuts an option", I, pl2, XDP_DROP, {}, BABE_STAT_DROP_BAD_OPTION_LENGTH});
        auto ol = f;
        ol[39] = 12;  // data_len 12 > 10 available
        t.push_back({"option length overruns header", I, ol, XDP_DROP, {}, BABE_STAT_DROP_BAD_OPTION_LENGTH});
        t.push_back({"source route data length not 2 + 4n", I,
                     data_frame(bytes{96, 3, 0, 1, 0x0a, 0, 0, 0x02, 0, 0}), XDP_DROP, {},
                     BABE_STAT_DROP_BAD_OPTION_LENGTH});
        t.push_back({"source route data length 1", I, data_frame(bytes{96, 1, 0, 0}), XDP_DROP, {},
                     BABE_STAT_DROP_BAD_OPTION_LENGTH});
        t.push_back({"source route of 17 addresses", I,
                     data_frame(srcrt_option(long_route(17, 0), 17)), XDP_DROP, {},
                     BABE_STAT_DROP_ROUTE_TOO_LONG});
        t.push_back({"two source routes", I,
                     data_frame(concat({srcrt_option({b_}, 1), srcrt_option({b_}, 1)})), XDP_DROP,
                     {}, BABE_STAT_DROP_DUPLICATE_SOURCE_ROUTE});
        t.push_back({"dsr inside dsr for us", I, data_frame(srcrt_option({c_}, 0), 64, b_, 48, C),
                     XDP_DROP, {}, BABE_STAT_DROP_NESTED_DSR});
        bytes pads;
        for (int i = 0; i < 9; ++i)
            append(pads, padn_option(0));
        t.push_back({"nine options", I, data_frame(pads, 64, b_), XDP_DROP, {},
                     BABE_STAT_DROP_TOO_MANY_OPTIONS});
        // Truncated at every offset from the end of Ethernet on.
        for (std::size_t len = 14; len < f.size(); ++len)
            t.push_back({"truncated at " + std::to_string(len), I, bytes(f.begin(), f.begin() + len),
                         XDP_DROP, {}, BABE_STAT_DROP_TRUNCATED});
    }
    return t;
}

std::vector<fixture> egress_fixtures(xdp_harness& h)
{
    std::vector<fixture> t;
    const auto O = prog::egress;
    const mac host_mac = node_mac(0xfe);
    const mac peer_mac = node_mac(0xfd);
    auto from_host = [&](std::uint32_t dst, std::uint8_t proto = 17) {
        return ip_frame(peer_mac, host_mac, {.src = b_, .dst = dst, .proto = proto}, udp_payload());
    };
    h.add_route(e_, {c_, d_});
    h.add_route(c_, {});
    h.add_route(addr(0, 7), long_route(16, 99));
    h.add_route(addr(0, 8), {unknown_});

    auto enc = [&](std::uint32_t dst, const std::vector<std::uint32_t>& hops, std::uint8_t first,
                   std::uint8_t proto = 17) {
        return dsr_frame(node_mac(first), our_mac_towards(first), {.src = b_, .dst = dst}, proto,
                         srcrt_option(hops, static_cast<unsigned>(hops.size())), udp_payload());
    };
    t.push_back({"encap 2 intermediate", O, from_host(e_), XDP_REDIRECT, enc(e_, {c_, d_}, C),
                 BABE_STAT_ENCAP});
    t.push_back({"encap keeps tcp as next header", O, from_host(e_, 6), XDP_REDIRECT,
                 enc(e_, {c_, d_}, C, 6), BABE_STAT_ENCAP});
    t.push_back({"encap 16 intermediate", O, from_host(addr(0, 7)), XDP_REDIRECT,
                 enc(addr(0, 7), long_route(16, 99), 101), BABE_STAT_ENCAP});
    t.push_back({"one hop: no DSR header", O, from_host(c_), XDP_REDIRECT,
                 ip_frame(node_mac(C), our_mac_towards(C), {.src = b_, .dst = c_}, udp_payload()),
                 BABE_STAT_ENCAP});
    t.push_back({"route miss -> engine", O, from_host(addr(0, 9)), XDP_DROP, {}, BABE_STAT_NO_XSK,
                 BABE_STAT_ENGINE_NO_ROUTE});
    t.push_back({"first hop unknown -> engine", O, from_host(addr(0, 8)), XDP_DROP, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_NO_NEIGHBOUR});
    t.push_back({"outside the mesh prefix passes", O, from_host(htonl(0xc0a80001)), XDP_PASS, {},
                 BABE_STAT_PASS_OTHER});
    t.push_back({"to ourselves passes", O, from_host(b_), XDP_PASS, {}, BABE_STAT_PASS_OTHER});
    bytes arp = eth_header({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, host_mac, 0x0806);
    append(arp, bytes(28, 0x22));
    t.push_back({"arp passes", O, arp, XDP_PASS, {}, BABE_STAT_PASS_OTHER});
    t.push_back({"dsr from the host -> engine", O, from_host(e_, 48), XDP_DROP, {},
                 BABE_STAT_NO_XSK, BABE_STAT_ENGINE_UNSUPPORTED});
    ip_fields o{.src = b_, .dst = e_, .options = {1, 1, 1, 0}};
    t.push_back({"ip options", O, ip_frame(peer_mac, host_mac, o, udp_payload()), XDP_DROP, {},
                 BABE_STAT_DROP_IP_OPTIONS});
    auto short_len = from_host(e_);
    put16(short_len, 16, 19);
    fix_ip_checksum(short_len);
    t.push_back({"total length below the header", O, short_len, XDP_DROP, {},
                 BABE_STAT_DROP_BAD_IP_HEADER});
    auto f = from_host(e_);
    for (std::size_t len = 14; len < 34; ++len)
        t.push_back({"truncated at " + std::to_string(len), O, bytes(f.begin(), f.begin() + len),
                     XDP_DROP, {}, BABE_STAT_DROP_TRUNCATED});
    t.push_back({"truncated payload", O, bytes(f.begin(), f.end() - 1), XDP_DROP, {},
                 BABE_STAT_DROP_TRUNCATED});
    return t;
}

std::string hex(const bytes& b)
{
    std::string s;
    char buf[4];
    for (auto x : b) {
        std::snprintf(buf, sizeof(buf), "%02x", x);
        s += buf;
    }
    return s;
}

class XdpFixtures : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(h.load()) << "babe_xdp failed to load"; }

    void check(const fixture& fx)
    {
        SCOPED_TRACE(fx.name);
        auto before = h.all_stats();
        int fd = fx.program == prog::ingress ? h.ingress_fd() : h.egress_fd();
        auto r = xdp_harness::run(fd, fx.in);
        ASSERT_EQ(r.err, 0);
        EXPECT_EQ(r.retval, fx.verdict);
        const bytes& want = fx.out.empty() ? fx.in : fx.out;
        EXPECT_EQ(hex(r.out), hex(want));
        auto after = h.all_stats();
        std::uint64_t total = 0;
        for (std::uint32_t i = 0; i < BABE_STAT_FIRST_ENGINE; ++i)
            total += after[i] - before[i];
        EXPECT_EQ(total, 1U) << "one action or drop per packet";
        EXPECT_EQ(after[fx.stat] - before[fx.stat], 1U) << "counter " << fx.stat;
        std::uint64_t engine = 0;
        for (std::uint32_t i = BABE_STAT_FIRST_ENGINE; i < BABE_STAT_MAX; ++i)
            engine += after[i] - before[i];
        if (fx.engine_reason != BABE_STAT_MAX) {
            EXPECT_EQ(after[fx.engine_reason] - before[fx.engine_reason], 1U);
            EXPECT_EQ(engine, 1U);
        } else {
            EXPECT_EQ(engine, 0U);
        }
    }

    xdp_harness h;
};

TEST_F(XdpFixtures, Ingress)
{
    auto t = ingress_fixtures();
    // As many as the table holds today (120): a table emptied or cut short by
    // mistake fails here instead of passing on fewer checks.
    ASSERT_GE(t.size(), 120U);
    for (const auto& fx : t)
        check(fx);
}

TEST_F(XdpFixtures, Egress)
{
    auto t = egress_fixtures(h);
    ASSERT_GE(t.size(), 33U) << "the egress table holds 33 fixtures today";
    for (const auto& fx : t)
        check(fx);
}

TEST_F(XdpFixtures, TransitStampsPreviousHop)
{
    EXPECT_EQ(h.last_heard(c_), 0U);
    auto r = xdp_harness::run(h.ingress_fd(), data_frame(srcrt_option({c_, b_, d_}, 2), 64, 0, 17, C));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_NE(h.last_heard(c_), 0U);
    EXPECT_EQ(h.last_heard(d_), 0U) << "the next hop is not heard from";
    // First hop: the previous hop is the IP source.
    EXPECT_EQ(h.last_heard(a_), 0U);
    xdp_harness::run(h.ingress_fd(), data_frame(srcrt_option({b_, c_}, 2)));
    EXPECT_NE(h.last_heard(a_), 0U);
}

TEST_F(XdpFixtures, DeliverStampsLastHop)
{
    EXPECT_EQ(h.last_heard(d_), 0U);
    auto r = xdp_harness::run(h.ingress_fd(), data_frame(srcrt_option({c_, d_}, 0), 64, b_, 17, D));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_NE(h.last_heard(d_), 0U);
}

// The per-CPU next-hop cache (bpf/lib/forward.h): a changed or removed
// neighbour is seen at once after the cache is zeroed, and without that
// once the entry is older than babe_neigh_cache_ttl_ns (1 ms, coarse clock).
TEST_F(XdpFixtures, ChangedNeighbourSeenAfterCacheFlush)
{
    auto in = data_frame(srcrt_option({b_, c_}, 2));
    auto r = xdp_harness::run(h.ingress_fd(), in);
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_EQ(hex(r.out), hex(transit_out(srcrt_option({b_, c_}, 1), C)));
    ASSERT_TRUE(h.add_neighbour(c_, 0x33));  // C moved to another MAC
    ASSERT_TRUE(h.flush_neigh_cache());
    r = xdp_harness::run(h.ingress_fd(), in);
    auto want = transit_out(srcrt_option({b_, c_}, 1), C);
    auto m = node_mac(0x33), s = our_mac_towards(0x33);
    std::copy(m.begin(), m.end(), want.begin());
    std::copy(s.begin(), s.end(), want.begin() + 6);
    EXPECT_EQ(hex(r.out), hex(want));
}

TEST_F(XdpFixtures, ChangedNeighbourSeenAfterCacheTtl)
{
    auto in = data_frame(srcrt_option({b_, c_}, 2));
    ASSERT_EQ(xdp_harness::run(h.ingress_fd(), in).retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    ASSERT_TRUE(h.add_neighbour(c_, 0x33));
    // Far beyond the 1 ms TTL and a 4 ms tick (HZ=250): no cache flush.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = xdp_harness::run(h.ingress_fd(), in);
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    auto m = node_mac(0x33);
    EXPECT_EQ(hex(bytes(r.out.begin(), r.out.begin() + 6)), hex(bytes(m.begin(), m.end())));
}

TEST_F(XdpFixtures, RemovedNeighbourGoesToEngineAfterCacheFlush)
{
    auto in = data_frame(srcrt_option({b_, c_}, 2));
    ASSERT_EQ(xdp_harness::run(h.ingress_fd(), in).retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    ASSERT_TRUE(h.remove_neighbour(c_));
    ASSERT_TRUE(h.flush_neigh_cache());
    auto before = h.stat(BABE_STAT_ENGINE_NO_NEIGHBOUR);
    EXPECT_EQ(xdp_harness::run(h.ingress_fd(), in).retval, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_EQ(h.stat(BABE_STAT_ENGINE_NO_NEIGHBOUR) - before, 1U);
    // Learned again: seen at once (misses are not cached).
    ASSERT_TRUE(h.add_neighbour(c_, C));
    EXPECT_EQ(xdp_harness::run(h.ingress_fd(), in).retval, static_cast<std::uint32_t>(XDP_REDIRECT));
}

// Sized as a loader sizes it, `stats` has an entry per CPU: the shared
// entry 0 stays empty.
TEST_F(XdpFixtures, CountsInTheCpusOwnStatsEntry)
{
    auto r = xdp_harness::run(h.ingress_fd(), data_frame(srcrt_option({b_, c_}, 2)));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_EQ(h.stat(BABE_STAT_TRANSIT), 1U);
    EXPECT_EQ(h.stat_entry(0, BABE_STAT_TRANSIT), 0U);
}

// A CPU past the end of `stats` counts into the shared entry 0 (atomically),
// one past the neighbour cache looks `neighbours` up itself: same verdicts,
// same bytes, every packet counted. (With one entry each, every CPU is past
// `stats`, and every CPU but 0 past the cache.)
TEST(XdpPastTheMaps, ForwardsAndCountsWithoutOwnEntries)
{
    xdp_harness h;
    ASSERT_TRUE(h.load(1, 1)) << "babe_xdp failed to load";
    const auto a = addr(0, 1), b = self_addr(), c = addr(0, 3);
    auto in = dsr_frame(node_mac(self_node), node_mac(1), {.src = a, .dst = addr(0, 5)}, 17,
                        srcrt_option({b, c}, 2), udp_payload(64));
    const int runs = 50;
    for (int i = 0; i < runs; ++i) {
        auto r = xdp_harness::run(h.ingress_fd(), in);
        ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
        auto m = node_mac(3), s = our_mac_towards(3);
        EXPECT_EQ(hex(bytes(r.out.begin(), r.out.begin() + 12)),
                  hex(concat({bytes(m.begin(), m.end()), bytes(s.begin(), s.end())})));
    }
    EXPECT_EQ(h.stat(BABE_STAT_TRANSIT), static_cast<std::uint64_t>(runs));
    EXPECT_EQ(h.stat_entry(0, BABE_STAT_TRANSIT), static_cast<std::uint64_t>(runs));
    EXPECT_NE(h.last_heard(a), 0U);
    EXPECT_NE(h.last_tx(c), 0U);
}

// The "used" mark of a route (babe_route.used_epoch, headers/babe/maps.h):
// local egress stores the config's route_epoch in the route it sends on,
// only when the two differ, and never while route_epoch is 0; the rest of
// the entry stays as the engine wrote it. (A store of the value already
// there cannot be seen from outside the program: what is checked is that
// the mark follows the epoch and nothing else in the entry changes.)
TEST_F(XdpFixtures, EgressMarksTheRouteItSendsOn)
{
    const mac host_mac = node_mac(0xfe);
    const mac peer_mac = node_mac(0xfd);
    auto from_host = [&](std::uint32_t dst) {
        return ip_frame(peer_mac, host_mac, {.src = b_, .dst = dst}, udp_payload());
    };
    ASSERT_TRUE(h.add_route(e_, {c_, d_}));
    ASSERT_TRUE(h.add_route(c_, {}));
    const auto written = h.route(e_);
    ASSERT_TRUE(written);
    EXPECT_EQ(written->used_epoch, 0U);
    auto same_but_mark = [&](const babe_route& r) {
        babe_route x = r;
        x.used_epoch = written->used_epoch;
        return std::memcmp(&x, &*written, sizeof(x)) == 0;
    };

    // Epoch 0: the engine is not scanning; nothing is stored.
    auto r = xdp_harness::run(h.egress_fd(), from_host(e_));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_EQ(h.route(e_)->used_epoch, 0U);

    // Epoch 7: the first packet marks the route, the next ones leave it.
    ASSERT_TRUE(h.set_route_epoch(7));
    r = xdp_harness::run(h.egress_fd(), from_host(e_));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_EQ(h.route(e_)->used_epoch, 7U);
    EXPECT_TRUE(same_but_mark(*h.route(e_))) << "only the mark changes";
    for (int i = 0; i < 3; ++i)
        xdp_harness::run(h.egress_fd(), from_host(e_));
    EXPECT_EQ(h.route(e_)->used_epoch, 7U);
    EXPECT_TRUE(same_but_mark(*h.route(e_)));
    EXPECT_EQ(h.route(c_)->used_epoch, 0U) << "a route nothing was sent on stays unmarked";

    // Transit packets follow their own source route: no local route is marked.
    ASSERT_TRUE(h.set_route_epoch(8));
    r = xdp_harness::run(h.ingress_fd(), data_frame(srcrt_option({b_, c_, d_}, 3)));
    ASSERT_EQ(r.retval, static_cast<std::uint32_t>(XDP_REDIRECT));
    EXPECT_EQ(h.route(e_)->used_epoch, 7U);

    // The next epoch: marked again by the next packet (one-hop routes too).
    xdp_harness::run(h.egress_fd(), from_host(e_));
    xdp_harness::run(h.egress_fd(), from_host(c_));
    EXPECT_EQ(h.route(e_)->used_epoch, 8U);
    EXPECT_EQ(h.route(c_)->used_epoch, 8U);

    // The engine rewrites a route with the mark cleared: marked once more.
    ASSERT_TRUE(h.add_route(e_, {c_, d_}));
    EXPECT_EQ(h.route(e_)->used_epoch, 0U);
    xdp_harness::run(h.egress_fd(), from_host(e_));
    EXPECT_EQ(h.route(e_)->used_epoch, 8U);
}

TEST_F(XdpFixtures, DisabledConfigPassesEverything)
{
    babe_config cfg{};
    std::uint32_t key = 0;
    ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(h.skel()->maps.config), &key, &cfg, BPF_ANY), 0);
    auto in = data_frame(srcrt_option({b_, c_}, 2));
    auto r = xdp_harness::run(h.ingress_fd(), in);
    EXPECT_EQ(r.retval, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_EQ(hex(r.out), hex(in));
}

}  // namespace
}  // namespace babe::test
