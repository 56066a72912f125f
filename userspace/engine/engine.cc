// SPDX-License-Identifier: Apache-2.0
// make_engine(): the engine behind babed (see engine.hh).
#include "engine/engine.hh"

#include "control/event_hub.hh"
#include "control/mailbox.hh"
#include "dataplane/loader.hh"
#include "engine/afpacket_io.hh"
#include "engine/afxdp_io.hh"
#include "engine/shard.hh"
#include "metrics/exposition.hh"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sdt.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <cstring>
#include <map>
#include <thread>

namespace babe::engine {

namespace {

time_point monotonic_now()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return time_from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

mac_addr interface_mac(const std::string& ifname)
{
    mac_addr mac{};
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
    if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
        if (fd >= 0)
            close(fd);
        throw daemon::engine_error(fmt::format("cannot read the MAC address of {}", ifname));
    }
    close(fd);
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    return mac;
}

std::uint32_t interface_index(const std::string& ifname)
{
    unsigned idx = if_nametoindex(ifname.c_str());
    if (idx == 0)
        throw daemon::engine_error(fmt::format("no interface {} in this network namespace", ifname));
    return idx;
}

// The host must hand babe0 finished packets: XDP on the peer inserts a DSR
// header in front of the transport header, so a checksum left for offload
// (CHECKSUM_PARTIAL) or a segment left for TSO/GSO would leave the node
// broken. Turn those offloads off on babe0 (legacy ethtool ioctls).
void disable_offloads(const std::string& ifname)
{
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw daemon::engine_error("cannot open a socket for ethtool");
    for (std::uint32_t cmd : {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_STXCSUM}) {
        ethtool_value v{cmd, 0};
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
        ifr.ifr_data = reinterpret_cast<char*>(&v);
        if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 && errno != EOPNOTSUPP) {
            int err = errno;
            close(fd);
            throw daemon::engine_error(fmt::format("cannot turn off offloads on {}: {}", ifname,
                                                   std::strerror(err)));
        }
    }
    close(fd);
}

std::vector<std::uint32_t> hops_of(const dsr::route& r)
{
    return {r.hops.begin(), r.hops.begin() + r.hop_count};
}

// The engine's control_service implementation: runs on the shard's thread only
// (called through the mailbox_service), and the shard's event sink.
class engine_impl final : public daemon::engine_handle,
                          public control::control_service,
                          public event_sink {
public:
    engine_impl(const config::babed_config& cfg, const daemon::engine_context& ctx)
        : _cfg(cfg), _ctx(ctx), _box(256), _control(_box, *this)
    {
    }

    ~engine_impl() override
    {
        stop();
        if (_ioctl_fd >= 0)
            close(_ioctl_fd);
    }

    // ---- engine_handle ----
    void start() override
    {
        dataplane::loader_options lo;
        lo.pin_path = _cfg.pin_path;
        lo.mount_bpffs = true;
        auto loaded = dataplane::xdp_loader::load(lo);
        if (!loaded)
            throw daemon::engine_error(dataplane::describe(loaded.error()));
        _loader = std::move(loaded.value());
        auto mode = dataplane::parse_xdp_mode(_cfg.xdp_mode);
        if (!mode)
            throw daemon::engine_error(dataplane::describe(mode.error()));
        _maps_reused = _loader->reused_maps();

        // Ports: every mesh interface, then the local peer.
        std::vector<port_info> ports;
        for (const auto& name : _cfg.mesh_interfaces) {
            auto r = _loader->attach(dataplane::xdp_role::mesh_ingress, name, *mode);
            if (!r)
                throw daemon::engine_error(dataplane::describe(r.error()));
            ports.push_back(port_info{name, interface_index(name), interface_mac(name), false});
            if (auto t = _loader->maps().put_tx_port(ports.back().ifindex); !t)
                throw daemon::engine_error(dataplane::describe(t.error()));
        }
        disable_offloads(_ctx.local_ifname);
        if (auto r = _loader->attach(dataplane::xdp_role::local_egress, _ctx.peer_ifname, *mode); !r)
            throw daemon::engine_error(dataplane::describe(r.error()));
        ports.push_back(port_info{_ctx.peer_ifname, _ctx.peer_ifindex, interface_mac(_ctx.peer_ifname), true});
        _attached_mode = dataplane::to_string(*mode);

        babe_config bc{};
        bc.self_addr = htonl(_cfg.node_address);
        bc.mesh_prefix = htonl(_cfg.mesh_prefix);
        bc.mesh_prefix_len = static_cast<std::uint8_t>(_cfg.mesh_prefix_len);
        bc.flags = BABE_CONFIG_F_ENABLED;
        bc.local_ifindex = _ctx.local_ifindex;
        std::memcpy(bc.local_mac, _ctx.local_mac.data(), 6);
        if (auto w = _loader->maps().write_config(bc); !w)
            throw daemon::engine_error(dataplane::describe(w.error()));

        open_io(ports);

        shard_config sc;
        sc.dsr = _cfg.dsr;
        sc.self = _cfg.node_address;
        sc.seed = static_cast<std::uint64_t>(monotonic_now().time_since_epoch().count()) ^ _cfg.node_address;
        sc.ports = ports;
        sc.host_mac = _ctx.local_mac;
        _shard = std::make_unique<shard>(sc, *_io, _loader->maps(), this);
        _started = std::chrono::steady_clock::now();
        _stop.store(false);
        _thread = std::thread([this] { run(); });
    }

    void stop() override
    {
        if (_thread.joinable()) {
            _stop.store(true);
            _thread.join();
        }
        _box.close();
        _shard.reset();
        _io.reset();
        _loader.reset(); // pinned maps and links stay: transit keeps flowing
    }

    void reload(const config::babed_config& cfg) override
    {
        // The DSR constants go to the running core on its own thread; its
        // caches and buffers stay (node::reconfigure keeps table bounds).
        auto done = std::make_shared<std::promise<bool>>();
        auto result = done->get_future();
        dsr::config next = cfg.dsr;
        if (!_thread.joinable() || !_box.post([this, next, done] {
                done->set_value(_shard->core().reconfigure(next));
            }))
            throw daemon::engine_error("the engine is not running");
        if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
            throw daemon::engine_error("the engine did not take the new configuration in time");
        if (!result.get())
            throw daemon::engine_error("the new DSR configuration does not validate");
        _cfg = cfg;
    }

    control::control_service& control() override { return _control; }

    bool healthy(std::chrono::milliseconds within) override
    {
        if (!_thread.joinable())
            return false;
        auto last = std::chrono::nanoseconds(_last_turn_ns.load(std::memory_order_relaxed));
        auto now = monotonic_now().time_since_epoch();
        return now - last <= within;
    }

    // ---- control_service (shard thread) ----
    control::status_info status() override
    {
        control::status_info s;
        s.version = _ctx.version;
        s.node_address = _cfg.node_address;
        s.mesh_prefix = fmt::format("{}/{}", config::format_ipv4(_cfg.mesh_prefix), _cfg.mesh_prefix_len);
        s.mesh_interfaces = _cfg.mesh_interfaces;
        s.local_interface = _ctx.local_ifname;
        s.xdp_mode = _attached_mode;
        s.shards = 1;
        s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - _started)
                          .count();
        s.maps_reused = _maps_reused;
        auto sizes = _shard->core().sizes();
        s.routes = sizes.installed_routes;
        s.neighbours = _shard->neighbours().size();
        s.discoveries_running = sizes.discoveries;
        s.send_buffer = sizes.send_buffer;
        return s;
    }

    std::vector<control::route_info> routes() override
    {
        std::vector<control::route_info> out;
        auto listed = _loader->maps().list_routes();
        if (!listed)
            return out;
        for (const auto& [dst_be, r] : *listed) {
            control::route_info ri;
            ri.dst = ntohl(dst_be);
            for (std::size_t i = 0; i < r.n_hops && i < BABE_MAX_ROUTE_HOPS; ++i)
                ri.hops.push_back(ntohl(r.hops[i]));
            ri.installed = true;
            out.push_back(std::move(ri));
        }
        return out;
    }

    std::vector<control::neighbour_info> neighbours() override
    {
        std::vector<control::neighbour_info> out;
        auto now_ns = monotonic_now().time_since_epoch().count();
        _shard->neighbours().for_each([&](neighbour_entry& e) {
            control::neighbour_info n;
            n.addr = e.ip;
            n.iface = _shard->config().ports[e.port].name;
            n.mac = e.mac;
            if (auto k = _loader->maps().find_neighbour(htonl(e.ip)); k && *k && (*k)->last_heard_ns)
                n.last_heard_ms = (now_ns - static_cast<std::int64_t>((*k)->last_heard_ns)) / 1'000'000;
            else if (e.last_heard_ns)
                n.last_heard_ms = (now_ns - static_cast<std::int64_t>(e.last_heard_ns)) / 1'000'000;
            out.push_back(std::move(n));
        });
        return out;
    }

    std::vector<control::counter> stats() override
    {
        std::vector<control::counter> out;
        const auto& c = _shard->core().stats();
#define BABE_ENGINE_DSR_COUNTER(name) out.push_back({"dsr_" #name, c.name});
        BABE_DSR_COUNTERS(BABE_ENGINE_DSR_COUNTER)
#undef BABE_ENGINE_DSR_COUNTER
        const auto& s = _shard->counters();
        out.push_back({"engine_rx_frames", s.rx_frames});
        out.push_back({"engine_rx_short", s.rx_short});
        out.push_back({"engine_rx_not_ipv4", s.rx_not_ipv4});
        out.push_back({"engine_tx_control", s.tx_control});
        out.push_back({"engine_tx_data", s.tx_data});
        out.push_back({"engine_tx_backpressure", s.tx_backpressure});
        out.push_back({"engine_no_frame", s.no_frame});
        out.push_back({"engine_no_headroom", s.no_headroom});
        out.push_back({"engine_unknown_mac", s.unknown_mac});
        out.push_back({"engine_delivered_local", s.delivered_local});
        out.push_back({"engine_neighbours_learned", s.neighbours_learned});
        out.push_back({"engine_map_write_errors", s.map_write_errors});
        out.push_back({"engine_routes_installed", s.routes_installed});
        out.push_back({"engine_routes_removed", s.routes_removed});
        out.push_back({"engine_probes", s.probes});
        for (std::size_t p = 0; p < _io->port_count(); ++p) {
            auto st = _io->stats(static_cast<port_id>(p));
            const auto& name = _shard->config().ports[p].name;
            out.push_back({fmt::format("io_{}_rx_packets", name), st.rx_packets});
            out.push_back({fmt::format("io_{}_tx_packets", name), st.tx_packets});
            out.push_back({fmt::format("io_{}_rx_dropped", name), st.rx_dropped});
        }
        if (auto xs = _loader->maps().read_stats(); xs) {
            for (unsigned id = 0; id < BABE_STAT_MAX; ++id)
                out.push_back({fmt::format("xdp_{}_packets", dataplane::stat_label(id)), (*xs)[id].packets});
        }
        return out;
    }

    void discover(control::ipv4 target, std::function<void(control::discover_result)> done) override
    {
        _waiting.emplace(target, std::move(done));
        _shard->core().start_discovery(monotonic_now(), target);
    }

    std::uint64_t flush() override
    {
        std::uint64_t n = 0;
        if (auto listed = _loader->maps().list_routes(); listed) {
            for (const auto& [dst, r] : *listed) {
                (void)r;
                if (_loader->maps().erase_route(dst))
                    ++n;
            }
        }
        return n;
    }

    control::event_hub& events() override { return _hub; }

    std::vector<control::histogram_info> histograms() override
    {
        auto one = [](const char* name, const char* help, const metrics::histogram& h) {
            auto v = h.value();
            return control::histogram_info{name, help, v.upper_bounds, v.bucket_counts, v.sum};
        };
        return {one("discovery_seconds", "Route Discovery latency: first Route Request to the route.",
                    _discovery_latency),
                one("repair_seconds",
                    "Route repair: a broken link on a route in use to the replacement route.",
                    _repair_latency)};
    }

    // ---- event_sink (shard thread) ----
    void on_event(const dsr::event& e) override
    {
        using dsr::event_kind;
        switch (e.kind) {
        case event_kind::route_changed:
            if (_repair_since) {
                auto t = monotonic_now();
                _repair_latency.observe(std::chrono::duration<double>(t - *_repair_since).count());
                _repair_since.reset();
            }
            DTRACE_PROBE2(babe, route_changed, e.dst, e.path.hop_count);
            publish(control::event_kind::route_changed, [&](control::event& c) {
                c.dst = e.dst;
                c.hops = hops_of(e.path);
            });
            break;
        case event_kind::route_removed:
            DTRACE_PROBE1(babe, route_removed, e.dst);
            publish(control::event_kind::route_removed, [&](control::event& c) { c.dst = e.dst; });
            break;
        case event_kind::link_broken:
            DTRACE_PROBE2(babe, link_broken, e.from, e.to);
            if (!_repair_since)
                _repair_since = monotonic_now();
            publish(control::event_kind::link_broken, [&](control::event& c) {
                c.from = e.from;
                c.to = e.to;
            });
            break;
        case event_kind::discovery_done:
        case event_kind::discovery_failed: {
            bool ok = e.kind == event_kind::discovery_done;
            auto latency = std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count();
            if (ok) {
                _discovery_latency.observe(std::chrono::duration<double>(e.latency).count());
                DTRACE_PROBE2(babe, route_discovered, e.dst, latency);
            } else {
                DTRACE_PROBE2(babe, discovery_failed, e.dst, latency);
            }
            auto route = _shard->core().find_route(e.dst);
            publish(ok ? control::event_kind::discovery_done : control::event_kind::discovery_failed,
                    [&](control::event& c) {
                        c.dst = e.dst;
                        c.latency_us = latency;
                        if (route)
                            c.hops = hops_of(*route);
                    });
            auto [first, last] = _waiting.equal_range(e.dst);
            for (auto it = first; it != last; ++it) {
                control::discover_result r;
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
            _waiting.erase(first, last);
            break;
        }
        case event_kind::dropped:
            if (e.reason == dsr::drop_reason::send_buffer_timeout || e.reason == dsr::drop_reason::send_buffer_full ||
                e.reason == dsr::drop_reason::discovery_failed)
                DTRACE_PROBE2(babe, send_buffer_drop, e.dst, static_cast<int>(e.reason));
            if (_hub.wanted(control::event_kind::drop))
                publish(control::event_kind::drop,
                        [&](control::event& c) { c.detail = dsr::to_string(e.reason); });
            break;
        default:
            break;
        }
    }

private:
    template <typename F>
    void publish(control::event_kind kind, F&& fill)
    {
        if (!_hub.wanted(kind))
            return;
        control::event c;
        c.kind = kind;
        fill(c);
        _hub.publish(std::move(c));
    }

    void open_io(const std::vector<port_info>& ports)
    {
        std::string error;
        try {
            int xsks = bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSKS).c_str());
            int slots = bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSK_SLOTS).c_str());
            if (xsks < 0 || slots < 0) {
                if (xsks >= 0)
                    close(xsks);
                if (slots >= 0)
                    close(slots);
                throw daemon::engine_error("the pinned xsks/xsk_slots maps are missing");
            }
            std::vector<afxdp_port> ap;
            for (const auto& p : ports)
                ap.push_back(afxdp_port{p.name, xsks, slots});
            afxdp::umem_config uc;
            uc.frame_count = 4096;
            uc.ring_size = 512; // per socket: fill rings take at most 512 frames each
            uc.headroom = 0;
            std::unique_ptr<afxdp_io> io;
            try {
                io = std::make_unique<afxdp_io>(ap, 0, uc, afxdp::bind_mode::automatic);
            } catch (...) {
                close(xsks);
                close(slots);
                throw;
            }
            _io = std::move(io);
            close(xsks);
            close(slots);
            _backend = "afxdp";
            return;
        } catch (const std::exception& e) {
            error = e.what();
        }
        spdlog::warn("AF_XDP unavailable ({}); falling back to AF_PACKET", error);
        std::vector<afpacket_port> pp;
        for (const auto& p : ports)
            pp.push_back(afpacket_port{p.name, !p.local});
        _io = std::make_unique<afpacket_io>(pp, 4096, 4096, 256);
        _backend = "afpacket";
    }

    // A mesh port whose carrier dropped loses its neighbours at once
    // (a radio link that fails silently is found by probes instead).
    void check_carriers(time_point now)
    {
        const auto& ports = _shard->config().ports;
        if (_carrier.size() != ports.size())
            _carrier.assign(ports.size(), true);
        for (std::size_t p = 0; p < ports.size(); ++p) {
            if (ports[p].local)
                continue;
            ifreq ifr{};
            std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ports[p].name.c_str());
            bool up = _ioctl_fd >= 0 && ioctl(_ioctl_fd, SIOCGIFFLAGS, &ifr) == 0 &&
                      (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
            if (_carrier[p] && !up) {
                spdlog::warn("{}: carrier lost; its neighbours are unreachable", ports[p].name);
                _shard->port_down(now, static_cast<port_id>(p));
            } else if (!_carrier[p] && up) {
                spdlog::info("{}: carrier back", ports[p].name);
            }
            _carrier[p] = up;
        }
    }

    void run()
    {
        pthread_setname_np(pthread_self(), "babe-shard0");
        int ep = epoll_create1(EPOLL_CLOEXEC);
        for (int fd : _io->wait_fds()) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        if (_box.wake_fd() >= 0) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = _box.wake_fd();
            epoll_ctl(ep, EPOLL_CTL_ADD, _box.wake_fd(), &ev);
        }
        constexpr int spin_turns = 256; // empty turns before sleeping
        int idle = 0;
        time_point next_carrier_check{};
        while (!_stop.load(std::memory_order_relaxed)) {
            time_point now = monotonic_now();
            _last_turn_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
            if (now >= next_carrier_check) {
                check_carriers(now);
                next_carrier_check = now + 100ms;
            }
            std::size_t work = _shard->poll(now);
            work += _box.run_pending(16);
            if (work) {
                idle = 0;
                continue;
            }
            if (++idle < spin_turns)
                continue;
            // Idle: sleep until a socket is readable, a control request
            // arrives, or the next timer is due (at most 100 ms, so that
            // stop() and the watchdog are served).
            int timeout_ms = 100;
            if (auto d = _shard->next_deadline()) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*d - now).count();
                timeout_ms = static_cast<int>(std::clamp<std::int64_t>(left, 0, 100));
            }
            epoll_event evs[8];
            int n = epoll_wait(ep, evs, 8, timeout_ms);
            for (int i = 0; i < n; ++i)
                if (evs[i].data.fd == _box.wake_fd()) {
                    std::uint64_t v;
                    [[maybe_unused]] auto r = read(_box.wake_fd(), &v, sizeof(v));
                }
            idle = 0;
        }
        close(ep);
    }

    config::babed_config _cfg;
    daemon::engine_context _ctx;
    control::mailbox _box;
    control::mailbox_service _control;
    control::event_hub _hub;
    std::unique_ptr<dataplane::xdp_loader> _loader;
    std::unique_ptr<packet_io> _io;
    std::unique_ptr<shard> _shard;
    std::thread _thread;
    std::atomic<bool> _stop{false};
    std::atomic<std::int64_t> _last_turn_ns{0};
    std::multimap<control::ipv4, std::function<void(control::discover_result)>> _waiting;
    std::chrono::steady_clock::time_point _started{};
    std::string _attached_mode;
    std::string _backend;
    bool _maps_reused = false;
    std::vector<bool> _carrier;
    // Latency buckets in seconds: 1 ms .. 10 s.
    metrics::histogram _discovery_latency{{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10}};
    metrics::histogram _repair_latency{{0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30}};
    std::optional<time_point> _repair_since; // a link broke; no replacement route yet
    int _ioctl_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
};

} // namespace
} // namespace babe::engine

namespace babe::daemon {

std::unique_ptr<engine_handle> make_engine(const config::babed_config& cfg, const engine_context& ctx)
{
    return std::make_unique<engine::engine_impl>(cfg, ctx);
}

} // namespace babe::daemon
