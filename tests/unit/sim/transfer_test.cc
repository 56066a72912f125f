// SPDX-License-Identifier: Apache-2.0
// babe-sim's transport agent: bulk transfers over the real transport core,
// carried hop by hop by the real DSR core. A static 3-hop chain completes
// byte-exact; a path broken with no alternative ends in a reported error,
// not a hang; the checker catches a wrong byte and a hung transfer; the
// shipped mobile scenario replays to the same JSON; runs without transfers
// print no transfer keys.
#include <gtest/gtest.h>

#include "config/yaml_reader.hh"
#include "sim/results.hh"
#include "sim/scenario.hh"
#include "sim/world.hh"

using namespace babe::sim;

namespace {

// Four static nodes 200 m apart (each hears only its neighbours: 0 -> 3 is
// three hops), carrier sense across the chain so no hidden terminal
// collides the segments with their ACKs.
constexpr const char* chain3 = R"(
duration_s: 120
nodes: 4
area: {x_m: 800, y_m: 1}
radio: {range_m: 250, carrier_sense_m: 1000}
mobility: {model: chain, spacing_m: 200}
traffic: {sources: 0}
transfers:
  - {src: 0, dst: 3, bytes: 400000, start_s: 1}
)";

run_result run_text(const char* yaml, std::uint64_t seed, const std::vector<std::string>& sets = {},
                    const run_options& opt = {})
{
    auto sc = load_scenario_text(yaml, "test.yaml", sets);
    world w(sc, seed, opt);
    return w.run();
}

std::uint64_t transport_counter(const run_result& r, const char* name)
{
    return r.transfers->transport_counters.at(name);
}

} // namespace

TEST(sim_transfer, static_three_hop_chain_completes_byte_exact)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto r = run_text(chain3, 1);
    ASSERT_FALSE(r.failure) << *r.failure;
    ASSERT_TRUE(r.transfers);
    ASSERT_EQ(r.transfers->list.size(), 1u);
    const auto& t = r.transfers->list[0];
    EXPECT_EQ(t.state, "completed") << t.error;
    EXPECT_EQ(t.delivered, 400000u); // every byte checked against the sender's, in order
    EXPECT_EQ(r.transfers->completed, 1u);
    EXPECT_EQ(transport_counter(r, "data_bytes_delivered"), 400000u);
    EXPECT_GT(t.goodput_bps, 0.0);
    EXPECT_LT(t.goodput_bps, 2e6 / 3); // three hops share one 2 Mb/s channel
    // Every segment crossed three links: at least three frames a segment.
    EXPECT_GE(r.transfers->frames, 3u * (400000u / 1200u));
    // The segments were recovered hop by hop (babed's dsr.hop_recovery).
    auto it = r.core_counters.find("hop_reliable_sent");
    ASSERT_NE(it, r.core_counters.end());
    EXPECT_GT(it->second, 0u);
}

TEST(sim_transfer, relay_gone_for_good_ends_in_a_reported_error)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    // The only relay next to the sender crashes mid-transfer and stays down:
    // no path is left, and the transfer must say so before the run ends.
    auto r = run_text(chain3, 1, {"duration_s=300", "faults=[{kind: crash, node: 1, at_s: 2}]"});
    ASSERT_FALSE(r.failure) << *r.failure;
    ASSERT_TRUE(r.transfers);
    const auto& t = r.transfers->list[0];
    EXPECT_EQ(t.state, "failed");
    EXPECT_FALSE(t.error.empty());
    EXPECT_LT(t.delivered, 400000u);
    EXPECT_EQ(r.transfers->failed, 1u);
}

TEST(sim_transfer, cut_off_receiver_times_out)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    // Node 3 is cut off from the start: no SYN reaches it, and the
    // connection times out rather than waiting for ever.
    auto r =
        run_text(chain3, 1, {"duration_s=300", "faults=[{kind: link_down, a: 2, b: 3, at_s: 0}]"});
    ASSERT_FALSE(r.failure) << *r.failure;
    const auto& t = r.transfers->list[0];
    EXPECT_EQ(t.state, "failed");
    EXPECT_EQ(t.delivered, 0u);
    EXPECT_NE(t.error.find("timed_out"), std::string::npos) << t.error;
}

TEST(sim_transfer, failed_discovery_fails_the_connecting_transfer)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    // The same cut, and Route Discovery gives up after two retries: the
    // transfer still connecting fails at once as unreachable (babed's send
    // session does the same), long before the SYN would time out.
    auto r = run_text(chain3, 1,
                      {"duration_s=300", "faults=[{kind: link_down, a: 2, b: 3, at_s: 0}]",
                       "dsr.max_request_rexmt=2"});
    ASSERT_FALSE(r.failure) << *r.failure;
    const auto& t = r.transfers->list[0];
    EXPECT_EQ(t.state, "failed");
    EXPECT_NE(t.error.find("unreachable"), std::string::npos) << t.error;
    EXPECT_LT(t.duration_s, 10.0);
    EXPECT_GE(r.discoveries_failed, 1u);
}

TEST(sim_transfer, checker_catches_a_wrong_byte)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    run_options opt;
    opt.corrupt_transfer_byte = std::make_pair(0u, std::uint64_t{123457});
    auto r = run_text(chain3, 1, {}, opt);
    ASSERT_TRUE(r.failure);
    EXPECT_NE(r.failure->find("transfer 0: the byte at stream offset 123457 differs"),
              std::string::npos)
        << *r.failure;
}

TEST(sim_transfer, checker_catches_a_hung_transfer)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    // Two seconds are too short for the transfer to end either way.
    auto r = run_text(chain3, 1, {"duration_s=2"});
    ASSERT_TRUE(r.failure);
    EXPECT_NE(
        r.failure->find("transfer 0 (node 0 -> 3, 400000 B from 1.000s) neither completed nor "
                        "reported an error"),
        std::string::npos)
        << *r.failure;
}

TEST(sim_transfer, mobile_scenario_replays_its_seed)
{
    if (!have_dsr_core())
        GTEST_SKIP() << "built without the DSR core";
    auto sc = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/transfers.yaml");
    ASSERT_TRUE(sc.seed);
    auto a = to_json(world(sc, *sc.seed).run());
    auto b = to_json(world(sc, *sc.seed).run());
    ASSERT_EQ(a["checkers"], "ok") << a["checkers"];
    a.erase("wall_s");
    b.erase("wall_s");
    EXPECT_EQ(a.dump(), b.dump());
    ASSERT_TRUE(a.contains("transfers"));
    const auto& t = a["transfers"];
    EXPECT_EQ(t["list"].size(), 4u);
    EXPECT_EQ(t["completed"].get<std::uint64_t>() + t["failed"].get<std::uint64_t>(), 4u);
    EXPECT_GT(t["bytes_delivered"].get<std::uint64_t>(), 0u);
    EXPECT_GT(a["routing"]["links_broken"].get<std::uint64_t>(), 0u)
        << "the nodes must move links apart";
    // Another seed is another run.
    auto c = to_json(world(sc, *sc.seed + 1).run());
    c.erase("wall_s");
    EXPECT_NE(a.dump(), c.dump());
}

TEST(sim_transfer, no_transfer_keys_without_transfers)
{
    auto sc = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/chain.yaml");
    sc.agent = have_dsr_core() ? agent_kind::dsr : agent_kind::direct;
    auto j = to_json(world(sc, 1).run());
    EXPECT_FALSE(j.contains("transfers"));
}

TEST(sim_transfer, scenario_errors_name_file_line_and_key)
{
    try {
        (void)load_scenario_text("nodes: 4\ntransfers:\n  - {src: 0, dst: 9, bytes: 10}\n",
                                 "t.yaml");
        FAIL() << "a transfer to node 9 of 4 was accepted";
    } catch (const babe::config::config_exception& e) {
        EXPECT_EQ(std::string(e.err.what()), "t.yaml:3: transfers.0: node out of range");
    }
    try {
        (void)load_scenario_text("transfers:\n  - {src: 0, dst: 1, bytes: 0}\n", "t.yaml");
        FAIL() << "a transfer of 0 bytes was accepted";
    } catch (const babe::config::config_exception& e) {
        EXPECT_NE(std::string(e.err.what()).find("t.yaml:2: transfers.0.bytes"), std::string::npos)
            << e.err.what();
    }
}
