// SPDX-License-Identifier: Apache-2.0
// Randomized malformed input: >= 100k mutated frames (bytes overwritten with
// random and boundary values, truncated, extended, checksum fixed or not)
// through babe_mesh_ingress, and 20k through babe_local_egress, one
// BPF_PROG_RUN each. The property: a frame that is not well-formed DSR by
// the reference rules (packet.hh check_dsr) is never forwarded, never passed
// up with its DSR header, never delivered; what is forwarded is well-formed;
// the verdict is always DROP, PASS or REDIRECT. The seed is printed; set
// BABE_SEED to replay a failure.
#include "xdp_harness.hh"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>

namespace babe::test {
namespace {

bool ipv4_header_ok(const bytes& f)
{
    return f.size() >= 34 && get16(f, 12) == 0x0800 && f[14] == 0x45 &&
           inet_checksum(f.data() + 14, 20) == 0 && 14U + get16(f, 16) <= f.size();
}

std::vector<bytes> ingress_seeds()
{
    const mac self = node_mac(self_node);
    const auto a = addr(0, 1), b = self_addr(), c = addr(0, 3), d = addr(0, 4), e = addr(0, 5);
    auto df = [&](const bytes& opts, std::uint32_t dst, std::uint8_t nh = 17) {
        return dsr_frame(self, node_mac(1), {.src = a, .dst = dst}, nh, opts, udp_payload());
    };
    std::vector<std::uint32_t> r16;
    for (int i = 0; i < 16; ++i)
        r16.push_back(i == 4 ? b : addr(1, static_cast<std::uint8_t>(i + 1)));
    return {
        df(srcrt_option({b, c, d}, 3), e),
        df(srcrt_option({c, b, d}, 2), e),
        df(srcrt_option({c, d, b}, 1), e),
        df(srcrt_option(r16, 12), e),
        df(srcrt_option({c, d}, 0), b),
        df(concat({bytes{224}, padn_option(3), srcrt_option({b, c}, 2)}), e),
        df(concat({ack_req_option(1), srcrt_option({b, c}, 2)}), e),
        df(concat({rrep_option({c, e}), bytes{224}, srcrt_option({c}, 0)}), b, 59),
        df(rreq_option(3, e, {c}), htonl(0xffffffff), 59),
        df(concat({bytes{0x1f, 2, 0, 0}, srcrt_option({b}, 1)}), e),
        ip_frame(self, node_mac(1), {.src = a, .dst = b}, udp_payload()),
    };
}

struct mutator {
    std::mt19937_64 rng;

    std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; }

    bytes mutate(bytes f)
    {
        static const std::uint8_t interesting[] = {0, 1, 2, 3, 4, 6, 0x0f, 0x10, 0x11, 0x3f,
                                                   0x40, 0x45, 0x60, 0x7f, 0x80, 0xe0, 0xfe, 0xff};
        int n = 1 + static_cast<int>(below(3));
        for (int i = 0; i < n; ++i) {
            switch (below(6)) {
            case 0:
            case 1: {  // a header byte
                std::size_t off = below(std::min<std::size_t>(f.size(), 110));
                f[off] = below(2) ? static_cast<std::uint8_t>(rng())
                                  : interesting[below(sizeof(interesting))];
                break;
            }
            case 2:  // any byte
                f[below(f.size())] = static_cast<std::uint8_t>(rng());
                break;
            case 3:  // truncate (BPF_PROG_RUN needs 14 bytes)
                if (f.size() > 14)
                    f.resize(14 + below(f.size() - 14));
                break;
            case 4:  // extend
                for (std::size_t k = below(8) + 1; k > 0; --k)
                    f.push_back(static_cast<std::uint8_t>(rng()));
                break;
            case 5:  // a DSR length field
                if (f.size() >= 40) {
                    std::size_t off = below(2) ? 36 : 39;
                    f[off] = static_cast<std::uint8_t>(f[off] + static_cast<int>(below(9)) - 4);
                }
                break;
            }
        }
        if (below(2) && f.size() >= 34 && (f[14] & 0x0f) >= 5 &&
            14U + (f[14] & 0x0fU) * 4 <= f.size())
            fix_ip_checksum(f);
        return f;
    }
};

std::uint64_t seed_from_env()
{
    const char* s = std::getenv("BABE_SEED");
    return s ? std::strtoull(s, nullptr, 0) : std::random_device{}();
}

TEST(XdpRandom, IngressNeverForwardsMalformed)
{
    xdp_harness h;
    ASSERT_TRUE(h.load());
    auto seed = seed_from_env();
    std::printf("seed %llu (BABE_SEED=%llu replays)\n", static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(seed));
    mutator m{std::mt19937_64(seed)};
    auto seeds = ingress_seeds();
    std::size_t redirected = 0, delivered = 0, passed_dsr = 0, dropped = 0;
    for (int i = 0; i < 100000; ++i) {
        bytes in = m.mutate(seeds[m.below(seeds.size())]);
        auto r = xdp_harness::run(h.ingress_fd(), in);
        ASSERT_EQ(r.err, 0) << "iteration " << i;
        auto chk = check_dsr(in);
        SCOPED_TRACE("iteration " + std::to_string(i));
        switch (r.retval) {
        case XDP_DROP:
            ++dropped;
            ASSERT_EQ(r.out, in);
            break;
        case XDP_REDIRECT:
            ++redirected;
            ASSERT_TRUE(chk.is_dsr && chk.valid) << "forwarded a malformed frame";
            ASSERT_TRUE(check_dsr(r.out).valid) << "forwarded frame is malformed";
            ASSERT_EQ(r.out.size(), in.size());
            break;
        case XDP_PASS:
            if (r.out == in) {
                if (chk.is_dsr) {
                    ++passed_dsr;
                    ASSERT_TRUE(chk.valid) << "passed a malformed DSR frame up";
                }
            } else {
                ++delivered;
                ASSERT_TRUE(chk.is_dsr && chk.valid) << "delivered a malformed frame";
                ASSERT_TRUE(ipv4_header_ok(r.out)) << "delivered a bad IPv4 header";
                ASSERT_NE(r.out[23], 48) << "delivered with a DSR header";
                ASSERT_LT(r.out.size(), in.size());
            }
            break;
        default:
            FAIL() << "verdict " << r.retval;
        }
    }
    std::printf("redirected %zu delivered %zu passed-dsr %zu dropped %zu\n", redirected, delivered,
                passed_dsr, dropped);
    // The mutations must exercise every outcome, or the test proves little.
    EXPECT_GT(redirected, 1000U);
    EXPECT_GT(delivered, 100U);
    EXPECT_GT(dropped, 10000U);
}

TEST(XdpRandom, EgressEmitsOnlyWellFormed)
{
    xdp_harness h;
    ASSERT_TRUE(h.load());
    ASSERT_TRUE(h.add_route(addr(0, 5), {addr(0, 3), addr(0, 4)}));
    ASSERT_TRUE(h.add_route(addr(0, 3), {}));
    auto seed = seed_from_env() + 1;
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
    mutator m{std::mt19937_64(seed)};
    const mac peer = node_mac(0xfd), host = node_mac(0xfe);
    std::vector<bytes> seeds = {
        ip_frame(peer, host, {.src = self_addr(), .dst = addr(0, 5)}, udp_payload()),
        ip_frame(peer, host, {.src = self_addr(), .dst = addr(0, 3), .proto = 6}, udp_payload(40)),
    };
    std::size_t redirected = 0;
    for (int i = 0; i < 20000; ++i) {
        bytes in = m.mutate(seeds[m.below(seeds.size())]);
        auto r = xdp_harness::run(h.egress_fd(), in);
        ASSERT_EQ(r.err, 0);
        SCOPED_TRACE("iteration " + std::to_string(i));
        if (r.retval == XDP_REDIRECT) {
            ++redirected;
            ASSERT_GE(in.size(), 34U);
            ASSERT_EQ(in[14], 0x45) << "encapsulated a packet with a bad IPv4 header";
            if (r.out.size() == in.size())
                ASSERT_EQ(bytes(r.out.begin() + 12, r.out.end()), bytes(in.begin() + 12, in.end()));
            else if (inet_checksum(in.data() + 14, 20) == 0) {
                // A good header yields a good header; fragments are encapsulated as they
                // are (the reference rules refuse fragments on the receive side).
                ASSERT_TRUE(ipv4_header_ok(r.out)) << "emitted a bad IPv4 header";
                ASSERT_TRUE(check_dsr(r.out).valid || (get16(in, 20) & 0x3fff) != 0)
                    << "emitted malformed DSR from a good packet";
            }
        } else {
            ASSERT_TRUE(r.retval == XDP_DROP || r.retval == XDP_PASS) << r.retval;
            ASSERT_EQ(r.out, in);
        }
    }
    EXPECT_GT(redirected, 1000U);
}

}  // namespace
}  // namespace babe::test
