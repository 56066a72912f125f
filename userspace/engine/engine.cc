// SPDX-License-Identifier: Apache-2.0
// make_engine(): the engine behind babed (see engine.hh).
#include "engine/engine.hh"

#include "engine/event_hub.hh"
#include "engine/mailbox.hh"
#include "dataplane/ipv4_conf.hh"
#include "dataplane/loader.hh"
#include "dataplane/memory_maps.hh"
#include "engine/afpacket_io.hh"
#include "engine/afxdp_io.hh"
#include "engine/shard.hh"
#include "engine/transport_service.hh"
#include "core/ipv4.hh"
#include "transport/mesh_config.hh"
#include "core/sched_slice.hh"
#include "core/seqlock.hh"
#include "core/slab_pool.hh"
#include "core/spsc_ring.hh"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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
#include <filesystem>
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
        throw engine_error(fmt::format("cannot read the MAC address of {}", ifname));
    }
    close(fd);
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    return mac;
}

std::uint32_t interface_index(const std::string& ifname)
{
    unsigned idx = if_nametoindex(ifname.c_str());
    if (idx == 0)
        throw engine_error(fmt::format("no interface {} in this network namespace", ifname));
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
        throw engine_error("cannot open a socket for ethtool");
    for (std::uint32_t cmd : {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_STXCSUM}) {
        ethtool_value v{cmd, 0};
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
        ifr.ifr_data = reinterpret_cast<char*>(&v);
        if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 && errno != EOPNOTSUPP) {
            int err = errno;
            close(fd);
            throw engine_error(fmt::format("cannot turn off offloads on {}: {}", ifname,
                                                   std::strerror(err)));
        }
    }
    close(fd);
}

std::vector<std::uint32_t> hops_of(const dsr::route& r)
{
    return {r.hops.begin(), r.hops.begin() + r.hop_count};
}

constexpr std::size_t max_ports = 32;
constexpr std::array<double, 13> discovery_bounds{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                                  0.2,   0.5,   1,     2,    5,    10};
constexpr std::array<double, 12> repair_bounds{0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30};

// A fixed-bucket latency histogram that lives in a plain snapshot.
template <std::size_t N>
struct fixed_histogram {
    std::array<std::uint64_t, N + 1> counts{};
    double sum = 0;
    void observe(const std::array<double, N>& bounds, double v)
    {
        std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
        ++counts[i];
        sum += v;
    }
    void add(const fixed_histogram& o)
    {
        for (std::size_t i = 0; i <= N; ++i)
            counts[i] += o.counts[i];
        sum += o.sum;
    }
};

// What one shard publishes for the control thread (seqlock; every 100 ms).
struct shard_snapshot {
    dsr::counters core{};
    shard_counters engine{};
    std::array<io_stats, max_ports> io{};
    fixed_histogram<discovery_bounds.size()> discovery{};
    fixed_histogram<repair_bounds.size()> repair{};
    std::uint64_t bus_sent = 0, bus_received = 0, bus_full = 0, bus_no_slab = 0;
    std::uint64_t busy_ns = 0;           // time in loop turns that did work
    std::uint32_t frames_in_use = 0, frames_capacity = 0;
    std::uint32_t slabs_in_use = 0, slabs_capacity = 0;
    dsr::table_sizes sizes{};
};

// A message between shards (spsc_ring slots are plain data).
struct bus_msg {
    enum kind_t : std::uint8_t { replica, neighbour_lost, transport_segment, route_used } kind = replica;
    port_id port = 0;
    std::uint16_t len = 0;
    dsr::addr addr = dsr::no_addr; // replica: previous hop; neighbour_lost: the neighbour; transport: the sender;
                                   // route_used: the destination
    slab_handle slab{};
};
using bus_ring = spsc_ring<bus_msg, 256>;

class engine_impl;

// One shard with its thread: packet I/O on queue `index` of every port, a DSR
// core, its slab pool for messages to the other shards, and its snapshot.
class shard_runtime final : public event_sink, public shard_bus, public transport_hook {
public:
    shard_runtime(engine_impl& eng, std::size_t index) : _eng(eng), index(index), slabs({256, 128, 64, 64}) {}

    // Shards other than the transport's owner (shard 0): a segment that RSS
    // steered here is copied into a slab and handed to the owner (the one
    // copy of the multi-shard case; docs/transport.md).
    void segment(time_point now, dsr::addr from, frame_addr frame, std::span<const std::byte> seg) override;

    void on_event(const dsr::event& e) override;
    void replicate(port_id port, dsr::addr prev, std::span<const std::byte> ip) override;
    void broadcast(bus_msg::kind_t kind, dsr::addr addr, bool wake);
    void broadcast_neighbour_lost(dsr::addr nb);
    void route_used(dsr::addr dst) override;
    std::size_t drain_bus(time_point now);
    void publish_snapshot();
    // SIGHUP: the new DSR constants, applied on this shard's thread.
    void pending_reload(const dsr::config& next, std::shared_ptr<std::promise<bool>> done)
    {
        if (!box.post([this, next, done] { done->set_value(sh->reconfigure(next)); }))
            done->set_value(false);
    }
    std::size_t run_reloads() { return box.run_pending(4); }

    engine_impl& _eng;
    std::size_t index;
    std::unique_ptr<packet_io> io;
    std::unique_ptr<shard> sh;
    std::unique_ptr<transport_service> transport; // shard 0 only
    slab_pool slabs;
    std::thread thread;
    int wake_fd = -1; // eventfd: another shard posted a message
    std::atomic<std::int64_t> last_turn_ns{0};
    seqlock_cell<shard_snapshot> snapshot;
    fixed_histogram<discovery_bounds.size()> discovery{};
    fixed_histogram<repair_bounds.size()> repair{};
    std::optional<time_point> repair_since; // a link broke; no replacement route yet
    bool applying_remote = false;
    std::uint64_t bus_sent = 0, bus_received = 0, bus_full = 0, bus_no_slab = 0;
    std::uint64_t busy_ns = 0;
    mailbox box{4}; // reloads from the main thread
};

// The engine: N shards (one per RX queue, pinned), the loader, the control
// service (answered on shard 0's thread through the mailbox).
class engine_impl final : public engine_handle, public control_service {
public:
    engine_impl(const config::babed_config& cfg, const engine_context& ctx)
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
        // engine.cpus: every CPU listed must be one babed may run on (checked
        // before anything of the data plane is touched).
        _cpus = config::parse_cpu_list(_cfg.shard_cpus).value_or(std::vector<unsigned>{});
        if (!_cpus.empty()) {
            cpu_set_t allowed;
            CPU_ZERO(&allowed);
            if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
                for (unsigned c : _cpus)
                    if (!CPU_ISSET(c, &allowed))
                        throw engine_error(
                            fmt::format("engine.cpus: CPU {} is not one babed may run on ({} online)", c,
                                        std::thread::hardware_concurrency()));
            }
        }

        // The packet I/O: XDP + AF_XDP, or AF_PACKET with no XDP at all (by
        // config, or when XDP or AF_XDP cannot be set up and the config
        // says auto). Never a half of each: XDP programs with no socket
        // behind their XSKMAP would drop every miss and control packet.
        std::size_t n = 0;
        if (_cfg.backend != "afpacket") {
            try {
                n = start_xdp();
            } catch (const engine_error& e) {
                if (_cfg.backend == "afxdp")
                    throw;
                spdlog::warn("XDP data path unavailable ({}); falling back to AF_PACKET", e.what());
                undo_xdp();
            }
        }
        if (!_loader)
            n = start_afpacket();

        for (std::size_t k = 0; k < n * n; ++k) {
            _to.push_back(std::make_unique<bus_ring>());
            _back.push_back(std::make_unique<bus_ring>());
        }
        const auto seed_base = static_cast<std::uint64_t>(monotonic_now().time_since_epoch().count());
        for (std::size_t q = 0; q < n; ++q) {
            auto rt = std::make_unique<shard_runtime>(*this, q);
            rt->io = std::move(_ios[q]);
            rt->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            shard_config sc;
            sc.dsr = _cfg.dsr;
            sc.self = _cfg.node_address;
            sc.seed = seed_base ^ (_cfg.node_address * 0x9e3779b97f4a7c15ULL) ^ q;
            sc.ports = _ports;
            sc.host_mac = _ctx.local_mac;
            // XDP's "used" marks: shard 0 scans them for every core (only
            // the kernel's fast path bypasses the cores).
            if (q == 0 && _loader)
                sc.route_scan_interval = 1s;
            rt->sh = std::make_unique<shard>(sc, *rt->io, maps(), rt.get(), n > 1 ? rt.get() : nullptr);
            phase(fmt::format("shard {}: DSR core and tables", q));
            if (q == 0) {
                rt->transport = std::make_unique<transport_service>(
                    transport_defaults(sc.dsr.hop_reliable_next_header == BABE_NEXT_HEADER_TRANSPORT),
                    _cfg.node_address, sc.seed * 31 + 7, *rt->sh);
                rt->sh->set_transport(rt->transport.get());
                phase("transport endpoint (shard 0)");
            } else {
                rt->sh->set_transport(rt.get());
            }
            _shards.push_back(std::move(rt));
        }
        _ios.clear();
        phase("shard buses");
        spdlog::info("engine: {} shard(s), packet I/O {}", n, _backend);
        _started = std::chrono::steady_clock::now();
        _stop.store(false);
        for (auto& rt : _shards)
            rt->thread = std::thread([this, r = rt.get()] { run(*r); });
        phase("shard threads started");
    }

    // XDP on every mesh interface and the local peer, the node's config in
    // the kernel, one AF_XDP packet_io per shard in _ios. Returns the shard
    // count; throws engine_error (the caller undoes what was done).
    std::size_t start_xdp()
    {
        dataplane::loader_options lo;
        lo.pin_path = _cfg.pin_path;
        lo.mount_bpffs = true;
        auto loaded = dataplane::xdp_loader::load(lo);
        if (!loaded)
            throw engine_error(dataplane::describe(loaded.error()));
        _loader = std::move(loaded.value());
        log_load_timing(_loader->timing());
        auto mode = dataplane::parse_xdp_mode(_cfg.xdp_mode);
        if (!mode)
            throw engine_error(dataplane::describe(mode.error()));
        _maps_reused = _loader->reused_maps();

        // Ports: every mesh interface, then the local peer.
        for (const auto& name : _cfg.mesh_interfaces) {
            _ports.push_back(port_info{name, interface_index(name), interface_mac(name), false});
            auto r = _loader->attach(dataplane::xdp_role::mesh_ingress, name, *mode);
            if (!r)
                throw engine_error(dataplane::describe(r.error()));
            if (auto t = maps().put_tx_port(_ports.back().ifindex); !t)
                throw engine_error(dataplane::describe(t.error()));
        }
        disable_offloads(_ctx.local_ifname);
        _ports.push_back(port_info{_ctx.peer_ifname, _ctx.peer_ifindex, interface_mac(_ctx.peer_ifname), true});
        if (auto r = _loader->attach(dataplane::xdp_role::local_egress, _ctx.peer_ifname, *mode); !r)
            throw engine_error(dataplane::describe(r.error()));
        if (_ports.size() > max_ports)
            throw engine_error(fmt::format("at most {} interfaces", max_ports - 1));
        _attached_mode = dataplane::to_string(*mode);
        phase(fmt::format("XDP attach ({} port(s), {} mode)", _ports.size(), _attached_mode));

        babe_config bc{};
        bc.self_addr = htonl(_cfg.node_address);
        bc.mesh_prefix = htonl(_cfg.mesh_prefix);
        bc.mesh_prefix_len = static_cast<std::uint8_t>(_cfg.mesh_prefix_len);
        bc.flags = BABE_CONFIG_F_ENABLED;
        bc.local_ifindex = _ctx.local_ifindex;
        std::memcpy(bc.local_mac, _ctx.local_mac.data(), 6);
        if (auto w = maps().write_config(bc); !w)
            throw engine_error(dataplane::describe(w.error()));

        // One shard per RX queue that every port has (queue q is shard q's).
        std::size_t want = _cfg.shards ? _cfg.shards : std::max(1u, std::thread::hardware_concurrency());
        std::size_t queues = want;
        for (const auto& p : _ports)
            queues = std::min(queues, rx_queues(p.name));
        if (queues < want)
            spdlog::info("{} shard(s): every interface has {} RX queue(s) ({} asked)", queues, queues, want);
        std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(queues, BABE_XSK_QUEUES_PER_IF));
        for (std::size_t q = 0; q < n; ++q) {
            _ios.push_back(open_afxdp(q));
            phase(fmt::format("AF_XDP queue {}: UMEM and {} socket(s)", q, _ports.size()));
        }
        _backend = "afxdp";
        return n;
    }

    // The end of a start-up phase, for the daemon's start-up log.
    void phase(std::string_view name) const
    {
        if (_ctx.phase)
            _ctx.phase(name);
    }

    // The BPF object's load, phase by phase (debug level).
    void log_load_timing(const dataplane::load_timing& t)
    {
        spdlog::debug("startup: bpf object open {:.1f} ms, pinned maps checked {:.1f} ms, maps created {:.1f} ms",
                      t.open_ms, t.reuse_ms, t.maps_ms);
        for (const auto& p : t.programs)
            spdlog::debug("startup: bpf program {}: verified in {:.1f} ms ({} insns, {} verified)", p.name,
                          p.verify_ms, p.insns, p.verified_insns);
        phase("bpf load (open, maps, verifier)");
    }

    // After a failed start_xdp: close the sockets, take babed's programs off
    // every port (the pinned maps stay), forget the ports.
    void undo_xdp()
    {
        _ios.clear();
        _loader.reset();
        detach_pinned();
        _ports.clear();
        _attached_mode.clear();
        _maps_reused = false;
    }

    // Links pinned by an earlier run (or this one) on our interfaces.
    void detach_pinned()
    {
        std::vector<std::string> names = _cfg.mesh_interfaces;
        names.push_back(_ctx.peer_ifname);
        for (const auto& name : names) {
            std::error_code ec;
            if (!std::filesystem::exists(dataplane::link_pin(_cfg.pin_path, name), ec))
                continue;
            if (auto d = dataplane::detach(_cfg.pin_path, name); !d)
                spdlog::warn("{}: cannot detach babed's XDP program: {}", name, dataplane::describe(d.error()));
            else
                spdlog::info("{}: babed's XDP program detached (AF_PACKET data path)", name);
        }
    }

    // No XDP: raw AF_PACKET sockets on every port, the routes and
    // neighbours in memory, one shard doing the whole data path.
    std::size_t start_afpacket()
    {
        detach_pinned();
        _ports.clear();
        for (const auto& name : _cfg.mesh_interfaces)
            _ports.push_back(port_info{name, interface_index(name), interface_mac(name), false});
        disable_offloads(_ctx.local_ifname);
        _ports.push_back(port_info{_ctx.peer_ifname, _ctx.peer_ifindex, interface_mac(_ctx.peer_ifname), true});
        if (_ports.size() > max_ports)
            throw engine_error(fmt::format("at most {} interfaces", max_ports - 1));
        // The host stack sees every frame too: it must not route a transit
        // packet (its IP destination is not this node) on its own.
        for (const auto& p : _ports)
            no_ip_forwarding(p.name);
        if (_cfg.shards > 1)
            spdlog::info("1 shard: the AF_PACKET data path runs one ({} asked)", _cfg.shards);
        _mem_maps = std::make_unique<dataplane::memory_maps>();
        _attached_mode = "off (AF_PACKET)";
        std::vector<afpacket_port> pp;
        for (const auto& p : _ports)
            pp.push_back(afpacket_port{p.name, !p.local});
        try {
            _ios.push_back(std::make_unique<afpacket_io>(pp, 4096, 4096, 256));
        } catch (const std::exception& e) {
            throw engine_error(e.what());
        }
        _backend = "afpacket";
        return 1;
    }

    // Already 0 (an init container may have set it): nothing written; where
    // /proc/sys is read-only (a container), through rtnetlink.
    static void no_ip_forwarding(const std::string& ifname)
    {
        auto r = dataplane::ensure_ipv4_conf(ifname, dataplane::ipv4_setting::forwarding,
                                             [](int v) { return v == 0; }, 0);
        using how = dataplane::ipv4_conf_result::how;
        if (r.what == how::netlink)
            spdlog::info("{}: {}=0 set through rtnetlink (/proc/sys is read-only)", ifname, r.key);
        else if (r.what == how::failed)
            spdlog::warn("{}: cannot turn IPv4 forwarding off ({}): the host may forward DSR frames itself; set {}=0",
                         ifname, r.error, r.key);
    }

    dataplane::map_access& maps() { return _loader ? _loader->maps() : *_mem_maps; }

    void stop() override
    {
        release_xsk_slots();
        _stop.store(true);
        for (auto& rt : _shards) {
            std::uint64_t one = 1; // a sleeping shard sees _stop now, not after its 100 ms
            if (rt->wake_fd >= 0)
                [[maybe_unused]] auto r = write(rt->wake_fd, &one, sizeof(one));
        }
        for (auto& rt : _shards)
            if (rt->thread.joinable())
                rt->thread.join();
        _box.close();
        for (auto& rt : _shards)
            if (rt->wake_fd >= 0)
                close(rt->wake_fd);
        _shards.clear();
        _loader.reset(); // pinned maps and links stay: transit keeps flowing
    }

    void reload(const config::babed_config& cfg) override
    {
        // The DSR constants go to every running core on its own thread; caches
        // and buffers stay (node::reconfigure keeps table bounds).
        if (_shards.empty())
            throw engine_error("the engine is not running");
        std::vector<std::future<bool>> results;
        for (auto& rt : _shards) {
            auto done = std::make_shared<std::promise<bool>>();
            results.push_back(done->get_future());
            dsr::config next = cfg.dsr;
            rt->pending_reload(next, done);
        }
        for (auto& r : results) {
            if (r.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
                throw engine_error("the engine did not take the new configuration in time");
            if (!r.get())
                throw engine_error("the new DSR configuration does not validate");
        }
        _cfg = cfg;
    }

    control_service& control() override { return _control; }

    bool healthy(std::chrono::milliseconds within) override
    {
        if (_shards.empty())
            return false;
        auto now = monotonic_now().time_since_epoch();
        for (const auto& rt : _shards) {
            auto last = std::chrono::nanoseconds(rt->last_turn_ns.load(std::memory_order_relaxed));
            if (now - last > within)
                return false;
        }
        return true;
    }

    // ---- control_service (shard 0's thread) ----
    status_info status() override
    {
        status_info s;
        s.version = _ctx.version;
        s.node_address = _cfg.node_address;
        s.mesh_prefix = fmt::format("{}/{}", ipv4_address::from_host(_cfg.mesh_prefix).to_string(), _cfg.mesh_prefix_len);
        s.mesh_interfaces = _cfg.mesh_interfaces;
        s.local_interface = _ctx.local_ifname;
        s.xdp_mode = _attached_mode;
        s.shards = static_cast<std::uint32_t>(_shards.size());
        s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - _started)
                          .count();
        s.maps_reused = _maps_reused;
        auto sizes = first().core().sizes();
        if (auto listed = maps().list_routes())
            s.routes = listed->size();
        s.neighbours = first().neighbours().size();
        s.discoveries_running = sizes.discoveries;
        s.send_buffer = sizes.send_buffer;
        return s;
    }

    std::vector<route_info> routes() override
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

    std::vector<neighbour_info> neighbours() override
    {
        std::vector<neighbour_info> out;
        auto now_ns = monotonic_now().time_since_epoch().count();
        first().neighbours().for_each([&](neighbour_entry& e) {
            neighbour_info n;
            n.addr = e.ip;
            n.iface = _ports[e.port].name;
            n.mac = e.mac;
            if (auto k = maps().find_neighbour(htonl(e.ip)); k && *k && (*k)->last_heard_ns)
                n.last_heard_ms = (now_ns - static_cast<std::int64_t>((*k)->last_heard_ns)) / 1'000'000;
            else if (e.last_heard_ns)
                n.last_heard_ms = (now_ns - static_cast<std::int64_t>(e.last_heard_ns)) / 1'000'000;
            out.push_back(std::move(n));
        });
        return out;
    }

    // Every shard's counters summed (shard 0 live, the others from their
    // latest snapshot: at most 100 ms old).
    shard_snapshot total()
    {
        _shards[0]->publish_snapshot();
        shard_snapshot t{};
        for (auto& rt : _shards) {
            shard_snapshot s = rt->snapshot.read();
#define BABE_ENGINE_SUM(name) t.core.name += s.core.name;
            BABE_DSR_COUNTERS(BABE_ENGINE_SUM)
#undef BABE_ENGINE_SUM
            auto add = [](std::uint64_t& a, std::uint64_t b) { a += b; };
            add(t.engine.rx_frames, s.engine.rx_frames);
            add(t.engine.rx_short, s.engine.rx_short);
            add(t.engine.rx_not_ipv4, s.engine.rx_not_ipv4);
            add(t.engine.tx_control, s.engine.tx_control);
            add(t.engine.tx_data, s.engine.tx_data);
            add(t.engine.tx_backpressure, s.engine.tx_backpressure);
            add(t.engine.no_frame, s.engine.no_frame);
            add(t.engine.no_headroom, s.engine.no_headroom);
            add(t.engine.unknown_mac, s.engine.unknown_mac);
            add(t.engine.delivered_local, s.engine.delivered_local);
            add(t.engine.neighbours_learned, s.engine.neighbours_learned);
            add(t.engine.neighbours_full, s.engine.neighbours_full);
            add(t.engine.map_write_errors, s.engine.map_write_errors);
            add(t.engine.routes_installed, s.engine.routes_installed);
            add(t.engine.routes_removed, s.engine.routes_removed);
            add(t.engine.probes, s.engine.probes);
            add(t.engine.route_scans, s.engine.route_scans);
            add(t.engine.routes_used, s.engine.routes_used);
            add(t.engine.routes_used_unlisted, s.engine.routes_used_unlisted);
            add(t.engine.transport_rx, s.engine.transport_rx);
            add(t.engine.transport_no_hook, s.engine.transport_no_hook);
            for (std::size_t p = 0; p < max_ports; ++p) {
                add(t.io[p].rx_packets, s.io[p].rx_packets);
                add(t.io[p].tx_packets, s.io[p].tx_packets);
                add(t.io[p].tx_ring_full, s.io[p].tx_ring_full);
                add(t.io[p].rx_dropped, s.io[p].rx_dropped);
                add(t.io[p].rx_invalid, s.io[p].rx_invalid);
                add(t.io[p].tx_invalid, s.io[p].tx_invalid);
                add(t.io[p].fill_starved, s.io[p].fill_starved);
            }
            t.discovery.add(s.discovery);
            t.repair.add(s.repair);
            add(t.bus_sent, s.bus_sent);
            add(t.bus_received, s.bus_received);
            add(t.bus_full, s.bus_full);
            add(t.bus_no_slab, s.bus_no_slab);
        }
        return t;
    }

    std::vector<counter> stats() override
    {
        std::vector<counter> out;
        shard_snapshot t = total();
        const auto& c = t.core;
#define BABE_ENGINE_DSR_COUNTER(name) out.push_back({"dsr_" #name, c.name});
        BABE_DSR_COUNTERS(BABE_ENGINE_DSR_COUNTER)
#undef BABE_ENGINE_DSR_COUNTER
        const auto& s = t.engine;
        out.push_back({"engine_shards", _shards.size()});
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
        out.push_back({"engine_neighbours_full", s.neighbours_full});
        out.push_back({"engine_map_write_errors", s.map_write_errors});
        out.push_back({"engine_routes_installed", s.routes_installed});
        out.push_back({"engine_routes_removed", s.routes_removed});
        out.push_back({"engine_probes", s.probes});
        out.push_back({"engine_route_scans", s.route_scans});
        out.push_back({"engine_routes_used", s.routes_used});
        out.push_back({"engine_routes_used_unlisted", s.routes_used_unlisted});
        out.push_back({"engine_bus_sent", t.bus_sent});
        out.push_back({"engine_bus_received", t.bus_received});
        out.push_back({"engine_bus_backpressure", t.bus_full});
        out.push_back({"engine_bus_no_slab", t.bus_no_slab});
        out.push_back({"engine_transport_rx", s.transport_rx});
        out.push_back({"engine_transport_no_hook", s.transport_no_hook});
        if (const auto* ts = _shards[0]->transport.get()) {
            const auto& tc = ts->core().stats();
#define BABE_ENGINE_TRANSPORT_CORE(name) out.push_back({"transport_" #name, tc.name});
            BABE_TRANSPORT_COUNTERS(BABE_ENGINE_TRANSPORT_CORE)
#undef BABE_ENGINE_TRANSPORT_CORE
            const auto& sc = ts->counters();
#define BABE_ENGINE_TRANSPORT_SVC(name) out.push_back({"transport_" #name, sc.name});
            BABE_TRANSPORT_SERVICE_COUNTERS(BABE_ENGINE_TRANSPORT_SVC)
#undef BABE_ENGINE_TRANSPORT_SVC
            out.push_back({"transport_connections_in_use", ts->core().connections()});
            out.push_back({"transport_sessions_in_use", ts->sessions()});
        }
        std::size_t send_buffer = 0, maint_buffer = 0, links = 0, paths = 0;
        for (std::size_t k = 0; k < _shards.size(); ++k) {
            shard_snapshot one = _shards[k]->snapshot.read();
            out.push_back({fmt::format("engine_s{}_busy_ns", k), one.busy_ns});
            out.push_back({fmt::format("engine_s{}_rx_frames", k), one.engine.rx_frames});
            out.push_back({fmt::format("engine_s{}_tx_backpressure", k), one.engine.tx_backpressure});
            out.push_back({fmt::format("engine_s{}_pool_frames_in_use", k), one.frames_in_use});
            out.push_back({fmt::format("engine_s{}_pool_frames_capacity", k), one.frames_capacity});
            out.push_back({fmt::format("engine_s{}_slabs_in_use", k), one.slabs_in_use});
            out.push_back({fmt::format("engine_s{}_slabs_capacity", k), one.slabs_capacity});
            send_buffer += one.sizes.send_buffer;
            maint_buffer += one.sizes.maint_buffer;
            links = std::max(links, one.sizes.cache_links);
            paths = std::max(paths, one.sizes.cache_paths);
        }
        out.push_back({"engine_send_buffer_depth", send_buffer});
        out.push_back({"engine_maint_buffer_depth", maint_buffer});
        out.push_back({"engine_route_cache_links_in_use", links});
        out.push_back({"engine_route_cache_paths_in_use", paths});
        for (std::size_t p = 0; p < _ports.size(); ++p) {
            const auto& st = t.io[p];
            const auto& name = _ports[p].name;
            out.push_back({fmt::format("io_{}_rx_packets", name), st.rx_packets});
            out.push_back({fmt::format("io_{}_tx_packets", name), st.tx_packets});
            out.push_back({fmt::format("io_{}_rx_dropped", name), st.rx_dropped});
            out.push_back({fmt::format("io_{}_tx_ring_full", name), st.tx_ring_full});
            out.push_back({fmt::format("io_{}_rx_invalid", name), st.rx_invalid});
            out.push_back({fmt::format("io_{}_tx_invalid", name), st.tx_invalid});
            out.push_back({fmt::format("io_{}_fill_starved", name), st.fill_starved});
        }
        if (auto xs = _loader ? maps().read_stats() : dataplane::stats_snapshot{}; _loader && xs) {
            for (unsigned id = 0; id < BABE_STAT_MAX; ++id) {
                out.push_back({fmt::format("xdp_{}_packets", dataplane::stat_label(id)), (*xs)[id].packets});
                out.push_back({fmt::format("xdp_{}_bytes", dataplane::stat_label(id)), (*xs)[id].bytes});
            }
        }
        return out;
    }

    std::vector<histogram_info> histograms() override
    {
        shard_snapshot t = total();
        auto one = [](const char* name, const char* help, const auto& bounds, const auto& h) {
            return histogram_info{name, help, std::vector<double>(bounds.begin(), bounds.end()),
                                           std::vector<std::uint64_t>(h.counts.begin(), h.counts.end()), h.sum};
        };
        return {one("discovery_seconds", "Route Discovery latency: first Route Request to the route.",
                    discovery_bounds, t.discovery),
                one("repair_seconds", "Route repair: a broken link to the next replacement route.",
                    repair_bounds, t.repair)};
    }

    void discover(ipv4 target, std::function<void(discover_result)> done) override
    {
        _waiting.emplace(target, std::move(done));
        first().core().start_discovery(monotonic_now(), target);
    }

    std::uint64_t flush() override
    {
        // Every shard's core forgets its cache (shard 0's now, the others on
        // their own threads), then the kernel's routes map is emptied.
        auto now = monotonic_now();
        first().core().flush_routes(now);
        for (std::size_t i = 1; i < _shards.size(); ++i) {
            auto* rt = _shards[i].get();
            rt->box.post([rt] { rt->sh->core().flush_routes(monotonic_now()); });
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

    event_hub& events() override { return _hub; }

    void open_stream(const stream_request& r, int fd) override
    {
        // On shard 0's thread (mailbox): the transport's owner.
        if (_shards.empty() || !_shards[0]->transport) {
            ::close(fd);
            throw engine_error("the engine is not running");
        }
        _shards[0]->transport->open(monotonic_now(), r, fd);
    }

    // The transport over the mesh (transport/mesh_config.hh), as the
    // simulator runs it too.
    static transport_service_config transport_defaults(bool hop_recovery)
    {
        transport_service_config c;
        c.core = transport::mesh_config(hop_recovery);
        c.max_queued_per_session = 768;
        return c;
    }

    // ---- events from any shard (on that shard's thread) ----
    void on_event(shard_runtime& rt, const dsr::event& e)
    {
        using dsr::event_kind;
        switch (e.kind) {
        case event_kind::route_changed:
            if (rt.repair_since) {
                rt.repair.observe(repair_bounds,
                                  std::chrono::duration<double>(monotonic_now() - *rt.repair_since).count());
                rt.repair_since.reset();
            }
            DTRACE_PROBE2(babe, route_changed, e.dst, e.path.hop_count);
            publish(engine::event_kind::route_changed, [&](engine::event& c) {
                c.dst = e.dst;
                c.hops = hops_of(e.path);
            });
            break;
        case event_kind::route_removed:
            DTRACE_PROBE1(babe, route_removed, e.dst);
            publish(engine::event_kind::route_removed, [&](engine::event& c) { c.dst = e.dst; });
            break;
        case event_kind::link_broken:
            DTRACE_PROBE2(babe, link_broken, e.from, e.to);
            if (!rt.repair_since)
                rt.repair_since = monotonic_now();
            if (e.from == _cfg.node_address && !rt.applying_remote)
                rt.broadcast_neighbour_lost(e.to);
            publish(engine::event_kind::link_broken, [&](engine::event& c) {
                c.from = e.from;
                c.to = e.to;
            });
            break;
        case event_kind::discovery_done:
        case event_kind::discovery_failed: {
            bool ok = e.kind == event_kind::discovery_done;
            auto latency = std::chrono::duration_cast<std::chrono::microseconds>(e.latency).count();
            if (ok) {
                rt.discovery.observe(discovery_bounds, std::chrono::duration<double>(e.latency).count());
                DTRACE_PROBE2(babe, route_discovered, e.dst, latency);
            } else {
                DTRACE_PROBE2(babe, discovery_failed, e.dst, latency);
            }
            auto route = rt.sh->core().find_route(e.dst);
            publish(ok ? engine::event_kind::discovery_done : engine::event_kind::discovery_failed,
                    [&](engine::event& c) {
                        c.dst = e.dst;
                        c.latency_us = latency;
                        if (route)
                            c.hops = hops_of(*route);
                    });
            if (rt.index != 0) // babectl discover runs on shard 0
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
        case event_kind::dropped:
            if (e.reason == dsr::drop_reason::send_buffer_timeout || e.reason == dsr::drop_reason::send_buffer_full ||
                e.reason == dsr::drop_reason::discovery_failed)
                DTRACE_PROBE2(babe, send_buffer_drop, e.dst, static_cast<int>(e.reason));
            if (_hub.wanted(engine::event_kind::drop))
                publish(engine::event_kind::drop,
                        [&](engine::event& c) { c.detail = dsr::to_string(e.reason); });
            break;
        default:
            break;
        }
    }

    std::size_t shard_count() const { return _shards.size(); }
    shard_runtime& runtime(std::size_t i) { return *_shards[i]; }
    bus_ring& to(std::size_t from, std::size_t dst) { return *_to[from * _shards.size() + dst]; }
    bus_ring& back(std::size_t from, std::size_t dst) { return *_back[from * _shards.size() + dst]; }
    std::size_t port_count() const { return _ports.size(); }

private:
    shard& first() { return *_shards[0]->sh; }

    template <typename F>
    void publish(event_kind kind, F&& fill)
    {
        if (!_hub.wanted(kind))
            return;
        event c;
        c.kind = kind;
        fill(c);
        _hub.publish(std::move(c));
    }

    static std::size_t rx_queues(const std::string& ifname)
    {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& d : std::filesystem::directory_iterator("/sys/class/net/" + ifname + "/queues", ec))
            if (d.path().filename().string().rfind("rx-", 0) == 0)
                ++n;
        return n ? n : 1;
    }

    std::unique_ptr<packet_io> open_afxdp(std::size_t queue)
    {
        int xsks = bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSKS).c_str());
        int slots = bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSK_SLOTS).c_str());
        if (xsks < 0 || slots < 0) {
            if (xsks >= 0)
                close(xsks);
            if (slots >= 0)
                close(slots);
            throw engine_error("the pinned xsks/xsk_slots maps are missing");
        }
        std::vector<afxdp_port> ap;
        for (std::size_t p = 0; p < _ports.size(); ++p)
            ap.push_back(afxdp_port{_ports[p].name, xsks, slots, static_cast<std::uint32_t>(p * BABE_XSK_QUEUES_PER_IF)});
        afxdp::umem_config uc;
        uc.frame_count = 4096;
        uc.ring_size = 512; // per socket: fill rings take at most 512 frames each
        uc.headroom = 0;
        std::unique_ptr<afxdp_io> io;
        std::string error;
        try {
            io = std::make_unique<afxdp_io>(ap, static_cast<std::uint32_t>(queue), uc, afxdp::bind_mode::automatic);
        } catch (const std::exception& e) {
            error = e.what();
        }
        close(xsks);
        close(slots);
        if (!io)
            throw engine_error(fmt::format("AF_XDP sockets: {}", error));
        return io;
    }

    // Our sockets out of the XSKMAP before the shards stop reading them: a
    // neighbour's Ack Request is then answered by XDP (bpf/lib/ack.h) until
    // the next babed binds its own, instead of waiting in the RX ring of a
    // stopping shard until the neighbour declares the link broken.
    void release_xsk_slots()
    {
        if (_backend != "afxdp" || _shards.empty())
            return;
        int xsks = bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSKS).c_str());
        if (xsks < 0)
            return;
        for (std::size_t p = 0; p < _ports.size(); ++p)
            for (std::size_t q = 0; q < _shards.size(); ++q) {
                auto slot = static_cast<std::uint32_t>(p * BABE_XSK_QUEUES_PER_IF + q);
                bpf_map_delete_elem(xsks, &slot);
            }
        close(xsks);
    }

    // A mesh port whose carrier dropped loses its neighbours at once
    // (a radio link that fails silently is found by probes instead).
    void check_carriers(time_point now)
    {
        if (_carrier.size() != _ports.size())
            _carrier.assign(_ports.size(), true);
        for (std::size_t p = 0; p < _ports.size(); ++p) {
            if (_ports[p].local)
                continue;
            ifreq ifr{};
            std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", _ports[p].name.c_str());
            bool up = _ioctl_fd >= 0 && ioctl(_ioctl_fd, SIOCGIFFLAGS, &ifr) == 0 &&
                      (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
            if (_carrier[p] && !up) {
                spdlog::warn("{}: carrier lost; its neighbours are unreachable", _ports[p].name);
                first().port_down(now, static_cast<port_id>(p));
            } else if (!_carrier[p] && up) {
                spdlog::info("{}: carrier back; probing its neighbours", _ports[p].name);
                first().port_up(now, static_cast<port_id>(p));
            }
            _carrier[p] = up;
        }
    }

    // A short slice lets a shard woken by a packet preempt whatever runs on
    // its CPU (core/sched_slice.hh): Route Discovery crosses one sleeping
    // shard per hop, and each waited up to a 4 ms tick for its CPU without.
    void request_short_slice(std::size_t index)
    {
        if (int err = request_sched_slice(_cfg.sched_slice_us))
            spdlog::warn("shard {}: the kernel refused a {} us scheduler slice: {}", index, _cfg.sched_slice_us,
                         std::strerror(err));
    }

    void run(shard_runtime& rt)
    {
        pthread_setname_np(pthread_self(), fmt::format("babe-shard{}", rt.index).c_str());
        // Shard k on the k-th CPU of engine.cpus, or on CPU k.
        if (unsigned ncpu = std::thread::hardware_concurrency(); ncpu > 0 || !_cpus.empty()) {
            const unsigned cpu = _cpus.empty() ? static_cast<unsigned>(rt.index % ncpu)
                                               : _cpus[rt.index % _cpus.size()];
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            if (int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
                spdlog::warn("shard {}: cannot pin to CPU {}: {}", rt.index, cpu, std::strerror(err));
        }
        request_short_slice(rt.index);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        auto watch = [&](int fd) {
            if (fd < 0)
                return;
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        };
        for (int fd : rt.io->wait_fds())
            watch(fd);
        if (rt.transport)
            watch(rt.transport->wait_fd());
        watch(rt.wake_fd);
        watch(rt.box.wake_fd());
        const bool control_shard = rt.index == 0;
        if (control_shard)
            watch(_box.wake_fd());
        constexpr int spin_turns = 64; // empty turns (each yielding) before sleeping
        int idle = 0;
        time_point next_housekeeping{};
        // Mailboxes (reloads; control requests on shard 0) are looked at
        // every millisecond while the shard is busy and at once after a
        // wake-up, not on every turn: each look is a syscall and a lock.
        time_point next_mail{};
        while (!_stop.load(std::memory_order_relaxed)) {
            time_point now = monotonic_now();
            rt.last_turn_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
            if (now >= next_housekeeping) {
                if (control_shard)
                    check_carriers(now);
                rt.publish_snapshot();
                next_housekeeping = now + 100ms;
            }
            std::size_t work = rt.sh->poll(now);
            work += rt.drain_bus(now);
            if (now >= next_mail) {
                work += rt.run_reloads();
                if (control_shard)
                    work += _box.run_pending(16);
                next_mail = now + 1ms;
            }
            if (work) {
                rt.busy_ns += static_cast<std::uint64_t>(to_ns(monotonic_now() - now));
                idle = 0;
                continue;
            }
            if (++idle < spin_turns) {
                // An empty turn: whatever else is runnable on this CPU goes
                // first (the kernel's receive work, the next node's engine
                // when several share a machine). Without it a spinning shard
                // keeps the CPU for its whole time slice while the packet it
                // just sent waits for a thread queued behind it.
                sched_yield();
                continue;
            }
            // Idle: sleep until a socket is readable, a message or a control
            // request arrives, or the next timer is due (at most 100 ms, so
            // that stop(), snapshots and the watchdog are served).
            std::int64_t timeout_ns = 100'000'000;
            if (auto d = rt.sh->next_deadline())
                timeout_ns = std::clamp<std::int64_t>(to_ns(*d) - to_ns(now), 0, timeout_ns);
            timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
            epoll_event evs[8];
            int n = epoll_pwait2(ep, evs, 8, &timeout, nullptr);
            for (int i = 0; i < n; ++i) {
                int fd = evs[i].data.fd;
                if (fd == rt.wake_fd || fd == rt.box.wake_fd() || (control_shard && fd == _box.wake_fd())) {
                    std::uint64_t v;
                    [[maybe_unused]] auto r = read(fd, &v, sizeof(v));
                }
            }
            // Woken by I/O: spin again while it lasts. Woken by a timer: do
            // its work and sleep again at once (an idle node stays idle).
            idle = n > 0 ? 0 : spin_turns;
            next_mail = {};
        }
        close(ep);
    }

    config::babed_config _cfg;
    engine_context _ctx;
    mailbox _box;
    mailbox_service _control;
    event_hub _hub;
    std::unique_ptr<dataplane::xdp_loader> _loader;
    std::unique_ptr<dataplane::memory_maps> _mem_maps; // AF_PACKET: no kernel maps
    std::vector<std::unique_ptr<packet_io>> _ios;      // opened, not yet given to shards
    std::vector<port_info> _ports;
    std::vector<std::unique_ptr<shard_runtime>> _shards;
    std::vector<std::unique_ptr<bus_ring>> _to, _back;
    std::atomic<bool> _stop{false};
    std::multimap<ipv4, std::function<void(discover_result)>> _waiting;
    std::chrono::steady_clock::time_point _started{};
    std::string _attached_mode;
    std::string _backend;
    bool _maps_reused = false;
    std::vector<bool> _carrier;
    std::vector<unsigned> _cpus; // engine.cpus, parsed (empty: shard k on CPU k)
    int _ioctl_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
};

void shard_runtime::on_event(const dsr::event& e) { _eng.on_event(*this, e); }

void shard_runtime::publish_snapshot()
{
    shard_snapshot s{};
    s.core = sh->core().stats();
    s.engine = sh->counters();
    for (std::size_t p = 0; p < io->port_count() && p < max_ports; ++p)
        s.io[p] = io->stats(static_cast<port_id>(p));
    s.discovery = discovery;
    s.repair = repair;
    s.bus_sent = bus_sent;
    s.bus_received = bus_received;
    s.bus_full = bus_full;
    s.bus_no_slab = bus_no_slab;
    s.busy_ns = busy_ns;
    s.frames_capacity = io->frames().count();
    s.frames_in_use = io->frames().count() - io->frames().free_frames();
    for (std::size_t c = 0; c < slab_pool::class_sizes.size(); ++c) {
        s.slabs_in_use += slabs.in_use(c);
        s.slabs_capacity += slabs.capacity(c);
    }
    s.sizes = sh->core().sizes();
    snapshot.publish(s);
}

void shard_runtime::replicate(port_id port, dsr::addr prev, std::span<const std::byte> ip)
{
    for (std::size_t j = 0; j < _eng.shard_count(); ++j) {
        if (j == index)
            continue;
        auto h = slabs.alloc(ip.size());
        if (!h) {
            ++bus_no_slab;
            continue;
        }
        std::memcpy(slabs.data(*h).data(), ip.data(), ip.size());
        bus_msg m;
        m.kind = bus_msg::replica;
        m.port = port;
        m.len = static_cast<std::uint16_t>(ip.size());
        m.addr = prev;
        m.slab = *h;
        if (!_eng.to(index, j).try_push(m)) {
            ++bus_full;
            slabs.free(*h);
            continue;
        }
        ++bus_sent;
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = write(_eng.runtime(j).wake_fd, &one, sizeof(one));
    }
}

void shard_runtime::segment(time_point, dsr::addr from, frame_addr frame, std::span<const std::byte> seg)
{
    auto h = seg.size() <= 0xffff ? slabs.alloc(seg.size()) : std::nullopt;
    if (!h) {
        ++bus_no_slab;
        io->frames().release(frame);
        return;
    }
    std::memcpy(slabs.data(*h).data(), seg.data(), seg.size());
    io->frames().release(frame);
    bus_msg m;
    m.kind = bus_msg::transport_segment;
    m.len = static_cast<std::uint16_t>(seg.size());
    m.addr = from;
    m.slab = *h;
    if (!_eng.to(index, 0).try_push(m)) {
        ++bus_full;
        slabs.free(*h);
        return;
    }
    ++bus_sent;
    std::uint64_t one = 1;
    [[maybe_unused]] auto r = write(_eng.runtime(0).wake_fd, &one, sizeof(one));
}

// A message about one address to every other shard. `wake`: also wake a
// sleeping shard (a syscall per shard); without it the message waits for the
// shard's next turn, at most its 100 ms sleep.
void shard_runtime::broadcast(bus_msg::kind_t kind, dsr::addr addr, bool wake)
{
    for (std::size_t j = 0; j < _eng.shard_count(); ++j) {
        if (j == index)
            continue;
        bus_msg m;
        m.kind = kind;
        m.addr = addr;
        if (!_eng.to(index, j).try_push(m)) {
            ++bus_full;
            continue;
        }
        ++bus_sent;
        if (!wake)
            continue;
        std::uint64_t one = 1;
        [[maybe_unused]] auto r = write(_eng.runtime(j).wake_fd, &one, sizeof(one));
    }
}

// Not urgent (a link lifetime is seconds): no wake-up per used route.
void shard_runtime::route_used(dsr::addr dst) { broadcast(bus_msg::route_used, dst, false); }

void shard_runtime::broadcast_neighbour_lost(dsr::addr nb) { broadcast(bus_msg::neighbour_lost, nb, true); }

std::size_t shard_runtime::drain_bus(time_point now)
{
    std::size_t work = 0;
    for (std::size_t j = 0; j < _eng.shard_count(); ++j) {
        if (j == index)
            continue;
        // Slabs we sent that shard j is done with.
        while (auto m = _eng.back(j, index).try_pop())
            slabs.free(m->slab);
        // Messages from shard j.
        while (auto m = _eng.to(j, index).try_pop()) {
            ++work;
            ++bus_received;
            applying_remote = true;
            if (m->kind == bus_msg::transport_segment) {
                auto& src = _eng.runtime(j).slabs;
                if (transport)
                    transport->segment_copy(now, m->addr, src.data(m->slab).first(m->len));
                _eng.back(index, j).try_push(*m);
            } else if (m->kind == bus_msg::replica) {
                auto& src = _eng.runtime(j).slabs;
                sh->receive_replica(now, m->port, m->addr, src.data(m->slab).first(m->len));
                // Hand the slab back to its owner (the ring back is as deep as
                // the ring out, so it cannot be full).
                _eng.back(index, j).try_push(*m);
            } else if (m->kind == bus_msg::route_used) {
                sh->core().touch_route(now, m->addr);
            } else {
                sh->remote_neighbour_lost(now, m->addr);
            }
            applying_remote = false;
        }
    }
    return work;
}
} // namespace
} // namespace babe::engine

namespace babe::engine {

std::unique_ptr<engine_handle> make_engine(const config::babed_config& cfg, const engine_context& ctx)
{
    return std::make_unique<engine_impl>(cfg, ctx);
}

} // namespace babe::engine
