// SPDX-License-Identifier: Apache-2.0
// The DSR core's data-path shortcuts against the general code they stand
// in for, on randomised inputs: the transmit queue's FIFO + heap against a
// sorted reference, the direct encoding of data packets against the
// codec's builder, and the route cache's remembered routes
// (find_and_touch) against find + touch on a twin cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>
#include <vector>

#include "core/prng.hh"
#include "dsr/packet.hh"
#include "dsr/route_cache.hh"
#include "dsr/tx_queue.hh"

namespace babe::dsr {
namespace {

time_point at_us(std::int64_t us) { return time_from_ns(us * 1000); }

// Output order is (due, insertion order), whatever mix of in-order and
// out-of-order due times is pushed, with pops interleaved; for_each sees
// exactly the queued items; a full queue refuses.
TEST(DsrTxQueue, OrderIsDueThenInsertionAcrossFifoAndHeap)
{
    prng rng(7);
    for (int round = 0; round < 200; ++round) {
        const std::size_t cap = 1 + rng.next() % 40;
        tx_queue q(cap);
        std::vector<std::tuple<std::int64_t, std::uint64_t, addr>> ref; // due, seq, tag
        std::uint64_t seq = 0;
        std::int64_t now = 0;
        for (int step = 0; step < 400; ++step) {
            const auto op = rng.next() % 10;
            if (op < 6) {
                // Mostly "now" (in order), sometimes a delay, sometimes earlier than the last.
                std::int64_t due = now;
                if (op == 4)
                    due = now + static_cast<std::int64_t>(rng.next() % 50);
                else if (op == 5 && now > 10)
                    due = now - static_cast<std::int64_t>(rng.next() % 10);
                tx_item* it = q.push(at_us(due));
                if (ref.size() == cap) {
                    EXPECT_EQ(it, nullptr);
                    continue;
                }
                ASSERT_NE(it, nullptr);
                EXPECT_FALSE(it->cancelled);
                EXPECT_EQ(it->maint_slot, -1);
                const auto tag = static_cast<addr>(seq);
                it->next_hop = tag;
                ref.emplace_back(due, seq, tag);
                ++seq;
            } else if (op < 9) {
                now += static_cast<std::int64_t>(rng.next() % 8);
                std::sort(ref.begin(), ref.end());
                tx_item* f = q.front_due(at_us(now));
                if (ref.empty() || std::get<0>(ref.front()) > now) {
                    EXPECT_EQ(f, nullptr);
                    continue;
                }
                ASSERT_NE(f, nullptr);
                EXPECT_EQ(f->next_hop, std::get<2>(ref.front()));
                q.pop_front();
                ref.erase(ref.begin());
            } else {
                std::vector<addr> seen;
                q.for_each([&](tx_item& it) { seen.push_back(it.next_hop); });
                std::vector<addr> want;
                for (auto& r : ref)
                    want.push_back(std::get<2>(r));
                std::sort(seen.begin(), seen.end());
                std::sort(want.begin(), want.end());
                EXPECT_EQ(seen, want);
            }
            ASSERT_EQ(q.size(), ref.size());
            std::sort(ref.begin(), ref.end());
            if (ref.empty())
                EXPECT_FALSE(q.next_due());
            else
                EXPECT_EQ(q.next_due(), at_us(std::get<0>(ref.front())));
        }
    }
}

// encode_packet writes data packets itself: the same bytes, length and
// refusals as the codec's builder (encode_packet_general), for every
// route length, Segments Left and salvage count (valid or not), with and
// without an Acknowledgement Request, any payload length and buffer size;
// records with other options take the builder's path.
TEST(DsrPacket, DirectEncodingMatchesTheBuilder)
{
    prng rng(11);
    int compared = 0, encoded = 0;
    for (int i = 0; i < 20000; ++i) {
        packet_record r;
        r.src = static_cast<addr>(rng.next());
        r.dst = static_cast<addr>(rng.next());
        r.ttl = static_cast<std::uint8_t>(rng.next());
        r.tos = static_cast<std::uint8_t>(rng.next());
        r.next_header = static_cast<std::uint8_t>(rng.next());
        r.ip_id = static_cast<std::uint16_t>(rng.next());
        r.payload_len = static_cast<std::uint32_t>(rng.next() % 4 == 0 ? 0xffff - rng.next() % 200 : rng.next() % 1500);
        r.has_srcrt = rng.next() % 4 != 0;
        r.path.hop_count = static_cast<std::uint8_t>(rng.next() % (max_route_hops + 1));
        for (std::size_t k = 0; k < r.path.hop_count; ++k)
            r.path.hops[k] = static_cast<addr>(rng.next());
        r.segs_left = static_cast<std::uint8_t>(rng.next() % (r.path.hop_count + 2));
        r.salvage = static_cast<std::uint8_t>(rng.next() % 17);
        if (rng.next() % 2)
            r.ack_req_id = static_cast<std::uint16_t>(rng.next());
        if (rng.next() % 8 == 0) {
            const std::array<std::byte, 4> ack_req{std::byte{BABE_DSR_OPT_ACK_REQ}, std::byte{2}, std::byte{1},
                                                   std::byte{2}};
            ASSERT_TRUE(r.append_extra(ack_req));
            if (rng.next() % 2) {
                ASSERT_TRUE(r.append_extra(std::span<const std::byte>(ack_req.data(), 1 + rng.next() % 3)));
            }
        }
        const std::size_t room = rng.next() % 4 == 0 ? rng.next() % 120 : 512;
        std::array<std::byte, 512> a, b;
        a.fill(std::byte{0xa5});
        b.fill(std::byte{0xa5});
        auto la = encode_packet(r, std::span<std::byte>(a.data(), room));
        auto lb = encode_packet_general(r, std::span<std::byte>(b.data(), room));
        ASSERT_EQ(la.has_value(), lb.has_value()) << "record " << i;
        ++compared;
        if (!la)
            continue;
        ++encoded;
        ASSERT_EQ(*la, *lb);
        ASSERT_EQ(std::memcmp(a.data(), b.data(), *la), 0) << "record " << i;
    }
    EXPECT_GT(encoded, compared / 4);
}

// A copied record carries its options (only extra_len bytes of them).
TEST(DsrPacket, CopyCarriesTheOptionsInUse)
{
    packet_record r;
    r.dst = 9;
    const std::array<std::byte, 6> opt{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5},
                                       std::byte{6}};
    ASSERT_TRUE(r.append_extra(opt));
    packet_record c = r;
    EXPECT_EQ(c.dst, 9u);
    ASSERT_EQ(c.extra_len, opt.size());
    EXPECT_TRUE(std::equal(opt.begin(), opt.end(), c.extra_bytes().begin()));
    packet_record d;
    d = c;
    ASSERT_EQ(d.extra_len, opt.size());
    EXPECT_TRUE(std::equal(opt.begin(), opt.end(), d.extra_bytes().begin()));
}

// find_and_touch on one cache, find + touch on its twin, through random
// learning, link removal, sweeps (expiry follows the stamps), evictions
// (LRU order follows the stamps) and flushes: the same routes, the same
// links, the same counters, throughout.
TEST(DsrRouteCacheLink, RememberedRoutesMatchFindAndTouch)
{
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        prng rng(seed);
        config c;
        c.cache = cache_kind::link;
        c.cache_nodes = 24;
        c.cache_links = 40;
        c.cache_degree = 6;
        c.route_cache_timeout = std::chrono::milliseconds(300);
        c.link_min_lifetime = std::chrono::milliseconds(100);
        counters sa, sb;
        route_cache fast(c, 1, sa), slow(c, 1, sb);
        std::int64_t now = 0;
        auto node = [&] { return static_cast<addr>(2 + rng.next() % 20); };
        for (int step = 0; step < 3000; ++step) {
            now += static_cast<std::int64_t>(rng.next() % 3000);
            const auto op = rng.next() % 100;
            if (op < 70) {
                const addr dst = node();
                auto a = fast.find_and_touch(at_us(now), dst);
                auto b = slow.find(dst);
                if (b)
                    slow.touch(at_us(now), *b);
                ASSERT_EQ(a.has_value(), b.has_value()) << "seed " << seed << " step " << step;
                if (a) {
                    ASSERT_TRUE(*a == *b) << "seed " << seed << " step " << step;
                }
            } else if (op < 88) {
                std::array<addr, 5> p{1};
                const std::size_t n = 2 + rng.next() % 4;
                for (std::size_t k = 1; k < n; ++k)
                    p[k] = node();
                const bool rev = rng.next() % 2;
                const std::size_t fresh = rng.next() % 5;
                fast.learn(at_us(now), std::span<const addr>(p.data(), n), rev, nullptr, fresh);
                slow.learn(at_us(now), std::span<const addr>(p.data(), n), rev, nullptr, fresh);
            } else if (op < 95) {
                const addr f = rng.next() % 3 ? 1 : node(), t = node();
                ASSERT_EQ(fast.remove_link(at_us(now), f, t), slow.remove_link(at_us(now), f, t));
            } else if (op < 99) {
                fast.sweep(at_us(now));
                slow.sweep(at_us(now));
            } else {
                fast.clear();
                slow.clear();
            }
            std::array<std::pair<addr, addr>, 64> la{}, lb{};
            const std::size_t na = fast.list_links(la), nb = slow.list_links(lb);
            ASSERT_EQ(na, nb) << "seed " << seed << " step " << step;
            ASSERT_TRUE(std::equal(la.begin(), la.begin() + na, lb.begin())) << "seed " << seed << " step " << step;
        }
        EXPECT_EQ(sa.cache_expired, sb.cache_expired);
        EXPECT_EQ(sa.cache_evictions, sb.cache_evictions);
        EXPECT_GT(sa.cache_expired + sa.cache_evictions, 0u) << "seed " << seed;
    }
}

} // namespace
} // namespace babe::dsr
