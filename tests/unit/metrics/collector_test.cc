// SPDX-License-Identifier: Apache-2.0
// The collector: flat engine counter names -> families and labels (the
// mapping table of docs/observability.md), a whole fake snapshot rendered
// and checked by lint() (no duplicate series, cumulative buckets, *_total
// counters), gauges from status, histograms renamed, an engine that does
// not answer, and scrape() against a scripted control_service.
#include "metrics/collector.hh"
#include "metrics/lint.hh"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>

namespace babe::metrics {
namespace {

std::map<std::string, std::string> labels_of(const counter_mapping& m)
{
    std::map<std::string, std::string> out;
    for (const auto& l : m.labels)
        out[l.name] = l.value;
    return out;
}

using L = std::map<std::string, std::string>;

TEST(MapCounter, XdpActionsDropsAndEngineReasons)
{
    auto m = map_counter("xdp_transit_packets");
    EXPECT_EQ(m.family, "babe_xdp_packets_total");
    EXPECT_EQ(labels_of(m), (L{{"action", "transit"}}));
    m = map_counter("xdp_drop_ttl_expired_packets");
    EXPECT_EQ(m.family, "babe_xdp_drops_total");
    EXPECT_EQ(labels_of(m), (L{{"reason", "ttl_expired"}}));
    m = map_counter("xdp_engine_no_route_packets");
    EXPECT_EQ(m.family, "babe_xdp_to_engine_total");
    EXPECT_EQ(labels_of(m), (L{{"reason", "no_route"}}));
    m = map_counter("xdp_to_engine_packets"); // an action whose label starts like a table
    EXPECT_EQ(m.family, "babe_xdp_packets_total");
    EXPECT_EQ(labels_of(m), (L{{"action", "to_engine"}}));
    m = map_counter("xdp_pass_other_bytes");
    EXPECT_EQ(m.family, "babe_xdp_bytes_total");
    EXPECT_EQ(labels_of(m), (L{{"action", "pass_other"}}));
    EXPECT_EQ(map_counter("xdp_drop_no_room_bytes").family, "babe_xdp_dropped_bytes_total");
    EXPECT_EQ(m.type, metric_type::counter);
}

TEST(MapCounter, AfXdpInterfaceAndQueue)
{
    auto m = map_counter("io_m2_rx_packets");
    EXPECT_EQ(m.family, "babe_afxdp_rx_packets_total");
    EXPECT_EQ(labels_of(m), (L{{"interface", "m2"}, {"queue", "0"}}));
    // Underscores in the interface name, a queue suffix.
    m = map_counter("io_veth_a_b_q3_rx_dropped");
    EXPECT_EQ(m.family, "babe_afxdp_rx_dropped_total");
    EXPECT_EQ(labels_of(m), (L{{"interface", "veth_a_b"}, {"queue", "3"}}));
    m = map_counter("io_wlan0_tx_invalid");
    EXPECT_EQ(m.family, "babe_afxdp_tx_invalid_descs_total");
    EXPECT_EQ(labels_of(m), (L{{"interface", "wlan0"}, {"queue", "0"}}));
    // "_q" not followed by digits belongs to the name.
    m = map_counter("io_my_qx_tx_packets");
    EXPECT_EQ(labels_of(m), (L{{"interface", "my_qx"}, {"queue", "0"}}));
    // Unknown io statistic: not guessed.
    EXPECT_EQ(map_counter("io_m2_weird").family, "babe_other_events_total");
}

TEST(MapCounter, DsrEventsAndRouteCache)
{
    auto m = map_counter("dsr_rreq_forwarded");
    EXPECT_EQ(m.family, "babe_dsr_events_total");
    EXPECT_EQ(labels_of(m), (L{{"event", "rreq_forwarded"}}));
    auto rc = route_cache_mapping("cache_hits");
    ASSERT_TRUE(rc);
    EXPECT_EQ(rc->family, "babe_route_cache_lookups_total");
    EXPECT_EQ(labels_of(*rc), (L{{"result", "hit"}}));
    rc = route_cache_mapping("cache_expired");
    ASSERT_TRUE(rc);
    EXPECT_EQ(rc->family, "babe_route_cache_evictions_total");
    EXPECT_EQ(labels_of(*rc), (L{{"cause", "expired"}}));
    EXPECT_FALSE(route_cache_mapping("rreq_forwarded"));
}

TEST(MapCounter, EngineShardsUnitsAndGauges)
{
    auto m = map_counter("engine_tx_backpressure");
    EXPECT_EQ(m.family, "babe_engine_tx_backpressure_total");
    EXPECT_TRUE(m.labels.empty());
    m = map_counter("engine_s1_tx_backpressure");
    EXPECT_EQ(m.family, "babe_engine_tx_backpressure_total");
    EXPECT_EQ(labels_of(m), (L{{"shard", "1"}}));
    m = map_counter("engine_s0_busy_ns");
    EXPECT_EQ(m.family, "babe_engine_busy_seconds_total");
    EXPECT_DOUBLE_EQ(m.scale, 1e-9);
    m = map_counter("engine_s0_pool_frames_in_use");
    EXPECT_EQ(m.family, "babe_engine_pool_frames_in_use");
    EXPECT_EQ(m.type, metric_type::gauge);
    m = map_counter("engine_maint_buffer_depth");
    EXPECT_EQ(m.family, "babe_engine_maint_buffer_depth");
    EXPECT_EQ(m.type, metric_type::gauge);
    m = map_counter("engine_shards");
    EXPECT_EQ(m.family, "babe_engine_shards");
    EXPECT_EQ(m.type, metric_type::gauge);
    m = map_counter("io_m4_tx_ring_full");
    EXPECT_EQ(m.family, "babe_afxdp_tx_ring_full_total");
    EXPECT_EQ(labels_of(m), (L{{"interface", "m4"}, {"queue", "0"}}));
    // "s" then not a number: an ordinary name.
    EXPECT_EQ(map_counter("engine_sent_frames").family, "babe_engine_sent_frames_total");
    m = map_counter("something_else");
    EXPECT_EQ(m.family, "babe_other_events_total");
    EXPECT_EQ(labels_of(m), (L{{"counter", "something_else"}}));
}

snapshot fake_snapshot()
{
    snapshot s;
    s.version = "0.1.0";
    s.engine_up = true;
    s.status.routes = 4;
    s.status.neighbours = 2;
    s.status.send_buffer = 3;
    s.status.discoveries_running = 1;
    s.status.shards = 1;
    s.status.uptime_ms = 12500;
    s.counters = {{"dsr_rreq_originated", 5},       {"dsr_cache_hits", 40},
                  {"dsr_cache_misses", 2},          {"dsr_cache_evictions", 1},
                  {"dsr_cache_expired", 0},         {"engine_rx_frames", 100},
                  {"engine_s0_busy_ns", 2'500'000'000}, {"io_m1_rx_packets", 60},
                  {"io_m1_tx_packets", 61},         {"io_m3_rx_packets", 7},
                  {"xdp_transit_packets", 1000},    {"xdp_deliver_packets", 9},
                  {"xdp_drop_ttl_expired_packets", 2}, {"xdp_engine_control_packets", 30},
                  {"xdp_transit_packets", 1000}}; // reported twice: must not make two series
    s.histograms = {{"discovery_seconds", "Route Discovery latency.", {0.001, 0.01, 0.1}, {1, 3, 0, 1}, 0.3},
                    {"repair_seconds", "Repair.", {0.1, 1}, {0, 0, 0}, 0},
                    {"broken", "counts do not match bounds", {1, 2}, {1}, 0}};
    process_stats p;
    p.cpu_seconds = 1.5;
    p.resident_bytes = 4096 * 100;
    p.open_fds = 12;
    p.max_fds = 1024;
    p.threads = 4;
    p.start_time_seconds = 1.7e9;
    s.process = p;
    return s;
}

const family* find(const std::vector<family>& fs, const std::string& name)
{
    for (const auto& f : fs)
        if (f.name == name)
            return &f;
    return nullptr;
}

double value_of(const family& f, const L& labels)
{
    for (const auto& s : f.samples) {
        L got;
        for (const auto& l : s.labels)
            got[l.name] = l.value;
        if (got == labels)
            return s.value;
    }
    ADD_FAILURE() << "no sample of " << f.name << " with those labels";
    return -1;
}

TEST(Collect, FakeSnapshotRendersCleanly)
{
    auto fs = collect(fake_snapshot());
    auto text = render(fs);
    auto problems = lint(text);
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\n" << text;

    std::set<std::string> names;
    for (const auto& f : fs) {
        EXPECT_TRUE(names.insert(f.name).second) << f.name << " twice";
        EXPECT_EQ(f.name.rfind("babe_", 0), 0U) << f.name;
        EXPECT_FALSE(f.help.empty()) << f.name;
        if (f.type == metric_type::counter) {
            EXPECT_EQ(f.name.substr(f.name.size() - 6), "_total") << f.name;
        }
        for (const auto& s : f.samples)
            for (const auto& l : s.labels)
                EXPECT_TRUE(l.name == "interface" || l.name == "queue" || l.name == "shard" || l.name == "action" ||
                            l.name == "reason" || l.name == "event" || l.name == "result" || l.name == "cause" ||
                            l.name == "version" || l.name == "counter")
                    << "unbounded label " << l.name << " on " << f.name;
    }

    ASSERT_TRUE(find(fs, "babe_xdp_packets_total"));
    EXPECT_EQ(find(fs, "babe_xdp_packets_total")->samples.size(), 2U);
    EXPECT_EQ(value_of(*find(fs, "babe_xdp_packets_total"), {{"action", "transit"}}), 1000);
    EXPECT_EQ(value_of(*find(fs, "babe_xdp_drops_total"), {{"reason", "ttl_expired"}}), 2);
    EXPECT_EQ(value_of(*find(fs, "babe_xdp_to_engine_total"), {{"reason", "control"}}), 30);
    EXPECT_EQ(value_of(*find(fs, "babe_afxdp_rx_packets_total"), {{"interface", "m3"}, {"queue", "0"}}), 7);
    EXPECT_EQ(value_of(*find(fs, "babe_dsr_events_total"), {{"event", "rreq_originated"}}), 5);
    EXPECT_EQ(value_of(*find(fs, "babe_route_cache_lookups_total"), {{"result", "hit"}}), 40);
    EXPECT_EQ(value_of(*find(fs, "babe_route_cache_lookups_total"), {{"result", "miss"}}), 2);
    EXPECT_EQ(value_of(*find(fs, "babe_route_cache_evictions_total"), {{"cause", "lru"}}), 1);
    EXPECT_DOUBLE_EQ(value_of(*find(fs, "babe_engine_busy_seconds_total"), {{"shard", "0"}}), 2.5);
    EXPECT_EQ(value_of(*find(fs, "babe_engine_rx_frames_total"), {}), 100);
    EXPECT_EQ(value_of(*find(fs, "babe_send_buffer_packets"), {}), 3);
    EXPECT_EQ(value_of(*find(fs, "babe_routes_installed"), {}), 4);
    EXPECT_DOUBLE_EQ(value_of(*find(fs, "babe_uptime_seconds"), {}), 12.5);
    EXPECT_EQ(value_of(*find(fs, "babe_engine_up"), {}), 1);
    EXPECT_EQ(value_of(*find(fs, "babe_build_info"), {{"version", "0.1.0"}}), 1);
    EXPECT_DOUBLE_EQ(value_of(*find(fs, "babe_process_cpu_seconds_total"), {}), 1.5);
    EXPECT_EQ(value_of(*find(fs, "babe_process_open_fds"), {}), 12);

    auto* d = find(fs, "babe_route_discovery_seconds");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->type, metric_type::histogram);
    EXPECT_EQ(d->help, "Route Discovery latency.");
    EXPECT_NE(text.find("babe_route_discovery_seconds_bucket{le=\"0.01\"} 4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("babe_route_discovery_seconds_count 5\n"), std::string::npos);
    EXPECT_TRUE(find(fs, "babe_route_repair_seconds"));
    EXPECT_FALSE(find(fs, "babe_broken")) << "a malformed histogram is left out";
}

TEST(Collect, EngineDownKeepsProcessAndBuild)
{
    auto s = fake_snapshot();
    s.engine_up = false;
    s.counters.clear();
    s.histograms.clear();
    auto fs = collect(s);
    EXPECT_EQ(value_of(*find(fs, "babe_engine_up"), {}), 0);
    EXPECT_TRUE(find(fs, "babe_process_resident_memory_bytes"));
    EXPECT_TRUE(find(fs, "babe_build_info"));
    EXPECT_FALSE(find(fs, "babe_routes_installed"));
    EXPECT_TRUE(lint(render(fs)).empty());
}

// A scripted service: answers or throws like a mailbox that timed out.
// Typed samples are taken as they are: an interface named like a queue
// suffix keeps its name, and a counter ending in _ns stays a count unless
// its sample says it is in ns (scale).
TEST(Collect, TypedSamplesAreNotParsedBack)
{
    snapshot s;
    s.version = "0.1.0";
    s.engine_up = true;
    s.counters = {
        {"io_mesh_q1_rx_packets", 60, "babe_afxdp_rx_packets_total", engine::sample_type::counter,
         {{"interface", "mesh_q1"}, {"queue", "0"}}},
        {"io_mesh_q1_tx_ring_full", 4, "babe_afxdp_tx_ring_full_total", engine::sample_type::counter,
         {{"interface", "mesh_q1"}, {"queue", "0"}}},
        {"engine_acks_ns", 7, "babe_engine_acks_ns_total", engine::sample_type::counter, {}},
        {"engine_s0_busy_ns", 2'500'000'000, "babe_engine_busy_seconds_total", engine::sample_type::counter,
         {{"shard", "0"}}, 1e-9},
        {"dsr_cache_hits", 40, "babe_dsr_events_total", engine::sample_type::counter, {{"event", "cache_hits"}}},
        {"engine_send_buffer_depth", 3, "babe_engine_send_buffer_depth", engine::sample_type::gauge, {}},
    };
    auto fs = collect(s);
    EXPECT_TRUE(lint(render(fs)).empty());
    const auto* rx = find(fs, "babe_afxdp_rx_packets_total");
    ASSERT_NE(rx, nullptr);
    EXPECT_EQ(value_of(*rx, {{"interface", "mesh_q1"}, {"queue", "0"}}), 60);
    EXPECT_EQ(rx->samples.size(), 1U);
    EXPECT_EQ(value_of(*find(fs, "babe_afxdp_tx_ring_full_total"), {{"interface", "mesh_q1"}, {"queue", "0"}}), 4);
    // The name-only rules would have read interface "mesh", queue "1".
    EXPECT_EQ(labels_of(map_counter("io_mesh_q1_rx_packets")), (L{{"interface", "mesh"}, {"queue", "1"}}));
    const auto* acks = find(fs, "babe_engine_acks_ns_total");
    ASSERT_NE(acks, nullptr);
    EXPECT_EQ(value_of(*acks, {}), 7); // not seconds
    EXPECT_EQ(find(fs, "babe_engine_acks_seconds_total"), nullptr);
    EXPECT_DOUBLE_EQ(value_of(*find(fs, "babe_engine_busy_seconds_total"), {{"shard", "0"}}), 2.5);
    EXPECT_EQ(find(fs, "babe_engine_send_buffer_depth")->type, metric_type::gauge);
    // Route-cache families still derive from the typed DSR events.
    EXPECT_EQ(value_of(*find(fs, "babe_route_cache_lookups_total"), {{"result", "hit"}}), 40);
}

class scripted_service : public engine::control_service {
public:
    bool fail = false;
    engine::status_info status() override
    {
        if (fail)
            throw std::runtime_error("engine did not answer");
        engine::status_info s;
        s.routes = 7;
        return s;
    }
    std::vector<engine::route_info> routes() override { return {}; }
    std::vector<engine::neighbour_info> neighbours() override { return {}; }
    std::vector<engine::counter> stats() override { return {{"xdp_transit_packets", 11}}; }
    std::vector<engine::histogram_info> histograms() override
    {
        return {{"discovery_seconds", "d", {1}, {1, 0}, 0.5}};
    }
    void discover(engine::ipv4, std::function<void(engine::discover_result)>) override {}
    std::uint64_t flush() override { return 0; }
    engine::event_hub& events() override { throw std::logic_error("unused"); }
};

TEST(Scrape, FromServiceAndWhenItThrows)
{
    scripted_service svc;
    auto s = scrape(svc, "9.9", false);
    EXPECT_TRUE(s.engine_up);
    EXPECT_EQ(s.status.routes, 7U);
    ASSERT_EQ(s.counters.size(), 1U);
    EXPECT_EQ(s.histograms.size(), 1U);
    EXPECT_FALSE(s.process);
    svc.fail = true;
    s = scrape(svc, "9.9", true);
    EXPECT_FALSE(s.engine_up);
    EXPECT_TRUE(s.counters.empty());
    EXPECT_TRUE(s.process) << "this test process has a /proc entry";
}

} // namespace
} // namespace babe::metrics
