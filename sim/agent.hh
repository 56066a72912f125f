// SPDX-License-Identifier: Apache-2.0
// What the simulator drives on each node: the routing agent. The interface is
// the sans-IO shape of babe::dsr::node (inputs with the time, polled
// outputs), so dsr_agent wraps the real DSR core one to one; direct_agent is a
// one-hop agent with no routing at all, used to test the radio, the MAC and
// the bookkeeping independently of the core.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/time.hh"
#include "dsr/types.hh"
#include "sim/scenario.hh"

namespace babe::sim {

class agent {
public:
    virtual ~agent() = default;
    virtual void handle_packet(time_point now, dsr::addr prev_hop, std::span<const std::byte> pkt,
                               std::optional<dsr::packet_handle> h, bool overheard) = 0;
    // hop_recovery: as dsr::node::send (false for a transport's pure ACKs).
    virtual void send(time_point now, dsr::packet_handle h, std::span<const std::byte> ip_packet,
                      bool hop_recovery) = 0;
    // dsr::node::hop_room: how many more hop-recovered packets to dst the
    // next hop's window takes.
    virtual std::uint32_t hop_room(dsr::addr dst) const = 0;
    virtual void handle_link_feedback(time_point now, dsr::addr next_hop, dsr::link_status status) = 0;
    virtual void handle_timeout(time_point now) = 0;
    virtual std::optional<time_point> poll_timeout() const = 0;
    virtual std::optional<dsr::transmit> poll_transmit(time_point now, std::span<std::byte> out) = 0;
    virtual std::optional<dsr::event> poll_event() = 0;
    // Add this agent's counters (name -> value) into `sum`.
    virtual void add_counters(std::map<std::string, std::uint64_t>& sum) const = 0;
    // Reason label of a drop event (agents may have their own labels).
    virtual const char* drop_label(dsr::drop_reason r) const = 0;
};

// Make the agent of one node. Returns nullptr for an agent this build lacks
// (dsr when the core library is not built).
std::unique_ptr<agent> make_agent(agent_kind kind, const scenario& sc, dsr::addr self,
                                  std::uint64_t seed);
bool have_dsr_core();

} // namespace babe::sim
