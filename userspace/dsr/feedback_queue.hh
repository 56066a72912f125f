// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Frames sent with want_link_feedback, oldest first: link-layer feedback for
// a neighbour arrives in the order its frames were sent, so each feedback
// call belongs to the oldest outstanding frame to that hop. Bounded: when
// full, the oldest frame is forgotten (its feedback then finds no frame).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/ring.hh"
#include "core/time.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class feedback_queue {
public:
    struct frame {
        addr next_hop = no_addr;      // no_addr: consumed
        std::int32_t maint_slot = -1; // maintenance entry, or -1
        std::uint32_t maint_gen = 0;
        time_point sent{};
    };

    explicit feedback_queue(std::size_t capacity) : _frames(capacity) {}

    void push(const frame& f)
    {
        if (_frames.full())
            _frames.pop_front();
        _frames.push_back(f);
    }

    // The oldest outstanding frame to next_hop, consumed.
    std::optional<frame> take(addr next_hop)
    {
        std::optional<frame> found;
        for (std::size_t k = 0; k < _frames.size(); ++k) {
            frame& f = _frames[k];
            if (f.next_hop == next_hop) {
                found = f;
                f.next_hop = no_addr;
                break;
            }
        }
        while (!_frames.empty() && _frames.front().next_hop == no_addr)
            _frames.pop_front();
        return found;
    }

private:
    ring<frame> _frames;
};

} // namespace babe::dsr
