// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The node's way out: frames queued for poll_transmit (each due now or
// after a delay), written to the caller's buffer when due, and the frames
// sent with want_link_feedback whose feedback is still to come. A frame of
// a maintenance-buffer entry is sent only while that entry still wants it
// (confirmed, failed or re-armed entries leave stale frames behind).
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "dsr/feedback_queue.hh"
#include "dsr/maint_buffer.hh"
#include "dsr/node_state.hh"
#include "dsr/tx_queue.hh"

namespace babe::dsr {

class maintenance;

class transmitter {
public:
    transmitter(node_state& state, maint_buffer& maint_entries, maintenance& route_maintenance);

    // Queue a frame. maint == nullptr: the frame owns rec.handle (released
    // once sent). no_ack_req: queue it without rec's Acknowledgement Request.
    // False (dropped, counted) when the queue is full.
    bool queue(time_point due, const packet_record& rec, addr next_hop,
               maint_buffer::entry* maint = nullptr, bool no_ack_req = false);
    // A Route Reply from the cache, delayed against reply storms (§8.2.4):
    // cancelled when a shorter reply to the same discovery is overheard.
    bool queue_cached_reply(time_point due, const packet_record& rec, addr next_hop, addr initiator,
                            addr target, std::uint8_t hops);
    // Cancel the cached replies for (initiator, target) longer than `hops`.
    void cancel_longer_replies(addr initiator, addr target, std::size_t hops);
    // Cached replies waiting.
    std::size_t replies_waiting();

    // node::poll_transmit.
    bool poll(time_point now, std::span<std::byte> out, transmit& t);
    // The oldest frame to next_hop still waiting for its link-layer feedback.
    std::optional<feedback_queue::frame> take_feedback(addr next_hop)
    {
        return _feedback.take(next_hop);
    }

    std::optional<time_point> next_due() const { return _queue.next_due(); }
    std::size_t size() const { return _queue.size(); }

private:
    tx_item* push(time_point due, const packet_record& rec, addr next_hop,
                  maint_buffer::entry* maint, bool no_ack_req);
    // The maintenance entry of `it`, nullptr when it has none; `stale` when
    // the entry no longer wants this frame.
    maint_buffer::entry* entry_of(const tx_item& it, bool& stale);
    // `it` could not be written: dropped, counted.
    void refuse(tx_item& it, maint_buffer::entry* e);
    void fill(transmit& t, const tx_item& it, std::size_t length);

    node_state& _state;
    maint_buffer& _maint_buffer;
    maintenance& _maintenance;
    tx_queue _queue;
    feedback_queue _feedback;
};

} // namespace babe::dsr
