// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The Send Buffer of RFC 4728 §4.2: locally originated packets waiting for a
// Route Discovery, held by handle (headers described, payload never copied),
// each for at most SendBufferTimeout. Fixed capacity; when full the oldest
// packet is dropped to make room (FIFO, counted). The node re-examines it
// whenever the route cache gains a route.
#pragma once

#include <optional>
#include <vector>

#include "dsr/config.hh"
#include "dsr/packet.hh"

namespace babe::dsr {

class send_buffer {
public:
    struct entry {
        packet_record rec;
        time_point enqueued{};
        std::uint64_t seq = 0;
        bool used = false;
    };

    explicit send_buffer(const config& cfg);

    // Stores `rec`; when full, the oldest entry is moved to *evicted first.
    void push(time_point now, const packet_record& rec, std::optional<packet_record>* evicted);
    bool empty() const { return _used == 0; }
    std::size_t size() const { return _used; }
    bool contains_dst(addr dst) const;
    std::optional<time_point> next_deadline() const;
    // Visit entries oldest first; `f(entry&)` returns true to remove the entry.
    template <class F>
    void drain_if(F&& f)
    {
        // Entries in insertion order: seq order. Small table: repeated min scans.
        if (_used == 0)
            return;
        std::uint64_t after = 0;
        bool first = true;
        for (;;) {
            entry* next = nullptr;
            for (auto& e : _entries)
                if (e.used && (first || e.seq > after) && (!next || e.seq < next->seq))
                    next = &e;
            if (!next)
                return;
            first = false;
            after = next->seq;
            if (f(*next)) {
                next->used = false;
                --_used;
            }
        }
    }

private:
    const config& _cfg;
    std::vector<entry> _entries;
    std::size_t _used = 0;
    std::uint64_t _seq = 0;
};

} // namespace babe::dsr
