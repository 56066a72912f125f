// SPDX-License-Identifier: Apache-2.0
// babed's configuration schema (see babed_config.hh). One table of keys
// drives reading (through yaml_reader's strict schema), `config show` and
// the reload plan, so a key can never be readable yet missing from either.
#include "config/babed_config.hh"

#include "core/ipv4.hh"

#include <fmt/format.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <set>

namespace babe::config {

namespace {

struct key_def {
    std::string key;
    std::function<void(babed_config&, const value_ref&)> parse;
    std::function<std::string(const babed_config&)> show;
    std::function<void(babed_config&, const babed_config&)> copy;
    bool restart = false;
    bool required = false;
};

#define BABE_FIELD(expr) [](auto& c) -> auto& { return c.expr; }

template <class Acc>
key_def def_uint(std::string key, Acc acc, std::int64_t min, std::int64_t max, bool restart = false)
{
    return {std::move(key),
            [acc, min, max](babed_config& c, const value_ref& v) {
                using T = std::remove_reference_t<decltype(acc(c))>;
                acc(c) = static_cast<T>(v.as_int(min, max));
            },
            [acc](const babed_config& c) { return fmt::format("{}", static_cast<std::uint64_t>(acc(c))); },
            [acc](babed_config& d, const babed_config& s) { acc(d) = acc(s); }, restart};
}

// A duration in milliseconds (key ends in _ms).
template <class Acc>
key_def def_ms(std::string key, Acc acc, std::int64_t min, std::int64_t max, bool restart = false)
{
    return {std::move(key),
            [acc, min, max](babed_config& c, const value_ref& v) {
                acc(c) = std::chrono::duration_cast<duration>(std::chrono::milliseconds(v.as_int(min, max)));
            },
            [acc](const babed_config& c) {
                return fmt::format("{}", std::chrono::duration_cast<std::chrono::milliseconds>(acc(c)).count());
            },
            [acc](babed_config& d, const babed_config& s) { acc(d) = acc(s); }, restart};
}

template <class Acc>
key_def def_bool(std::string key, Acc acc, bool restart = false)
{
    return {std::move(key), [acc](babed_config& c, const value_ref& v) { acc(c) = v.as_bool(); },
            [acc](const babed_config& c) { return std::string(acc(c) ? "true" : "false"); },
            [acc](babed_config& d, const babed_config& s) { acc(d) = acc(s); }, restart};
}

// A string checked by `check` (returns an error message, empty when fine).
template <class Acc>
key_def def_string(std::string key, Acc acc, bool restart,
                   std::function<std::string(const std::string&)> check = {})
{
    return {std::move(key),
            [acc, check](babed_config& c, const value_ref& v) {
                auto s = v.as_string();
                if (check) {
                    auto msg = check(s);
                    if (!msg.empty())
                        v.fail(msg);
                }
                acc(c) = s;
            },
            [acc](const babed_config& c) { return std::string(acc(c)); },
            [acc](babed_config& d, const babed_config& s) { acc(d) = acc(s); }, restart};
}

std::string check_ifname(const std::string& s)
{
    if (s.empty() || s.size() > 15)
        return "an interface name has 1 to 15 characters";
    for (char ch : s)
        if (ch == '/' || ch == ' ' || ch == ':' || ch == '\t')
            return fmt::format("'{}' is not a valid interface name", s);
    return {};
}

std::string check_abs_path(const std::string& s)
{
    if (s.empty() || s[0] != '/')
        return fmt::format("'{}' is not an absolute path", s);
    if (s.size() >= 108)
        return "path too long (a unix socket path has at most 107 characters)";
    return {};
}

std::string check_listen(const std::string& s)
{
    if (s.empty())
        return {};
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return fmt::format("'{}' is not ADDRESS:PORT", s);
    if (!ipv4_address::parse(s.substr(0, colon)))
        return fmt::format("'{}' is not an IPv4 address", s.substr(0, colon));
    auto port = s.substr(colon + 1);
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535)
        return fmt::format("'{}' is not a port", port);
    return {};
}

std::string check_cpu_list(const std::string& s)
{
    if (!parse_cpu_list(s))
        return fmt::format("'{}' is not a CPU list (CPUs and ranges below 1024, as in \"0-3,6\")", s);
    return {};
}

std::string check_enum(const std::string& s, std::initializer_list<const char*> allowed)
{
    std::string list;
    for (const char* a : allowed) {
        if (s == a)
            return {};
        list += list.empty() ? a : fmt::format(", {}", a);
    }
    return fmt::format("'{}' is not one of: {}", s, list);
}

const std::vector<key_def>& keys()
{
    static const std::vector<key_def> table = [] {
        std::vector<key_def> k;
        k.push_back({"node.address",
                     [](babed_config& c, const value_ref& v) {
                         auto a = ipv4_address::parse(v.as_string());
                         if (!a || a->host() == 0 || a->host() == 0xffffffffu)
                             v.fail(fmt::format("'{}' is not a unicast IPv4 address", v.as_string()));
                         c.node_address = a->host();
                     },
                     [](const babed_config& c) { return ipv4_address::from_host(c.node_address).to_string(); },
                     [](babed_config& d, const babed_config& s) { d.node_address = s.node_address; },
                     true, true});
        k.push_back({"mesh.interfaces",
                     [](babed_config& c, const value_ref& v) {
                         auto list = v.as_string_list();
                         if (list.empty())
                             v.fail("at least one mesh interface is required");
                         std::set<std::string> seen;
                         for (const auto& name : list) {
                             auto msg = check_ifname(name);
                             if (!msg.empty())
                                 v.fail(msg);
                             if (!seen.insert(name).second)
                                 v.fail(fmt::format("'{}' is listed twice", name));
                         }
                         c.mesh_interfaces = list;
                     },
                     [](const babed_config& c) {
                         std::string out;
                         for (const auto& i : c.mesh_interfaces)
                             out += out.empty() ? i : "," + i;
                         return out;
                     },
                     [](babed_config& d, const babed_config& s) { d.mesh_interfaces = s.mesh_interfaces; },
                     true, true});
        k.push_back({"mesh.prefix",
                     [](babed_config& c, const value_ref& v) {
                         auto p = parse_prefix(v.as_string());
                         if (!p || p->second < 8)
                             v.fail(fmt::format("'{}' is not an IPv4 prefix of length 8 to 32 (a.b.c.d/len)",
                                                v.as_string()));
                         c.mesh_prefix = p->first;
                         c.mesh_prefix_len = p->second;
                     },
                     [](const babed_config& c) {
                         return fmt::format("{}/{}",
                                            ipv4_address::from_host(c.mesh_prefix).to_string(),
                                            c.mesh_prefix_len);
                     },
                     [](babed_config& d, const babed_config& s) {
                         d.mesh_prefix = s.mesh_prefix;
                         d.mesh_prefix_len = s.mesh_prefix_len;
                     },
                     true, true});
        k.push_back(def_string("local.interface", BABE_FIELD(local_interface), true, check_ifname));
        k.push_back(def_string("local.peer", BABE_FIELD(local_peer), true, check_ifname));
        k.push_back(def_uint("local.mtu", BABE_FIELD(local_mtu), 576, 9000, true));
        k.push_back(def_string("xdp.mode", BABE_FIELD(xdp_mode), true, [](const std::string& s) {
            return check_enum(s, {"auto", "native", "generic"});
        }));
        k.push_back(def_string("xdp.pin_path", BABE_FIELD(pin_path), true, check_abs_path));
        k.push_back(def_uint("engine.shards", BABE_FIELD(shards), 0, 256, true));
        k.push_back(def_string("engine.backend", BABE_FIELD(backend), true, [](const std::string& s) {
            return check_enum(s, {"auto", "afxdp", "afpacket"});
        }));
        k.push_back(def_uint("engine.sched_slice_us", BABE_FIELD(sched_slice_us), 0, 100000, true));
        k.push_back(def_string("engine.cpus", BABE_FIELD(shard_cpus), true, check_cpu_list));

        // RFC 4728 §9 constants.
        k.push_back(def_uint("dsr.discovery_hop_limit", BABE_FIELD(dsr.discovery_hop_limit), 1, 255));
        k.push_back(def_ms("dsr.broadcast_jitter_ms", BABE_FIELD(dsr.broadcast_jitter), 0, 10000));
        k.push_back(def_ms("dsr.route_cache_timeout_ms", BABE_FIELD(dsr.route_cache_timeout), 1, 86400000));
        k.push_back(def_ms("dsr.link_min_lifetime_ms", BABE_FIELD(dsr.link_min_lifetime), 1, 86400000));
        k.push_back(def_ms("dsr.broken_link_holdoff_ms", BABE_FIELD(dsr.broken_link_holdoff), 0, 3600000));
        k.push_back(def_ms("dsr.send_buffer_timeout_ms", BABE_FIELD(dsr.send_buffer_timeout), 1, 3600000));
        k.push_back(def_uint("dsr.request_table_size", BABE_FIELD(dsr.request_table_size), 1, 65536, true));
        k.push_back(def_uint("dsr.request_table_ids", BABE_FIELD(dsr.request_table_ids), 1, 1024, true));
        k.push_back(def_uint("dsr.max_request_rexmt", BABE_FIELD(dsr.max_request_rexmt), 0, 1024));
        k.push_back(def_ms("dsr.max_request_period_ms", BABE_FIELD(dsr.max_request_period), 1, 3600000));
        k.push_back(def_ms("dsr.request_period_ms", BABE_FIELD(dsr.request_period), 1, 3600000));
        k.push_back(def_ms("dsr.nonprop_request_timeout_ms", BABE_FIELD(dsr.nonprop_request_timeout), 1, 60000));
        k.push_back(def_uint("dsr.rexmt_buffer_size", BABE_FIELD(dsr.rexmt_buffer_size), 1, 65536, true));
        k.push_back(def_ms("dsr.maint_holdoff_time_ms", BABE_FIELD(dsr.maint_holdoff_time), 0, 60000));
        k.push_back(def_uint("dsr.max_maint_rexmt", BABE_FIELD(dsr.max_maint_rexmt), 0, 1024));
        k.push_back(def_uint("dsr.try_passive_acks", BABE_FIELD(dsr.try_passive_acks), 0, 1024));
        k.push_back(def_ms("dsr.passive_ack_timeout_ms", BABE_FIELD(dsr.passive_ack_timeout), 1, 60000));
        k.push_back(def_ms("dsr.grat_reply_holdoff_ms", BABE_FIELD(dsr.grat_reply_holdoff), 0, 3600000));
        k.push_back(def_uint("dsr.max_salvage_count", BABE_FIELD(dsr.max_salvage_count), 0,
                             BABE_DSR_MAX_SALVAGE_COUNT));
        // Behaviour choices.
        k.push_back({"dsr.cache",
                     [](babed_config& c, const value_ref& v) {
                         c.dsr.cache = v.as_enum({"link", "path"}) == "path" ? dsr::cache_kind::path
                                                                             : dsr::cache_kind::link;
                     },
                     [](const babed_config& c) {
                         return std::string(c.dsr.cache == dsr::cache_kind::path ? "path" : "link");
                     },
                     [](babed_config& d, const babed_config& s) { d.dsr.cache = s.dsr.cache; }, true});
        k.push_back(def_bool("dsr.nonprop_first", BABE_FIELD(dsr.nonprop_first)));
        k.push_back(def_bool("dsr.expanding_ring", BABE_FIELD(dsr.expanding_ring)));
        k.push_back(def_bool("dsr.reply_from_cache", BABE_FIELD(dsr.reply_from_cache)));
        k.push_back(def_bool("dsr.route_shortening", BABE_FIELD(dsr.route_shortening)));
        k.push_back(def_bool("dsr.assume_bidirectional", BABE_FIELD(dsr.assume_bidirectional)));
        k.push_back(def_ms("dsr.maint_ack_timeout_ms", BABE_FIELD(dsr.maint_ack_timeout), 1, 60000));
        k.push_back(def_ms("dsr.max_ack_timeout_ms", BABE_FIELD(dsr.max_ack_timeout), 1, 60000));
        // Hop-by-hop recovery of the reliable transport's segments.
        k.push_back({"dsr.hop_recovery",
                     [](babed_config& c, const value_ref& v) {
                         c.dsr.hop_reliable_next_header = v.as_bool() ? BABE_NEXT_HEADER_TRANSPORT : 0;
                     },
                     [](const babed_config& c) {
                         return std::string(c.dsr.hop_reliable_next_header != 0 ? "true" : "false");
                     },
                     [](babed_config& d, const babed_config& s) {
                         d.dsr.hop_reliable_next_header = s.dsr.hop_reliable_next_header;
                     },
                     true}); // the transport's reordering window is set at start
        k.push_back(def_ms("dsr.hop_min_ack_timeout_ms", BABE_FIELD(dsr.hop_min_ack_timeout), 1, 60000));
        k.push_back(def_uint("dsr.hop_max_rexmt", BABE_FIELD(dsr.hop_max_rexmt), 0, 1024));
        k.push_back(def_uint("dsr.hop_window", BABE_FIELD(dsr.hop_window), 1, 65536));
        k.push_back(def_uint("dsr.ack_redundancy", BABE_FIELD(dsr.ack_redundancy), 1, 4));
        k.push_back(def_ms("dsr.hop_dup_window_ms", BABE_FIELD(dsr.hop_dup_window), 1, 60000));
        k.push_back(def_ms("dsr.reply_hop_delay_ms", BABE_FIELD(dsr.reply_hop_delay), 0, 10000));
        k.push_back(def_ms("dsr.blacklist_timeout_ms", BABE_FIELD(dsr.blacklist_timeout), 1, 3600000));
        k.push_back(def_ms("dsr.cache_sweep_interval_ms", BABE_FIELD(dsr.cache_sweep_interval), 1, 3600000));
        // Table bounds: pre-allocated, so a change needs a restart.
        k.push_back(def_uint("dsr.cache_nodes", BABE_FIELD(dsr.cache_nodes), 2, 1 << 20, true));
        k.push_back(def_uint("dsr.cache_links", BABE_FIELD(dsr.cache_links), 1, 1 << 22, true));
        k.push_back(def_uint("dsr.cache_degree", BABE_FIELD(dsr.cache_degree), 1, 4096, true));
        k.push_back(def_uint("dsr.cache_paths", BABE_FIELD(dsr.cache_paths), 1, 1 << 22, true));
        k.push_back(def_uint("dsr.cache_paths_per_dst", BABE_FIELD(dsr.cache_paths_per_dst), 1, 64, true));
        k.push_back(def_uint("dsr.installed_routes", BABE_FIELD(dsr.installed_routes), 1, 1 << 20, true));
        k.push_back(def_uint("dsr.send_buffer_size", BABE_FIELD(dsr.send_buffer_size), 1, 1 << 20, true));
        k.push_back(def_uint("dsr.discovery_table_size", BABE_FIELD(dsr.discovery_table_size), 1, 65536, true));
        k.push_back(def_uint("dsr.grat_reply_table_size", BABE_FIELD(dsr.grat_reply_table_size), 1, 65536, true));
        k.push_back(def_uint("dsr.blacklist_size", BABE_FIELD(dsr.blacklist_size), 1, 65536, true));
        k.push_back(def_uint("dsr.neighbour_table_size", BABE_FIELD(dsr.neighbour_table_size), 1, 65536, true));
        k.push_back(def_uint("dsr.tx_queue_size", BABE_FIELD(dsr.tx_queue_size), 1, 1 << 20, true));
        k.push_back(def_uint("dsr.event_queue_size", BABE_FIELD(dsr.event_queue_size), 1, 1 << 20, true));
        k.push_back(def_uint("dsr.reply_queue_size", BABE_FIELD(dsr.reply_queue_size), 1, 65536, true));
        k.push_back(def_uint("dsr.hop_dup_table_size", BABE_FIELD(dsr.hop_dup_table_size), 1, 1 << 20, true));
        // Flood protection.
        k.push_back(def_uint("dsr.rreq_rate_per_initiator", BABE_FIELD(dsr.rreq_rate_per_initiator), 1, 1000000));
        k.push_back(def_uint("dsr.rreq_burst_per_initiator", BABE_FIELD(dsr.rreq_burst_per_initiator), 1, 1000000));
        k.push_back(def_uint("dsr.rreq_rate_table_size", BABE_FIELD(dsr.rreq_rate_table_size), 1, 65536, true));
        k.push_back(def_uint("dsr.data_ttl", BABE_FIELD(dsr.data_ttl), 1, 255));

        k.push_back(def_string("metrics.listen", BABE_FIELD(metrics_listen), true, check_listen));
        k.push_back(def_string("control.socket", BABE_FIELD(control_socket), true, check_abs_path));
        k.push_back(def_string("control.group", BABE_FIELD(control_group), true));
        k.push_back(def_uint("control.max_clients", BABE_FIELD(control_max_clients), 1, 1024, true));
        k.push_back(def_uint("control.monitor_queue", BABE_FIELD(monitor_queue), 1, 1 << 20, true));
        k.push_back(def_string("log.level", BABE_FIELD(log_level), false, [](const std::string& s) {
            return check_enum(s, {"trace", "debug", "info", "warn", "error", "critical", "off"});
        }));
        return k;
    }();
    return table;
}

#undef BABE_FIELD

// Where each key's value was read (file and line; "--set" and 0 for an
// override), so that the checks made after reading locate their errors too:
// at the first of the keys they name that was read, else at a key read from
// the same section of the file (a required key missing), else at line 1.
class origins {
public:
    explicit origins(std::string file) : _file(std::move(file)) {}

    void read(const value_ref& v) { _at[v.key] = {v.file, v.line}; }
    bool has(const std::string& key) const { return _at.count(key) != 0; }

    [[noreturn]] void fail(const std::string& key, const std::string& message,
                           std::initializer_list<std::string> blame = {}) const
    {
        std::vector<std::string> order(blame);
        if (order.empty())
            order.push_back(key);
        for (const std::string& k : order)
            if (auto it = _at.find(k); it != _at.end())
                throw config_exception{error{it->second.first, it->second.second, key, message}};
        const auto dot = key.find('.');
        const std::string section = dot == std::string::npos ? key + "." : key.substr(0, dot + 1);
        int line = 0;
        for (const auto& [k, at] : _at)
            if (at.first == _file && at.second > 0 && k.compare(0, section.size(), section) == 0 &&
                (line == 0 || at.second < line))
                line = at.second;
        throw config_exception{error{_file, line > 0 ? line : 1, key, message}};
    }

private:
    std::string _file;
    std::map<std::string, std::pair<std::string, int>> _at;
};

babed_config read_with(const std::function<void(const schema&)>& read, const std::string& name)
{
    babed_config c;
    origins at(name);
    schema sc;
    for (const auto& k : keys()) {
        sc.add(k.key, [&c, &at, &k](const value_ref& v) {
            k.parse(c, v);
            at.read(v);
        });
    }
    read(sc);
    for (const auto& k : keys())
        if (k.required && !at.has(k.key))
            at.fail(k.key, "required key is missing");
    std::uint32_t mask = c.mesh_prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - c.mesh_prefix_len);
    if ((c.node_address & mask) != c.mesh_prefix)
        at.fail("node.address", fmt::format("{} is outside mesh.prefix {}/{}",
                                            ipv4_address::from_host(c.node_address).to_string(),
                                            ipv4_address::from_host(c.mesh_prefix).to_string(), c.mesh_prefix_len));
    for (const auto& i : c.mesh_interfaces)
        if (i == c.local_interface || i == c.local_peer)
            at.fail("mesh.interfaces", fmt::format("'{}' is also the local interface pair", i));
    if (c.local_interface == c.local_peer)
        at.fail("local.peer", "must differ from local.interface", {"local.peer", "local.interface"});
    if (c.dsr.max_request_period < c.dsr.request_period)
        at.fail("dsr.max_request_period_ms", "is shorter than dsr.request_period_ms",
                {"dsr.max_request_period_ms", "dsr.request_period_ms"});
    if (!dsr::validate_config(c.dsr))
        at.fail("dsr", "the DSR settings are inconsistent (see babe.yaml(5))");
    c.source = name;
    return c;
}

} // namespace

babed_config load_babed_config(const std::string& path, const std::vector<std::string>& overrides)
{
    return read_with([&](const schema& sc) { sc.read_file(path, overrides); }, path);
}

babed_config parse_babed_config(const std::string& text, const std::string& name,
                                const std::vector<std::string>& overrides)
{
    return read_with([&](const schema& sc) { sc.read_string(text, name, overrides); }, name);
}

std::vector<std::pair<std::string, std::string>> show_babed_config(const babed_config& c)
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& k : keys())
        out.emplace_back(k.key, k.show(c));
    return out;
}

bool needs_restart(const std::string& key)
{
    for (const auto& k : keys())
        if (k.key == key)
            return k.restart;
    return true;
}

reload_plan plan_reload(const babed_config& current, const babed_config& next)
{
    reload_plan plan{next, {}, {}};
    for (const auto& k : keys()) {
        if (k.show(current) == k.show(next))
            continue;
        if (k.restart) {
            k.copy(plan.applied, current);
            plan.need_restart.push_back(k.key);
        } else {
            plan.changed.push_back(k.key);
        }
    }
    return plan;
}

std::optional<std::vector<unsigned>> parse_cpu_list(const std::string& text)
{
    constexpr unsigned limit = 1024; // CPU_SETSIZE
    std::vector<unsigned> out;
    std::size_t pos = 0;
    auto number = [&](unsigned& v) {
        const std::size_t start = pos;
        v = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 5)
            v = v * 10 + static_cast<unsigned>(text[pos++] - '0');
        return pos > start && v < limit;
    };
    while (pos < text.size()) {
        unsigned lo = 0, hi = 0;
        if (!number(lo))
            return std::nullopt;
        hi = lo;
        if (pos < text.size() && text[pos] == '-') {
            ++pos;
            if (!number(hi) || hi < lo)
                return std::nullopt;
        }
        for (unsigned c = lo; c <= hi; ++c)
            out.push_back(c);
        if (pos < text.size() && (text[pos] != ',' || ++pos == text.size()))
            return std::nullopt; // junk, or a trailing comma
    }
    return out;
}

} // namespace babe::config
