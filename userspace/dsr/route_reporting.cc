// SPDX-License-Identifier: Apache-2.0
// The reported routes: see route_reporting.hh.
#include "dsr/route_reporting.hh"

#include "dsr/discovery.hh"
#include "dsr/forwarding.hh"

namespace babe::dsr {

route_reporting::route_reporting(node_state& s, discovery& disc, forwarding& fwd)
    : _s(s), _discovery(disc), _fwd(fwd), _routes(s.cfg.installed_routes),
      _index(s.cfg.installed_routes)
{
}

std::size_t route_reporting::slot_for_new()
{
    std::size_t lru = 0;
    for (std::size_t k = 0; k < _routes.size(); ++k) {
        if (!_routes[k].used)
            return k;
        if (_routes[k].last_used < _routes[lru].last_used)
            lru = k;
    }
    ++_s.stats.installed_evictions;
    _s.events.route_removed(_routes[lru].dst);
    (void)_index.erase(_routes[lru].dst);
    return lru;
}

void route_reporting::install(time_point now, addr dst, const route& r)
{
    auto i = _index.find(dst);
    if (!i) {
        const std::size_t slot = slot_for_new();
        _routes[slot] = installed{dst, r, now, true};
        (void)_index.insert(dst, static_cast<std::uint32_t>(slot));
        _s.events.route_changed(dst, r);
        return;
    }
    installed& x = _routes[*i];
    x.last_used = now;
    if (!(x.r == r)) {
        x.r = r;
        _s.events.route_changed(dst, r);
    }
}

void route_reporting::settle(time_point now)
{
    const bool changed = _s.cache.version() != _version;
    if (!changed && !_reply_arrived)
        return;
    _reply_arrived = false;
    if (!changed) {
        _discovery.finish(now);
        return;
    }
    _version = _s.cache.version();
    compare_with_cache();
    _discovery.finish(now);
    _fwd.drain(now);
}

void route_reporting::compare_with_cache()
{
    for (auto& x : _routes) {
        if (!x.used)
            continue;
        auto r = _s.cache.find(x.dst);
        if (!r) {
            _s.events.route_removed(x.dst);
            (void)_index.erase(x.dst);
            x = installed{};
        } else if (!(*r == x.r)) {
            x.r = *r;
            _s.events.route_changed(x.dst, *r);
        }
    }
}

addr route_reporting::next_hop_to(addr dst) const
{
    if (auto i = _index.find(dst); i && _routes[*i].dst == dst)
        return _routes[*i].r.next_hop();
    return no_addr;
}

} // namespace babe::dsr
