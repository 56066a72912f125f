// SPDX-License-Identifier: Apache-2.0
// babe-dpctl map commands (see dpctl_commands.hh).
#include "dataplane/dpctl_commands.hh"

#include "core/ipv4.hh"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace babe::dataplane {

namespace {

unexpected<error> usage_error(std::string what)
{
    return make_dp_error(errc::invalid_argument, std::move(what) + " (see babe-dpctl --help)");
}

std::vector<std::string> split(std::string_view s, char sep)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(sep, start);
        if (end == std::string_view::npos)
            end = s.size();
        if (end > start)
            out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Finds the word after `key` in args[from..]; empty when absent.
std::string value_of(std::span<const std::string> args, std::size_t from, std::string_view key)
{
    for (std::size_t i = from; i + 1 < args.size(); ++i)
        if (args[i] == key)
            return args[i + 1];
    return {};
}

std::string format_route(be32 dst, const babe_route& r)
{
    std::string s = ipv4_address::from_network(dst).to_string();
    if (r.n_hops == 0) {
        s += " direct";
    } else {
        s += " via ";
        for (unsigned i = 0; i < r.n_hops && i < BABE_MAX_ROUTE_HOPS; ++i) {
            if (i)
                s += ',';
            s += ipv4_address::from_network(r.hops[i]).to_string();
        }
    }
    s += fmt::format(" generation {}\n", r.generation);
    return s;
}

dp_result<void> route_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.size() < 2)
        return usage_error("route: add|del|show");
    const std::string& verb = args[1];
    if (verb == "show") {
        auto routes = env.maps->list_routes();
        if (!routes)
            return unexpected(routes.error());
        for (const auto& [dst, r] : routes.value())
            env.out += format_route(dst, r);
        return {};
    }
    if (args.size() < 3)
        return usage_error("route " + verb + ": missing destination");
    auto dst = parse_ipv4(args[2]);
    if (!dst)
        return unexpected(dst.error());
    if (verb == "del")
        return env.maps->erase_route(dst.value());
    if (verb != "add" && verb != "replace")
        return usage_error("route: unknown verb " + verb);
    std::vector<be32> hops;
    std::string via = value_of(args, 3, "via");
    for (const auto& h : split(via, ',')) {
        auto a = parse_ipv4(h);
        if (!a)
            return unexpected(a.error());
        hops.push_back(a.value());
    }
    std::uint32_t generation = 0;
    if (std::string g = value_of(args, 3, "generation"); !g.empty()) {
        auto [p, ec] = std::from_chars(g.data(), g.data() + g.size(), generation);
        if (ec != std::errc{} || p != g.data() + g.size())
            return usage_error("route: bad generation " + g);
    }
    auto route = make_route(hops, generation);
    if (!route)
        return unexpected(route.error());
    return env.maps->put_route(dst.value(), route.value());
}

dp_result<void> neigh_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.size() < 2)
        return usage_error("neigh: add|del|show");
    const std::string& verb = args[1];
    if (verb == "show") {
        auto list = env.maps->list_neighbours();
        if (!list)
            return unexpected(list.error());
        for (const auto& [addr, n] : list.value())
            env.out += fmt::format("{} ifindex {} lladdr {} src {} last_heard_ns {}\n",
                                   ipv4_address::from_network(addr).to_string(), n.ifindex,
                                   format_mac(n.mac), format_mac(n.src_mac), n.last_heard_ns);
        return {};
    }
    if (args.size() < 3)
        return usage_error("neigh " + verb + ": missing address");
    auto addr = parse_ipv4(args[2]);
    if (!addr)
        return unexpected(addr.error());
    if (verb == "del")
        return env.maps->erase_neighbour(addr.value());
    if (verb != "add" && verb != "replace")
        return usage_error("neigh: unknown verb " + verb);
    std::string dev = value_of(args, 3, "dev");
    std::string lladdr = value_of(args, 3, "lladdr");
    if (dev.empty() || lladdr.empty())
        return usage_error("neigh add ADDR dev IFNAME lladdr MAC");
    auto ifindex = env.ifindex_of(dev);
    if (!ifindex)
        return unexpected(ifindex.error());
    auto mac = parse_mac(lladdr);
    if (!mac)
        return unexpected(mac.error());
    babe_neighbour n{};
    n.ifindex = ifindex.value();
    std::memcpy(n.mac, mac.value().data(), 6);
    if (std::string src = value_of(args, 3, "src"); !src.empty()) {
        auto s = parse_mac(src);
        if (!s)
            return unexpected(s.error());
        std::memcpy(n.src_mac, s.value().data(), 6);
    } else {
        auto s = env.mac_of(dev);
        if (!s)
            return unexpected(s.error());
        std::memcpy(n.src_mac, s.value().data(), 6);
    }
    return env.maps->put_neighbour(addr.value(), n);
}

dp_result<void> port_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.size() < 2)
        return usage_error("port: add|del|show");
    const std::string& verb = args[1];
    if (verb == "show") {
        auto list = env.maps->list_tx_ports();
        if (!list)
            return unexpected(list.error());
        for (auto ifindex : list.value())
            env.out += fmt::format("ifindex {}\n", ifindex);
        return {};
    }
    if (args.size() < 3)
        return usage_error("port " + verb + ": missing interface");
    auto ifindex = env.ifindex_of(args[2]);
    if (!ifindex)
        return unexpected(ifindex.error());
    if (verb == "add")
        return env.maps->put_tx_port(ifindex.value());
    if (verb == "del")
        return env.maps->erase_tx_port(ifindex.value());
    return usage_error("port: unknown verb " + verb);
}

dp_result<void> config_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.size() >= 2 && args[1] == "show") {
        auto c = env.maps->read_config();
        if (!c)
            return unexpected(c.error());
        const babe_config& v = c.value();
        env.out +=
            fmt::format("self {} prefix {}/{} local_ifindex {} local_mac {} flags {:#x}\n",
                        ipv4_address::from_network(v.self_addr).to_string(),
                        ipv4_address::from_network(v.mesh_prefix).to_string(), v.mesh_prefix_len,
                        v.local_ifindex, format_mac(v.local_mac), v.flags);
        return {};
    }
    // config self ADDR prefix NET/LEN [local IFNAME] [disabled]
    std::string self = value_of(args, 1, "self");
    std::string prefix = value_of(args, 1, "prefix");
    if (self.empty() || prefix.empty())
        return usage_error("config self ADDR prefix NET/LEN [local IFNAME]");
    babe_config c{};
    auto a = parse_ipv4(self);
    if (!a)
        return unexpected(a.error());
    c.self_addr = a.value();
    auto slash = prefix.find('/');
    if (slash == std::string::npos)
        return usage_error("config: prefix needs /LEN");
    auto net = parse_ipv4(std::string_view{prefix}.substr(0, slash));
    if (!net)
        return unexpected(net.error());
    unsigned len = 0;
    auto lens = std::string_view{prefix}.substr(slash + 1);
    auto [p, ec] = std::from_chars(lens.data(), lens.data() + lens.size(), len);
    if (ec != std::errc{} || p != lens.data() + lens.size() || len > 32)
        return usage_error("config: bad prefix length " + std::string{lens});
    c.mesh_prefix = net.value();
    c.mesh_prefix_len = static_cast<std::uint8_t>(len);
    c.flags = BABE_CONFIG_F_ENABLED;
    for (std::size_t i = 1; i < args.size(); ++i)
        if (args[i] == "disabled")
            c.flags = 0;
    if (std::string local = value_of(args, 1, "local"); !local.empty()) {
        auto ifindex = env.ifindex_of(local);
        if (!ifindex)
            return unexpected(ifindex.error());
        c.local_ifindex = ifindex.value();
        auto mac = env.mac_of(local);
        if (!mac)
            return unexpected(mac.error());
        std::memcpy(c.local_mac, mac.value().data(), 6);
    }
    return env.maps->write_config(c);
}

dp_result<void> stats_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.size() >= 2 && args[1] == "clear")
        return env.maps->clear_stats();
    bool json = args.size() >= 2 && args[1] == "--json";
    auto s = env.maps->read_stats();
    if (!s)
        return unexpected(s.error());
    const auto& v = s.value();
    if (json) {
        env.out += '{';
        for (unsigned i = 0; i < v.size(); ++i)
            env.out += fmt::format("{}\"{}\":{{\"packets\":{},\"bytes\":{}}}", i ? "," : "",
                                   stat_label(i), v[i].packets, v[i].bytes);
        env.out += "}\n";
        return {};
    }
    for (unsigned i = 0; i < v.size(); ++i)
        if (v[i].packets != 0)
            env.out += fmt::format("{:<32} {:>12} packets {:>14} bytes\n", stat_label(i),
                                   v[i].packets, v[i].bytes);
    return {};
}

} // namespace

bool is_map_command(std::string_view word)
{
    return word == "route" || word == "neigh" || word == "port" || word == "config" ||
           word == "stats";
}

dp_result<void> run_map_command(dpctl_env& env, std::span<const std::string> args)
{
    if (args.empty())
        return usage_error("missing command");
    if (env.maps == nullptr)
        return make_dp_error(errc::not_found, "no maps");
    const std::string& cmd = args[0];
    if (cmd == "route")
        return route_command(env, args);
    if (cmd == "neigh")
        return neigh_command(env, args);
    if (cmd == "port")
        return port_command(env, args);
    if (cmd == "config")
        return config_command(env, args);
    if (cmd == "stats")
        return stats_command(env, args);
    return usage_error("unknown command " + cmd);
}

const char* dpctl_usage()
{
    return R"(usage: babe-dpctl [--pin PATH] [--netns NAME] [--mount-bpffs] [--verbose] COMMAND

Writes the XDP data plane's pinned maps and attaches its programs, without
the daemon. PATH defaults to /sys/fs/bpf/babe. --netns enters the network
namespace NAME (/run/netns/NAME) for interface lookups and attachment while
the pins stay on this mount namespace's bpffs. Errors print as
"babe-dpctl: CODE: message", then the tail of libbpf's log (all with --verbose).

  load                                   load babe_xdp, pin its maps (reused when pinned)
  attach mesh|local IFNAME [mesh|local IFNAME ...] [mode auto|native|generic]
                                         load, then attach babe_mesh_ingress (mesh) or
                                         babe_local_egress (local) through pinned
                                         bpf_links (an existing link gets the new program)
  detach IFNAME                          detach and unpin the link of IFNAME
  links                                  interfaces with a pinned link
  teardown                               detach every link, remove every pin
  capture -w FILE|- [-i IFACE]... [-c N] [-s SNAPLEN] [--take-over]
                                         pcapng of the frames XDP handles (verdict
                                         and reason as packet comments); Ctrl-C stops
  config self ADDR prefix NET/LEN [local IFNAME] [disabled]
  config show
  route add|replace DST [via HOP[,HOP...]] [generation N]
                                         HOPs: the intermediate nodes, in order
  route del DST | route show
  neigh add|replace ADDR dev IFNAME lladdr MAC [src MAC]
  neigh del ADDR | neigh show
  port add|del IFNAME | port show        the devmap of interfaces XDP may redirect to
  stats [--json] | stats clear           counters summed over CPUs
  batch                                  map commands from stdin, one per line
)";
}

} // namespace babe::dataplane
