// SPDX-License-Identifier: Apache-2.0
// The engine's data path set-up: load or reuse the pinned XDP object, attach
// it to every mesh interface and the babe0 peer, write the node's config
// into the kernel, and open one AF_XDP packet_io per shard; or, without XDP
// (by config, or when it cannot be set up and the config says auto), raw
// AF_PACKET sockets, routes and neighbours in memory and one shard. Also the
// host-side settings the data path needs (offloads off on babe0, IPv4
// forwarding off for AF_PACKET) and the ports' carrier. Throws engine_error.
#pragma once

#include "core/unique_fd.hh"
#include "dataplane/loader.hh"
#include "dataplane/memory_maps.hh"
#include "dataplane/redirect_errors.hh"
#include "engine/api.hh"
#include "engine/shard.hh"
#include "engine/xdp_attach.hh"

#include <sys/socket.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace babe::engine {

class data_path {
public:
    data_path(const settings& cfg, const engine_context& ctx);
    ~data_path();
    data_path(const data_path&) = delete;
    data_path& operator=(const data_path&) = delete;

    // Sets the data path up; one packet_io per shard (queue k is shard k's).
    std::vector<std::unique_ptr<packet_io>> open();
    // Our sockets out of the XSKMAP before the shards stop reading them: a
    // neighbour's Ack Request is then answered by XDP (bpf/lib/ack.h) until
    // the next babed binds its own, instead of waiting in the RX ring of a
    // stopping shard until the neighbour declares the link broken.
    void release_xsk_slots(std::size_t shards);
    // Lets the XDP object go: pinned maps and links stay, so transit keeps
    // flowing until the next babed reuses them.
    void close_xdp();

    // The routes and neighbours: the kernel's maps, or memory (AF_PACKET).
    dataplane::map_access& maps();
    bool xdp() const { return _loader != nullptr; }
    const std::vector<port_info>& ports() const { return _ports; }
    const std::string& attached_mode() const { return _attached_mode; }
    const std::string& backend() const { return _backend; }
    bool maps_reused() const { return _maps_reused; }

    // A mesh port whose carrier dropped loses its neighbours at once in
    // `first`'s core (a radio link that fails silently is found by probes
    // instead); a carrier back has them probed.
    void check_carriers(time_point now, shard& first);
    // A redirect target changed (netdev notifications): maybe another XDP
    // mode (xdp_attach.hh).
    void recheck_redirect_targets();
    // Redirect failures per interface (xdp tracepoints), when counted.
    const dataplane::redirect_errors* redirect_errors() const { return _redirect_errors.get(); }

private:
    std::size_t start_xdp();
    std::size_t start_afpacket();
    void undo_xdp();
    void detach_pinned();
    void log_load_timing(const dataplane::load_timing& t);
    std::unique_ptr<packet_io> open_afxdp(std::size_t queue);
    void phase(std::string_view name) const;

    const settings& _cfg;
    const engine_context& _ctx;
    std::unique_ptr<dataplane::xdp_loader> _loader;
    std::unique_ptr<dataplane::redirect_errors> _redirect_errors; // afxdp: xdp tracepoint counts
    std::unique_ptr<xdp_attach> _xdp_attach;                     // afxdp: the programs' mode
    std::unique_ptr<dataplane::memory_maps> _mem_maps; // AF_PACKET: no kernel maps
    std::vector<std::unique_ptr<packet_io>> _ios;      // opened, not yet given to shards
    std::vector<port_info> _ports;
    std::string _attached_mode;
    std::string _backend;
    bool _maps_reused = false;
    std::vector<bool> _carrier;
    unique_fd _ioctl_fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
};

} // namespace babe::engine
