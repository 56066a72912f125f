// SPDX-License-Identifier: Apache-2.0
// Scenario reading (see scenario.hh): one schema entry per dotted key, list
// items (flows, faults, per-link loss) checked key by key with their line,
// then the cross-field checks that need the whole scenario.
#include "sim/scenario.hh"

#include <yaml-cpp/yaml.h>
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include <babe/maps.h>

#include "config/yaml_reader.hh"

namespace babe::sim {

using config::config_exception;
using config::schema;
using config::value_ref;

const char* to_string(mobility_model m)
{
    switch (m) {
    case mobility_model::random_waypoint: return "random_waypoint";
    case mobility_model::static_random: return "static";
    case mobility_model::grid: return "grid";
    case mobility_model::chain: return "chain";
    case mobility_model::file: return "file";
    }
    return "?";
}

const char* to_string(fault_kind k)
{
    switch (k) {
    case fault_kind::crash: return "crash";
    case fault_kind::partition: return "partition";
    case fault_kind::link_down: return "link_down";
    case fault_kind::loss_burst: return "loss_burst";
    }
    return "?";
}

namespace {

constexpr double big = 1e12;
constexpr std::int64_t max_nodes = 1'000'000;
constexpr std::size_t max_transfers = 65535; // transfer i listens on transport port i + 1

duration from_s(double s) { return duration{static_cast<std::int64_t>(std::llround(s * 1e9))}; }
duration from_ms(double ms) { return from_s(ms / 1e3); }

// Items of a list of mappings, each key parsed by `fields` with its line.
using item_fields = std::map<std::string, std::function<void(const value_ref&)>>;

void read_items(const value_ref& v, const std::function<item_fields()>& make_fields)
{
    if (!v.node->IsSequence())
        v.fail("expected a list of mappings");
    std::size_t i = 0;
    for (const auto& item : *v.node) {
        std::string prefix = fmt::format("{}.{}", v.key, i++);
        int line = item.Mark().line + 1;
        if (!item.IsMap())
            throw config_exception{{v.file, v.line > 0 ? line : 0, prefix, "expected a mapping"}};
        auto fields = make_fields();
        for (const auto& kv : item) {
            std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
            std::string key = prefix + "." + k;
            int kline = v.line > 0 ? kv.first.Mark().line + 1 : 0;
            auto it = fields.find(k);
            if (it == fields.end())
                throw config_exception{{v.file, kline, key, "unknown key"}};
            YAML::Node val = kv.second;
            it->second(value_ref{&val, v.file, kline, key});
        }
    }
}

std::uint32_t as_u32(const value_ref& v, std::int64_t max = 0xffffffffll)
{
    return static_cast<std::uint32_t>(v.as_int(0, max));
}

std::vector<std::uint32_t> as_node_list(const value_ref& v)
{
    std::vector<std::uint32_t> out;
    for (const auto& s : v.as_string_list()) {
        YAML::Node n(s);
        out.push_back(as_u32(value_ref{&n, v.file, v.line, v.key}, max_nodes));
    }
    return out;
}

schema make_schema(scenario& sc, const std::string& base_dir)
{
    schema s;
    s.add("seed", [&](const value_ref& v) { sc.seed = static_cast<std::uint64_t>(v.as_int(0, INT64_MAX)); });
    s.add("agent", [&](const value_ref& v) {
        sc.agent = v.as_enum({"dsr", "direct"}) == "dsr" ? agent_kind::dsr : agent_kind::direct;
    });
    s.add("duration_s", [&](const value_ref& v) { sc.duration_s = v.as_double(0, 1e7); });
    s.add("nodes", [&](const value_ref& v) { sc.nodes = as_u32(v, max_nodes); });
    s.add("area.x_m", [&](const value_ref& v) { sc.area_x_m = v.as_double(0, big); });
    s.add("area.y_m", [&](const value_ref& v) { sc.area_y_m = v.as_double(0, big); });
    s.add("checkers", [&](const value_ref& v) { sc.checkers = v.as_bool(); });
    s.add("checker_leak_s", [&](const value_ref& v) { sc.checker_leak_s = v.as_double(0, big); });
    s.add("rebin_s", [&](const value_ref& v) { sc.rebin_s = v.as_double(1e-3, big); });

    auto& r = sc.radio;
    s.add("radio.range_m", [&](const value_ref& v) { r.range_m = v.as_double(1e-3, big); });
    s.add("radio.carrier_sense_m", [&](const value_ref& v) { r.carrier_sense_m = v.as_double(0, big); });
    s.add("radio.bitrate_bps", [&](const value_ref& v) { r.bitrate_bps = v.as_double(1, 1e12); });
    s.add("radio.loss", [&](const value_ref& v) { r.loss = v.as_double(0, 1); });
    s.add("radio.queue_packets", [&](const value_ref& v) { r.queue_packets = as_u32(v, 1 << 20); });
    s.add("radio.link_feedback", [&](const value_ref& v) { r.link_feedback = v.as_bool(); });
    s.add("radio.queue_drop_feedback", [&](const value_ref& v) { r.queue_drop_feedback = v.as_bool(); });
    s.add("radio.purge_on_break", [&](const value_ref& v) { r.purge_on_break = v.as_bool(); });
    s.add("radio.retry_limit", [&](const value_ref& v) { r.retry_limit = as_u32(v, 255); });
    s.add("radio.promiscuous", [&](const value_ref& v) {
        auto e = v.as_enum({"auto", "true", "false"});
        r.promiscuous = e == "auto" ? -1 : e == "true";
    });
    s.add("radio.preamble_us", [&](const value_ref& v) { r.preamble_us = v.as_double(0, 1e6); });
    s.add("radio.mac_header_b", [&](const value_ref& v) { r.mac_header_b = as_u32(v, 4096); });
    s.add("radio.ack_b", [&](const value_ref& v) { r.ack_b = as_u32(v, 4096); });
    s.add("radio.slot_us", [&](const value_ref& v) { r.slot_us = v.as_double(0, 1e6); });
    s.add("radio.sifs_us", [&](const value_ref& v) { r.sifs_us = v.as_double(0, 1e6); });
    s.add("radio.difs_us", [&](const value_ref& v) { r.difs_us = v.as_double(0, 1e6); });
    s.add("radio.cw_min", [&](const value_ref& v) { r.cw_min = as_u32(v, 65535); });
    s.add("radio.cw_max", [&](const value_ref& v) { r.cw_max = as_u32(v, 65535); });
    s.add("radio.link_loss", [&](const value_ref& v) {
        r.link_loss.clear();
        read_items(v, [&] {
            r.link_loss.emplace_back();
            auto& l = r.link_loss.back();
            return item_fields{
                {"a", [&l](const value_ref& x) { l.a = as_u32(x, max_nodes); }},
                {"b", [&l](const value_ref& x) { l.b = as_u32(x, max_nodes); }},
                {"p", [&l](const value_ref& x) { l.p = x.as_double(0, 1); }},
            };
        });
    });

    auto& m = sc.mobility;
    s.add("mobility.model", [&](const value_ref& v) {
        auto e = v.as_enum({"random_waypoint", "static", "grid", "chain", "file"});
        m.model = e == "random_waypoint" ? mobility_model::random_waypoint
                  : e == "static"        ? mobility_model::static_random
                  : e == "grid"          ? mobility_model::grid
                  : e == "chain"         ? mobility_model::chain
                                         : mobility_model::file;
    });
    s.add("mobility.min_speed_mps", [&](const value_ref& v) { m.min_speed_mps = v.as_double(0, 1e6); });
    s.add("mobility.max_speed_mps", [&](const value_ref& v) { m.max_speed_mps = v.as_double(0, 1e6); });
    s.add("mobility.pause_s", [&](const value_ref& v) { m.pause_s = v.as_double(0, big); });
    s.add("mobility.spacing_m", [&](const value_ref& v) { m.spacing_m = v.as_double(0, big); });
    s.add("mobility.columns", [&](const value_ref& v) { m.columns = as_u32(v, max_nodes); });
    s.add("mobility.file", [&, base_dir](const value_ref& v) {
        auto f = v.as_string();
        m.file = (f.empty() || f[0] == '/' || base_dir.empty()) ? f : base_dir + "/" + f;
    });

    auto& t = sc.traffic;
    s.add("traffic.sources", [&](const value_ref& v) { t.sources = as_u32(v, max_nodes); });
    s.add("traffic.rate_pps", [&](const value_ref& v) { t.rate_pps = v.as_double(1e-6, 1e6); });
    s.add("traffic.size_b", [&](const value_ref& v) { t.size_b = as_u32(v, 1400); });
    s.add("traffic.start_s", [&](const value_ref& v) { t.start_s = v.as_double(0, big); });
    s.add("traffic.start_spread_s", [&](const value_ref& v) { t.start_spread_s = v.as_double(0, big); });
    s.add("traffic.stop_s", [&](const value_ref& v) { t.stop_s = v.as_double(-1, big); });
    s.add("traffic.flows", [&](const value_ref& v) {
        t.flows.clear();
        read_items(v, [&] {
            t.flows.emplace_back();
            auto& f = t.flows.back();
            f.rate_pps = t.rate_pps;
            f.size_b = t.size_b;
            return item_fields{
                {"src", [&f](const value_ref& x) { f.src = as_u32(x, max_nodes); }},
                {"dst", [&f](const value_ref& x) { f.dst = as_u32(x, max_nodes); }},
                {"rate_pps", [&f](const value_ref& x) { f.rate_pps = x.as_double(1e-6, 1e6); }},
                {"size_b", [&f](const value_ref& x) { f.size_b = as_u32(x, 1400); }},
                {"start_s", [&f](const value_ref& x) { f.start_s = x.as_double(0, big); }},
                {"stop_s", [&f](const value_ref& x) { f.stop_s = x.as_double(-1, big); }},
            };
        });
    });

    s.add("transfers", [&](const value_ref& v) {
        sc.transfers.clear();
        read_items(v, [&] {
            sc.transfers.emplace_back();
            auto& t = sc.transfers.back();
            auto at = [&t](const value_ref& x) { t.line = t.line ? t.line : x.line; };
            return item_fields{
                {"src", [&t, at](const value_ref& x) { at(x); t.src = as_u32(x, max_nodes); }},
                {"dst", [&t, at](const value_ref& x) { at(x); t.dst = as_u32(x, max_nodes); }},
                {"bytes", [&t, at](const value_ref& x) {
                     at(x);
                     t.bytes = static_cast<std::uint64_t>(x.as_int(1, std::int64_t{1} << 40));
                 }},
                {"start_s", [&t, at](const value_ref& x) { at(x); t.start_s = x.as_double(0, big); }},
            };
        });
    });

    s.add("faults", [&](const value_ref& v) {
        sc.faults.clear();
        read_items(v, [&] {
            sc.faults.emplace_back();
            auto& f = sc.faults.back();
            return item_fields{
                {"kind", [&f](const value_ref& x) {
                     auto e = x.as_enum({"crash", "partition", "link_down", "loss_burst"});
                     f.kind = e == "crash"       ? fault_kind::crash
                              : e == "partition" ? fault_kind::partition
                              : e == "link_down" ? fault_kind::link_down
                                                 : fault_kind::loss_burst;
                 }},
                {"at_s", [&f](const value_ref& x) { f.at_s = x.as_double(0, big); }},
                {"until_s", [&f](const value_ref& x) { f.until_s = x.as_double(-1, big); }},
                {"node", [&f](const value_ref& x) { f.node = as_u32(x, max_nodes); }},
                {"a", [&f](const value_ref& x) { f.a = as_u32(x, max_nodes); }},
                {"b", [&f](const value_ref& x) { f.b = as_u32(x, max_nodes); }},
                {"nodes", [&f](const value_ref& x) { f.nodes = as_node_list(x); }},
                {"x_m", [&f](const value_ref& x) { f.x_m = x.as_double(0, big); }},
                {"loss", [&f](const value_ref& x) { f.loss = x.as_double(0, 1); }},
            };
        });
    });

    auto& d = sc.dsr;
    s.add("dsr.cache", [&](const value_ref& v) {
        d.cache = v.as_enum({"link", "path"}) == "link" ? dsr::cache_kind::link : dsr::cache_kind::path;
    });
    s.add("dsr.broadcast_jitter_ms", [&](const value_ref& v) { d.broadcast_jitter = from_ms(v.as_double(0, 1e6)); });
    s.add("dsr.link_min_lifetime_s", [&](const value_ref& v) { d.link_min_lifetime = from_s(v.as_double(0, big)); });
    s.add("dsr.broken_link_holdoff_s", [&](const value_ref& v) { d.broken_link_holdoff = from_s(v.as_double(0, big)); });
    s.add("dsr.link_feedback_timeout_s", [&](const value_ref& v) { d.link_feedback_timeout = from_s(v.as_double(0, big)); });
    s.add("dsr.route_cache_timeout_s", [&](const value_ref& v) { d.route_cache_timeout = from_s(v.as_double(0, big)); });
    s.add("dsr.send_buffer_timeout_s", [&](const value_ref& v) { d.send_buffer_timeout = from_s(v.as_double(0, big)); });
    s.add("dsr.request_period_ms", [&](const value_ref& v) { d.request_period = from_ms(v.as_double(0, 1e9)); });
    s.add("dsr.max_request_period_s", [&](const value_ref& v) { d.max_request_period = from_s(v.as_double(0, big)); });
    s.add("dsr.max_request_rexmt", [&](const value_ref& v) { d.max_request_rexmt = as_u32(v, 1 << 20); });
    s.add("dsr.nonprop_request_timeout_ms", [&](const value_ref& v) { d.nonprop_request_timeout = from_ms(v.as_double(0, 1e9)); });
    s.add("dsr.max_maint_rexmt", [&](const value_ref& v) { d.max_maint_rexmt = as_u32(v, 255); });
    s.add("dsr.maint_ack_timeout_ms", [&](const value_ref& v) { d.maint_ack_timeout = from_ms(v.as_double(0, 1e9)); });
    s.add("dsr.passive_ack_timeout_ms", [&](const value_ref& v) { d.passive_ack_timeout = from_ms(v.as_double(0, 1e9)); });
    s.add("dsr.try_passive_acks", [&](const value_ref& v) { d.try_passive_acks = as_u32(v, 255); });
    s.add("dsr.max_salvage_count", [&](const value_ref& v) { d.max_salvage_count = static_cast<std::uint8_t>(v.as_int(0, 15)); });
    s.add("dsr.discovery_hop_limit", [&](const value_ref& v) { d.discovery_hop_limit = static_cast<std::uint8_t>(v.as_int(1, 255)); });
    s.add("dsr.nonprop_first", [&](const value_ref& v) { d.nonprop_first = v.as_bool(); });
    s.add("dsr.expanding_ring", [&](const value_ref& v) { d.expanding_ring = v.as_bool(); });
    s.add("dsr.reply_from_cache", [&](const value_ref& v) { d.reply_from_cache = v.as_bool(); });
    s.add("dsr.route_shortening", [&](const value_ref& v) { d.route_shortening = v.as_bool(); });
    s.add("dsr.send_buffer_size", [&](const value_ref& v) { d.send_buffer_size = as_u32(v, 1 << 20); });
    s.add("dsr.rexmt_buffer_size", [&](const value_ref& v) { d.rexmt_buffer_size = as_u32(v, 1 << 20); });
    s.add("dsr.cache_nodes", [&](const value_ref& v) { d.cache_nodes = as_u32(v, 1 << 20); });
    s.add("dsr.cache_links", [&](const value_ref& v) { d.cache_links = as_u32(v, 1 << 22); });
    s.add("dsr.cache_paths", [&](const value_ref& v) { d.cache_paths = as_u32(v, 1 << 22); });
    s.add("dsr.installed_routes", [&](const value_ref& v) { d.installed_routes = as_u32(v, 1 << 20); });
    s.add("dsr.tx_queue_size", [&](const value_ref& v) { d.tx_queue_size = as_u32(v, 1 << 20); });
    s.add("dsr.event_queue_size", [&](const value_ref& v) { d.event_queue_size = as_u32(v, 1 << 20); });
    s.add("dsr.reply_queue_size", [&](const value_ref& v) { d.reply_queue_size = as_u32(v, 1 << 20); });
    s.add("dsr.request_table_size", [&](const value_ref& v) { d.request_table_size = as_u32(v, 1 << 20); });
    s.add("dsr.request_table_ids", [&](const value_ref& v) { d.request_table_ids = as_u32(v, 1 << 16); });
    s.add("dsr.neighbour_table_size", [&](const value_ref& v) { d.neighbour_table_size = as_u32(v, 1 << 20); });
    s.add("dsr.blacklist_size", [&](const value_ref& v) { d.blacklist_size = as_u32(v, 1 << 20); });
    s.add("dsr.grat_reply_table_size", [&](const value_ref& v) { d.grat_reply_table_size = as_u32(v, 1 << 20); });
    s.add("dsr.discovery_table_size", [&](const value_ref& v) { d.discovery_table_size = as_u32(v, 1 << 20); });
    s.add("dsr.cache_degree", [&](const value_ref& v) { d.cache_degree = as_u32(v, 1 << 16); });
    s.add("dsr.cache_paths_per_dst", [&](const value_ref& v) { d.cache_paths_per_dst = as_u32(v, 1 << 16); });
    s.add("dsr.hop_recovery", [&](const value_ref& v) { sc.hop_recovery = v.as_bool(); });
    s.add("dsr.hop_window", [&](const value_ref& v) { d.hop_window = as_u32(v, 65536); });
    s.add("dsr.hop_max_rexmt", [&](const value_ref& v) { d.hop_max_rexmt = as_u32(v, 1024); });
    s.add("dsr.hop_min_ack_timeout_ms", [&](const value_ref& v) { d.hop_min_ack_timeout = from_ms(v.as_double(0, 1e9)); });
    s.add("dsr.ack_redundancy", [&](const value_ref& v) { d.ack_redundancy = as_u32(v, 4); });
    s.add("dsr.rreq_rate_table_size", [&](const value_ref& v) { d.rreq_rate_table_size = as_u32(v, 1 << 20); });
    return s;
}

void check(bool ok, const std::string& name, const std::string& key, const std::string& message,
           int line = 0)
{
    if (!ok)
        throw config_exception{{name, line, key, message}};
}

void validate(const scenario& sc)
{
    const auto& n = sc.name;
    check(sc.nodes >= 1, n, "nodes", "at least one node");
    check(sc.traffic.sources == 0 || sc.nodes >= 2, n, "traffic.sources", "random flows need two nodes");
    check(sc.traffic.size_b >= 16, n, "traffic.size_b", "at least 16 bytes (the simulator's tag)");
    check(sc.mobility.min_speed_mps <= sc.mobility.max_speed_mps, n, "mobility.min_speed_mps",
          "greater than mobility.max_speed_mps");
    check(sc.mobility.model != mobility_model::file || !sc.mobility.file.empty(), n, "mobility.file",
          "model 'file' needs a file");
    check(sc.radio.cw_min <= sc.radio.cw_max, n, "radio.cw_min", "greater than radio.cw_max");
    check(sc.radio.queue_packets >= 1, n, "radio.queue_packets", "at least 1");
    for (std::size_t i = 0; i < sc.radio.link_loss.size(); ++i) {
        const auto& l = sc.radio.link_loss[i];
        check(l.a < sc.nodes && l.b < sc.nodes, n, fmt::format("radio.link_loss.{}", i), "node out of range");
    }
    for (std::size_t i = 0; i < sc.traffic.flows.size(); ++i) {
        const auto& f = sc.traffic.flows[i];
        auto k = fmt::format("traffic.flows.{}", i);
        check(f.src < sc.nodes && f.dst < sc.nodes, n, k, "node out of range");
        check(f.src != f.dst, n, k, "src and dst are the same node");
        check(f.size_b >= 16, n, k + ".size_b", "at least 16 bytes (the simulator's tag)");
    }
    check(sc.transfers.size() <= max_transfers, n, "transfers",
          fmt::format("at most {} transfers (one transport port each)", max_transfers));
    for (std::size_t i = 0; i < sc.transfers.size(); ++i) {
        const auto& t = sc.transfers[i];
        auto k = fmt::format("transfers.{}", i);
        check(t.src < sc.nodes && t.dst < sc.nodes, n, k, "node out of range", t.line);
        check(t.src != t.dst, n, k, "src and dst are the same node", t.line);
        check(t.start_s < sc.duration_s, n, k + ".start_s", "not before the end of the run (duration_s)",
              t.line);
    }
    for (std::size_t i = 0; i < sc.faults.size(); ++i) {
        const auto& f = sc.faults[i];
        auto k = fmt::format("faults.{}", i);
        check(f.until_s < 0 || f.until_s >= f.at_s, n, k + ".until_s", "before at_s");
        check(f.node < sc.nodes && f.a < sc.nodes && f.b < sc.nodes, n, k, "node out of range");
        for (auto x : f.nodes)
            check(x < sc.nodes, n, k + ".nodes", "node out of range");
        check(f.kind != fault_kind::partition || !f.nodes.empty() || f.x_m >= 0, n, k,
              "a partition needs nodes or x_m");
    }
}

scenario finish(scenario sc)
{
    sc.dsr.use_link_feedback = sc.radio.link_feedback;
    if (!sc.transfers.empty() && sc.hop_recovery)
        sc.dsr.hop_reliable_next_header = BABE_NEXT_HEADER_TRANSPORT;
#ifdef BABE_SIM_HAVE_DSR
    if (!dsr::validate_config(sc.dsr))
        throw config_exception{{sc.name, 0, "dsr", "the DSR configuration is not valid"}};
#endif
    validate(sc);
    return sc;
}

} // namespace

scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides)
{
    scenario sc;
    sc.name = path;
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
    make_schema(sc, dir).read_file(path, overrides);
    return finish(std::move(sc));
}

scenario load_scenario_text(const std::string& yaml, const std::string& name,
                            const std::vector<std::string>& overrides)
{
    scenario sc;
    sc.name = name;
    make_schema(sc, "").read_string(yaml, name, overrides);
    return finish(std::move(sc));
}

} // namespace babe::sim
