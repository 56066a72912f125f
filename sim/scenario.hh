// SPDX-License-Identifier: Apache-2.0
// A babe-sim scenario: everything a run depends on besides its seed. Read
// from YAML through the strict schema of userspace/config (unknown keys are
// errors naming file, line and key), with `--set a.b=value` overrides applied
// by dotted path. Defaults are the Broch et al. (MobiCom 1998) setting: 250 m
// unit-disk radio at 2 Mb/s, 50-packet interface queues, 802.11-like MAC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/config.hh"

namespace babe::sim {

enum class mobility_model : std::uint8_t { random_waypoint, static_random, grid, chain, file };
enum class fault_kind : std::uint8_t { crash, partition, link_down, loss_burst };
// Which routing agent the nodes run: the real DSR core, or a one-hop agent
// without routing (tests of the radio and the bookkeeping).
enum class agent_kind : std::uint8_t { dsr, direct };

struct link_loss_spec {
    std::uint32_t a = 0, b = 0; // node indices (both directions)
    double p = 0;
};

struct flow_spec {
    std::uint32_t src = 0, dst = 0;
    double rate_pps = 4;
    std::uint32_t size_b = 64;  // UDP payload bytes
    double start_s = 0;
    double stop_s = -1;         // < 0: until the end of the run
};

// A bulk transfer over the reliable transport (userspace/transport): `bytes`
// from node src to node dst, the connection opened at start_s.
struct transfer_spec {
    std::uint32_t src = 0, dst = 0;
    std::uint64_t bytes = 1 << 20;
    double start_s = 0;
    int line = 0; // where the item was read (errors name it)
};

struct fault_spec {
    fault_kind kind = fault_kind::crash;
    double at_s = 0;
    double until_s = -1;        // < 0: never ends (crash: never restarts)
    std::uint32_t node = 0;     // crash
    std::uint32_t a = 0, b = 0; // link_down
    std::vector<std::uint32_t> nodes; // partition: one side; loss_burst: affected receivers (empty: all)
    double x_m = -1;            // partition by a vertical line when `nodes` is empty
    double loss = 1;            // loss_burst probability
};

struct radio_spec {
    double range_m = 250;
    double carrier_sense_m = 0;   // sensing and interference range; 0 = range_m
    double bitrate_bps = 2e6;
    double loss = 0;              // loss probability of every link
    std::vector<link_loss_spec> link_loss;
    std::uint32_t queue_packets = 50;
    bool link_feedback = true;    // 802.11 unicast ack + retries, fed to the core
    std::uint32_t retry_limit = 7;
    // A frame the interface queue refuses gets feedback "not sent" (as
    // mac80211 reports tx status for every frame), so every frame sent with
    // want_link_feedback gets exactly one answer. Off: it vanishes silently.
    bool queue_drop_feedback = true;
    // When a node's core declares its link to a neighbour broken, the frames
    // for that neighbour still in its queue are taken off and reported failed.
    bool purge_on_break = true;
    int promiscuous = -1;         // -1 auto (on when link_feedback is off), 0, 1
    double preamble_us = 192;
    std::uint32_t mac_header_b = 34; // 802.11 data header + FCS + LLC/SNAP
    std::uint32_t ack_b = 14;
    double slot_us = 20, sifs_us = 10, difs_us = 50;
    std::uint32_t cw_min = 31, cw_max = 1023;
};

struct mobility_spec {
    mobility_model model = mobility_model::random_waypoint;
    double min_speed_mps = 0;
    double max_speed_mps = 20;
    double pause_s = 0;
    double spacing_m = 200;
    std::uint32_t columns = 0;  // grid: 0 = ceil(sqrt(nodes))
    std::string file;           // lines "t_s node x_m y_m" (resolved against the scenario's folder)
};

struct traffic_spec {
    std::uint32_t sources = 10;   // random CBR flows
    double rate_pps = 4;
    std::uint32_t size_b = 64;
    double start_s = 0;
    double start_spread_s = 10;   // random flows start uniformly in [start_s, start_s + spread]
    double stop_s = -1;
    std::vector<flow_spec> flows; // explicit flows, in addition to the random ones
};

struct scenario {
    std::string name;             // file name, for output
    std::optional<std::uint64_t> seed;
    agent_kind agent = agent_kind::dsr;
    double duration_s = 900;
    std::uint32_t nodes = 50;
    double area_x_m = 1500, area_y_m = 300;
    radio_spec radio;
    mobility_spec mobility;
    traffic_spec traffic;
    std::vector<fault_spec> faults;
    std::vector<transfer_spec> transfers;
    dsr::config dsr = dsr::default_config();
    // The DSR core recovers transport segments hop by hop (as babed's
    // dsr.hop_recovery); only in effect when the scenario has transfers.
    bool hop_recovery = true;
    bool checkers = true;
    double checker_leak_s = 60;  // a data packet held by a core longer than this at the end is a leak
    double rebin_s = 1; // spatial grid refresh period (mobile models); also the age bound of the
                        // connectivity snapshot the extra-hops baseline is computed on
};

// Read a scenario file with overrides; throws config::config_exception
// (located error) on any problem, including values that do not fit together.
scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
scenario load_scenario_text(const std::string& yaml, const std::string& name,
                            const std::vector<std::string>& overrides = {});

const char* to_string(mobility_model m);
const char* to_string(fault_kind k);

} // namespace babe::sim
