// SPDX-License-Identifier: Apache-2.0
// Which interfaces can be native XDP redirect targets, and the attach mode
// that follows. A devmap redirect from a native XDP program hands the frame
// to the target's ndo_xdp_xmit; a device without one (every mac80211 Wi-Fi
// driver; a veth whose peer runs no NAPI: no XDP program and GRO off) drops
// every such frame, silently but for the xdp:xdp_devmap_xmit tracepoint.
// Generic XDP redirects through the target's normal transmit path instead,
// which every device has. The kernel publishes each device's features over
// the `netdev` generic-netlink family (Linux >= 6.3; the ndo-xmit bit, which
// veth updates as its peer changes); netdev_family reads them with libmnl.
#pragma once

#include "dataplane/loader.hh"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace babe::dataplane {

// The netdev family on this network namespace's generic netlink.
class netdev_family {
public:
    // nullptr when the kernel has no netdev family (before 6.3) or generic
    // netlink cannot be opened; `why` says which.
    static std::unique_ptr<netdev_family> open(std::string& why);
    ~netdev_family();
    netdev_family(const netdev_family&) = delete;
    netdev_family& operator=(const netdev_family&) = delete;

    // The device's netdev_xdp_act bits (netdev_genl.hh), or nullopt when the
    // kernel does not answer for it.
    std::optional<std::uint64_t> xdp_features(std::uint32_t ifindex);

    // Subscribes to the family's device notifications on a second socket:
    // notify_fd() becomes readable when a device is added, removed or
    // changed (a veth's features follow its peer). False when refused.
    bool subscribe();
    int notify_fd() const;
    // Reads every pending notification (non-blocking); true when one came.
    bool drain_notifications();

private:
    netdev_family() = default;
    struct sockets;
    std::unique_ptr<sockets> _s;
    std::uint16_t _family_id = 0;
    std::uint32_t _mgmt_group = 0;
    std::uint32_t _seq = 0;
};

// One interface XDP may redirect into, with what the kernel said of it.
struct redirect_target {
    std::string ifname;
    std::optional<std::uint64_t> xdp_features; // nullopt: not published
};

// The mode to attach every program in and why.
struct attach_plan {
    xdp_mode mode = xdp_mode::automatic;
    std::vector<std::string> not_native_targets; // interfaces without ndo-xmit
    std::string reason;                          // "" when nothing to say
    bool warn = false;                           // the plan leaves redirects failing
};

// `requested` is xdp.mode. auto: generic on every interface when any
// target cannot take natively redirected frames (any ingress may redirect
// into any mesh interface, so a native program anywhere would meet it);
// native: kept, with a warning naming those targets; generic: kept.
attach_plan plan_attach_mode(xdp_mode requested, const std::vector<redirect_target>& targets);

} // namespace babe::dataplane
