// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transmit queue: frames waiting for poll_transmit, each due at a time
// (now, or later for BroadcastJitter and the §8.2.4 reply delay), served in
// (due, insertion order) so that output is deterministic. Cached Route
// Replies still waiting can be cancelled when a shorter reply for the same
// discovery is overheard.
//
// Two structures over one fixed pool of items: a FIFO takes every item due
// no earlier than the FIFO's last (the common case: data sent now, in
// order), a binary min-heap the others (a jittered broadcast followed by
// frames due sooner); the front is the smaller of their fronts, so the
// order is exactly that of one heap, without its sifting per packet.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/ring.hh"
#include "dsr/config.hh"
#include "dsr/packet.hh"

namespace babe::dsr {

// Everything of a queued item but its record.
struct tx_item_fields {
    time_point due{};
    std::uint64_t seq = 0;
    link_id link = 0;
    addr next_hop = broadcast;
    bool want_feedback = false;
    // The maintenance-buffer entry this transmission belongs to (it owns the
    // handle), or -1: then the item owns rec.handle and releases it once sent.
    std::int32_t maint_slot = -1;
    std::uint32_t maint_gen = 0;
    // A delayed cached reply (§8.2.4): cancellable by a shorter one overheard.
    bool cancellable = false;
    bool cancelled = false;
    addr reply_initiator = no_addr, reply_target = no_addr;
    std::uint8_t reply_hops = 0;
};

struct tx_item : tx_item_fields {
    packet_record rec; // assigned by whoever pushed the item
};

class tx_queue {
public:
    explicit tx_queue(std::size_t capacity);

    // nullptr when full; otherwise a slot to fill, queued at `due` (every
    // field reset but `rec`, which the caller assigns).
    tx_item* push(time_point due);
    // The earliest item, if due by `now`; it stays reserved until pop_done().
    tx_item* front_due(time_point now);
    void pop_front();
    std::optional<time_point> next_due() const;
    // Visit every queued item (cancellation, maintenance failure).
    template <class F>
    void for_each(F&& f)
    {
        for (std::size_t i = 0; i < _heap_size; ++i)
            f(_items[_heap[i]]);
        for (std::size_t i = 0; i < _fifo.size(); ++i)
            f(_items[_fifo[i]]);
    }
    std::size_t size() const { return _heap_size + _fifo.size(); }
    bool full() const { return size() == _items.size(); }

private:
    bool less(std::uint32_t a, std::uint32_t b) const;
    void sift_up(std::size_t i);
    void sift_down(std::size_t i);
    // The front item's index, and whether it heads the FIFO; size() > 0.
    std::uint32_t front_index(bool& in_fifo) const;

    std::vector<tx_item> _items;
    std::vector<std::uint32_t> _heap; // item indices
    ring<std::uint32_t> _fifo;        // item indices in (due, seq) order
    std::vector<std::uint32_t> _free;
    std::size_t _heap_size = 0;
    std::uint64_t _seq = 0;
};

} // namespace babe::dsr
