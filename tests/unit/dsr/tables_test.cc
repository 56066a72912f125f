// SPDX-License-Identifier: Apache-2.0
// Table-driven unit tests of the DSR core's tables, each citing its RFC
// 4728 section: Route Request Table (§4.3), rate limiter (flood
// protection), blacklist (§4.6), Gratuitous Reply Table (§4.4), route cache
// (§4.1, link and path) and Route Discovery backoff (§8.2.1, through node).
#include <gtest/gtest.h>

#include "dsr/blacklist.hh"
#include "dsr/grat_reply_table.hh"
#include "dsr/node.hh"
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
