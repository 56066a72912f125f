// SPDX-License-Identifier: Apache-2.0
// The engine's control answers (see control_adapter.hh).
#include "engine/control_adapter.hh"

#include "core/ipv4.hh"
#include "core/unique_fd.hh"
#include "engine/clock.hh"

#include <arpa/inet.h>
#include <unistd.h>

#include <fmt/format.h>

namespace babe::engine {

namespace {

std::vector<std::uint32_t> hops_of(const dsr::route& r)
{
    return {r.hops.begin(), r.hops.begin() + r.hop_count};
}

} // namespace

control_adapter::control_adapter(const settings& cfg, const engine_context& ctx, data_path& dp,
                                 const std::vector<std::unique_ptr<shard_thread>>& shards)
    : _cfg(cfg), _ctx(ctx), _dp(dp), _shards(shards)
{
}

status_info control_adapter::status()
{
    status_info s;
    s.version = _ctx.version;
    s.node_address = _cfg.node_address;
    s.mesh_prefix = fmt::format("{}/{}", ipv4_address::from_host(_cfg.mesh_prefix).to_string(), _cfg.mesh_prefix_len);
    s.mesh_interfaces = _cfg.mesh_interfaces;
    s.local_interface = _ctx.local_ifname;
    s.xdp_mode = _dp.attached_mode();
    s.shards = static_cast<std::uint32_t>(_shards.size());
    s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - _started)
                      .count();
    s.maps_reused = _dp.maps_reused();
    auto sizes = first().core().sizes();
    if (auto listed = maps().list_routes())
        s.routes = listed->size();
    s.neighbours = first().neighbours().size();
    s.discoveries_running = sizes.discoveries;
    s.send_buffer = sizes.send_buffer;
    return s;
}

std::vector<route_info> control_adapter::routes()
{
    std::vector<route_info> out;
    auto listed = maps().list_routes();
    if (!listed)
        return out;
    for (const auto& [dst_be, r] : *listed) {
        route_info ri;
        ri.dst = ntohl(dst_be);
        for (std::size_t i = 0; i < r.n_hops && i < BABE_MAX_ROUTE_HOPS; ++i)
            ri.hops.push_back(ntohl(r.hops[i]));
        ri.installed = true;
        out.push_back(std::move(ri));
    }
    return out;
}

std::vector<neighbour_info> control_adapter::neighbours()
{
    std::vector<neighbour_info> out;
    auto now_ns = monotonic_now().time_since_epoch().count();
    first().neighbours().for_each([&](neighbour_entry& e) {
        neighbour_info n;
        n.addr = e.ip;
        n.iface = _dp.ports()[e.port].name;
        n.mac = e.mac;
        if (auto k = maps().find_neighbour(htonl(e.ip)); k && *k && (*k)->last_heard_ns)
            n.last_heard_ms = (now_ns - static_cast<std::int64_t>((*k)->last_heard_ns)) / 1'000'000;
        else if (e.last_heard_ns)
            n.last_heard_ms = (now_ns - static_cast<std::int64_t>(e.last_heard_ns)) / 1'000'000;
        out.push_back(std::move(n));
    });
    return out;
}

std::vector<shard_snapshot> control_adapter::snapshots(shard_snapshot& total)
{
    _shards[0]->publish_snapshot();
    std::vector<shard_snapshot> all;
    all.reserve(_shards.size());
    total = shard_snapshot{};
    for (const auto& rt : _shards) {
        all.push_back(rt->snapshot());
        total.add(all.back());
    }
    return all;
}

std::vector<counter> control_adapter::stats()
{
    shard_snapshot total;
    auto all = snapshots(total);
    std::optional<dataplane::stats_snapshot> xdp;
    if (_dp.xdp())
        if (auto xs = maps().read_stats())
            xdp = *xs;
    std::vector<babe_redirect_counts> redirect;
    if (const auto* re = _dp.redirect_errors())
        for (const auto& p : _dp.ports())
            redirect.push_back(re->read(p.ifindex));
    return engine_counters(stats_inputs{total, all, _shards[0]->transport(), _dp.ports(), xdp ? &*xdp : nullptr,
                                        redirect});
}

std::vector<histogram_info> control_adapter::histograms()
{
    shard_snapshot total;
    snapshots(total);
    return engine_histograms(total);
}

void control_adapter::discover(ipv4 target, std::function<void(discover_result)> done)
{
    _waiting.emplace(target, std::move(done));
    first().core().start_discovery(monotonic_now(), target);
}

std::uint64_t control_adapter::flush()
{
    // Every shard's core forgets its cache (shard 0's now, the others on
    // their own threads), then the kernel's routes map is emptied.
    auto now = monotonic_now();
    first().core().flush_routes(now);
    for (std::size_t i = 1; i < _shards.size(); ++i) {
        auto* rt = _shards[i].get();
        rt->post([rt] { rt->core_shard().core().flush_routes(monotonic_now()); });
    }
    std::uint64_t n = 0;
    if (auto listed = maps().list_routes(); listed) {
        for (const auto& [dst, r] : *listed) {
            (void)r;
            if (maps().erase_route(dst))
                ++n;
        }
    }
    return n;
}

void control_adapter::open_stream(const stream_request& r, int fd)
{
    // On shard 0's thread (mailbox): the transport's owner.
    if (_shards.empty() || !_shards[0]->transport()) {
        unique_fd owned(fd); // ours to close
        throw engine_error("the engine is not running");
    }
    _shards[0]->transport()->open(monotonic_now(), r, fd);
}

template <typename F>
void control_adapter::publish(event_kind kind, F&& fill)
{
    if (!_hub.wanted(kind))
        return;
    event c;
    c.kind = kind;
    fill(c);
    _hub.publish(std::move(c));
}

void control_adapter::on_event(std::size_t shard_index, shard& sh, const dsr::event& e)
{
    switch (e.kind) {
    case dsr::event_kind::route_changed:
        publish(event_kind::route_changed, [&](event& c) {
            c.dst = e.dst;
            c.hops = hops_of(e.path);
        });
        break;
    case dsr::event_kind::route_removed:
        publish(event_kind::route_removed, [&](event& c) { c.dst = e.dst; });
        break;
    case dsr::event_kind::link_broken:
        publish(event_kind::link_broken, [&](event& c) {
            c.from = e.from;
            c.to = e.to;
        });
        break;
    case dsr::event_kind::discovery_done:
    case dsr::event_kind::discovery_failed: {
        bool ok = e.kind == dsr::event_kind::discovery_done;
        auto latency = std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count();
        auto route = sh.core().find_route(e.dst);
        publish(ok ? event_kind::discovery_done : event_kind::discovery_failed, [&](event& c) {
            c.dst = e.dst;
            c.latency_us = latency;
            if (route)
                c.hops = hops_of(*route);
        });
        if (shard_index != 0) // babectl discover runs on shard 0
            break;
        auto [first_w, last_w] = _waiting.equal_range(e.dst);
        for (auto it = first_w; it != last_w; ++it) {
            discover_result r;
            r.ok = ok && route.has_value();
            r.latency_us = latency;
            r.route.dst = e.dst;
            if (route)
                r.route.hops = hops_of(*route);
            r.route.installed = true;
            if (!r.ok)
                r.reason = "no route: MaxRequestRexmt Route Requests went unanswered";
            it->second(std::move(r));
        }
        _waiting.erase(first_w, last_w);
        break;
    }
    case dsr::event_kind::dropped:
        publish(event_kind::drop, [&](event& c) { c.detail = dsr::to_string(e.reason); });
        break;
    default:
        break;
    }
}

} // namespace babe::engine
