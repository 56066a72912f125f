// SPDX-License-Identifier: Apache-2.0
// JSON form of a run's results (see results.hh). Key order is fixed
// (ordered_json), maps are ordered: the same run prints the same bytes.
#include "sim/results.hh"

namespace babe::sim {

nlohmann::ordered_json to_json(const run_result& r)
{
    nlohmann::ordered_json j;
    j["seed"] = r.seed;
    j["scenario"] = r.scenario;
    j["agent"] = r.agent;
    j["nodes"] = r.nodes;
    j["duration_s"] = r.duration_s;
    j["data_sent"] = r.data_sent;
    j["data_delivered"] = r.data_delivered;
    j["data_dropped"] = r.data_dropped;
    j["data_in_flight"] = r.data_in_flight;
    j["data_duplicates"] = r.data_duplicates;
    j["pdr"] = r.pdr;
    j["control_packets"] = r.control_packets;
    j["control_bytes"] = r.control_bytes;
    j["normalized_overhead"] = r.normalized_overhead;
    j["mean_delay_s"] = r.mean_delay_s;
    j["p99_delay_s"] = r.p99_delay_s;
    j["mean_hops"] = r.mean_hops;
    j["mean_extra_hops"] = r.mean_extra_hops;
    j["extra_hops_samples"] = r.extra_hops_samples;
    j["drop_reasons"] = r.drop_reasons;
    j["routing"] = {
        {"route_changes", r.route_changes},
        {"links_broken", r.links_broken},
        {"discoveries_done", r.discoveries_done},
        {"discoveries_failed", r.discoveries_failed},
        {"mean_discovery_latency_s", r.mean_discovery_latency_s},
        {"core_drops", r.core_drops},
    };
    j["mac"] = {
        {"transmissions", r.mac_transmissions}, {"collisions", r.mac_collisions},
        {"losses", r.mac_losses},               {"retries", r.mac_retries},
        {"retry_failures", r.mac_retry_failures}, {"queue_drops", r.mac_queue_drops},
        {"purged", r.mac_purged},
        {"airtime_s", r.mac_airtime_s},
    };
    j["core_counters"] = r.core_counters;
    if (r.transfers) { // only when the scenario has transfers: other runs print what they always did
        const auto& t = *r.transfers;
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const auto& x : t.list)
            list.push_back({{"src", x.src},
                            {"dst", x.dst},
                            {"bytes", x.bytes},
                            {"start_s", x.start_s},
                            {"state", x.state},
                            {"error", x.error},
                            {"delivered", x.delivered},
                            {"duration_s", x.duration_s},
                            {"goodput_bps", x.goodput_bps},
                            {"segments_retransmitted", x.segments_retransmitted},
                            {"bytes_retransmitted", x.bytes_retransmitted}});
        j["transfers"] = {
            {"completed", t.completed},
            {"failed", t.failed},
            {"bytes_requested", t.bytes_requested},
            {"bytes_delivered", t.bytes_delivered},
            {"mean_goodput_bps", t.mean_goodput_bps},
            {"segments_retransmitted", t.segments_retransmitted},
            {"bytes_retransmitted", t.bytes_retransmitted},
            {"hop_retransmissions", t.hop_retransmissions},
            {"frames", t.frames},
            {"frame_bytes", t.frame_bytes},
            {"list", list},
            {"transport_counters", t.transport_counters},
        };
    }
    j["checkers"] = r.failure ? *r.failure : std::string("ok");
    j["events"] = r.events;
    j["sim_memory_bytes"] = r.sim_memory_bytes;
    j["wall_s"] = r.wall_s;
    return j;
}

} // namespace babe::sim
