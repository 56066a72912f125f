// SPDX-License-Identifier: Apache-2.0
// The engine's data path set-up (see bootstrap.hh).
#include "engine/bootstrap.hh"

#include "core/unique_fd.hh"
#include "dataplane/ipv4_conf.hh"
#include "dataplane/memory_maps.hh"
#include "dataplane/queues.hh"
#include "engine/afpacket_io.hh"
#include "engine/afxdp_io.hh"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace babe::engine {

namespace {

mac_addr interface_mac(const std::string& ifname)
{
    mac_addr mac{};
    unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
    if (!fd || ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0)
        throw engine_error(fmt::format("cannot read the MAC address of {}", ifname));
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
    unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw engine_error("cannot open a socket for ethtool");
    for (std::uint32_t cmd : {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_STXCSUM}) {
        ethtool_value v{cmd, 0};
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
        ifr.ifr_data = reinterpret_cast<char*>(&v);
        if (ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0 && errno != EOPNOTSUPP) {
            int err = errno;
            throw engine_error(fmt::format("cannot turn off offloads on {}: {}", ifname,
                                                   std::strerror(err)));
        }
    }
}

// Already 0 (an init container may have set it): nothing written; where
// /proc/sys is read-only (a container), through rtnetlink.
void no_ip_forwarding(const std::string& ifname)
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

} // namespace

data_path::data_path(const settings& cfg, const engine_context& ctx) : _cfg(cfg), _ctx(ctx) {}

data_path::~data_path() = default;

void data_path::phase(std::string_view name) const
{
    if (_ctx.phase)
        _ctx.phase(name);
}

dataplane::map_access& data_path::maps() { return _loader ? _loader->maps() : *_mem_maps; }

std::vector<std::unique_ptr<packet_io>> data_path::open()
{
    // XDP + AF_XDP, or AF_PACKET with no XDP at all (by config, or when XDP
    // or AF_XDP cannot be set up and the config says auto). Never a half of
    // each: XDP programs with no socket behind their XSKMAP would drop every
    // miss and control packet.
    if (_cfg.backend != "afpacket") {
        try {
            start_xdp();
        } catch (const engine_error& e) {
            if (_cfg.backend == "afxdp")
                throw;
            spdlog::warn("XDP data path unavailable ({}); falling back to AF_PACKET", e.what());
            undo_xdp();
        }
    }
    if (!_loader)
        start_afpacket();
    return std::move(_ios);
}

void data_path::close_xdp()
{
    _xdp_attach.reset();
    _loader.reset();
}

void data_path::recheck_redirect_targets()
{
    if (!_xdp_attach)
        return;
    _xdp_attach->recheck();
    _attached_mode = _xdp_attach->attached();
}

void data_path::release_xsk_slots(std::size_t shards)
{
    if (_backend != "afxdp" || shards == 0)
        return;
    unique_fd xsks(bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSKS).c_str()));
    if (!xsks)
        return;
    for (std::size_t p = 0; p < _ports.size(); ++p)
        for (std::size_t q = 0; q < shards; ++q) {
            auto slot = static_cast<std::uint32_t>(p * BABE_XSK_QUEUES_PER_IF + q);
            bpf_map_delete_elem(xsks.get(), &slot);
        }
}

// XDP on every mesh interface and the local peer, the node's config in
// the kernel, one AF_XDP packet_io per shard in _ios. Returns the shard
// count; throws engine_error (the caller undoes what was done).
std::size_t data_path::start_xdp()
{
    dataplane::loader_options lo;
    lo.pin_path = _cfg.pin_path;
    lo.mount_bpffs = true;
    auto loaded = dataplane::xdp_loader::load(lo);
    // Pins babed would misread: fatal, not a fall-back to AF_PACKET that
    // would hide the upgrade problem (docs/dataplane.md "Upgrades").
    if (!loaded && loaded.error().code == dataplane::errc::map_mismatch)
        throw std::runtime_error(dataplane::describe(loaded.error()));
    if (!loaded)
        throw engine_error(dataplane::describe(loaded.error()));
    _loader = std::move(loaded.value());
    for (const auto& note : _loader->pin_notes())
        spdlog::info("pinned maps under {}: {}", _cfg.pin_path, note);
    log_load_timing(_loader->timing());
    auto mode = dataplane::parse_xdp_mode(_cfg.xdp_mode);
    if (!mode)
        throw engine_error(dataplane::describe(mode.error()));
    _maps_reused = _loader->reused_maps();

    // Ports: every mesh interface, then the local peer; the programs in the
    // mode the redirect targets allow (xdp_attach.hh).
    std::vector<xdp_attach::port> attach_ports;
    for (const auto& name : _cfg.mesh_interfaces) {
        _ports.push_back(port_info{name, interface_index(name), interface_mac(name), false});
        attach_ports.push_back({name, dataplane::xdp_role::mesh_ingress});
        if (auto t = maps().put_tx_port(_ports.back().ifindex); !t)
            throw engine_error(dataplane::describe(t.error()));
    }
    disable_offloads(_ctx.local_ifname);
    _ports.push_back(port_info{_ctx.peer_ifname, _ctx.peer_ifindex, interface_mac(_ctx.peer_ifname), true});
    attach_ports.push_back({_ctx.peer_ifname, dataplane::xdp_role::local_egress});
    if (_ports.size() > max_ports)
        throw engine_error(fmt::format("at most {} interfaces", max_ports - 1));
    std::string why;
    _redirect_errors = dataplane::redirect_errors::open(why);
    if (!_redirect_errors)
        spdlog::warn("redirect failures not counted (xdp tracepoints): {}", why);
    _xdp_attach = std::make_unique<xdp_attach>(*_loader, *mode, std::move(attach_ports));
    _xdp_attach->attach_all();
    _attached_mode = _xdp_attach->attached();
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

    // One shard per RX queue that every port has (queue q is shard q's);
    // babe0 was given that many queues (daemon/local_link).
    std::size_t want = _cfg.shards ? _cfg.shards : std::max(1u, std::thread::hardware_concurrency());
    std::size_t n = std::min(dataplane::xsk_shard_count(_cfg.shards, _cfg.mesh_interfaces),
                             dataplane::rx_queue_count(_ctx.peer_ifname));
    if (n < want)
        spdlog::info("{} shard(s): every interface has {} RX queue(s) ({} asked)", n, n, want);
    for (std::size_t q = 0; q < n; ++q) {
        _ios.push_back(open_afxdp(q));
        phase(fmt::format("AF_XDP queue {}: UMEM and {} socket(s)", q, _ports.size()));
    }
    _backend = "afxdp";
    return n;
}

// The BPF object's load, phase by phase (debug level).
void data_path::log_load_timing(const dataplane::load_timing& t)
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
void data_path::undo_xdp()
{
    _ios.clear();
    _xdp_attach.reset();
    _loader.reset();
    detach_pinned();
    _ports.clear();
    _attached_mode.clear();
    _maps_reused = false;
}

// Links pinned by an earlier run (or this one) on our interfaces.
void data_path::detach_pinned()
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
std::size_t data_path::start_afpacket()
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

std::unique_ptr<packet_io> data_path::open_afxdp(std::size_t queue)
{
    // afxdp_io only writes its sockets into these maps: they stay ours.
    unique_fd xsks(bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSKS).c_str()));
    unique_fd slots(bpf_obj_get((_cfg.pin_path + "/" BABE_MAP_XSK_SLOTS).c_str()));
    if (!xsks || !slots)
        throw engine_error("the pinned xsks/xsk_slots maps are missing");
    std::vector<afxdp_port> ap;
    for (std::size_t p = 0; p < _ports.size(); ++p)
        ap.push_back(afxdp_port{_ports[p].name, xsks.get(), slots.get(), static_cast<std::uint32_t>(p * BABE_XSK_QUEUES_PER_IF)});
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
    if (!io)
        throw engine_error(fmt::format("AF_XDP sockets: {}", error));
    return io;
}

// A mesh port whose carrier dropped loses its neighbours at once
// (a radio link that fails silently is found by probes instead).
void data_path::check_carriers(time_point now, shard& first)
{
    if (_carrier.size() != _ports.size())
        _carrier.assign(_ports.size(), true);
    for (std::size_t p = 0; p < _ports.size(); ++p) {
        if (_ports[p].local)
            continue;
        ifreq ifr{};
        std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", _ports[p].name.c_str());
        bool up = _ioctl_fd && ioctl(_ioctl_fd.get(), SIOCGIFFLAGS, &ifr) == 0 &&
                  (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
        if (_carrier[p] && !up) {
            spdlog::warn("{}: carrier lost; its neighbours are unreachable", _ports[p].name);
            first.port_down(now, static_cast<port_id>(p));
        } else if (!_carrier[p] && up) {
            spdlog::info("{}: carrier back; probing its neighbours", _ports[p].name);
            first.port_up(now, static_cast<port_id>(p));
        }
        _carrier[p] = up;
    }
}

} // namespace babe::engine
