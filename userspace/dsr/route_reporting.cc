// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The reported routes: see route_reporting.hh.
#include "dsr/route_reporting.hh"

#include "dsr/discovery.hh"
#include "dsr/forwarding.hh"

namespace babe::dsr {

route_reporting::route_reporting(node_state& state, discovery& route_discovery,
                                 forwarding& data_path)
    : _state(state), _discovery(route_discovery), _forwarding(data_path),
      _reported(state.cfg.installed_routes), _index(state.cfg.installed_routes)
{
}

std::size_t route_reporting::slot_for_new()
{
    std::size_t lru = 0;
    for (std::size_t k = 0; k < _reported.size(); ++k) {
        if (!_reported[k].used)
            return k;
        if (_reported[k].last_used < _reported[lru].last_used)
            lru = k;
    }
    ++_state.stats.installed_evictions;
    _state.events.route_removed(_reported[lru].dst);
    (void)_index.erase(_reported[lru].dst);
    return lru;
}

void route_reporting::install(time_point now, addr dst, const route& r)
{
    auto i = _index.find(dst);
    if (!i) {
        const std::size_t slot = slot_for_new();
        _reported[slot] = installed{dst, r, now, true};
        (void)_index.insert(dst, static_cast<std::uint32_t>(slot));
        _state.events.route_changed(dst, r);
        return;
    }
    installed& x = _reported[*i];
    x.last_used = now;
    if (!(x.r == r)) {
        x.r = r;
        _state.events.route_changed(dst, r);
    }
}

void route_reporting::settle(time_point now)
{
    const bool changed = _state.cache.version() != _version;
    if (!changed && !_reply_arrived)
        return;
    _reply_arrived = false;
    if (!changed) {
        _discovery.finish(now);
        return;
    }
    _version = _state.cache.version();
    compare_with_cache();
    _discovery.finish(now);
    _forwarding.drain(now);
}

void route_reporting::compare_with_cache()
{
    for (auto& x : _reported) {
        if (!x.used)
            continue;
        auto r = _state.cache.find(x.dst);
        if (!r) {
            _state.events.route_removed(x.dst);
            (void)_index.erase(x.dst);
            x = installed{};
        } else if (!(*r == x.r)) {
            x.r = *r;
            _state.events.route_changed(x.dst, *r);
        }
    }
}

addr route_reporting::next_hop_to(addr dst) const
{
    if (auto i = _index.find(dst); i && _reported[*i].dst == dst)
        return _reported[*i].r.next_hop();
    return no_addr;
}

} // namespace babe::dsr
