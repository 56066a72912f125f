// SPDX-License-Identifier: Apache-2.0
// The engine's statistics (see stats.hh).
#include "engine/stats.hh"

#include "engine/transport_service.hh"

#include <sys/sdt.h>

#include <fmt/format.h>

#include <chrono>

namespace babe::engine {

void shard_snapshot::add(const shard_snapshot& o)
{
#define BABE_SNAPSHOT_ADD_CORE(name) core.name += o.core.name;
    BABE_DSR_COUNTERS(BABE_SNAPSHOT_ADD_CORE)
#undef BABE_SNAPSHOT_ADD_CORE
#define BABE_SNAPSHOT_ADD_ENGINE(name) engine.name += o.engine.name;
    BABE_SHARD_COUNTERS(BABE_SNAPSHOT_ADD_ENGINE)
#undef BABE_SNAPSHOT_ADD_ENGINE
    for (std::size_t p = 0; p < max_ports; ++p) {
#define BABE_SNAPSHOT_ADD_IO(name) io[p].name += o.io[p].name;
        BABE_IO_STATS(BABE_SNAPSHOT_ADD_IO)
#undef BABE_SNAPSHOT_ADD_IO
    }
    discovery.add(o.discovery);
    repair.add(o.repair);
#define BABE_SNAPSHOT_ADD_BUS(name) bus.name += o.bus.name;
    BABE_BUS_COUNTERS(BABE_SNAPSHOT_ADD_BUS)
#undef BABE_SNAPSHOT_ADD_BUS
}

void event_stats::on_event(time_point now, const dsr::event& e)
{
    using dsr::event_kind;
    switch (e.kind) {
    case event_kind::route_changed:
        if (_repair_since) {
            _repair.observe(repair_bounds, std::chrono::duration<double>(now - *_repair_since).count());
            _repair_since.reset();
        }
        DTRACE_PROBE2(babe, route_changed, e.dst, e.path.hop_count);
        break;
    case event_kind::route_removed:
        DTRACE_PROBE1(babe, route_removed, e.dst);
        break;
    case event_kind::link_broken:
        DTRACE_PROBE2(babe, link_broken, e.from, e.to);
        if (!_repair_since)
            _repair_since = now;
        break;
    case event_kind::discovery_done: {
        auto latency = std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count();
        _discovery.observe(discovery_bounds, std::chrono::duration<double>(e.latency).count());
        DTRACE_PROBE2(babe, route_discovered, e.dst, latency);
        break;
    }
    case event_kind::discovery_failed: {
        auto latency = std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count();
        DTRACE_PROBE2(babe, discovery_failed, e.dst, latency);
        break;
    }
    case event_kind::dropped:
        if (e.reason == dsr::drop_reason::send_buffer_timeout || e.reason == dsr::drop_reason::send_buffer_full ||
            e.reason == dsr::drop_reason::discovery_failed)
            DTRACE_PROBE2(babe, send_buffer_drop, e.dst, static_cast<int>(e.reason));
        break;
    default:
        break;
    }
}

std::vector<counter> engine_counters(const stats_inputs& in)
{
    std::vector<counter> out;
    const auto& t = in.total;
#define BABE_STATS_DSR(name) out.push_back({"dsr_" #name, t.core.name});
    BABE_DSR_COUNTERS(BABE_STATS_DSR)
#undef BABE_STATS_DSR
    out.push_back({"engine_shards", in.shards.size()});
#define BABE_STATS_SHARD(name) out.push_back({"engine_" #name, t.engine.name});
    BABE_SHARD_COUNTERS(BABE_STATS_SHARD)
#undef BABE_STATS_SHARD
    // engine_bus_full was engine_bus_backpressure before the X-macros: the
    // name stays.
    out.push_back({"engine_bus_sent", t.bus.sent});
    out.push_back({"engine_bus_received", t.bus.received});
    out.push_back({"engine_bus_backpressure", t.bus.full});
    out.push_back({"engine_bus_no_slab", t.bus.no_slab});
    if (const auto* ts = in.transport) {
        const auto& tc = ts->core().stats();
#define BABE_STATS_TRANSPORT_CORE(name) out.push_back({"transport_" #name, tc.name});
        BABE_TRANSPORT_COUNTERS(BABE_STATS_TRANSPORT_CORE)
#undef BABE_STATS_TRANSPORT_CORE
        const auto& sc = ts->counters();
#define BABE_STATS_TRANSPORT_SVC(name) out.push_back({"transport_" #name, sc.name});
        BABE_TRANSPORT_SERVICE_COUNTERS(BABE_STATS_TRANSPORT_SVC)
#undef BABE_STATS_TRANSPORT_SVC
        out.push_back({"transport_connections_in_use", ts->core().connections()});
        out.push_back({"transport_sessions_in_use", ts->sessions()});
    }
    std::size_t send_buffer = 0, maint_buffer = 0, links = 0, paths = 0;
    for (std::size_t k = 0; k < in.shards.size(); ++k) {
        const auto& one = in.shards[k];
        out.push_back({fmt::format("engine_s{}_busy_ns", k), one.busy_ns});
        out.push_back({fmt::format("engine_s{}_rx_frames", k), one.engine.rx_frames});
        out.push_back({fmt::format("engine_s{}_tx_backpressure", k), one.engine.tx_backpressure});
        out.push_back({fmt::format("engine_s{}_pool_frames_in_use", k), one.frames_in_use});
        out.push_back({fmt::format("engine_s{}_pool_frames_capacity", k), one.frames_capacity});
        out.push_back({fmt::format("engine_s{}_slabs_in_use", k), one.slabs_in_use});
        out.push_back({fmt::format("engine_s{}_slabs_capacity", k), one.slabs_capacity});
        send_buffer += one.sizes.send_buffer;
        maint_buffer += one.sizes.maint_buffer;
        links = std::max(links, one.sizes.cache_links);
        paths = std::max(paths, one.sizes.cache_paths);
    }
    out.push_back({"engine_send_buffer_depth", send_buffer});
    out.push_back({"engine_maint_buffer_depth", maint_buffer});
    out.push_back({"engine_route_cache_links_in_use", links});
    out.push_back({"engine_route_cache_paths_in_use", paths});
    for (std::size_t p = 0; p < in.ports.size() && p < max_ports; ++p) {
        const auto& st = t.io[p];
        const auto& name = in.ports[p].name;
#define BABE_STATS_IO(stat) out.push_back({fmt::format("io_{}_" #stat, name), st.stat});
        BABE_IO_STATS(BABE_STATS_IO)
#undef BABE_STATS_IO
    }
    if (in.xdp) {
        for (unsigned id = 0; id < BABE_STAT_MAX; ++id) {
            out.push_back({fmt::format("xdp_{}_packets", dataplane::stat_label(id)), (*in.xdp)[id].packets});
            out.push_back({fmt::format("xdp_{}_bytes", dataplane::stat_label(id)), (*in.xdp)[id].bytes});
        }
    }
    return out;
}

std::vector<histogram_info> engine_histograms(const shard_snapshot& total)
{
    auto one = [](const char* name, const char* help, const auto& bounds, const auto& h) {
        return histogram_info{name, help, std::vector<double>(bounds.begin(), bounds.end()),
                              std::vector<std::uint64_t>(h.counts.begin(), h.counts.end()), h.sum};
    };
    return {one("discovery_seconds", "Route Discovery latency: first Route Request to the route.", discovery_bounds,
                total.discovery),
            one("repair_seconds", "Route repair: a broken link to the next replacement route.", repair_bounds,
                total.repair)};
}

} // namespace babe::engine
