// SPDX-License-Identifier: Apache-2.0
// Short babe-sim runs of the real DSR core with every checker on: a static
// chain and grid (everything delivered, on shortest paths), a fast-moving
// network whose link breaks exercise Route Error and salvaging, the same
// without link-layer feedback (passive acks / Ack Requests), a crashed relay,
// and replay of a seed.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "sim/scenario.hh"
#include "sim/world.hh"

using namespace babe::sim;

namespace {

run_result run_file(const char* name, std::uint64_t seed, const std::vector<std::string>& sets = {})
{
    auto sc = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/" + name + ".yaml", sets);
    world w(sc, seed);
    return w.run();
}

std::uint64_t counter(const run_result& r, const char* name)
{
    auto it = r.core_counters.find(name);
    return it == r.core_counters.end() ? 0 : it->second;
}

void expect_clean(const run_result& r)
{
    ASSERT_FALSE(r.failure) << "seed " << r.seed << ": " << *r.failure;
    EXPECT_EQ(r.data_sent, r.data_delivered + r.data_dropped + r.data_in_flight);
}

} // namespace

TEST(sim_dsr, chain_delivers_everything_over_four_hops)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto r = run_file("chain", 1);
    expect_clean(r);
    EXPECT_EQ(r.data_sent, 116u);
    EXPECT_EQ(r.data_delivered, r.data_sent);
    EXPECT_DOUBLE_EQ(r.mean_hops, 4.0);
    EXPECT_DOUBLE_EQ(r.mean_extra_hops, 0.0);
    EXPECT_GE(r.discoveries_done, 1u);
    EXPECT_GT(r.control_packets, 0u);
    EXPECT_GT(counter(r, "rreq_forwarded"), 0u);
}

TEST(sim_dsr, grid_delivers_on_near_shortest_paths)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    for (std::uint64_t seed : {1, 2, 3}) {
        auto r = run_file("grid", seed);
        expect_clean(r);
        EXPECT_GT(r.pdr, 0.95) << "seed " << seed;
        EXPECT_GE(r.mean_extra_hops, 0.0);
        EXPECT_LT(r.mean_extra_hops, 0.5) << "seed " << seed;
    }
}

TEST(sim_dsr, mobility_breaks_links_route_error_and_salvage)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    std::uint64_t rerr = 0, salvaged = 0;
    for (std::uint64_t seed : {1, 2, 3}) {
        auto r = run_file("mobile", seed);
        expect_clean(r);
        EXPECT_GT(r.links_broken, 0u);
        EXPECT_GT(r.pdr, 0.5) << "seed " << seed;
        rerr += counter(r, "rerr_sent");
        salvaged += counter(r, "data_salvaged");
    }
    EXPECT_GT(rerr, 0u);
    EXPECT_GT(salvaged, 0u);
}

// RFC 4728 §8.3.4-§8.3.6, §4.1 under constant motion (broch98, pause 0,
// two minutes): routes keep breaking, yet packets do not cycle between the
// Send Buffer and stale cached routes, none is delivered twice, and nearly
// all arrive. Regression: this run delivered 39 % with 1.1 M Send Buffer
// entries for 4,167 packets (queue drops taken for broken links, salvaged
// frames still queued, broken links relearned from stale routes, 300 s
// link lifetimes).
TEST(sim_dsr, broch98_constant_motion_does_not_collapse)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto r = run_file("broch98", 2, {"duration_s=120", "mobility.pause_s=0"});
    expect_clean(r);
    EXPECT_GT(r.links_broken, 100u);
    EXPECT_GT(counter(r, "rerr_sent"), 0u);
    EXPECT_GT(counter(r, "data_salvaged"), 0u);
    EXPECT_EQ(r.data_duplicates, 0u);
    EXPECT_LT(counter(r, "send_buffer_enqueued"), r.data_sent / 4);
    EXPECT_GT(r.pdr, 0.9);
    EXPECT_LT(r.normalized_overhead, 2.0);
}

TEST(sim_dsr, without_link_feedback_passive_acks_and_ack_requests_confirm_hops)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto c = run_file("chain", 1, {"radio.link_feedback=false"});
    expect_clean(c);
    EXPECT_EQ(c.mac_retries, 0u);
    EXPECT_GT(c.pdr, 0.95);
    EXPECT_GT(counter(c, "confirm_passive"), 0u);
    EXPECT_GT(counter(c, "ack_req_sent"), 0u);
    EXPECT_EQ(counter(c, "confirm_link"), 0u);
    auto m = run_file("mobile", 1, {"radio.link_feedback=false"});
    expect_clean(m);
    EXPECT_GT(m.links_broken, 0u);
    EXPECT_GT(m.pdr, 0.3);
}

TEST(sim_dsr, crashed_relay_is_routed_around)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    // grid node 12 is the centre of the 5 x 5 grid; flows 10 -> 14 cross it.
    auto r = run_file("grid", 1, {"traffic.sources=0",
                                  "traffic.flows=[{src: 10, dst: 14, rate_pps: 4, start_s: 1}]",
                                  "faults=[{kind: crash, node: 12, at_s: 10, until_s: 20}]"});
    expect_clean(r);
    EXPECT_GT(r.pdr, 0.9);
    EXPECT_GT(r.links_broken, 0u);
    EXPECT_GT(counter(r, "rerr_sent") + counter(r, "data_salvaged"), 0u);
}

TEST(sim_dsr, a_seed_replays_exactly)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto sc = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/mobile.yaml", {"duration_s=30"});
    std::string pa = ::testing::TempDir() + "sim_dsr_a.pcap", pb = ::testing::TempDir() + "sim_dsr_b.pcap";
    run_options oa, ob;
    oa.pcap_path = pa;
    ob.pcap_path = pb;
    auto a = world(sc, 11, oa).run();
    auto b = world(sc, 11, ob).run();
    expect_clean(a);
    auto ja = to_json(a), jb = to_json(b);
    ja.erase("wall_s");
    jb.erase("wall_s");
    EXPECT_EQ(ja.dump(), jb.dump());
    auto bytes = [](const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    auto ba = bytes(pa);
    EXPECT_GT(ba.size(), 10000u);
    EXPECT_EQ(ba, bytes(pb));
    std::remove(pa.c_str());
    std::remove(pb.c_str());
}
