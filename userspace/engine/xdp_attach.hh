// SPDX-License-Identifier: Apache-2.0
// xdp_attach: the XDP programs on every port in one mode, chosen from
// xdp.mode and what the mesh interfaces can take (dataplane/xdp_features.hh):
// native redirects only into interfaces that advertise ndo-xmit, otherwise
// generic on every port. Logs what it chose and why, and follows the netdev
// family's device notifications (a veth's features change with its peer):
// when the choice changes, every port is attached again in the new mode.
//
// xdp.mode auto starts native wherever the driver allows and goes generic
// only when a target has lacked ndo-xmit for settle_time: a veth gains it
// when its peer attaches a native program, and two babed nodes on one veth
// pair that each went generic at once (the other end had no program yet)
// would keep each other generic for good.
#pragma once

#include "dataplane/loader.hh"
#include "dataplane/xdp_features.hh"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace babe::engine {

class xdp_attach {
public:
    struct port {
        std::string ifname;
        dataplane::xdp_role role;
    };
    xdp_attach(dataplane::xdp_loader& loader, dataplane::xdp_mode requested, std::vector<port> ports);
    ~xdp_attach();

    // Attaches every port; throws engine_error with the loader's message.
    void attach_all();
    // Called from the engine's housekeeping: re-plans after a device
    // notification; attaches again when the mode changes. Never throws.
    void recheck();
    // What runs now: "native", "generic", or "native, generic" when mixed.
    const std::string& attached() const { return _attached; }

private:
    dataplane::attach_plan plan();
    // local_egress: the mode of babe0's peer port (generic while the mesh
    // interfaces wait for a target to gain ndo-xmit), mode elsewhere.
    void attach_in(dataplane::xdp_mode mode, dataplane::xdp_mode local_egress);
    void attach_in(dataplane::xdp_mode mode) { attach_in(mode, mode); }
    void log_plan(const dataplane::attach_plan& p);

    dataplane::xdp_loader& _loader;
    dataplane::xdp_mode _requested;
    std::vector<port> _ports;
    std::unique_ptr<dataplane::netdev_family> _netdev;
    dataplane::xdp_mode _mode = dataplane::xdp_mode::automatic;
    std::string _attached;
    std::string _last_reason;
    // auto: since when a target lacks ndo-xmit while we run native
    std::optional<std::chrono::steady_clock::time_point> _lacking_since;

public:
    static constexpr std::chrono::seconds settle_time{2};
};

} // namespace babe::engine
