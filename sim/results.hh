// SPDX-License-Identifier: Apache-2.0
// What one run measured, and its JSON form (the `--json` object other tools
// read). Every field is a pure function of (scenario, seed) except wall_s
// and the memory figures, which describe the machine that ran it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace babe::sim {

// One bulk transfer's outcome (scenario `transfers`).
struct transfer_result {
    std::uint32_t src = 0, dst = 0;
    std::uint64_t bytes = 0;
    double start_s = 0;
    std::string state;           // completed, failed (or, when checkers are off: pending, connecting, streaming)
    std::string error;           // failed: what the transfer reported
    std::uint64_t delivered = 0; // bytes the receiver got in order, each checked
    double duration_s = 0;       // start to completion or failure (to the end of the run if neither)
    double goodput_bps = 0;      // delivered bits / duration_s
    std::uint64_t segments_retransmitted = 0, bytes_retransmitted = 0; // end to end, data
};

// The transfers of a run: present only when the scenario has some.
struct transfers_result {
    std::vector<transfer_result> list;
    std::uint64_t completed = 0, failed = 0;
    std::uint64_t bytes_requested = 0, bytes_delivered = 0;
    double mean_goodput_bps = 0;              // over the completed transfers
    std::uint64_t segments_retransmitted = 0; // end to end: data segments sent again by the sources
    std::uint64_t bytes_retransmitted = 0;
    std::uint64_t hop_retransmissions = 0;    // a node sending a segment it holds again (Route
                                              // Maintenance retransmission or salvage), every hop
    std::uint64_t frames = 0, frame_bytes = 0; // segment frames handed to the MAC, every hop
    std::map<std::string, std::uint64_t> transport_counters; // every endpoint's transport::counters
};

struct run_result {
    std::uint64_t seed = 0;
    std::string scenario;
    std::string agent;
    std::uint32_t nodes = 0;
    double duration_s = 0;

    std::uint64_t data_sent = 0;
    std::uint64_t data_delivered = 0;     // distinct packets that reached their destination
    std::uint64_t data_duplicates = 0;    // further copies delivered
    std::uint64_t data_dropped = 0;       // never delivered, with a reason
    std::uint64_t data_in_flight = 0;     // still held somewhere at the end
    std::map<std::string, std::uint64_t> drop_reasons; // last reason of each dropped packet
    double pdr = 0;

    std::uint64_t control_packets = 0;    // control frames handed to the MAC (each hop counts)
    std::uint64_t control_bytes = 0;
    double normalized_overhead = 0;       // control packets per delivered data packet
    double mean_delay_s = 0, p99_delay_s = 0;
    double mean_hops = 0;
    double mean_extra_hops = 0;           // hops taken minus shortest path at send time
    std::uint64_t extra_hops_samples = 0;

    std::uint64_t route_changes = 0, links_broken = 0;
    std::uint64_t discoveries_done = 0, discoveries_failed = 0;
    double mean_discovery_latency_s = 0;
    std::map<std::string, std::uint64_t> core_drops; // every drop event, by reason
    std::map<std::string, std::uint64_t> core_counters;

    std::uint64_t mac_transmissions = 0, mac_collisions = 0, mac_losses = 0, mac_retries = 0,
                  mac_retry_failures = 0, mac_queue_drops = 0, mac_purged = 0;
    double mac_airtime_s = 0;

    std::uint64_t events = 0;
    double wall_s = 0;
    std::uint64_t sim_memory_bytes = 0;   // the simulator's own tables and pools at the end
    std::optional<std::string> failure;   // a checker's message, if one failed
    std::optional<transfers_result> transfers;
};

nlohmann::ordered_json to_json(const run_result& r);

} // namespace babe::sim
