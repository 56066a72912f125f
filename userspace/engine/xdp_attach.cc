// SPDX-License-Identifier: Apache-2.0
// xdp_attach (see xdp_attach.hh).
#include "engine/xdp_attach.hh"

#include "engine/api.hh"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <net/if.h>
#include <spdlog/spdlog.h>

namespace babe::engine {

xdp_attach::xdp_attach(dataplane::xdp_loader& loader, dataplane::xdp_mode requested, std::vector<port> ports)
    : _loader(loader), _requested(requested), _ports(std::move(ports))
{
    std::string why;
    _netdev = dataplane::netdev_family::open(why);
    if (!_netdev) {
        spdlog::warn("XDP redirect targets not checked: {}; a mesh interface that cannot take natively "
                     "redirected frames would drop them (xdp.mode generic avoids it)",
                     why);
        return;
    }
    if (!_netdev->subscribe())
        spdlog::warn("no netdev notifications: XDP redirect targets are checked at start only");
}

xdp_attach::~xdp_attach() = default;

// Every mesh interface is a redirect target (transit and local egress send
// there); babe0's peer is not (the engine's AF_XDP TX feeds it).
dataplane::attach_plan xdp_attach::plan()
{
    std::vector<dataplane::redirect_target> targets;
    if (_netdev)
        for (const auto& p : _ports) {
            if (p.role != dataplane::xdp_role::mesh_ingress)
                continue;
            unsigned idx = if_nametoindex(p.ifname.c_str());
            targets.push_back({p.ifname, idx ? _netdev->xdp_features(idx) : std::nullopt});
        }
    return dataplane::plan_attach_mode(_requested, targets);
}

void xdp_attach::attach_in(dataplane::xdp_mode mode, dataplane::xdp_mode local_egress)
{
    std::string native, generic;
    for (const auto& p : _ports) {
        const auto m = p.role == dataplane::xdp_role::local_egress ? local_egress : mode;
        auto r = _loader.attach(p.role, p.ifname, m);
        if (!r)
            throw engine_error(dataplane::describe(r.error()));
        const bool is_generic = r->attached == dataplane::xdp_mode::generic;
        std::string& list = is_generic ? generic : native;
        list += list.empty() ? p.ifname : ", " + p.ifname;
        // auto leaves the choice to the kernel, which falls back to generic
        // where the driver has no native XDP: say so.
        if (m == dataplane::xdp_mode::automatic && is_generic)
            spdlog::info("{}: no native XDP in its driver: generic XDP (xdp.mode auto)", p.ifname);
    }
    _mode = local_egress == dataplane::xdp_mode::generic ? local_egress : mode;
    _attached = native.empty() ? "generic" : generic.empty() ? "native" : "native, generic";
    if (generic.empty())
        spdlog::info("XDP native on {}", native);
    else if (native.empty())
        spdlog::info("XDP generic on {}", generic);
    else
        spdlog::info("XDP native on {}; generic on {}", native, generic);
}

void xdp_attach::log_plan(const dataplane::attach_plan& p)
{
    _last_reason = p.reason;
    if (p.reason.empty())
        return;
    if (p.warn)
        spdlog::warn("{}", p.reason);
    else
        spdlog::info("{}", p.reason);
}

void xdp_attach::attach_all()
{
    auto p = plan();
    if (_requested == dataplane::xdp_mode::automatic && p.mode == dataplane::xdp_mode::generic) {
        spdlog::info("{} {} no natively redirected frames yet: generic XDP on every interface unless that "
                     "changes within {} s (a veth can take them once its peer runs XDP); until then generic "
                     "on the local egress port, native on the mesh interfaces",
                     fmt::join(p.not_native_targets, ", "), p.not_native_targets.size() == 1 ? "takes" : "take",
                     settle_time.count());
        _lacking_since = std::chrono::steady_clock::now();
        // The mesh interfaces native so that a peer babed sees ndo-xmit;
        // local egress generic so that this node's own traffic (replies to
        // a neighbour that runs no XDP) is not lost while we wait.
        attach_in(dataplane::xdp_mode::automatic, dataplane::xdp_mode::generic);
        return;
    }
    log_plan(p);
    attach_in(p.mode);
}

void xdp_attach::recheck()
{
    if (!_netdev)
        return;
    const bool notified = _netdev->drain_notifications();
    if (!notified && !_lacking_since)
        return;
    auto p = plan();
    const auto now = std::chrono::steady_clock::now();
    try {
        if (_requested != dataplane::xdp_mode::automatic) {
            if (p.reason != _last_reason)
                log_plan(p);
        } else if (p.mode == dataplane::xdp_mode::generic && _attached != "generic") {
            if (!_lacking_since)
                _lacking_since = now;
            if (now - *_lacking_since < settle_time)
                return;
            _lacking_since.reset();
            log_plan(p);
            attach_in(dataplane::xdp_mode::generic);
        } else if (p.mode != dataplane::xdp_mode::generic && _mode == dataplane::xdp_mode::generic) {
            _lacking_since.reset();
            spdlog::info("every mesh interface takes natively redirected frames now: XDP attached again "
                         "(xdp.mode auto)");
            _last_reason.clear();
            for (const auto& port : _ports) // a link keeps its mode: new links
                (void)dataplane::detach(_loader.pin_path(), port.ifname);
            attach_in(dataplane::xdp_mode::automatic);
        } else {
            _lacking_since.reset();
        }
    } catch (const std::exception& e) {
        spdlog::error("XDP re-attach failed: {}", e.what());
    }
}

} // namespace babe::engine
