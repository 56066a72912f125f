// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Packets whose next hop failed (RFC 4728 §8.3.6): someone else's data
// packet goes on another cached route of this node's (Salvage count + 1,
// up to MAX_SALVAGE_COUNT), our own goes on another route or back to the
// Send Buffer; control packets are given up.
#pragma once

#include "dsr/node_state.hh"

namespace babe::dsr {

class forwarding;
class maintenance;

class salvage {
public:
    salvage(node_state& state, maintenance& route_maintenance, forwarding& data_path)
        : _state(state), _maintenance(route_maintenance), _forwarding(data_path)
    {
    }

    void salvage_packet(time_point now, packet_record rec);
    void reroute_own(time_point now, packet_record rec);

private:
    node_state& _state;
    maintenance& _maintenance;
    forwarding& _forwarding;
};

} // namespace babe::dsr
