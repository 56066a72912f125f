// SPDX-License-Identifier: Apache-2.0
// Engine pieces of babe-sim: the event queue's (time, sequence) order, the
// seeded streams, the spatial grid against brute force, mobility bounds and
// the frame tag round trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "sim/event_queue.hh"
#include "sim/frame_parse.hh"
#include "sim/mobility.hh"
#include "sim/rng.hh"
#include "sim/spatial_grid.hh"

using namespace babe::sim;

TEST(event_queue, orders_by_time_then_insertion)
{
    event_queue q;
    q.push(30, ev::traffic, 1);
    q.push(10, ev::traffic, 2);
    q.push(30, ev::traffic, 3);
    q.push(10, ev::traffic, 4);
    q.push(20, ev::traffic, 5);
    std::vector<std::uint32_t> order;
    while (!q.empty())
        order.push_back(q.pop().a);
    EXPECT_EQ(order, (std::vector<std::uint32_t>{2, 4, 5, 1, 3}));
}

TEST(event_queue, many_equal_times_keep_insertion_order)
{
    event_queue q;
    for (std::uint32_t i = 0; i < 1000; ++i)
        q.push(i % 7, ev::traffic, i);
    std::int64_t last_t = -1;
    std::uint32_t last_a = 0;
    while (!q.empty()) {
        auto e = q.pop();
        if (e.t_ns == last_t)
            EXPECT_GT(e.a, last_a);
        else
            EXPECT_GT(e.t_ns, last_t);
        last_t = e.t_ns;
        last_a = e.a;
    }
}

TEST(rng, streams_are_reproducible_and_distinct)
{
    rng a(derive_seed(42, stream::mobility, 3)), b(derive_seed(42, stream::mobility, 3));
    rng c(derive_seed(42, stream::mobility, 4)), d(derive_seed(42, stream::traffic, 3));
    bool differs_c = false, differs_d = false;
    for (int i = 0; i < 100; ++i) {
        auto x = a.next();
        EXPECT_EQ(x, b.next());
        differs_c |= x != c.next();
        differs_d |= x != d.next();
    }
    EXPECT_TRUE(differs_c);
    EXPECT_TRUE(differs_d);
    rng r(7);
    for (int i = 0; i < 10000; ++i) {
        EXPECT_LT(r.below(13), 13u);
        double u = r.uniform();
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
    }
}

TEST(spatial_grid, finds_exactly_the_nodes_in_range)
{
    rng r(1);
    std::vector<vec2> pos(500);
    for (auto& p : pos)
        p = vec2{r.uniform(0, 3000), r.uniform(0, 700)};
    spatial_grid g(260);
    g.rebuild(pos);
    const double range = 250;
    for (std::uint32_t i = 0; i < pos.size(); i += 7) {
        std::vector<std::uint32_t> got, want;
        g.for_each_candidate(pos[i], range, [&](std::uint32_t c) {
            if (dist2(pos[i], pos[c]) <= range * range)
                got.push_back(c);
        });
        for (std::uint32_t c = 0; c < pos.size(); ++c)
            if (dist2(pos[i], pos[c]) <= range * range)
                want.push_back(c);
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, want) << "node " << i;
    }
}

TEST(mobility, random_waypoint_stays_in_area_and_respects_speed)
{
    scenario sc;
    sc.nodes = 20;
    sc.area_x_m = 1000;
    sc.area_y_m = 300;
    sc.mobility.model = mobility_model::random_waypoint;
    sc.mobility.min_speed_mps = 1;
    sc.mobility.max_speed_mps = 20;
    sc.mobility.pause_s = 2;
    mobility m(sc, 9);
    std::vector<vec2> last(sc.nodes);
    for (std::uint32_t n = 0; n < sc.nodes; ++n)
        last[n] = m.position(n, 0);
    bool moved = false;
    const std::int64_t step = 100'000'000; // 0.1 s
    for (std::int64_t t = step; t <= 120'000'000'000; t += step)
        for (std::uint32_t n = 0; n < sc.nodes; ++n) {
            auto p = m.position(n, t);
            EXPECT_GE(p.x, 0);
            EXPECT_LE(p.x, 1000);
            EXPECT_GE(p.y, 0);
            EXPECT_LE(p.y, 300);
            EXPECT_LE(std::sqrt(dist2(p, last[n])), 20 * 0.1 + 1e-6);
            moved |= dist2(p, last[n]) > 0;
            if (t <= 2'000'000'000) {
                EXPECT_EQ(dist2(p, last[n]), 0) << "nodes pause first";
            }
            last[n] = p;
        }
    EXPECT_TRUE(moved);
}

TEST(mobility, chain_and_grid_are_static_and_placed)
{
    scenario sc;
    sc.nodes = 6;
    sc.mobility.model = mobility_model::chain;
    sc.mobility.spacing_m = 200;
    mobility c(sc, 1);
    EXPECT_FALSE(c.moves());
    EXPECT_DOUBLE_EQ(c.position(5, 1'000'000'000).x, 1000);
    sc.mobility.model = mobility_model::grid;
    sc.mobility.columns = 3;
    mobility g(sc, 1);
    EXPECT_DOUBLE_EQ(g.position(4, 0).x, 200);
    EXPECT_DOUBLE_EQ(g.position(4, 0).y, 200);
}

TEST(frame_parse, data_packet_tag_round_trip)
{
    std::array<std::byte, 256> buf{};
    auto len = write_data_packet(buf, 0x0a000001, 0x0a000005, 7, 1234, 2, 3, 64);
    ASSERT_EQ(len, 20u + 8u + 64u);
    auto f = parse_frame({buf.data(), len});
    EXPECT_TRUE(f.ipv4);
    EXPECT_EQ(f.src, 0x0a000001u);
    EXPECT_EQ(f.dst, 0x0a000005u);
    EXPECT_EQ(f.protocol, 17);
    EXPECT_EQ(f.uid, 1234u);
    // truncated: no tag, no crash
    auto t = parse_frame({buf.data(), 30});
    EXPECT_FALSE(t.ipv4);
    EXPECT_EQ(write_data_packet(buf, 1, 2, 0, 0, 0, 0, 8), 0u);
}

TEST(mobility, file_waypoints_interpolate)
{
    std::string path = ::testing::TempDir() + "sim_positions.txt";
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("# t node x y\n0 0 0 0\n10 0 100 0\n0 1 5 5\n", f);
        std::fclose(f);
    }
    scenario sc;
    sc.nodes = 2;
    sc.mobility.model = mobility_model::file;
    sc.mobility.file = path;
    mobility m(sc, 1);
    EXPECT_TRUE(m.moves());
    EXPECT_NEAR(m.position(0, 5'000'000'000).x, 50, 1e-9);
    EXPECT_NEAR(m.position(0, 20'000'000'000).x, 100, 1e-9);
    EXPECT_NEAR(m.position(1, 20'000'000'000).y, 5, 1e-9);
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("0 0 1 1\n", f); // node 1 missing
    std::fclose(f);
    EXPECT_THROW(mobility(sc, 1), std::runtime_error);
    std::remove(path.c_str());
}
