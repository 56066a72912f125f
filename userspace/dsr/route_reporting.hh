// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The routes the node reports to its caller (route_changed / route_removed,
// for the kernel's route map): the best cached route of each destination in
// use, up to `installed_routes` of them (the least recently used goes). After
// every input settle() compares them with the cache, finishes discoveries
// whose target became reachable and sends what waits in the Send Buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/u32_index.hh"
#include "dsr/node_state.hh"

namespace babe::dsr {

class discovery;
class forwarding;

class route_reporting {
public:
    route_reporting(node_state& state, discovery& route_discovery, forwarding& data_path);

    // dst is in use over r: reported when new or changed.
    void install(time_point now, addr dst, const route& r);
    // A Route Reply for this node came in: settle() finishes discoveries
    // even when it only confirmed a cached route.
    void reply_arrived() { _reply_arrived = true; }
    void settle(time_point now);

    // The reported route's next hop toward dst, or no_addr.
    addr next_hop_to(addr dst) const;
    std::size_t size() const { return _index.size(); }

private:
    struct installed {
        addr dst = no_addr;
        route r;
        time_point last_used{};
        bool used = false;
    };
    // A free slot, or the least recently used one (its route withdrawn).
    std::size_t slot_for_new();
    // Report every change of the cache's best routes.
    void compare_with_cache();

    node_state& _state;
    discovery& _discovery;
    forwarding& _forwarding;
    std::vector<installed> _reported;
    u32_index _index;            // dst -> slot
    std::uint64_t _version = 0;  // of the cache when last compared
    bool _reply_arrived = false; // since the last settle()
};

} // namespace babe::dsr
