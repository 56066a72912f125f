// SPDX-License-Identifier: Apache-2.0
// babe0, the local side of the mesh: a veth pair `babe0` <-> `babe0p` (names
// from the config). The host side babe0 carries the node address as /32 and
// the route to the mesh prefix (scope link, src = node address), with ARP
// off (the peer has no addresses to answer: babe_local_egress on babe0p
// rewrites Ethernet anyway). Applications' packets for the mesh thus enter
// babe0, cross to babe0p and meet XDP there. Reverse-path filtering is set
// to loose on babe0 and the mesh interfaces, since packets from mesh nodes
// arrive on a mesh interface while their route points into babe0.
//
// Idempotent: an existing pair is reused and brought to the configured
// state (restart without loss); nothing is removed on exit.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "config/babed_config.hh"

namespace babe::daemon {

struct local_link {
    std::uint32_t local_ifindex = 0;
    std::uint32_t peer_ifindex = 0;
    std::array<std::uint8_t, 6> local_mac{};
    bool created = false; // false: an existing pair was reused
};

// Throws std::runtime_error with what failed (netlink errors by name).
local_link setup_local_link(const config::babed_config& cfg);

} // namespace babe::daemon
