// SPDX-License-Identifier: Apache-2.0
// Table-driven unit tests of the DSR core's tables, each citing its RFC
// 4728 section: Route Request Table (§4.3), rate limiter (flood
// protection), blacklist (§4.6), Gratuitous Reply Table (§4.4), route cache
// (§4.1, link and path) and Route Discovery backoff (§8.2.1, through node).
#include <gtest/gtest.h>

#include "dsr/blacklist.hh"
#include "dsr/codec/codec.hh"
#include "dsr/grat_reply_table.hh"
#include "dsr/node.hh"
#include "dsr/packet.hh"
#include "dsr/request_table.hh"
#include "dsr/route_cache.hh"

namespace babe::dsr {
namespace {

time_point at_ms(int ms) { return time_from_ns(std::int64_t(ms) * 1'000'000); }

// §4.3: per-initiator FIFO of RequestTableIds (id, target) pairs.
TEST(DsrRequestTable, FifoPerInitiatorAndLruInitiators)
{
    config c;
    c.request_table_ids = 2;
    c.request_table_size = 2;
    counters s;
    request_table t(c, s);
    struct step { addr init; std::uint16_t id; addr target; bool seen; };
    const step steps[] = {
        {1, 10, 9, false}, {1, 10, 9, true},  {1, 11, 9, false}, {1, 10, 8, false}, // (1,10,9) pushed out
        {1, 10, 9, false}, {2, 1, 9, false},  {3, 1, 9, false},                      // evicts initiator 1
        {1, 10, 8, false},
    };
    int ms = 0;
    for (const auto& st : steps)
        EXPECT_EQ(t.check_and_record(at_ms(ms++), st.init, st.id, st.target), st.seen)
            << st.init << " " << st.id << " " << st.target;
    EXPECT_GE(s.request_table_evictions, 1u);
}

// Flood protection: token bucket per initiator.
TEST(DsrRateLimiter, BurstThenRate)
{
    config c;
    c.rreq_burst_per_initiator = 3;
    c.rreq_rate_per_initiator = 10; // one token per 100 ms
    counters s;
    rate_limiter r(c, s);
    EXPECT_TRUE(r.allow(at_ms(0), 1));
    EXPECT_TRUE(r.allow(at_ms(0), 1));
    EXPECT_TRUE(r.allow(at_ms(0), 1));
    EXPECT_FALSE(r.allow(at_ms(0), 1));
    EXPECT_TRUE(r.allow(at_ms(0), 2)); // another initiator has its own bucket
    EXPECT_FALSE(r.allow(at_ms(50), 1));
    EXPECT_TRUE(r.allow(at_ms(150), 1));
}

// §4.6: probable -> questionable after the timeout; cleared on evidence.
TEST(DsrBlacklist, States)
{
    config c;
    c.blacklist_timeout = 1s;
    c.blacklist_size = 1;
    counters s;
    blacklist b(c, s);
    EXPECT_EQ(b.lookup(at_ms(0), 5), blacklist::state::none);
    b.add(at_ms(0), 5);
    EXPECT_TRUE(b.blocks(5));
    EXPECT_EQ(b.lookup(at_ms(999), 5), blacklist::state::probable);
    EXPECT_EQ(b.lookup(at_ms(1000), 5), blacklist::state::questionable);
    EXPECT_FALSE(b.blocks(5));
    b.add(at_ms(1000), 6); // bound 1: replaces 5
    EXPECT_EQ(s.blacklist_overflows, 1u);
    EXPECT_EQ(b.lookup(at_ms(1000), 5), blacklist::state::none);
    b.clear(6);
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(s.blacklist_cleared, 1u);
}

// §4.4: one gratuitous reply per (sender, overheard node) per GratReplyHoldoff.
TEST(DsrGratReplyTable, Holdoff)
{
    config c;
    counters s;
    grat_reply_table g(c, s);
    EXPECT_TRUE(g.try_record(at_ms(0), 1, 2));
    EXPECT_FALSE(g.try_record(at_ms(999), 1, 2));
    EXPECT_TRUE(g.try_record(at_ms(999), 1, 3));
    EXPECT_TRUE(g.try_record(at_ms(1000), 1, 2));
}

class DsrRouteCache : public ::testing::TestWithParam<cache_kind> {};

// §4.1: learn, shortest route, remove a link, expire, bounded hops.
TEST_P(DsrRouteCache, LearnFindRemoveExpire)
{
    config c;
    c.cache = GetParam();
    c.route_cache_timeout = 10s;
    counters s;
    route_cache rc(c, 1, s);
    const addr p1[] = {1, 2, 3, 4, 5};
    rc.learn(at_ms(0), p1, false, nullptr);
    auto r = rc.find(5);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hop_count, 3);
    const addr p2[] = {1, 7, 5};
    rc.learn(at_ms(0), p2, false, nullptr);
    r = rc.find(5);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hop_count, 1);
    EXPECT_EQ(r->hops[0], 7u);
    const auto v = rc.version();
    EXPECT_TRUE(rc.remove_link(7, 5));
    EXPECT_NE(rc.version(), v);
    r = rc.find(5);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hop_count, 3);
    rc.touch(at_ms(5000), *r);
    rc.sweep(at_ms(12000)); // the used route survives, unused entries expire
    EXPECT_TRUE(rc.find(5));
    rc.sweep(at_ms(16000));
    EXPECT_FALSE(rc.find(5));
    EXPECT_GE(s.cache_expired, 1u);
    // A route longer than BABE_MAX_ROUTE_HOPS intermediates is never returned.
    std::vector<addr> longp{1};
    for (addr a = 100; a < 100 + max_route_hops + 2; ++a)
        longp.push_back(a);
    rc.learn(at_ms(20000), longp, false, nullptr);
    EXPECT_FALSE(rc.find(longp.back()));
    EXPECT_TRUE(rc.find(longp[max_route_hops + 1]));
}

INSTANTIATE_TEST_SUITE_P(Kinds, DsrRouteCache, ::testing::Values(cache_kind::link, cache_kind::path));

// §4.1: the link cache is bounded; LRU links are evicted and counted.
TEST(DsrRouteCacheBound, LinkEviction)
{
    config c;
    c.cache_links = 4;
    counters s;
    route_cache rc(c, 1, s);
    for (addr a = 2; a < 10; ++a) {
        const addr p[] = {1, a};
        rc.learn(at_ms(int(a)), p, false, nullptr);
    }
    EXPECT_EQ(rc.link_count(), 4u);
    EXPECT_EQ(s.cache_evictions, 4u);
    EXPECT_FALSE(rc.find(2));
    EXPECT_TRUE(rc.find(9));
}

// §8.3.5, §4.1: a link removed on a Route Error is remembered as broken:
// for broken_link_holdoff, routes still going round that carry it (hearsay:
// the untravelled part of a source route, a cached reply's tail) do not
// bring it back; first-hand evidence (a packet crossed it) does. Regression
// for stale routes cycling through the caches under mobility.
TEST(DsrRouteCacheLink, BrokenLinkIsNotRelearnedFromHearsay)
{
    config c;
    c.broken_link_holdoff = 10s;
    counters s;
    route_cache rc(c, 1, s);
    const addr p[] = {1, 2, 3, 4};
    rc.learn(at_ms(0), p, false, nullptr);
    ASSERT_TRUE(rc.find(4));
    EXPECT_TRUE(rc.remove_link(at_ms(1000), 3, 4));
    EXPECT_FALSE(rc.find(4));
    EXPECT_EQ(rc.link_count(), 2u);
    rc.learn(at_ms(2000), p, false, nullptr, 0); // all hearsay
    EXPECT_FALSE(rc.find(4));
    EXPECT_EQ(s.cache_relearn_refused, 1u);
    // A link never known, reported broken, is refused from hearsay too.
    EXPECT_FALSE(rc.remove_link(at_ms(2000), 3, 5));
    const addr q[] = {1, 2, 3, 5};
    rc.learn(at_ms(2500), q, false, nullptr, 0);
    EXPECT_FALSE(rc.find(5));
    // First-hand: a packet crossed 3 -> 4 just now.
    rc.learn(at_ms(3000), p, false, nullptr, 3);
    EXPECT_TRUE(rc.find(4));
    // After the holdoff hearsay may teach a broken link again.
    EXPECT_TRUE(rc.remove_link(at_ms(4000), 3, 4));
    rc.learn(at_ms(14000), p, false, nullptr, 0);
    EXPECT_TRUE(rc.find(4));
}

// §4.1: hearsay adds unknown links but does not keep known ones alive; a
// link expires after as long as it had been seen alive (at least
// link_min_lifetime, at most RouteCacheTimeout).
TEST(DsrRouteCacheLink, HearsayDoesNotRefreshAndLifetimeAdapts)
{
    config c;
    c.link_min_lifetime = 10s;
    c.route_cache_timeout = 300s;
    counters s;
    route_cache rc(c, 1, s);
    const addr p[] = {1, 2};
    const addr q[] = {1, 3};
    rc.learn(at_ms(0), p, false, nullptr);
    rc.learn(at_ms(0), q, false, nullptr);
    rc.learn(at_ms(8000), p, false, nullptr, 0); // hearsay: 1 -> 2 not refreshed
    for (int t = 0; t <= 100000; t += 5000)
        rc.learn(at_ms(t), q, false, nullptr); // 1 -> 3 seen alive for 100 s
    rc.sweep(at_ms(10000));
    EXPECT_FALSE(rc.find(2));
    rc.sweep(at_ms(190000)); // 90 s after its last refresh: kept (alive 100 s)
    EXPECT_TRUE(rc.find(3));
    rc.sweep(at_ms(200000));
    EXPECT_FALSE(rc.find(3));
    EXPECT_EQ(s.cache_expired, 2u);
}

// §4.1: a route the caller's data plane uses (touch_route) is kept alive
// past its links' lifetime; an unused one expires.
TEST(DsrRouteCacheLink, TouchRouteKeepsAUsedRouteAlive)
{
    config c;
    c.link_min_lifetime = 10s;
    node n(c, 1, 3);
    // A Route Request from 3 forwarded by 2 teaches 1 - 2 - 3.
    packet_record r;
    r.src = 3;
    r.dst = broadcast;
    r.ttl = 10;
    const std::array<codec::ipv4_addr, 1> rec{codec::ipv4_addr{2}};
    auto k = codec::encode_rreq(r.extra_room(), 1, codec::ipv4_addr{99}, rec);
    ASSERT_TRUE(k);
    r.extra_len = static_cast<std::uint8_t>(*k);
    std::array<std::byte, 256> buf{};
    auto len = encode_packet(r, buf);
    ASSERT_TRUE(len);
    n.handle_packet(at_ms(0), 0, 2, {buf.data(), *len}, std::nullopt);
    ASSERT_TRUE(n.find_route(3));
    for (int t = 1000; t <= 30000; t += 1000) {
        EXPECT_TRUE(n.touch_route(at_ms(t), 3));
        n.handle_timeout(at_ms(t));
    }
    EXPECT_TRUE(n.find_route(3));
    // Seen alive for 30 s, so kept 30 s after its last use, then gone.
    for (int t = 31000; t <= 59000; t += 1000)
        n.handle_timeout(at_ms(t));
    EXPECT_TRUE(n.find_route(3));
    for (int t = 60000; t <= 62000; t += 1000)
        n.handle_timeout(at_ms(t));
    EXPECT_FALSE(n.find_route(3));
    EXPECT_FALSE(n.touch_route(at_ms(62000), 3));
}

// §8.2.1, §3.3.3: a discovery for an unreachable target: TTL-1 request,
// then floods with backoff RequestPeriod doubling to MaxRequestPeriod, at
// most MaxRequestRexmt retransmissions, then discovery_failed.
TEST(DsrDiscovery, BackoffAndGiveUp)
{
    config c;
    c.max_request_rexmt = 5;
    node n(c, 1, 42);
    std::array<std::byte, 2048> out{};
    n.start_discovery(time_point{}, 9);
    std::vector<std::pair<std::int64_t, int>> sent; // (ms, ttl)
    bool failed = false;
    for (int guard = 0; guard < 100 && !failed; ++guard) {
        auto t = n.poll_timeout();
        ASSERT_TRUE(t);
        n.handle_timeout(*t);
        while (auto x = n.poll_transmit(*t, out))
            sent.push_back({to_ns(*t) / 1'000'000, int(std::to_integer<std::uint8_t>(out[8]))});
        while (auto e = n.poll_event())
            failed |= e->kind == event_kind::discovery_failed;
    }
    // The first request (queued by start_discovery at t=0) has TTL 1.
    ASSERT_TRUE(failed);
    const std::vector<std::pair<std::int64_t, int>> want = {
        {0, 1}, {30, 255}, {530, 255}, {1530, 255}, {3530, 255}, {7530, 255}};
    EXPECT_EQ(sent, want);
    EXPECT_EQ(n.stats().rreq_originated, 1u);
    EXPECT_EQ(n.stats().rreq_retransmitted, 5u);
    EXPECT_EQ(n.stats().discovery_failed, 1u);
}

} // namespace
} // namespace babe::dsr
