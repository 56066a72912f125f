// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The Gratuitous Route Reply Table of RFC 4728 §4.4: (original sender, node
// overheard) pairs for which this node recently sent a gratuitous Route
// Reply during automatic route shortening (§3.4.3), so that it sends at most
// one per GratReplyHoldoff. Fixed capacity; when full the oldest entry is
// replaced (counted).
#pragma once

#include <vector>

#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class grat_reply_table {
public:
    grat_reply_table(const config& cfg, counters& stats);
    // True when a reply may be sent now (and records it); false while held off.
    bool try_record(time_point now, addr sender, addr overheard_from);
    std::size_t size(time_point now) const;

private:
    struct entry {
        addr sender = no_addr, from = no_addr;
        time_point at{};
        bool used = false;
    };
    const config& _cfg;
    counters& _stats;
    std::vector<entry> _entries;
};

} // namespace babe::dsr
