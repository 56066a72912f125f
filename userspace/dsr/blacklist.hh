// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The blacklist of RFC 4728 §4.6: neighbours this node can hear but that
// cannot hear it (a unidirectional link into this node). A neighbour is
// added as "probable" when a transmission to it fails right after it was
// heard; Route Requests arriving from a probable neighbour are ignored, so a
// route over the broken reverse direction is never formed. After
// blacklist_timeout the entry turns "questionable": one request is processed
// again, the resulting unicast is verified, and any confirmation of this
// node -> neighbour (acknowledgement, link-layer ack, passive ack) clears the
// entry. Fixed capacity; when full the oldest entry is replaced (counted).
#pragma once

#include <vector>

#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class blacklist {
public:
    enum class state : std::uint8_t { none, probable, questionable };

    blacklist(const config& cfg, counters& stats);

    // A transmission to `n` failed although `n` is heard: mark it probable.
    void add(time_point now, addr n);
    // Bidirectionality shown: forget `n`.
    void clear(addr n);
    // The state of `n` at `now` (probable entries age into questionable).
    state lookup(time_point now, addr n);
    // True when links toward `n` must not be used (probable only).
    bool blocks(addr n) const;
    std::size_t size() const;

private:
    struct entry {
        addr a = no_addr;
        state s = state::none;
        time_point since{};
    };
    entry* find(addr n);
    const entry* find(addr n) const;
    std::size_t _count = 0; // entries in use: most lookups find an empty list

    const config& _cfg;
    counters& _stats;
    std::vector<entry> _entries;
};

} // namespace babe::dsr
