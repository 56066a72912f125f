// SPDX-License-Identifier: Apache-2.0
// The snapshot -> families mapping (see collector.hh and docs/observability.md).
#include "metrics/collector.hh"

#include "metrics/process.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace babe::metrics {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p)
{
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Metric names take [a-zA-Z0-9_:]; anything else becomes '_'.
std::string sanitize(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            c = '_';
    return out;
}

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// AF_XDP per-socket statistics: the flat suffix and the family it feeds.
struct io_stat {
    std::string_view suffix;
    std::string_view family;
};
constexpr io_stat io_stats[] = {
    {"rx_packets", "babe_afxdp_rx_packets_total"},
    {"tx_packets", "babe_afxdp_tx_packets_total"},
    {"rx_dropped", "babe_afxdp_rx_dropped_total"},
    {"rx_invalid", "babe_afxdp_rx_invalid_descs_total"},
    {"tx_invalid", "babe_afxdp_tx_invalid_descs_total"},
    {"rx_ring_full", "babe_afxdp_rx_ring_full_total"},
    {"tx_ring_full", "babe_afxdp_tx_ring_full_total"},
    {"fill_starved", "babe_afxdp_fill_starved_total"},
    {"fill_ring_empty", "babe_afxdp_fill_ring_empty_total"},
    {"tx_ring_empty", "babe_afxdp_tx_ring_empty_total"},
    {"fill_ring_filled", "babe_afxdp_fill_ring_filled_total"},
    {"completions", "babe_afxdp_completions_total"},
};

struct help_row {
    std::string_view family;
    std::string_view help;
};
constexpr help_row helps[] = {
    {"babe_build_info", "Build of this babed: always 1, the version in a label."},
    {"babe_engine_up", "1 when the engine answered this scrape through its control mailbox, 0 otherwise."},
    {"babe_routes_installed", "Source routes in the kernel's routes map (the XDP fast path)."},
    {"babe_neighbours", "Neighbours the engine knows (one-hop peers with a MAC address)."},
    {"babe_discoveries_running", "Route Discoveries in progress."},
    {"babe_send_buffer_packets", "Packets in the send buffer, waiting for a route."},
    {"babe_uptime_seconds", "Seconds since the engine started."},
    {"babe_maps_reused", "1 when babed started on maps pinned by an earlier run."},
    {"babe_xdp_packets_total", "Packets by XDP outcome (per-CPU stats map, summed over CPUs)."},
    {"babe_xdp_bytes_total", "Bytes by XDP outcome (per-CPU stats map, summed over CPUs)."},
    {"babe_xdp_drops_total", "Packets XDP dropped, by reason (per-CPU stats map, summed over CPUs)."},
    {"babe_xdp_dropped_bytes_total", "Bytes XDP dropped, by reason."},
    {"babe_xdp_to_engine_total",
     "Packets XDP sent to the engine (or would have: no socket), by why; adds up to the to_engine, no_xsk and ack_reply actions."},
    {"babe_xdp_to_engine_bytes_total", "Bytes XDP sent to the engine, by why."},
    {"babe_afxdp_rx_packets_total", "Frames received on the engine's AF_XDP socket."},
    {"babe_afxdp_tx_packets_total", "Frames transmitted through the engine's AF_XDP socket."},
    {"babe_afxdp_rx_dropped_total", "Frames the kernel dropped before the AF_XDP RX ring (XDP_STATISTICS rx_dropped)."},
    {"babe_afxdp_rx_invalid_descs_total", "Invalid RX descriptors (XDP_STATISTICS rx_invalid_descs)."},
    {"babe_afxdp_tx_invalid_descs_total", "Invalid TX descriptors (XDP_STATISTICS tx_invalid_descs)."},
    {"babe_afxdp_rx_ring_full_total", "Frames dropped because the RX ring was full (XDP_STATISTICS rx_ring_full)."},
    {"babe_afxdp_tx_ring_full_total", "Transmissions refused by a full AF_XDP TX ring (backpressure)."},
    {"babe_afxdp_fill_starved_total", "Times the engine had no free UMEM frame to put on the fill ring."},
    {"babe_afxdp_fill_ring_empty_total", "Times the fill ring was empty (XDP_STATISTICS rx_fill_ring_empty_descs)."},
    {"babe_afxdp_tx_ring_empty_total", "Times the TX ring was empty (XDP_STATISTICS tx_ring_empty_descs)."},
    {"babe_afxdp_fill_ring_filled_total", "Frames the engine put on the fill ring."},
    {"babe_afxdp_completions_total", "Frames the engine took back from the completion ring."},
    {"babe_xdp_xmit_drops_total",
     "Frames XDP redirected into the interface that its driver refused (xdp:xdp_devmap_xmit drops; no "
     "ndo_xdp_xmit, a veth peer without NAPI)."},
    {"babe_xdp_redirect_errors_total",
     "Frames that came in on the interface whose XDP redirect failed (xdp:xdp_redirect_err, "
     "xdp_redirect_map_err)."},
    {"babe_dsr_events_total", "DSR protocol events of the core, by event (userspace/dsr/counters.hh)."},
    {"babe_transport_events_total",
     "Reliable transport events (segments, retransmissions, loss events, connections, streams), by event (docs/transport.md)."},
    {"babe_transport_bytes_total",
     "Reliable transport bytes, by kind (data sent first time, retransmitted, delivered in order; to/from babectl clients)."},
    {"babe_transport_connections", "Transport connections in use (any state, TIME-WAIT included)."},
    {"babe_transport_sessions", "babectl send/recv streams open on this node."},
    {"babe_route_cache_lookups_total", "Route cache lookups, by result (hit, miss)."},
    {"babe_route_cache_evictions_total", "Routes removed from the route cache, by cause (lru: room, expired: RouteCacheTimeout)."},
    {"babe_engine_rx_frames_total", "Frames the engine received from its AF_XDP sockets."},
    {"babe_engine_rx_short_total", "Received frames too short for Ethernet + IPv4, dropped."},
    {"babe_engine_rx_not_ipv4_total", "Received frames that were not IPv4, dropped."},
    {"babe_engine_tx_control_total", "Control packets (Route Request/Reply/Error, Ack) the engine transmitted."},
    {"babe_engine_tx_data_total", "Data packets the engine transmitted (send buffer, salvage, maintenance)."},
    {"babe_engine_tx_backpressure_total", "Transmissions refused by a full AF_XDP TX ring (backpressure)."},
    {"babe_engine_no_frame_total", "Packets not built: no free UMEM frame (pool exhausted)."},
    {"babe_engine_no_headroom_total", "Packets not built: no headroom for the DSR header."},
    {"babe_engine_unknown_mac_total", "Transmissions to a next hop whose MAC address is unknown."},
    {"babe_engine_delivered_local_total", "Packets the engine delivered to this node's stack."},
    {"babe_engine_neighbours_learned_total", "Neighbours the engine learned."},
    {"babe_engine_map_write_errors_total", "Failed writes to the BPF maps."},
    {"babe_engine_routes_installed_total", "Routes written into the kernel's routes map."},
    {"babe_engine_routes_removed_total", "Routes removed from the kernel's routes map."},
    {"babe_engine_probes_total", "Ack Requests sent to probe a quiet next hop that carries traffic."},
    {"babe_engine_route_scans_total", "Scans of the kernel's routes map for the routes XDP used (once a second)."},
    {"babe_engine_routes_used_total", "Routes XDP sent packets on, found by the scans and kept alive in the route cache."},
    {"babe_engine_routes_used_unlisted_total", "Routes found used beyond what one scan lists (not kept alive)."},
    {"babe_engine_shards", "Engine shards (threads), one per core."},
    {"babe_engine_neighbours_full_total", "Neighbours not learned: the neighbour table was full."},
    {"babe_engine_bus_sent_total", "Messages a shard sent to another over the inter-shard rings."},
    {"babe_engine_bus_received_total", "Messages a shard received over the inter-shard rings."},
    {"babe_engine_bus_backpressure_total", "Messages refused by a full inter-shard ring (backpressure)."},
    {"babe_engine_bus_no_slab_total", "Messages not sent: no free slab for them."},
    {"babe_engine_busy_seconds_total", "Time a shard spent working; its rate is the shard's busy ratio."},
    {"babe_other_events_total", "Engine counters with no family of their own, by counter name."},
    {"babe_process_cpu_seconds_total", "User and system CPU time of babed."},
    {"babe_process_resident_memory_bytes", "Resident memory of babed."},
    {"babe_process_virtual_memory_bytes", "Virtual memory of babed."},
    {"babe_process_open_fds", "Open file descriptors of babed."},
    {"babe_process_max_fds", "File descriptor limit of babed (RLIMIT_NOFILE)."},
    {"babe_process_threads", "Threads of babed."},
    {"babe_process_start_time_seconds", "Start time of babed, seconds since the epoch."},
    {"babe_route_discovery_seconds", "Route Discovery latency: first Route Request to the route."},
    {"babe_route_repair_seconds", "Route repair: a broken link on a route in use to the replacement route."},
};

std::string help_of(const std::string& family, std::string_view fallback)
{
    for (const auto& r : helps)
        if (r.family == family)
            return std::string(r.help);
    return std::string(fallback);
}

// Families in first-seen order, each series once.
class builder {
public:
    family& get(const std::string& name, metric_type type, std::string_view fallback_help)
    {
        auto it = _index.find(name);
        if (it != _index.end())
            return _families[it->second];
        _index.emplace(name, _families.size());
        _families.push_back(family{name, help_of(name, fallback_help), type, {}});
        return _families.back();
    }

    // False (and nothing added) for a series already there or a type clash.
    bool add(const std::string& name, metric_type type, std::string_view help, double v,
             std::vector<label> labels = {})
    {
        auto& f = get(name, type, help);
        if (f.type != type)
            return false;
        if (!_series.insert(series_key(name, labels)).second)
            return false;
        add_sample(f, v, std::move(labels));
        return true;
    }

    bool add_histogram(const std::string& name, std::string_view help, histogram_value h)
    {
        auto& f = get(name, metric_type::histogram, help);
        if (f.type != metric_type::histogram || !_series.insert(series_key(name, {})).second)
            return false;
        if (!help.empty() && f.samples.empty())
            f.help = std::string(help); // the engine's own words for its histogram
        f.samples.push_back(sample{{}, 0, std::move(h)});
        return true;
    }

    std::vector<family> take() { return std::move(_families); }

private:
    static std::string series_key(const std::string& name, const std::vector<label>& labels)
    {
        std::string k = name;
        for (const auto& l : labels) {
            k += '\x1f';
            k += l.name;
            k += '=';
            k += l.value;
        }
        return k;
    }

    std::vector<family> _families;
    std::unordered_map<std::string, std::size_t> _index;
    std::unordered_set<std::string> _series;
};

const char* histogram_family(std::string_view name)
{
    if (name == "discovery_seconds")
        return "babe_route_discovery_seconds";
    if (name == "repair_seconds")
        return "babe_route_repair_seconds";
    return nullptr;
}

} // namespace

counter_mapping map_counter(std::string_view name)
{
    counter_mapping m;
    if (starts_with(name, "xdp_")) {
        auto rest = name.substr(4);
        bool bytes = ends_with(rest, "_bytes");
        if (bytes || ends_with(rest, "_packets")) {
            auto label = rest.substr(0, rest.size() - (bytes ? 6 : 8));
            if (starts_with(label, "drop_") && label.size() > 5) {
                m.family = bytes ? "babe_xdp_dropped_bytes_total" : "babe_xdp_drops_total";
                m.labels = {{"reason", std::string(label.substr(5))}};
                return m;
            }
            if (starts_with(label, "engine_") && label.size() > 7) {
                m.family = bytes ? "babe_xdp_to_engine_bytes_total" : "babe_xdp_to_engine_total";
                m.labels = {{"reason", std::string(label.substr(7))}};
                return m;
            }
            if (!label.empty()) {
                m.family = bytes ? "babe_xdp_bytes_total" : "babe_xdp_packets_total";
                m.labels = {{"action", std::string(label)}};
                return m;
            }
        }
    } else if (starts_with(name, "io_")) {
        auto rest = name.substr(3);
        for (const auto& st : io_stats) {
            if (rest.size() < st.suffix.size() + 2 || !ends_with(rest, st.suffix) ||
                rest[rest.size() - st.suffix.size() - 1] != '_')
                continue;
            auto ifq = rest.substr(0, rest.size() - st.suffix.size() - 1);
            std::string queue = "0";
            if (auto q = ifq.rfind("_q"); q != std::string_view::npos && q > 0 && all_digits(ifq.substr(q + 2))) {
                queue = std::string(ifq.substr(q + 2));
                ifq = ifq.substr(0, q);
            }
            m.family = std::string(st.family);
            m.labels = {{"interface", std::string(ifq)}, {"queue", queue}};
            return m;
        }
    } else if (starts_with(name, "dsr_") && name.size() > 4) {
        m.family = "babe_dsr_events_total";
        m.labels = {{"event", std::string(name.substr(4))}};
        return m;
    } else if (starts_with(name, "engine_") && name.size() > 7) {
        auto rest = name.substr(7);
        // engine_s<N>_<name>: one shard's counter.
        if (rest.size() > 2 && rest[0] == 's') {
            auto us = rest.find('_');
            if (us != std::string_view::npos && us + 1 < rest.size() && all_digits(rest.substr(1, us - 1))) {
                m.labels = {{"shard", std::string(rest.substr(1, us - 1))}};
                rest = rest.substr(us + 1);
            }
        }
        if (rest == "shards") {
            m.family = "babe_engine_shards";
            m.type = metric_type::gauge;
        } else if (ends_with(rest, "_ns") && rest.size() > 3) {
            m.family = "babe_engine_" + sanitize(rest.substr(0, rest.size() - 3)) + "_seconds_total";
            m.scale = 1e-9;
        } else if (ends_with(rest, "_in_use") || ends_with(rest, "_capacity") || ends_with(rest, "_depth")) {
            m.family = "babe_engine_" + sanitize(rest);
            m.type = metric_type::gauge;
        } else {
            m.family = "babe_engine_" + sanitize(rest) + "_total";
        }
        return m;
    } else if (starts_with(name, "transport_") && name.size() > 10) {
        auto rest = name.substr(10);
        if (ends_with(rest, "_in_use")) {
            m.family = "babe_transport_" + sanitize(rest.substr(0, rest.size() - 7));
            m.type = metric_type::gauge;
        } else if (ends_with(rest, "bytes_sent") || ends_with(rest, "bytes_retransmitted") ||
                   ends_with(rest, "bytes_delivered") || starts_with(rest, "bytes_")) {
            m.family = "babe_transport_bytes_total";
            m.labels = {{"kind", std::string(rest)}};
        } else {
            m.family = "babe_transport_events_total";
            m.labels = {{"event", std::string(rest)}};
        }
        return m;
    }
    m.family = "babe_other_events_total";
    m.labels = {{"counter", std::string(name)}};
    return m;
}

counter_mapping mapping_of(const engine::counter& c)
{
    if (c.family.empty())
        return map_counter(c.name);
    counter_mapping m;
    m.family = c.family;
    m.type = c.type == engine::sample_type::gauge ? metric_type::gauge : metric_type::counter;
    for (const auto& l : c.labels)
        m.labels.push_back(label{l.name, l.value});
    m.scale = c.scale;
    return m;
}

std::optional<counter_mapping> route_cache_mapping(std::string_view dsr_event)
{
    counter_mapping m;
    if (dsr_event == "cache_hits" || dsr_event == "cache_misses") {
        m.family = "babe_route_cache_lookups_total";
        m.labels = {{"result", dsr_event == "cache_hits" ? "hit" : "miss"}};
    } else if (dsr_event == "cache_evictions" || dsr_event == "cache_expired") {
        m.family = "babe_route_cache_evictions_total";
        m.labels = {{"cause", dsr_event == "cache_evictions" ? "lru" : "expired"}};
    } else {
        return std::nullopt;
    }
    return m;
}

std::vector<family> collect(const snapshot& s)
{
    builder b;
    b.add("babe_build_info", metric_type::gauge, "", 1, {{"version", s.version}});
    b.add("babe_engine_up", metric_type::gauge, "", s.engine_up ? 1 : 0);
    if (s.engine_up) {
        const auto& st = s.status;
        b.add("babe_routes_installed", metric_type::gauge, "", static_cast<double>(st.routes));
        b.add("babe_neighbours", metric_type::gauge, "", static_cast<double>(st.neighbours));
        b.add("babe_discoveries_running", metric_type::gauge, "", static_cast<double>(st.discoveries_running));
        b.add("babe_send_buffer_packets", metric_type::gauge, "", static_cast<double>(st.send_buffer));
        b.add("babe_uptime_seconds", metric_type::gauge, "", static_cast<double>(st.uptime_ms) / 1000.0);
        b.add("babe_maps_reused", metric_type::gauge, "", st.maps_reused ? 1 : 0);
    }
    std::vector<std::pair<counter_mapping, double>> cache;
    for (const auto& c : s.counters) {
        auto m = mapping_of(c);
        auto v = static_cast<double>(c.value) * m.scale;
        b.add(m.family, m.type, fmt::format("Engine counter {}.", c.name), v, m.labels);
        if (m.family == "babe_dsr_events_total" && !m.labels.empty())
            if (auto rc = route_cache_mapping(m.labels[0].value))
                cache.emplace_back(std::move(*rc), v);
    }
    for (auto& [m, v] : cache)
        b.add(m.family, m.type, "", v, m.labels);
    for (const auto& h : s.histograms) {
        if (h.counts.size() != h.upper_bounds.size() + 1 || !std::is_sorted(h.upper_bounds.begin(), h.upper_bounds.end()))
            continue; // malformed: leave it out rather than render a lie
        const char* known = histogram_family(h.name);
        std::string name = known ? known : "babe_" + sanitize(h.name);
        b.add_histogram(name, h.help, histogram_value{h.upper_bounds, h.counts, h.sum});
    }
    if (s.process) {
        const auto& p = *s.process;
        b.add("babe_process_cpu_seconds_total", metric_type::counter, "", p.cpu_seconds);
        b.add("babe_process_resident_memory_bytes", metric_type::gauge, "", p.resident_bytes);
        b.add("babe_process_virtual_memory_bytes", metric_type::gauge, "", p.virtual_bytes);
        b.add("babe_process_open_fds", metric_type::gauge, "", p.open_fds);
        b.add("babe_process_max_fds", metric_type::gauge, "", p.max_fds);
        b.add("babe_process_threads", metric_type::gauge, "", p.threads);
        b.add("babe_process_start_time_seconds", metric_type::gauge, "", p.start_time_seconds);
    }
    return b.take();
}

snapshot scrape(engine::control_service& svc, std::string version, bool with_process)
{
    snapshot s;
    s.version = std::move(version);
    try {
        s.status = svc.status();
        s.counters = svc.stats();
        s.histograms = svc.histograms();
        s.engine_up = true;
    } catch (const std::exception&) {
        s.engine_up = false;
        s.counters.clear();
        s.histograms.clear();
    }
    if (with_process)
        s.process = read_process_stats();
    return s;
}

} // namespace babe::metrics
