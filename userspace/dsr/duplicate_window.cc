// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Hop-by-hop recovery's per-source id windows: see duplicate_window.hh.
#include "dsr/duplicate_window.hh"

namespace babe::dsr {

bool duplicate_window::seen_before(time_point now, addr src, std::uint16_t id)
{
    source* w = nullptr;
    source* oldest = &_sources[0];
    for (auto& d : _sources) {
        if (d.src == src) {
            w = &d;
            break;
        }
        if (d.last < oldest->last)
            oldest = &d;
    }
    if (!w || now - w->last > _cfg.hop_dup_window) {
        if (!w)
            w = oldest;
        *w = source{src, id, now, {}};
        w->bits[0] = 1;
        return false;
    }
    w->last = now;
    const std::int32_t ahead = static_cast<std::int16_t>(static_cast<std::uint16_t>(id - w->top));
    if (ahead > 0) {
        advance(*w, id, ahead);
        return false;
    }
    const std::int32_t back = -ahead;
    if (back >= span)
        return false; // older than the window: cannot tell
    std::uint64_t& word = w->bits[static_cast<std::size_t>(back / 64)];
    const std::uint64_t bit = std::uint64_t{1} << (back % 64);
    if (word & bit)
        return true;
    word |= bit;
    return false;
}

void duplicate_window::advance(source& w, std::uint16_t id, std::int32_t ahead)
{
    // Bit k moves to k + ahead.
    if (ahead >= span) {
        w.bits = {};
    } else {
        const std::int32_t words = ahead / 64, shift = ahead % 64;
        for (std::int32_t i = 15; i >= 0; --i) {
            const std::int32_t from = i - words;
            std::uint64_t v = from >= 0 ? w.bits[static_cast<std::size_t>(from)] << shift : 0;
            if (shift && from - 1 >= 0)
                v |= w.bits[static_cast<std::size_t>(from - 1)] >> (64 - shift);
            w.bits[static_cast<std::size_t>(i)] = v;
        }
    }
    w.top = id;
    w.bits[0] |= 1;
}

} // namespace babe::dsr
