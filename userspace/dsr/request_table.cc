// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §4.3 Route Request Table, the discovery state per target and the
// per-initiator rate limiter: see request_table.hh.
#include "dsr/request_table.hh"

#include <algorithm>

namespace babe::dsr {

request_table::request_table(const config& cfg, counters& stats)
    : _cfg(cfg), _stats(stats), _initiators(cfg.request_table_size),
      _ids(std::size_t(cfg.request_table_size) * cfg.request_table_ids), _index(cfg.request_table_size)
{
    for (std::size_t k = 0; k < _initiators.size(); ++k)
        _initiators[k].ids =
            ring<pair_entry>(std::span<pair_entry>(&_ids[k * cfg.request_table_ids], cfg.request_table_ids));
}

bool request_table::seen(addr initiator, std::uint16_t id, addr target) const
{
    if (auto slot = _index.find(initiator)) {
        const std::size_t i = *slot;
        const auto& ids = _initiators[i].ids;
        for (std::size_t k = 0; k < ids.size(); ++k)
            if (ids[k].id == id && ids[k].target == target)
                return true;
        return false;
    }
    return false;
}

bool request_table::check_and_record(time_point now, addr initiator, std::uint16_t id, addr target)
{
    std::size_t slot = _initiators.size();
    if (auto i = _index.find(initiator)) {
        slot = *i;
    } else {
        std::size_t free_slot = _initiators.size();
        std::size_t lru = _initiators.size();
        for (std::size_t k = 0; k < _initiators.size(); ++k) {
            const auto& e = _initiators[k];
            if (!e.used) {
                free_slot = k;
                break;
            }
            if (lru == _initiators.size() || e.last_used < _initiators[lru].last_used)
                lru = k;
        }
        slot = free_slot;
        if (slot == _initiators.size()) {
            slot = lru;
            ++_stats.request_table_evictions;
            (void)_index.erase(_initiators[slot].initiator);
        }
        auto& fresh = _initiators[slot];
        fresh.initiator = initiator;
        fresh.used = true;
        fresh.last_used = now;
        fresh.ids.clear();
        (void)_index.insert(initiator, static_cast<std::uint32_t>(slot));
    }
    auto& e = _initiators[slot];
    e.last_used = now;
    for (std::size_t k = 0; k < e.ids.size(); ++k)
        if (e.ids[k].id == id && e.ids[k].target == target)
            return true;
    if (e.ids.full()) // the oldest pair makes room
        e.ids.pop_front();
    e.ids.push_back(pair_entry{id, target});
    return false;
}

std::size_t request_table::size() const
{
    return static_cast<std::size_t>(
        std::count_if(_initiators.begin(), _initiators.end(), [](const auto& e) { return e.used; }));
}

discovery_table::discovery_table(const config& cfg, counters& stats)
    : _stats(stats), _entries(cfg.discovery_table_size)
{
}

discovery_table::entry* discovery_table::find(addr target)
{
    if (_used == 0)
        return nullptr;
    for (auto& e : _entries)
        if (e.used && e.target == target)
            return &e;
    return nullptr;
}

discovery_table::entry* discovery_table::create(addr target)
{
    for (auto& e : _entries) {
        if (!e.used) {
            e = entry{};
            e.used = true;
            e.target = target;
            ++_used;
            return &e;
        }
    }
    ++_stats.discovery_table_overflows;
    return nullptr;
}

std::optional<time_point> discovery_table::next_deadline() const
{
    std::optional<time_point> t;
    if (_used == 0)
        return t;
    for (const auto& e : _entries)
        if (e.used && (!t || e.deadline < *t))
            t = e.deadline;
    return t;
}


rate_limiter::rate_limiter(const config& cfg, counters& stats)
    : _cfg(cfg), _stats(stats), _buckets(cfg.rreq_rate_table_size), _index(cfg.rreq_rate_table_size)
{
}

bool rate_limiter::allow(time_point now, addr initiator)
{
    bucket* b = nullptr;
    if (auto i = _index.find(initiator)) {
        b = &_buckets[*i];
    } else {
        bucket* free_b = nullptr;
        bucket* oldest = nullptr;
        for (auto& x : _buckets) {
            if (!x.used) {
                free_b = &x;
                break;
            }
            if (!oldest || x.last < oldest->last)
                oldest = &x;
        }
        b = free_b;
        if (!b) {
            b = oldest;
            ++_stats.rate_table_overflows;
            (void)_index.erase(b->initiator);
        }
        *b = bucket{initiator, true, double(_cfg.rreq_burst_per_initiator), now};
        (void)_index.insert(initiator, static_cast<std::uint32_t>(b - _buckets.data()));
    }
    const double elapsed_s = std::chrono::duration<double>(now - b->last).count();
    b->last = now;
    b->tokens = std::min(double(_cfg.rreq_burst_per_initiator),
                         b->tokens + std::max(0.0, elapsed_s) * _cfg.rreq_rate_per_initiator);
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

} // namespace babe::dsr
