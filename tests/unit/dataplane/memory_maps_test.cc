// SPDX-License-Identifier: Apache-2.0
// memory_maps, the in-memory map_access the engine's tests run against, must
// behave like the kernel maps it stands for: HASH maps refuse a new key when
// full, the LRU routes map evicts its oldest entry instead, missing keys are
// not_found, and the counter labels come from the stats.h X-macro tables.
#include "core/ipv4.hh"
#include "dataplane/memory_maps.hh"
#include "dataplane/system.hh"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace babe::dataplane;

be32 addr(const char* text) { return parse_ipv4(text).value(); }

TEST(memory_maps, routes_evict_the_oldest_when_full)
{
    memory_maps m{2, 2, 2};
    auto r = make_route({addr("10.0.0.2")});
    ASSERT_TRUE(r);
    ASSERT_TRUE(m.put_route(addr("10.0.0.5"), r.value()));
    ASSERT_TRUE(m.put_route(addr("10.0.0.6"), r.value()));
    ASSERT_TRUE(m.put_route(addr("10.0.0.5"), r.value())); // refresh: .6 is now the oldest
    ASSERT_TRUE(m.put_route(addr("10.0.0.7"), r.value()));
    EXPECT_TRUE(m.find_route(addr("10.0.0.5")).value().has_value());
    EXPECT_FALSE(m.find_route(addr("10.0.0.6")).value().has_value());
    EXPECT_TRUE(m.find_route(addr("10.0.0.7")).value().has_value());
    EXPECT_EQ(m.list_routes().value().size(), 2U);
}

TEST(memory_maps, neighbours_and_ports_refuse_new_keys_when_full)
{
    memory_maps m{4, 1, 1};
    babe_neighbour n{};
    n.ifindex = 3;
    ASSERT_TRUE(m.put_neighbour(addr("10.0.0.2"), n));
    ASSERT_TRUE(m.put_neighbour(addr("10.0.0.2"), n)); // same key: an update
    auto full = m.put_neighbour(addr("10.0.0.3"), n);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, errc::full);
    ASSERT_TRUE(m.put_tx_port(3));
    EXPECT_EQ(m.put_tx_port(4).error().code, errc::full);
    EXPECT_EQ(m.put_tx_port(0).error().code, errc::invalid_argument);
    EXPECT_EQ(m.erase_tx_port(9).error().code, errc::not_found);
    EXPECT_EQ(m.erase_neighbour(addr("10.0.0.9")).error().code, errc::not_found);
    EXPECT_EQ(m.erase_route(addr("10.0.0.9")).error().code, errc::not_found);
}

TEST(memory_maps, make_route_bounds_the_hop_count)
{
    std::vector<be32> hops(BABE_MAX_ROUTE_HOPS, addr("10.0.0.1"));
    auto ok = make_route(hops, 3);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok.value().n_hops, BABE_MAX_ROUTE_HOPS);
    EXPECT_EQ(ok.value().generation, 3U);
    hops.push_back(addr("10.0.0.1"));
    auto bad = make_route(hops);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, errc::invalid_argument);
}

TEST(memory_maps, stats_count_and_clear)
{
    memory_maps m;
    m.add_stat(BABE_STAT_TRANSIT, 100);
    m.add_stat(BABE_STAT_TRANSIT, 50);
    m.add_stat(BABE_STAT_MAX, 1); // out of range: ignored
    auto s = m.read_stats();
    ASSERT_TRUE(s);
    EXPECT_EQ(s.value()[BABE_STAT_TRANSIT].packets, 2U);
    EXPECT_EQ(s.value()[BABE_STAT_TRANSIT].bytes, 150U);
    ASSERT_TRUE(m.clear_stats());
    EXPECT_EQ(m.read_stats().value()[BABE_STAT_TRANSIT].packets, 0U);
}

TEST(stat_labels, follow_the_x_macro_tables)
{
    EXPECT_STREQ(stat_label(BABE_STAT_TRANSIT), "transit");
    EXPECT_STREQ(stat_label(BABE_STAT_DELIVER), "deliver");
    EXPECT_STREQ(stat_label(BABE_STAT_DROP_TTL_EXPIRED), "drop_ttl_expired");
    EXPECT_STREQ(stat_label(BABE_STAT_ENGINE_NO_ROUTE), "engine_no_route");
    EXPECT_STREQ(stat_label(BABE_STAT_MAX), "unknown");
    for (unsigned i = 0; i < BABE_STAT_MAX; ++i)
        EXPECT_EQ(stat_id_from_label(stat_label(i)), i) << stat_label(i);
    EXPECT_EQ(stat_id_from_label("nonsense"), static_cast<unsigned>(BABE_STAT_MAX));
}

TEST(parsing, ipv4_and_mac_round_trip_and_reject_garbage)
{
    auto a = parse_ipv4("10.77.0.5");
    ASSERT_TRUE(a);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&a.value());
    EXPECT_EQ(bytes[0], 10); // network order in memory
    EXPECT_EQ(bytes[3], 5);
    EXPECT_EQ(babe::ipv4_address::from_network(a.value()).to_string(), "10.77.0.5");
    EXPECT_EQ(parse_ipv4("10.77.0").error().code, errc::invalid_argument);
    EXPECT_FALSE(parse_ipv4("10.77.0.256"));

    auto m = parse_mac("02:aB:00:ff:10:9c");
    ASSERT_TRUE(m);
    EXPECT_EQ(m.value()[1], 0xab);
    EXPECT_EQ(format_mac(m.value().data()), "02:ab:00:ff:10:9c");
    EXPECT_FALSE(parse_mac("02:ab:00:ff:10"));
    EXPECT_FALSE(parse_mac("02-ab-00-ff-10-9c"));
    EXPECT_FALSE(parse_mac("02:ab:00:ff:10:9g"));
}

} // namespace
