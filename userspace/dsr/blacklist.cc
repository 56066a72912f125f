// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §4.6 blacklist: see blacklist.hh.
#include "dsr/blacklist.hh"

namespace babe::dsr {

blacklist::blacklist(const config& cfg, counters& stats)
    : _cfg(cfg), _stats(stats), _entries(cfg.blacklist_size)
{
}

blacklist::entry* blacklist::find(addr n)
{
    if (_count == 0)
        return nullptr;
    for (auto& e : _entries)
        if (e.s != state::none && e.a == n)
            return &e;
    return nullptr;
}

const blacklist::entry* blacklist::find(addr n) const
{
    if (_count == 0)
        return nullptr;
    for (const auto& e : _entries)
        if (e.s != state::none && e.a == n)
            return &e;
    return nullptr;
}

void blacklist::add(time_point now, addr n)
{
    entry* e = find(n);
    if (!e) {
        entry* oldest = nullptr;
        for (auto& x : _entries) {
            if (x.s == state::none) {
                e = &x;
                ++_count;
                break;
            }
            if (!oldest || x.since < oldest->since)
                oldest = &x;
        }
        if (!e) {
            ++_stats.blacklist_overflows;
            e = oldest;
        }
        ++_stats.blacklist_added;
    }
    *e = entry{n, state::probable, now};
}

void blacklist::clear(addr n)
{
    if (entry* e = find(n)) {
        *e = entry{};
        --_count;
        ++_stats.blacklist_cleared;
    }
}

blacklist::state blacklist::lookup(time_point now, addr n)
{
    entry* e = find(n);
    if (!e)
        return state::none;
    if (e->s == state::probable && now - e->since >= _cfg.blacklist_timeout)
        e->s = state::questionable;
    return e->s;
}

bool blacklist::blocks(addr n) const
{
    const entry* e = find(n);
    return e && e->s == state::probable;
}

std::size_t blacklist::size() const { return _count; }

} // namespace babe::dsr
