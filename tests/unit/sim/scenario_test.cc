// SPDX-License-Identifier: Apache-2.0
// Scenario reading: defaults, nested keys, --set overrides by path, list
// items, and errors that name the file, the line and the key.
#include <gtest/gtest.h>

#include "config/yaml_reader.hh"
#include "sim/scenario.hh"

using namespace babe::sim;

namespace {
std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {})
{
    try {
        load_scenario_text(yaml, "s.yaml", sets);
    } catch (const babe::config::config_exception& e) {
        return e.err.what();
    }
    return "";
}
} // namespace

TEST(scenario, defaults_are_broch98)
{
    auto sc = load_scenario_text("{}", "s.yaml");
    EXPECT_EQ(sc.nodes, 50u);
    EXPECT_DOUBLE_EQ(sc.radio.range_m, 250);
    EXPECT_DOUBLE_EQ(sc.radio.bitrate_bps, 2e6);
    EXPECT_EQ(sc.radio.queue_packets, 50u);
    EXPECT_EQ(sc.mobility.model, mobility_model::random_waypoint);
}

TEST(scenario, set_overrides_nested_keys)
{
    auto sc = load_scenario_text("nodes: 10\nmobility: {pause_s: 5}\n", "s.yaml",
                                 {"mobility.pause_s=300", "duration_s=60", "area.x_m=700",
                                  "radio.range_m=100", "traffic.sources=3", "traffic.rate_pps=2",
                                  "traffic.size_b=512", "mobility.max_speed_mps=5",
                                  "radio.bitrate_bps=11e6", "mobility.model=grid", "nodes=12",
                                  "area.y_m=50"});
    EXPECT_DOUBLE_EQ(sc.mobility.pause_s, 300);
    EXPECT_DOUBLE_EQ(sc.duration_s, 60);
    EXPECT_DOUBLE_EQ(sc.area_x_m, 700);
    EXPECT_DOUBLE_EQ(sc.area_y_m, 50);
    EXPECT_DOUBLE_EQ(sc.radio.range_m, 100);
    EXPECT_EQ(sc.traffic.sources, 3u);
    EXPECT_EQ(sc.traffic.size_b, 512u);
    EXPECT_EQ(sc.nodes, 12u);
    EXPECT_EQ(sc.mobility.model, mobility_model::grid);
}

TEST(scenario, unknown_key_names_file_line_and_key)
{
    EXPECT_EQ(error_of("nodes: 5\nradio:\n  range_m: 100\n  rnage: 3\n"), "s.yaml:4: radio.rnage: unknown key");
    EXPECT_EQ(error_of("nodes: 5\n", {"radio.nope=1"}), "--set: radio.nope: unknown key");
    EXPECT_NE(error_of("nodes: -1\n").find("s.yaml:1: nodes:"), std::string::npos);
    EXPECT_NE(error_of("faults:\n  - {kind: crash, node: 1, at_s: 2, bogus: 1}\n").find("s.yaml:2: faults.0.bogus: unknown key"),
              std::string::npos);
}

TEST(scenario, lists_of_flows_and_faults)
{
    auto sc = load_scenario_text(R"(nodes: 5
traffic:
  flows:
    - {src: 0, dst: 4, rate_pps: 2, start_s: 1}
faults:
  - {kind: crash, node: 2, at_s: 10, until_s: 20}
  - {kind: partition, at_s: 5, nodes: [0, 1]}
  - {kind: link_down, a: 1, b: 2, at_s: 3}
  - {kind: loss_burst, at_s: 1, until_s: 2, loss: 0.5}
)", "s.yaml");
    ASSERT_EQ(sc.traffic.flows.size(), 1u);
    EXPECT_EQ(sc.traffic.flows[0].dst, 4u);
    EXPECT_DOUBLE_EQ(sc.traffic.flows[0].rate_pps, 2);
    ASSERT_EQ(sc.faults.size(), 4u);
    EXPECT_EQ(sc.faults[1].kind, fault_kind::partition);
    EXPECT_EQ(sc.faults[1].nodes, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_DOUBLE_EQ(sc.faults[3].loss, 0.5);
}

TEST(scenario, cross_checks)
{
    EXPECT_NE(error_of("nodes: 3\ntraffic: {flows: [{src: 0, dst: 3}]}\n").find("node out of range"), std::string::npos);
    EXPECT_NE(error_of("nodes: 3\ntraffic: {flows: [{src: 1, dst: 1}]}\n").find("same node"), std::string::npos);
    EXPECT_NE(error_of("mobility: {min_speed_mps: 5, max_speed_mps: 1}\n").find("mobility.min_speed_mps"), std::string::npos);
    EXPECT_NE(error_of("mobility: {model: file}\n").find("mobility.file"), std::string::npos);
}

TEST(scenario, shipped_scenarios_load)
{
    for (const char* f : {"broch98", "chain", "grid", "mobile", "scale-1k", "scale-10k"}) {
        std::string path = std::string(BABE_SIM_SCENARIOS) + "/" + f + ".yaml";
        EXPECT_NO_THROW(load_scenario(path)) << path;
    }
    auto b = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/broch98.yaml");
    EXPECT_EQ(b.nodes, 50u);
    EXPECT_DOUBLE_EQ(b.area_x_m, 1500);
    EXPECT_DOUBLE_EQ(b.duration_s, 900);
    EXPECT_EQ(b.traffic.size_b, 64u);
    // same density as broch98 (9000 m^2 per node), within 1 %
    for (const char* f : {"scale-1k", "scale-10k"}) {
        auto s = load_scenario(std::string(BABE_SIM_SCENARIOS) + "/" + f + ".yaml");
        EXPECT_NEAR(s.area_x_m * s.area_y_m / s.nodes, 9000, 90) << f;
    }
}
