// SPDX-License-Identifier: Apache-2.0
// babectl: the operator's command for a running babed. Every subcommand is
// one request over the control socket (protocol.hh); ping and traceroute add
// ICMP echo through the host stack, which babe0 routes into the mesh. Human
// tables by default, the daemon's JSON with --json. See babectl(8).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/icmp.hh"
#include "cli/render.hh"
#include "control/client.hh"
#include "control/protocol.hh"
#include "core/ipv4.hh"
#include "core/unique_fd.hh"
#include "libbabe/babe.hh"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

namespace {

using babe::control::client;
using babe::control::client_error;
using babe::control::command;
using babe::control::request;
using nlohmann::json;
namespace render = babe::cli;

struct options {
    std::string socket = "/run/babe/babe.sock";
    bool json = false;
    int timeout_ms = 5000;
};

int print_error(const options& o, const json& answer)
{
    if (o.json)
        std::cout << answer.dump() << "\n";
    std::string code = "error", msg = answer.dump();
    if (answer.contains("error") && answer["error"].is_object()) {
        code = answer["error"].value("code", "error");
        msg = answer["error"].value("message", "");
    }
    std::cerr << fmt::format("babectl: {}: {}\n", code, msg);
    return 1;
}

bool ok(const json& j)
{
    return j.is_object() && j.value("ok", false);
}

std::chrono::milliseconds ms(int v)
{
    return std::chrono::milliseconds(v);
}

// The answer to a one-shot request, or an exit code after printing the error.
std::optional<json> one_shot(const options& o, client& c, const request& r, int& rc)
{
    auto a = c.call(r, ms(o.timeout_ms));
    if (!ok(a)) {
        rc = print_error(o, a);
        return std::nullopt;
    }
    return a;
}

int simple(const options& o, command cmd, const char* field, std::string (*human)(const json&),
           const std::string& match = {})
{
    client c(o.socket);
    request r;
    r.cmd = cmd;
    r.match = match;
    int rc = 0;
    auto a = one_shot(o, c, r, rc);
    if (!a)
        return rc;
    if (o.json)
        std::cout << a->dump() << "\n";
    else
        std::cout << human((*a)[field]);
    return 0;
}

std::uint32_t parse_node(const std::string& s)
{
    auto a = babe::ipv4_address::parse(s);
    if (!a)
        throw CLI::ValidationError("NODE", fmt::format("'{}' is not an IPv4 address", s));
    return a->host();
}

// The cached route to `target`, or one found by a discovery run now.
struct obtained {
    json route;
    bool discovered = false;
    std::int64_t latency_us = 0;
};

std::optional<obtained> obtain_route(const options& o, client& c, std::uint32_t target, int discover_ms, int& rc)
{
    request r;
    r.cmd = command::routes;
    auto a = one_shot(o, c, r, rc);
    if (!a)
        return std::nullopt;
    auto dst = babe::ipv4_address::from_host(target).to_string();
    for (const auto& route : (*a)["routes"])
        if (route.value("dst", "") == dst)
            return obtained{route, false, 0};
    if (!o.json)
        std::cout << fmt::format("no route cached to {}: discovering...\n", dst) << std::flush;
    r.cmd = command::discover;
    r.target = target;
    r.timeout_ms = discover_ms;
    auto d = c.call(r, ms(discover_ms + o.timeout_ms));
    if (!ok(d)) {
        rc = print_error(o, d);
        return std::nullopt;
    }
    return obtained{d["discover"]["route"], true, d["discover"].value("latency_us", std::int64_t{0})};
}

int cmd_discover(const options& o, const std::string& node, int discover_ms)
{
    client c(o.socket);
    request r;
    r.cmd = command::discover;
    r.target = parse_node(node);
    r.timeout_ms = discover_ms;
    auto a = c.call(r, ms(discover_ms + o.timeout_ms));
    if (!ok(a))
        return print_error(o, a);
    if (o.json) {
        std::cout << a.dump() << "\n";
        return 0;
    }
    const auto& d = a["discover"];
    auto links = d["route"]["hops"].size() + 1;
    std::cout << fmt::format("route to {}: {} ({} link{}), found in {:.3f} ms\n", node, render::render_path(d["route"]),
                             links, links == 1 ? "" : "s",
                             static_cast<double>(d.value("latency_us", std::int64_t{0})) / 1000.0);
    return 0;
}

int cmd_ping(const options& o, const std::string& node, int count, double interval_s, int wait_ms, int discover_ms)
{
    auto target = parse_node(node);
    client c(o.socket);
    int rc = 0;
    auto route = obtain_route(o, c, target, discover_ms, rc);
    if (!route)
        return rc;
    babe::cli::icmp_pinger pinger;
    auto links = route->route["hops"].size() + 1;
    if (!o.json) {
        if (route->discovered)
            std::cout << fmt::format("route found in {:.3f} ms\n", static_cast<double>(route->latency_us) / 1000.0);
        std::cout << fmt::format("PING {} over DSR: {} ({} link{})\n", node, render::render_path(route->route), links,
                                 links == 1 ? "" : "s");
    }
    json rtts = json::array();
    double min = 0, max = 0, sum = 0;
    int received = 0;
    for (int i = 1; i <= count; ++i) {
        auto rtt = pinger.echo(target, static_cast<std::uint16_t>(i), wait_ms);
        if (rtt) {
            rtts.push_back(*rtt);
            min = received ? std::min(min, *rtt) : *rtt;
            max = received ? std::max(max, *rtt) : *rtt;
            sum += *rtt;
            ++received;
            if (!o.json)
                std::cout << fmt::format("reply from {}: seq={} time={:.3f} ms\n", node, i, *rtt) << std::flush;
        } else {
            rtts.push_back(nullptr);
            if (!o.json)
                std::cout << fmt::format("no reply from {}: seq={}\n", node, i) << std::flush;
        }
        if (i < count)
            std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
    }
    if (o.json) {
        json out{{"target", node}, {"route", route->route}, {"discovered", route->discovered},
                 {"sent", count},  {"received", received},  {"rtt_ms", rtts}};
        if (route->discovered)
            out["discover_latency_us"] = route->latency_us;
        std::cout << out.dump() << "\n";
    } else {
        std::cout << fmt::format("--- {}: {} sent, {} received, {}% loss", node, count, received,
                                 count ? (count - received) * 100 / count : 0);
        if (received)
            std::cout << fmt::format(", rtt min/avg/max {:.3f}/{:.3f}/{:.3f} ms", min, sum / received, max);
        std::cout << "\n";
    }
    return received > 0 ? 0 : 1;
}

int cmd_traceroute(const options& o, const std::string& node, int probes, int wait_ms, int discover_ms)
{
    auto target = parse_node(node);
    client c(o.socket);
    int rc = 0;
    auto route = obtain_route(o, c, target, discover_ms, rc);
    if (!route)
        return rc;
    std::vector<std::string> hops;
    for (const auto& h : route->route["hops"])
        hops.push_back(h.get<std::string>());
    hops.push_back(node);
    babe::cli::icmp_pinger pinger;
    if (!o.json)
        std::cout << fmt::format("traceroute to {} over DSR, {} link{}\n", node, hops.size(),
                                 hops.size() == 1 ? "" : "s");
    json out_hops = json::array();
    bool reached = false;
    for (std::size_t i = 0; i < hops.size(); ++i) {
        auto addr = babe::ipv4_address::parse(hops[i])->host();
        json rtts = json::array();
        std::string line = fmt::format("{:2}  {:<15}", i + 1, hops[i]);
        for (int p = 0; p < probes; ++p) {
            auto rtt = pinger.echo(addr, static_cast<std::uint16_t>(i * probes + p + 1), wait_ms);
            if (rtt) {
                rtts.push_back(*rtt);
                line += fmt::format("  {:.3f} ms", *rtt);
                if (i + 1 == hops.size())
                    reached = true;
            } else {
                rtts.push_back(nullptr);
                line += "  *";
            }
        }
        out_hops.push_back(json{{"hop", i + 1}, {"addr", hops[i]}, {"rtt_ms", rtts}});
        if (!o.json)
            std::cout << line << "\n" << std::flush;
    }
    if (o.json) {
        json out{{"target", node}, {"route", route->route}, {"discovered", route->discovered}, {"hops", out_hops}};
        std::cout << out.dump() << "\n";
    }
    return reached ? 0 : 1;
}

int cmd_monitor(const options& o, const std::vector<std::string>& kinds, const std::string& node, long count)
{
    request r;
    r.cmd = command::monitor;
    if (!kinds.empty()) {
        r.filter.kinds = 0;
        for (const auto& k : kinds) {
            auto kind = babe::control::parse_event_kind(k);
            if (!kind)
                throw CLI::ValidationError("--kind", fmt::format("unknown event kind '{}'", k));
            r.filter.kinds |= babe::control::event_filter::bit(*kind);
        }
    }
    if (!node.empty())
        r.filter.node = parse_node(node);
    client c(o.socket);
    auto a = c.call(r, ms(o.timeout_ms));
    if (!ok(a))
        return print_error(o, a);
    if (o.json)
        std::cout << a.dump() << "\n" << std::flush;
    else
        std::cerr << "monitoring (Ctrl-C to stop)\n";
    long seen = 0;
    while (count <= 0 || seen < count) {
        auto line = c.read(ms(-1));
        if (!line) {
            std::cerr << "babectl: the daemon closed the stream\n";
            return 1;
        }
        if (o.json) {
            std::cout << line->dump() << "\n" << std::flush;
        } else if (line->contains("event")) {
            std::cout << render::render_event((*line)["event"]) << std::flush;
        } else if (line->contains("dropped")) {
            std::cout << fmt::format("-- {} events dropped: this monitor fell behind (total {})\n",
                                     (*line)["dropped"].dump(), line->value("dropped_total", std::uint64_t{0}))
                      << std::flush;
        }
        if (line->contains("event"))
            ++seen;
    }
    return 0;
}

// Progress on a terminal (stderr), at most 4 times a second.
struct progress_line {
    const char* verb;
    bool tty = ::isatty(2) != 0;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last{};
    void operator()(std::uint64_t bytes, bool final = false)
    {
        if (!tty)
            return;
        auto now = std::chrono::steady_clock::now();
        if (!final && now - last < std::chrono::milliseconds(250))
            return;
        last = now;
        double s = std::chrono::duration<double>(now - start).count();
        std::cerr << fmt::format("\r{} {:.1f} MiB ({:.1f} MiB/s)   ", verb, bytes / 1048576.0,
                                 s > 0 ? bytes / 1048576.0 / s : 0.0)
                  << (final ? "\n" : "") << std::flush;
    }
};

int transfer_error(const char* what, const babe::lib::error& e)
{
    std::cerr << fmt::format("babectl: {}: {}: {}\n", what, e.code, e.what());
    return 1;
}

int cmd_send(const options& o, const std::string& target, const std::string& file)
{
    auto colon = target.rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(target.c_str() + colon + 1);
    std::string node = colon == std::string::npos ? target : target.substr(0, colon);
    if (port < 1 || port > 65535 || !babe::ipv4_address::parse(node)) {
        std::cerr << "babectl: send: the target is NODE:PORT (an IPv4 address and a port 1-65535)\n";
        return 2;
    }
    babe::unique_fd file_fd;
    int fd = 0;
    if (!file.empty() && file != "-") {
        file_fd.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        fd = file_fd.get();
        if (fd < 0) {
            std::cerr << fmt::format("babectl: send: cannot open {}: {}\n", file, std::strerror(errno));
            return 1;
        }
    }
    progress_line p{"sent"};
    try {
        std::uint64_t n = babe::lib::send_fd(o.socket, node, static_cast<std::uint16_t>(port), fd,
                                             [&](std::uint64_t b) { p(b); });
        p(n, true);
        if (o.json)
            std::cout << fmt::format("{{\"ok\":true,\"sent\":{}}}\n", n);
        else if (p.tty)
            std::cerr << fmt::format("sent {} bytes to {}\n", n, target);
    } catch (const babe::lib::error& e) {
        if (p.tty)
            std::cerr << "\n";
        return transfer_error("send", e);
    }
    return 0;
}

int cmd_recv(const options& o, int port, const std::string& file)
{
    babe::unique_fd file_fd;
    int fd = 1;
    if (!file.empty() && file != "-") {
        file_fd.reset(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        fd = file_fd.get();
        if (fd < 0) {
            std::cerr << fmt::format("babectl: recv: cannot create {}: {}\n", file, std::strerror(errno));
            return 1;
        }
    }
    progress_line p{"received"};
    std::string from;
    try {
        std::uint64_t n = babe::lib::recv_fd(
            o.socket, static_cast<std::uint16_t>(port), fd,
            [&](const std::string& peer) {
                from = peer;
                if (p.tty)
                    std::cerr << fmt::format("receiving from {}\n", peer);
            },
            [&](std::uint64_t b) { p(b); });
        p(n, true);
        if (file_fd.close() != 0) { // a written file: its close can report the error
            std::cerr << fmt::format("babectl: recv: cannot write {}: {}\n", file, std::strerror(errno));
            return 1;
        }
        if (o.json)
            std::cout << fmt::format("{{\"ok\":true,\"received\":{},\"peer\":\"{}\"}}\n", n, from);
        else if (p.tty)
            std::cerr << fmt::format("received {} bytes from {}\n", n, from);
    } catch (const babe::lib::error& e) {
        if (p.tty)
            std::cerr << "\n";
        return transfer_error("recv", e);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    options o;
    if (const char* env = std::getenv("BABE_SOCKET"); env && *env)
        o.socket = env;

    CLI::App app{"babectl: inspect and drive a running babed (DSR mesh node) over its control socket"};
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("-s,--socket", o.socket, "control socket of babed (default /run/babe/babe.sock, or $BABE_SOCKET)");
    app.add_flag("-j,--json", o.json, "print the daemon's JSON answers instead of tables");
    app.add_option("-t,--timeout", o.timeout_ms, "milliseconds to wait for an answer")->check(CLI::Range(1, 600000));
    app.set_version_flag("--version", std::string("babectl ") + BABE_VERSION + "\n");

    auto* status = app.add_subcommand("status", "the node: addresses, interfaces, data plane, table sizes");
    auto* routes = app.add_subcommand("routes", "cached source routes: destination, hops, age, expiry");
    auto* neighbours = app.add_subcommand("neighbours", "neighbours: address, interface, MAC, last heard");
    neighbours->alias("neighbors");
    auto* stats = app.add_subcommand("stats", "counters of the DSR core, the engine and XDP");
    std::string match;
    stats->add_option("-m,--match", match, "only counters whose name contains this");

    std::string node;
    int discover_ms = 10000;
    auto* discover = app.add_subcommand("discover", "run a Route Discovery now; print the route and its latency");
    discover->add_option("NODE", node, "IPv4 address of the target")->required();
    discover->add_option("-w,--wait", discover_ms, "milliseconds to wait for the route")->check(CLI::Range(1, 600000));

    int count = 4, wait_ms = 1000, probes = 3;
    double interval = 1.0;
    auto* ping = app.add_subcommand("ping", "ICMP echo to NODE over DSR, showing the route (discovers one if needed)");
    ping->add_option("NODE", node, "IPv4 address")->required();
    ping->add_option("-c,--count", count, "echo requests")->check(CLI::Range(1, 100000));
    ping->add_option("-i,--interval", interval, "seconds between requests")->check(CLI::Range(0.0, 60.0));
    ping->add_option("-W,--reply-wait", wait_ms, "milliseconds to wait for each reply")->check(CLI::Range(1, 60000));
    ping->add_option("--discover-wait", discover_ms, "milliseconds to wait for a route")->check(CLI::Range(1, 600000));

    auto* trace = app.add_subcommand("traceroute", "the DSR route to NODE hop by hop, with an RTT to each hop");
    trace->add_option("NODE", node, "IPv4 address")->required();
    trace->add_option("-q,--probes", probes, "echo requests per hop")->check(CLI::Range(1, 100));
    trace->add_option("-W,--reply-wait", wait_ms, "milliseconds to wait for each reply")->check(CLI::Range(1, 60000));
    trace->add_option("--discover-wait", discover_ms, "milliseconds to wait for a route")->check(CLI::Range(1, 600000));

    auto* flush = app.add_subcommand("flush", "drop every cached route (DSR caches and the XDP routes map)");

    std::vector<std::string> kinds;
    long monitor_count = 0;
    auto* monitor = app.add_subcommand("monitor", "stream protocol events until interrupted");
    monitor->add_option("-k,--kind", kinds, "only these event kinds (repeat or comma-separate)")->delimiter(',');
    monitor->add_option("-n,--node", node, "only events naming this address");
    monitor->add_option("--count", monitor_count, "stop after this many events");

    auto* config = app.add_subcommand("config", "babed's configuration");
    config->require_subcommand(1);
    auto* config_show = config->add_subcommand("show", "the effective configuration, every key");

    std::string target, file;
    int recv_port = 0;
    auto* send = app.add_subcommand("send", "send FILE (or stdin) to NODE:PORT over the reliable transport");
    send->add_option("NODE:PORT", target, "the receiving node and port")->required();
    send->add_option("FILE", file, "what to send (default: standard input)");
    auto* recv = app.add_subcommand("recv", "receive one stream on PORT into FILE (or stdout)");
    recv->add_option("PORT", recv_port, "the port to receive on")->required()->check(CLI::Range(1, 65535));
    recv->add_option("FILE", file, "where to write it (default: standard output)");

    CLI11_PARSE(app, argc, argv);

    try {
        if (status->parsed())
            return simple(o, command::status, "status", render::render_status);
        if (routes->parsed())
            return simple(o, command::routes, "routes", render::render_routes);
        if (neighbours->parsed())
            return simple(o, command::neighbours, "neighbours", render::render_neighbours);
        if (stats->parsed())
            return simple(o, command::stats, "stats", render::render_stats, match);
        if (flush->parsed()) {
            client c(o.socket);
            request r;
            r.cmd = command::flush;
            int rc = 0;
            auto a = one_shot(o, c, r, rc);
            if (!a)
                return rc;
            if (o.json)
                std::cout << a->dump() << "\n";
            else
                std::cout << fmt::format("flushed {} routes\n", (*a)["flushed"].dump());
            return 0;
        }
        if (config_show->parsed())
            return simple(o, command::config, "config", render::render_config);
        if (discover->parsed())
            return cmd_discover(o, node, discover_ms);
        if (ping->parsed())
            return cmd_ping(o, node, count, interval, wait_ms, discover_ms);
        if (trace->parsed())
            return cmd_traceroute(o, node, probes, wait_ms, discover_ms);
        if (monitor->parsed())
            return cmd_monitor(o, kinds, node, monitor_count);
        if (send->parsed())
            return cmd_send(o, target, file);
        if (recv->parsed())
            return cmd_recv(o, recv_port, file);
    } catch (const CLI::Error& e) {
        return app.exit(e);
    } catch (const client_error& e) {
        std::cerr << "babectl: " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "babectl: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
