// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Neighbours of this node: which link each was heard on, when it was last
// heard, and when this node last had a link to it confirmed (§8.3: within
// MaintHoldoffTime of a confirmation no new one is asked for). Fixed
// capacity, indexed by address; when full the least recently heard entry is
// replaced (counted).
#pragma once

#include <array>
#include <vector>

#include "core/u32_index.hh"
#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class neighbour_table {
public:
    struct entry {
        addr a = no_addr;
        link_id link = 0;
        bool used = false;
        std::optional<time_point> last_heard;
        std::optional<time_point> last_confirmed; // this node -> neighbour works
        std::optional<time_point> lost_at; // Route Maintenance failed then; cleared when heard again
        // Round trips of our Acknowledgement Requests to it (RFC 6298's
        // estimator; none yet while rtt_samples == 0).
        duration srtt{}, rttvar{};
        std::uint32_t rtt_samples = 0;
        // The latest Acknowledgement Request ids it asked us for, newest
        // first, and when (ack_redundancy repeats them in our Acks).
        std::array<std::uint16_t, 3> asked_ids{};
        std::array<time_point, 3> asked_at{};
        std::uint8_t n_asked = 0;
    };

    neighbour_table(const config& cfg, counters& stats)
        : _stats(stats), _entries(cfg.neighbour_table_size), _index(cfg.neighbour_table_size)
    {
    }

    entry* find(addr a)
    {
        auto i = _index.find(a);
        return i ? &_entries[*i] : nullptr;
    }
    const entry* find(addr a) const
    {
        auto i = _index.find(a);
        return i ? &_entries[*i] : nullptr;
    }

    entry& get(addr a, link_id link)
    {
        if (entry* e = find(a))
            return *e;
        std::size_t slot = _entries.size(), lru = 0;
        for (std::size_t i = 0; i < _entries.size(); ++i) {
            if (!_entries[i].used) {
                slot = i;
                break;
            }
            if (stamp(_entries[i]) < stamp(_entries[lru]))
                lru = i;
        }
        if (slot == _entries.size()) {
            slot = lru;
            (void)_index.erase(_entries[slot].a);
            ++_stats.neighbour_overflows;
        }
        _entries[slot] = entry{};
        _entries[slot].a = a;
        _entries[slot].link = link;
        _entries[slot].used = true;
        (void)_index.insert(a, static_cast<std::uint32_t>(slot));
        return _entries[slot];
    }

    void heard(time_point now, addr a, link_id link)
    {
        entry& e = get(a, link);
        e.link = link;
        e.last_heard = now;
        e.lost_at.reset();
    }

    std::size_t size() const { return _index.size(); }

private:
    static time_point stamp(const entry& e)
    {
        time_point t{};
        if (e.last_heard)
            t = *e.last_heard;
        if (e.last_confirmed && *e.last_confirmed > t)
            t = *e.last_confirmed;
        return t;
    }

    counters& _stats;
    std::vector<entry> _entries;
    u32_index _index;
};

} // namespace babe::dsr
