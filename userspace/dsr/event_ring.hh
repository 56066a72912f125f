// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The node's events waiting for poll_event, one emitter per kind: each
// writes its event in place in the ring (an event built on the stack and
// copied in stalled on its own stores). Up to `limit` events are kept; past
// it only events that carry a handle are, into a reserve sized so that
// handles are never lost. What the ring refuses is counted.
#pragma once

#include <cstddef>
#include <optional>

#include "core/ring.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class event_ring {
public:
    event_ring(std::size_t limit, std::size_t capacity, counters& stats)
        : _ring(capacity), _limit(limit), _stats(stats)
    {
    }

    void route_changed(addr dst, const route& r);
    void route_removed(addr dst);
    void link_broken(addr from, addr to);
    void delivered(std::optional<packet_handle> h, std::uint32_t payload_offset,
                   std::uint8_t protocol, addr src);
    void discovery_done(addr dst, duration latency);
    void discovery_failed(addr dst, duration latency);
    // One per data packet sent or dropped.
    void dropped(std::optional<packet_handle> h, drop_reason why)
    {
        if (event* e = slot(h.has_value())) {
            e->kind = event_kind::dropped;
            e->handle = h;
            e->reason = why;
        }
    }
    // Nothing without a handle.
    void released(std::optional<packet_handle> h)
    {
        if (!h)
            return;
        if (event* e = slot(true)) {
            e->kind = event_kind::released;
            e->handle = h;
        }
    }

    std::optional<event> poll() { return _ring.try_pop(); }
    std::size_t size() const { return _ring.size(); }

private:
    // The next slot, cleared, or nullptr (counted) when there is no room.
    event* slot(bool carries_handle)
    {
        if (!carries_handle && _ring.size() >= _limit) {
            ++_stats.event_queue_overflows;
            return nullptr;
        }
        event* e = _ring.push_slot();
        if (!e) {
            ++_stats.event_queue_overflows;
            return nullptr;
        }
        *e = event{};
        return e;
    }

    ring<event> _ring;
    std::size_t _limit;
    counters& _stats;
};

} // namespace babe::dsr
