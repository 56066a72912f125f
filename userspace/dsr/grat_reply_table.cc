// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §4.4 Gratuitous Route Reply Table: see grat_reply_table.hh.
#include "dsr/grat_reply_table.hh"

namespace babe::dsr {

grat_reply_table::grat_reply_table(const config& cfg, counters& stats)
    : _cfg(cfg), _stats(stats), _entries(cfg.grat_reply_table_size)
{
}

bool grat_reply_table::try_record(time_point now, addr sender, addr overheard_from)
{
    entry* slot = nullptr;
    entry* oldest = nullptr;
    for (auto& e : _entries) {
        const bool live = e.used && now - e.at < _cfg.grat_reply_holdoff;
        if (live && e.sender == sender && e.from == overheard_from)
            return false;
        if (!live) {
            if (!slot)
                slot = &e;
            continue;
        }
        if (!oldest || e.at < oldest->at)
            oldest = &e;
    }
    if (!slot) {
        slot = oldest;
        ++_stats.grat_table_overflows;
    }
    *slot = entry{sender, overheard_from, now, true};
    return true;
}

std::size_t grat_reply_table::size(time_point now) const
{
    std::size_t n = 0;
    for (const auto& e : _entries)
        n += e.used && now - e.at < _cfg.grat_reply_holdoff;
    return n;
}

} // namespace babe::dsr
