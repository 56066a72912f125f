// SPDX-License-Identifier: Apache-2.0
// The engine's statistics over the in-memory packet I/O (no root): two
// shards, each with its own mem_io, frames received on each, their
// snapshots summed into the counters of `babectl stats` (every X-macro
// counter summed, per-shard figures per shard, I/O per port name, bus
// counters, gauges as the maximum or the sum they are); the latency
// histograms fed by core events; every figure typed for /metrics, with the
// family and labels the flat name always had, and an interface named
// mesh_q1 kept whole.
#include "dataplane/memory_maps.hh"
#include "engine/bus.hh"
#include "engine/shard_thread.hh"
#include "engine/stats.hh"
#include "mem_io.hh"
#include "metrics/collector.hh"

#include <gtest/gtest.h>

#include <map>

namespace babe::engine {
namespace {

using testing::mem_io;

std::map<std::string, std::uint64_t> by_name(const std::vector<counter>& cs)
{
    std::map<std::string, std::uint64_t> m;
    for (const auto& c : cs) {
        EXPECT_TRUE(m.emplace(c.name, c.value).second) << "listed twice: " << c.name;
    }
    return m;
}

// Two shards over in-memory packet I/O, as the engine builds them (no
// threads started: the test turns their loops by hand).
struct two_shards {
    bus b{2};
    dataplane::memory_maps maps;
    std::vector<port_info> ports{port_info{"babe0p", 100, {0x02, 0, 0, 0, 0, 1}, true},
                                 port_info{"mesh_q1", 101, {0x02, 0, 0, 0, 0, 2}, false}};
    std::vector<mem_io*> io;
    std::vector<std::unique_ptr<shard_thread>> shards;
    time_point now = time_from_ns(1'000'000'000);

    two_shards()
    {
        for (std::size_t q = 0; q < 2; ++q) {
            auto m = std::make_unique<mem_io>(ports.size());
            io.push_back(m.get());
            auto rt = std::make_unique<shard_thread>(q, b, std::move(m), nullptr);
            shard_config sc;
            sc.self = 0x0a000001;
            sc.seed = 3 + q;
            sc.ports = ports;
            rt->attach(std::make_unique<shard>(sc, rt->io(), maps, rt.get(), rt.get()));
            shards.push_back(std::move(rt));
        }
    }

    std::vector<shard_snapshot> snapshots(shard_snapshot& total)
    {
        std::vector<shard_snapshot> all;
        total = shard_snapshot{};
        for (auto& rt : shards) {
            rt->publish_snapshot();
            all.push_back(rt->snapshot());
            total.add(all.back());
        }
        return all;
    }
};

TEST(EngineStats, ShardsOverMemoryIoAreSummed)
{
    two_shards t;
    const std::array<std::byte, 10> runt{};             // shorter than Ethernet + IPv4
    std::array<std::byte, 60> arp{};                    // not IPv4
    arp[12] = std::byte{0x08}, arp[13] = std::byte{0x06};
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(t.io[0]->inject(1, runt));
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(t.io[1]->inject(1, arp));
    ASSERT_TRUE(t.io[1]->inject(1, runt));
    for (auto& rt : t.shards)
        rt->core_shard().poll(t.now);
    // A message over the bus: counted by the sender and the receiver.
    bus_msg m;
    m.kind = bus_msg::route_used;
    m.addr = 0x0a000009;
    ASSERT_TRUE(t.b.post(0, 1, m, {}, false));
    t.b.drain(1, [](const bus_msg&, std::span<const std::byte>) {});

    shard_snapshot total;
    auto all = t.snapshots(total);
    auto c = by_name(engine_counters(stats_inputs{total, all, nullptr, t.ports, nullptr}));

    EXPECT_EQ(c.at("engine_shards"), 2U);
    EXPECT_EQ(c.at("engine_rx_frames"), 6U);
    EXPECT_EQ(c.at("engine_rx_short"), 4U);
    EXPECT_EQ(c.at("engine_rx_not_ipv4"), 2U);
    EXPECT_EQ(c.at("engine_s0_rx_frames"), 3U);
    EXPECT_EQ(c.at("engine_s1_rx_frames"), 3U);
    // mem_io counts received frames on its port 0.
    EXPECT_EQ(c.at("io_babe0p_rx_packets"), 6U);
    EXPECT_EQ(c.at("io_mesh_q1_rx_packets"), 0U);
    EXPECT_EQ(c.at("engine_bus_sent"), 1U);
    EXPECT_EQ(c.at("engine_bus_received"), 1U);
    EXPECT_EQ(c.at("engine_bus_backpressure"), 0U);
    EXPECT_EQ(c.at("engine_s0_pool_frames_capacity"), 256U);
    EXPECT_EQ(c.at("engine_s0_pool_frames_in_use"), 0U); // every received frame was released
    EXPECT_EQ(c.at("dsr_rreq_originated"), 0U);
    EXPECT_FALSE(c.contains("transport_segments_out")); // no transport attached
    EXPECT_FALSE(c.contains("xdp_transit_packets"));    // no XDP
}

TEST(EngineStats, EveryCounterOfTheXMacrosIsSummedAndListed)
{
    shard_snapshot a{}, b{};
    std::uint64_t v = 1;
#define SET(name)                                                                                  \
    a.engine.name = v;                                                                             \
    b.engine.name = 1000 * v++;
    BABE_SHARD_COUNTERS(SET)
#undef SET
#define SET(name)                                                                                  \
    a.io[1].name = v;                                                                              \
    b.io[1].name = 1000 * v++;
    BABE_IO_STATS(SET)
#undef SET
#define SET(name)                                                                                  \
    a.core.name = v;                                                                               \
    b.core.name = 1000 * v++;
    BABE_DSR_COUNTERS(SET)
#undef SET
    a.bus.full = 5, b.bus.full = 6;
    a.sizes.send_buffer = 2, b.sizes.send_buffer = 3;   // summed
    a.sizes.cache_links = 7, b.sizes.cache_links = 4;   // the largest cache
    shard_snapshot total = a;
    total.add(b);
    std::vector<shard_snapshot> all{a, b};
    std::vector<port_info> ports{port_info{"babe0p", 1, {}, true}, port_info{"mesh_q1", 2, {}, false}};
    auto c = by_name(engine_counters(stats_inputs{total, all, nullptr, ports, nullptr}));

    v = 1;
#define CHECK(name)                                                                                \
    EXPECT_EQ(c.at("engine_" #name), 1001 * v) << #name;                                          \
    ++v;
    BABE_SHARD_COUNTERS(CHECK)
#undef CHECK
#define CHECK(name)                                                                                \
    EXPECT_EQ(c.at("io_mesh_q1_" #name), 1001 * v) << #name;                                      \
    EXPECT_EQ(c.at("io_babe0p_" #name), 0U) << #name;                                             \
    ++v;
    BABE_IO_STATS(CHECK)
#undef CHECK
#define CHECK(name)                                                                                \
    EXPECT_EQ(c.at("dsr_" #name), 1001 * v) << #name;                                             \
    ++v;
    BABE_DSR_COUNTERS(CHECK)
#undef CHECK
    EXPECT_EQ(c.at("engine_bus_backpressure"), 11U);
    EXPECT_EQ(c.at("engine_s0_tx_backpressure"), a.engine.tx_backpressure);
    EXPECT_EQ(c.at("engine_s1_tx_backpressure"), b.engine.tx_backpressure);
    EXPECT_EQ(c.at("engine_send_buffer_depth"), 5U);
    EXPECT_EQ(c.at("engine_route_cache_links_in_use"), 7U);
}

TEST(EngineStats, EventsFeedTheLatencyHistograms)
{
    event_stats s;
    const time_point t0 = time_from_ns(5'000'000'000);
    dsr::event e;
    e.kind = dsr::event_kind::discovery_done;
    e.latency = std::chrono::milliseconds(3); // bucket le=0.005
    s.on_event(t0, e);
    e.latency = std::chrono::seconds(20);     // beyond the last bound: +Inf
    s.on_event(t0, e);
    e.kind = dsr::event_kind::discovery_failed; // not a latency sample
    s.on_event(t0, e);
    // A broken link, then the next route: one repair of 150 ms.
    e.kind = dsr::event_kind::link_broken;
    s.on_event(t0, e);
    s.on_event(t0 + std::chrono::milliseconds(50), e); // still the same repair
    e.kind = dsr::event_kind::route_changed;
    s.on_event(t0 + std::chrono::milliseconds(150), e);
    s.on_event(t0 + std::chrono::milliseconds(900), e); // no repair under way: not a sample

    shard_snapshot a{}, b{};
    a.discovery = s.discovery();
    a.repair = s.repair();
    b.discovery = s.discovery();
    shard_snapshot total = a;
    total.add(b);
    auto hs = engine_histograms(total);
    ASSERT_EQ(hs.size(), 2U);
    EXPECT_EQ(hs[0].name, "discovery_seconds");
    ASSERT_EQ(hs[0].counts.size(), hs[0].upper_bounds.size() + 1);
    EXPECT_EQ(hs[0].counts[2], 2U);                    // 0.005 bucket, both shards
    EXPECT_EQ(hs[0].counts.back(), 2U);                // +Inf
    EXPECT_DOUBLE_EQ(hs[0].sum, 2 * 20.003);
    EXPECT_EQ(hs[1].name, "repair_seconds");
    EXPECT_EQ(hs[1].counts[4], 1U);                    // le=0.2
    EXPECT_NEAR(hs[1].sum, 0.15, 1e-9);
    std::uint64_t repairs = 0;
    for (auto n : hs[1].counts)
        repairs += n;
    EXPECT_EQ(repairs, 1U);
}

std::map<std::string, std::string> labels_of(const metrics::counter_mapping& m)
{
    std::map<std::string, std::string> out;
    for (const auto& l : m.labels)
        out[l.name] = l.value;
    return out;
}

// Every figure the engine gives is typed, and its family, type, labels and
// scale are those the name-only rules give its flat name (ports named so
// that those rules read them right): /metrics did not change.
TEST(EngineStats, TypedSamplesMatchTheNamesMetricsAlwaysHad)
{
    two_shards t;
    t.ports = {port_info{"babe0p", 100, {}, true}, port_info{"m1", 101, {}, false}};
    t.shards[0]->attach_transport(std::make_unique<transport_service>(node_transport_config(false), 0x0a000001, 1,
                                                                      t.shards[0]->core_shard()));
    shard_snapshot total;
    auto all = t.snapshots(total);
    dataplane::stats_snapshot xdp{};
    auto cs = engine_counters(stats_inputs{total, all, t.shards[0]->transport(), t.ports, &xdp});
    std::size_t io = 0, transport = 0, xdps = 0;
    for (const auto& c : cs) {
        ASSERT_FALSE(c.family.empty()) << c.name;
        auto typed = metrics::mapping_of(c);
        auto named = metrics::map_counter(c.name);
        EXPECT_EQ(typed.family, named.family) << c.name;
        EXPECT_EQ(typed.type, named.type) << c.name;
        EXPECT_EQ(labels_of(typed), labels_of(named)) << c.name;
        EXPECT_DOUBLE_EQ(typed.scale, named.scale) << c.name;
        io += c.name.starts_with("io_") ? 1 : 0;
        transport += c.name.starts_with("transport_") ? 1 : 0;
        xdps += c.name.starts_with("xdp_") ? 1 : 0;
    }
    EXPECT_EQ(io, 2 * 7U);
    EXPECT_GT(transport, 40U);
    EXPECT_EQ(xdps, 2U * BABE_STAT_MAX);
}

TEST(EngineStats, AnInterfaceNamedLikeAQueueKeepsItsName)
{
    two_shards t; // ports babe0p and mesh_q1
    ASSERT_TRUE(t.io[0]->inject(1, std::array<std::byte, 10>{}));
    t.shards[0]->core_shard().poll(t.now);
    shard_snapshot total;
    auto all = t.snapshots(total);
    metrics::snapshot s;
    s.engine_up = true;
    s.counters = engine_counters(stats_inputs{total, all, nullptr, t.ports, nullptr});
    auto fs = metrics::collect(s);
    const metrics::family* rx = nullptr;
    for (const auto& f : fs)
        if (f.name == "babe_afxdp_rx_packets_total")
            rx = &f;
    ASSERT_NE(rx, nullptr);
    std::map<std::string, double> by_interface;
    for (const auto& sample : rx->samples) {
        std::map<std::string, std::string> l;
        for (const auto& x : sample.labels)
            l[x.name] = x.value;
        EXPECT_EQ(l["queue"], "0");
        by_interface[l["interface"]] = sample.value;
    }
    EXPECT_EQ(by_interface, (std::map<std::string, double>{{"babe0p", 1}, {"mesh_q1", 0}}));
    // The shards' busy time is in ns and typed so: seconds in /metrics.
    std::size_t busy = 0;
    for (const auto& f : fs) {
        if (f.name == "babe_engine_busy_seconds_total")
            busy = f.samples.size();
    }
    EXPECT_EQ(busy, 2U);
}

} // namespace
} // namespace babe::engine
