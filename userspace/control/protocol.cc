// SPDX-License-Identifier: Apache-2.0
// Request parsing and response rendering for the control protocol (see
// protocol.hh). Parsing never throws: nlohmann's exceptions are caught and
// turned into typed errors.
#include "control/protocol.hh"

#include "core/ipv4.hh"

#include <fmt/format.h>

namespace babe::control {

using nlohmann::json;

const char* to_string(command c)
{
    switch (c) {
    case command::status: return "status";
    case command::routes: return "routes";
    case command::neighbours: return "neighbours";
    case command::stats: return "stats";
    case command::discover: return "discover";
    case command::flush: return "flush";
    case command::monitor: return "monitor";
    case command::config: return "config";
    case command::send: return "send";
    case command::recv: return "recv";
    }
    return "unknown";
}

const char* to_string(error_code c)
{
    switch (c) {
    case error_code::bad_json: return "bad_json";
    case error_code::bad_request: return "bad_request";
    case error_code::unknown_command: return "unknown_command";
    case error_code::request_too_large: return "request_too_large";
    case error_code::too_many_clients: return "too_many_clients";
    case error_code::service_error: return "service_error";
    case error_code::timeout: return "timeout";
    case error_code::discovery_failed: return "discovery_failed";
    }
    return "unknown";
}

std::string format_mac(const std::array<std::uint8_t, 6>& m)
{
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

namespace {

unexpected<proto_error> bad(error_code c, std::string msg)
{
    return unexpected<proto_error>(proto_error{c, std::move(msg)});
}

const std::pair<const char*, command> command_names[] = {
    {"status", command::status},   {"routes", command::routes}, {"neighbours", command::neighbours},
    {"neighbors", command::neighbours}, {"stats", command::stats}, {"discover", command::discover},
    {"flush", command::flush},     {"monitor", command::monitor}, {"config", command::config},
    {"send", command::send},       {"recv", command::recv},
};

result<std::uint16_t, proto_error> port_field(const json& j)
{
    auto it = j.find("port");
    if (it == j.end())
        return bad(error_code::bad_request, "'port' is required");
    if (!it->is_number_integer())
        return bad(error_code::bad_request, "'port' must be an integer");
    auto v = it->get<std::int64_t>();
    if (v < 1 || v > 65535)
        return bad(error_code::bad_request, "'port' must be in [1, 65535]");
    return static_cast<std::uint16_t>(v);
}

result<ipv4, proto_error> address_field(const json& j, const char* key)
{
    auto it = j.find(key);
    if (it == j.end())
        return bad(error_code::bad_request, fmt::format("'{}' is required", key));
    if (!it->is_string())
        return bad(error_code::bad_request, fmt::format("'{}' must be a string", key));
    auto a = ipv4_address::parse(it->get<std::string>());
    if (!a)
        return bad(error_code::bad_request, fmt::format("'{}' is not an IPv4 address", key));
    return a->host();
}

} // namespace

result<request, proto_error> parse_request(std::string_view line)
{
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return bad(error_code::bad_json, "a request is one JSON object per line");
    auto cmd_it = j.find("cmd");
    if (cmd_it == j.end() || !cmd_it->is_string())
        return bad(error_code::bad_request, "'cmd' (a string) is required");
    const auto& name = cmd_it->get_ref<const std::string&>();
    request r;
    bool known = false;
    for (const auto& [n, c] : command_names)
        if (name == n) {
            r.cmd = c;
            known = true;
        }
    if (!known)
        return bad(error_code::unknown_command,
                   fmt::format("unknown command '{}'", name.substr(0, 64)));

    switch (r.cmd) {
    case command::discover: {
        auto t = address_field(j, "target");
        if (!t)
            return unexpected<proto_error>(t.error());
        r.target = t.value();
        if (auto it = j.find("timeout_ms"); it != j.end()) {
            if (!it->is_number_integer())
                return bad(error_code::bad_request, "'timeout_ms' must be an integer");
            auto v = it->get<std::int64_t>();
            if (v < 1 || v > max_discover_timeout_ms)
                return bad(error_code::bad_request,
                           fmt::format("'timeout_ms' must be in [1, {}]", max_discover_timeout_ms));
            r.timeout_ms = v;
        }
        break;
    }
    case command::monitor: {
        if (auto it = j.find("kinds"); it != j.end()) {
            if (!it->is_array())
                return bad(error_code::bad_request, "'kinds' must be a list of event kinds");
            std::uint32_t mask = 0;
            for (const auto& k : *it) {
                if (!k.is_string())
                    return bad(error_code::bad_request, "'kinds' must be a list of event kinds");
                auto kind = parse_event_kind(k.get<std::string>());
                if (!kind)
                    return bad(error_code::bad_request,
                               fmt::format("unknown event kind '{}'", k.get<std::string>().substr(0, 64)));
                mask |= event_filter::bit(*kind);
            }
            if (mask == 0)
                return bad(error_code::bad_request, "'kinds' is empty");
            r.filter.kinds = mask;
        }
        if (j.contains("node")) {
            auto n = address_field(j, "node");
            if (!n)
                return unexpected<proto_error>(n.error());
            r.filter.node = n.value();
        }
        break;
    }
    case command::stats:
        if (auto it = j.find("match"); it != j.end()) {
            if (!it->is_string())
                return bad(error_code::bad_request, "'match' must be a string");
            r.match = it->get<std::string>();
        }
        break;
    case command::send: {
        auto p = address_field(j, "peer");
        if (!p)
            return unexpected<proto_error>(p.error());
        r.peer = p.value();
        auto port = port_field(j);
        if (!port)
            return unexpected<proto_error>(port.error());
        r.port = port.value();
        break;
    }
    case command::recv: {
        auto port = port_field(j);
        if (!port)
            return unexpected<proto_error>(port.error());
        r.port = port.value();
        break;
    }
    default:
        break;
    }
    return r;
}

std::string encode_request(const request& r)
{
    json j;
    j["cmd"] = to_string(r.cmd);
    switch (r.cmd) {
    case command::discover:
        j["target"] = ipv4_address::from_host(r.target).to_string();
        j["timeout_ms"] = r.timeout_ms;
        break;
    case command::monitor:
        if (r.filter.kinds != ~std::uint32_t{0}) {
            json kinds = json::array();
            for (int i = 0; i < event_kind_count; ++i)
                if (r.filter.kinds & (std::uint32_t{1} << i))
                    kinds.push_back(to_string(static_cast<event_kind>(i)));
            j["kinds"] = kinds;
        }
        if (r.filter.node)
            j["node"] = ipv4_address::from_host(*r.filter.node).to_string();
        break;
    case command::stats:
        if (!r.match.empty())
            j["match"] = r.match;
        break;
    case command::send:
        j["peer"] = ipv4_address::from_host(r.peer).to_string();
        j["port"] = r.port;
        break;
    case command::recv:
        j["port"] = r.port;
        break;
    default:
        break;
    }
    return j.dump();
}

namespace {
json addr_list(const std::vector<ipv4>& v)
{
    json a = json::array();
    for (auto x : v)
        a.push_back(ipv4_address::from_host(x).to_string());
    return a;
}
} // namespace

json to_json(const status_info& s)
{
    json ifs = json::array();
    for (const auto& i : s.mesh_interfaces)
        ifs.push_back(i);
    return json{{"version", s.version},
                {"node_address", ipv4_address::from_host(s.node_address).to_string()},
                {"mesh_prefix", s.mesh_prefix},
                {"mesh_interfaces", ifs},
                {"local_interface", s.local_interface},
                {"xdp_mode", s.xdp_mode},
                {"shards", s.shards},
                {"uptime_ms", s.uptime_ms},
                {"maps_reused", s.maps_reused},
                {"routes", s.routes},
                {"neighbours", s.neighbours},
                {"discoveries_running", s.discoveries_running},
                {"send_buffer", s.send_buffer}};
}

json to_json(const route_info& r)
{
    return json{{"dst", ipv4_address::from_host(r.dst).to_string()},
                {"hops", addr_list(r.hops)},
                {"age_ms", r.age_ms},
                {"expires_ms", r.expires_ms},
                {"installed", r.installed}};
}

json to_json(const neighbour_info& n)
{
    return json{{"addr", ipv4_address::from_host(n.addr).to_string()},
                {"iface", n.iface},
                {"mac", format_mac(n.mac)},
                {"last_heard_ms", n.last_heard_ms}};
}

json to_json(const std::vector<counter>& c, const std::string& match)
{
    json o = json::object();
    for (const auto& x : c)
        if (match.empty() || x.name.find(match) != std::string::npos)
            o[x.name] = x.value;
    return o;
}

json to_json(const event& e)
{
    json j{{"kind", to_string(e.kind)}, {"time_ms", e.time_ms}};
    if (e.dst)
        j["dst"] = ipv4_address::from_host(e.dst).to_string();
    if (e.from)
        j["from"] = ipv4_address::from_host(e.from).to_string();
    if (e.to)
        j["to"] = ipv4_address::from_host(e.to).to_string();
    if (!e.hops.empty() || e.kind == event_kind::route_added || e.kind == event_kind::route_changed ||
        e.kind == event_kind::discovery_done)
        j["hops"] = addr_list(e.hops);
    if (e.kind == event_kind::discovery_done)
        j["latency_us"] = e.latency_us;
    if (!e.detail.empty())
        j["detail"] = e.detail;
    return j;
}

json to_json(const discover_result& d)
{
    json j{{"ok", d.ok}, {"latency_us", d.latency_us}};
    if (d.ok)
        j["route"] = to_json(d.route);
    else
        j["reason"] = d.reason;
    return j;
}

json error_json(error_code code, const std::string& message)
{
    return json{{"ok", false}, {"error", {{"code", to_string(code)}, {"message", message}}}};
}

json ok_json()
{
    return json{{"ok", true}};
}

std::string to_line(const json& j)
{
    auto s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    s.push_back('\n');
    return s;
}

} // namespace babe::control
