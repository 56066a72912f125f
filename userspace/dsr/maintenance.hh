// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Maintenance (RFC 4728 §8.3.1-8.3.5): every packet sent to a next
// hop waits in the maintenance buffer until the hop is confirmed (a passive
// acknowledgement, an Acknowledgement, link-layer feedback or "heard from"
// evidence) or retransmitted up to MaxMaintRexmt times; then the link is
// broken: Route Errors to the sources, salvage or another route, the
// link_broken event. Also the receiving side: Acknowledgement Requests
// answered, Acknowledgements and Route Errors taken in, the neighbours'
// Ack round trips estimated, probes of links the core does not see.
#pragma once

#include <cstdint>
#include <optional>

#include "dsr/feedback_queue.hh"
#include "dsr/maint_buffer.hh"
#include "dsr/node_state.hh"
#include "dsr/packet_context.hh"

namespace babe::dsr {

class discovery;
class salvage;
class transmitter;

class maintenance {
public:
    maintenance(node_state& state, transmitter& out, salvage& salvaging,
                discovery& route_discovery);

    maint_buffer& buffer() { return _buffer; }
    const maint_buffer& buffer() const { return _buffer; }

    // Send `rec` to next_hop with Route Maintenance for that hop. `rec` goes
    // without its Acknowledgement Request (one is added when needed); the
    // record is copied where it is kept, not on the way.
    void send(time_point now, const packet_record& rec, addr next_hop);
    // node::probe_neighbour.
    void probe(time_point now, addr neighbour);
    // An entry's frame was handed to the caller: now it waits.
    void transmitted(time_point now, maint_buffer::entry& e);

    // ---- receiving (§8.3.3, §8.3.5) ----
    // Route Errors: every node that sees one forgets the link.
    void take_route_errors(time_point now, const packet_context& ctx);
    // Acknowledgements for this node.
    void take_acks(time_point now, const packet_context& ctx);
    // An overheard packet is the passive acknowledgement of one we sent.
    void take_passive_ack(time_point now, const packet_context& ctx);
    // Acknowledge the hop that reached us.
    void answer_ack_request(time_point now, const packet_context& ctx);

    // ---- other evidence and failures ----
    void link_feedback(time_point now, addr next_hop, link_status status);
    void heard(time_point now, addr neighbour, link_id in);
    // Route Maintenance failed for the link self -> next_hop (§8.3.4).
    void link_failed(time_point now, addr next_hop);
    // Retransmissions and failures due by now.
    void timeouts(time_point now);

    // Hop-by-hop recovery applies to `rec`.
    bool hop_reliable(const packet_record& rec) const
    {
        return _state.cfg.hop_reliable_next_header != 0 &&
               rec.next_header == _state.cfg.hop_reliable_next_header && rec.payload_len > 0 &&
               !rec.no_hop_recovery;
    }
    std::uint16_t next_ack_id = 0;

private:
    // (Re)transmit an entry: passive first when the next hop forwards the
    // packet (§8.3.3), then with an Acknowledgement Request.
    void arm(time_point now, maint_buffer::entry& e);
    void confirm(time_point now, maint_buffer::entry& e);
    void link_confirmed(time_point now, addr n);
    duration ack_timeout(addr nb, bool hop_reliable) const;
    void rtt_sample(neighbour_table::entry& n, duration r);
    // Blacklist next_hop when the failure shows a unidirectional link (§4.6).
    void note_unidirectional(time_point now, addr next_hop);
    // Route Errors, salvage and rerouting for every packet waiting on next_hop.
    void fail_waiting(time_point now, addr next_hop);
    // One packet whose next hop is known unreachable: a Route Error to its
    // source (unless already sent for this break) and salvage, or, for our
    // own, another route.
    void fail_packet(time_point now, packet_record rec, addr next_hop, bool error = true);
    void send_route_error(time_point now, const packet_record& failed, addr unreachable);
    // A frame sent before a break already handled failed too.
    bool failed_before_break(time_point now, addr next_hop,
                             const std::optional<feedback_queue::frame>& frame,
                             maint_buffer::entry* e);

    node_state& _state;
    transmitter& _transmitter;
    salvage& _salvage;
    discovery& _discovery;
    maint_buffer _buffer;
};

} // namespace babe::dsr
