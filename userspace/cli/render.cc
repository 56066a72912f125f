// SPDX-License-Identifier: Apache-2.0
// Tables and sentences for babectl's human output (see render.hh).
#include "cli/render.hh"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

namespace babe::cli {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return "-";
    if (it->is_string())
        return it->get<std::string>();
    return it->dump();
}

std::int64_t num(const json& j, const char* key, std::int64_t dflt = 0)
{
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<std::int64_t>() : dflt;
}

// Left-aligned columns, two spaces apart.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> w(header.size(), 0);
    for (std::size_t i = 0; i < header.size(); ++i)
        w[i] = header[i].size();
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < w.size(); ++i)
            w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& r) {
        std::string s;
        for (std::size_t i = 0; i < r.size(); ++i) {
            s += r[i];
            if (i + 1 < r.size())
                s += std::string(w[i] - r[i].size() + 2, ' ');
        }
        return s + "\n";
    };
    std::string out = line(header);
    for (const auto& r : rows)
        out += line(r);
    return out;
}

} // namespace

std::string format_ms(std::int64_t ms)
{
    if (ms < 0)
        return "-";
    if (ms < 1000)
        return fmt::format("{}ms", ms);
    if (ms < 60000)
        return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
    auto s = ms / 1000;
    if (s < 3600)
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string render_path(const json& route)
{
    std::string out;
    if (route.contains("hops") && route["hops"].is_array()) {
        for (const auto& h : route["hops"]) {
            out += h.is_string() ? h.get<std::string>() : h.dump();
            out += " -> ";
        }
    }
    out += str(route, "dst");
    return out;
}

std::string render_status(const json& s)
{
    std::string ifs;
    if (s.contains("mesh_interfaces") && s["mesh_interfaces"].is_array())
        for (const auto& i : s["mesh_interfaces"]) {
            if (!ifs.empty())
                ifs += ",";
            ifs += i.is_string() ? i.get<std::string>() : i.dump();
        }
    std::string out;
    out += fmt::format("node         {}\n", str(s, "node_address"));
    out += fmt::format("mesh         {} on {}\n", str(s, "mesh_prefix"), ifs.empty() ? "-" : ifs);
    out += fmt::format("local        {}\n", str(s, "local_interface"));
    out += fmt::format("data plane   xdp {}, {} shards, pinned maps {}\n", str(s, "xdp_mode"), num(s, "shards"),
                       s.value("maps_reused", false) ? "reused" : "new");
    out += fmt::format("uptime       {}\n", format_ms(num(s, "uptime_ms")));
    out += fmt::format("routes       {}\n", num(s, "routes"));
    out += fmt::format("neighbours   {}\n", num(s, "neighbours"));
    out += fmt::format("discoveries  {} running, {} packets waiting\n", num(s, "discoveries_running"),
                       num(s, "send_buffer"));
    out += fmt::format("version      {}\n", str(s, "version"));
    return out;
}

std::string render_routes(const json& routes)
{
    if (!routes.is_array() || routes.empty())
        return "no routes cached\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : routes) {
        auto hops = r.contains("hops") && r["hops"].is_array() ? r["hops"].size() : 0;
        rows.push_back({str(r, "dst"), fmt::format("{}", hops + 1), render_path(r), format_ms(num(r, "age_ms")),
                        format_ms(num(r, "expires_ms", -1)), r.value("installed", false) ? "yes" : "no"});
    }
    std::sort(rows.begin(), rows.end());
    return table({"DESTINATION", "LINKS", "ROUTE", "AGE", "EXPIRES", "XDP"}, rows);
}

std::string render_neighbours(const json& ns)
{
    if (!ns.is_array() || ns.empty())
        return "no neighbours\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& n : ns) {
        auto heard = num(n, "last_heard_ms", -1);
        rows.push_back({str(n, "addr"), str(n, "iface"), str(n, "mac"),
                        heard < 0 ? "never" : format_ms(heard) + " ago"});
    }
    std::sort(rows.begin(), rows.end());
    return table({"ADDRESS", "IFACE", "MAC", "LAST HEARD"}, rows);
}

std::string render_stats(const json& st)
{
    if (!st.is_object() || st.empty())
        return "no counters\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : st.items())
        rows.push_back({k, v.dump()});
    return table({"COUNTER", "VALUE"}, rows);
}

std::string render_config(const json& c)
{
    std::string out;
    if (!c.is_object())
        return out;
    for (const auto& [k, v] : c.items())
        out += fmt::format("{}: {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    return out;
}

std::string render_event(const json& e)
{
    auto t_ms = num(e, "time_ms");
    std::time_t secs = static_cast<std::time_t>(t_ms / 1000);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    std::string when = fmt::format("{:02}:{:02}:{:02}.{:03}", tm.tm_hour, tm.tm_min, tm.tm_sec, t_ms % 1000);
    std::string kind = str(e, "kind");
    std::string what;
    if (e.contains("dst"))
        what += " dst " + str(e, "dst");
    if (e.contains("from"))
        what += " from " + str(e, "from");
    if (e.contains("to"))
        what += " to " + str(e, "to");
    if (e.contains("hops") && e.contains("dst"))
        what += " via " + render_path(e);
    if (e.contains("latency_us"))
        what += fmt::format(" in {:.1f} ms", static_cast<double>(num(e, "latency_us")) / 1000.0);
    if (e.contains("detail"))
        what += " (" + str(e, "detail") + ")";
    return fmt::format("{} {:<17}{}\n", when, kind, what);
}

} // namespace babe::cli
