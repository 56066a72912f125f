// SPDX-License-Identifier: Apache-2.0
// The engine's statistics (see stats.hh).
#include "engine/stats.hh"

#include "engine/transport_service.hh"

#include <sys/sdt.h>

#include <fmt/format.h>

#include <chrono>
#include <iterator>
#include <string>

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

namespace {

// The counters under construction: each with its flat name and its typed
// sample (family, type, labels, scale).
class counter_list {
public:
    void add(std::string name, std::uint64_t value, std::string family, sample_type type = sample_type::counter,
             std::vector<sample_label> labels = {}, double scale = 1)
    {
        _out.push_back(counter{std::move(name), value, std::move(family), type, std::move(labels), scale});
    }
    std::vector<counter> take() { return std::move(_out); }

private:
    std::vector<counter> _out;
};

// The /metrics family of each I/O statistic, in BABE_IO_STATS order.
constexpr const char* io_families[] = {
    "babe_afxdp_rx_packets_total",       "babe_afxdp_tx_packets_total",       "babe_afxdp_rx_dropped_total",
    "babe_afxdp_tx_ring_full_total",     "babe_afxdp_rx_invalid_descs_total", "babe_afxdp_tx_invalid_descs_total",
    "babe_afxdp_fill_starved_total",
};
#define BABE_STATS_ONE(name) +1
static_assert(std::size(io_families) == 0 BABE_IO_STATS(BABE_STATS_ONE), "one family per I/O statistic");
#undef BABE_STATS_ONE

// The XDP program's counters: outcome, drop reason, reason for the engine
// (headers/babe/stats.h), in stat id order.
struct xdp_kind {
    const char* packets_family;
    const char* bytes_family;
    const char* label_name;      // action / reason
    const char* label_value;
};
#define BABE_XDP_ACTION(name, label) {"babe_xdp_packets_total", "babe_xdp_bytes_total", "action", #label},
#define BABE_XDP_DROP(name, label) {"babe_xdp_drops_total", "babe_xdp_dropped_bytes_total", "reason", #label},
#define BABE_XDP_ENGINE(name, label) {"babe_xdp_to_engine_total", "babe_xdp_to_engine_bytes_total", "reason", #label},
constexpr xdp_kind xdp_kinds[] = {BABE_ACTIONS(BABE_XDP_ACTION) BABE_DROP_REASONS(BABE_XDP_DROP)
                                      BABE_ENGINE_REASONS(BABE_XDP_ENGINE)};
#undef BABE_XDP_ACTION
#undef BABE_XDP_DROP
#undef BABE_XDP_ENGINE
static_assert(std::size(xdp_kinds) == BABE_STAT_MAX, "one kind per XDP statistic");

} // namespace

std::vector<counter> engine_counters(const stats_inputs& in)
{
    counter_list out;
    const auto& t = in.total;
#define BABE_STATS_DSR(name)                                                                       \
    out.add("dsr_" #name, t.core.name, "babe_dsr_events_total", sample_type::counter, {{"event", #name}});
    BABE_DSR_COUNTERS(BABE_STATS_DSR)
#undef BABE_STATS_DSR
    out.add("engine_shards", in.shards.size(), "babe_engine_shards", sample_type::gauge);
#define BABE_STATS_SHARD(name) out.add("engine_" #name, t.engine.name, "babe_engine_" #name "_total");
    BABE_SHARD_COUNTERS(BABE_STATS_SHARD)
#undef BABE_STATS_SHARD
    // The bus's "full" is engine_bus_backpressure, as before the X-macros.
    out.add("engine_bus_sent", t.bus.sent, "babe_engine_bus_sent_total");
    out.add("engine_bus_received", t.bus.received, "babe_engine_bus_received_total");
    out.add("engine_bus_backpressure", t.bus.full, "babe_engine_bus_backpressure_total");
    out.add("engine_bus_no_slab", t.bus.no_slab, "babe_engine_bus_no_slab_total");
    if (const auto* ts = in.transport) {
        // Byte counts are babe_transport_bytes_total{kind}, the rest events.
        auto transport = [&](std::string_view name, std::uint64_t v) {
            const bool bytes = name.find("bytes") != std::string_view::npos;
            out.add(fmt::format("transport_{}", name), v,
                    bytes ? "babe_transport_bytes_total" : "babe_transport_events_total", sample_type::counter,
                    {{bytes ? "kind" : "event", std::string(name)}});
        };
        const auto& tc = ts->core().stats();
#define BABE_STATS_TRANSPORT_CORE(name) transport(#name, tc.name);
        BABE_TRANSPORT_COUNTERS(BABE_STATS_TRANSPORT_CORE)
#undef BABE_STATS_TRANSPORT_CORE
        const auto& sc = ts->counters();
#define BABE_STATS_TRANSPORT_SVC(name) transport(#name, sc.name);
        BABE_TRANSPORT_SERVICE_COUNTERS(BABE_STATS_TRANSPORT_SVC)
#undef BABE_STATS_TRANSPORT_SVC
        out.add("transport_connections_in_use", ts->core().connections(), "babe_transport_connections",
                sample_type::gauge);
        out.add("transport_sessions_in_use", ts->sessions(), "babe_transport_sessions", sample_type::gauge);
    }
    std::size_t send_buffer = 0, maint_buffer = 0, links = 0, paths = 0;
    for (std::size_t k = 0; k < in.shards.size(); ++k) {
        const auto& one = in.shards[k];
        const std::vector<sample_label> shard{{"shard", std::to_string(k)}};
        out.add(fmt::format("engine_s{}_busy_ns", k), one.busy_ns, "babe_engine_busy_seconds_total",
                sample_type::counter, shard, 1e-9);
        out.add(fmt::format("engine_s{}_rx_frames", k), one.engine.rx_frames, "babe_engine_rx_frames_total",
                sample_type::counter, shard);
        out.add(fmt::format("engine_s{}_tx_backpressure", k), one.engine.tx_backpressure,
                "babe_engine_tx_backpressure_total", sample_type::counter, shard);
        out.add(fmt::format("engine_s{}_pool_frames_in_use", k), one.frames_in_use, "babe_engine_pool_frames_in_use",
                sample_type::gauge, shard);
        out.add(fmt::format("engine_s{}_pool_frames_capacity", k), one.frames_capacity,
                "babe_engine_pool_frames_capacity", sample_type::gauge, shard);
        out.add(fmt::format("engine_s{}_slabs_in_use", k), one.slabs_in_use, "babe_engine_slabs_in_use",
                sample_type::gauge, shard);
        out.add(fmt::format("engine_s{}_slabs_capacity", k), one.slabs_capacity, "babe_engine_slabs_capacity",
                sample_type::gauge, shard);
        send_buffer += one.sizes.send_buffer;
        maint_buffer += one.sizes.maint_buffer;
        links = std::max(links, one.sizes.cache_links);
        paths = std::max(paths, one.sizes.cache_paths);
    }
    out.add("engine_send_buffer_depth", send_buffer, "babe_engine_send_buffer_depth", sample_type::gauge);
    out.add("engine_maint_buffer_depth", maint_buffer, "babe_engine_maint_buffer_depth", sample_type::gauge);
    out.add("engine_route_cache_links_in_use", links, "babe_engine_route_cache_links_in_use", sample_type::gauge);
    out.add("engine_route_cache_paths_in_use", paths, "babe_engine_route_cache_paths_in_use", sample_type::gauge);
    for (std::size_t p = 0; p < in.ports.size() && p < max_ports; ++p) {
        const auto& st = t.io[p];
        const auto& name = in.ports[p].name;
        std::size_t i = 0;
#define BABE_STATS_IO(stat)                                                                        \
    out.add(fmt::format("io_{}_" #stat, name), st.stat, io_families[i++], sample_type::counter,    \
            {{"interface", name}, {"queue", "0"}});
        BABE_IO_STATS(BABE_STATS_IO)
#undef BABE_STATS_IO
        if (p < in.redirect.size() && !in.ports[p].local) {
            const auto& e = in.redirect[p];
            out.add(fmt::format("io_{}_xdp_xmit_drops", name), e.xmit_drops, "babe_xdp_xmit_drops_total",
                    sample_type::counter, {{"interface", name}});
            out.add(fmt::format("io_{}_xdp_redirect_errors", name), e.redirect_errors,
                    "babe_xdp_redirect_errors_total", sample_type::counter, {{"interface", name}});
        }
    }
    if (in.xdp) {
        for (unsigned id = 0; id < BABE_STAT_MAX; ++id) {
            const auto& k = xdp_kinds[id];
            const char* label = dataplane::stat_label(id);
            out.add(fmt::format("xdp_{}_packets", label), (*in.xdp)[id].packets, k.packets_family,
                    sample_type::counter, {{k.label_name, k.label_value}});
            out.add(fmt::format("xdp_{}_bytes", label), (*in.xdp)[id].bytes, k.bytes_family, sample_type::counter,
                    {{k.label_name, k.label_value}});
        }
    }
    return out.take();
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
