// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §4.1 Route Cache, link and path variants: see route_cache.hh.
#include "dsr/route_cache.hh"

#include <algorithm>

#include "dsr/blacklist.hh"

namespace babe::dsr {

namespace {
constexpr std::uint32_t none32 = 0xffffffffu;
}

route_cache::route_cache(const config& cfg, addr self, counters& stats)
    : _cfg(cfg), _self(self), _stats(stats), _node_index(cfg.cache == cache_kind::link ? cfg.cache_nodes : 1)
{
    if (cfg.cache == cache_kind::link) {
        _nodes.resize(cfg.cache_nodes);
        _adj.assign(std::size_t(cfg.cache_nodes) * cfg.cache_degree, none32);
        _adj_to.assign(std::size_t(cfg.cache_nodes) * cfg.cache_degree, none32);
        _links.resize(cfg.cache_links);
        _lru_prev.assign(cfg.cache_links, none32);
        _lru_next.assign(cfg.cache_links, none32);
        _lru_when.assign(cfg.cache_links, time_point{});
        _free_nodes.reserve(cfg.cache_nodes);
        for (std::uint32_t i = cfg.cache_nodes; i-- > 1;)
            _free_nodes.push_back(i);
        _free_links.reserve(cfg.cache_links);
        for (std::uint32_t i = cfg.cache_links; i-- > 0;)
            _free_links.push_back(i);
        _nodes[0] = lnode{self, 0, 0, true};
        _self_node = 0;
        (void)_node_index.insert(self, 0);
        _parent.assign(cfg.cache_nodes, none32);
        _queue.assign(cfg.cache_nodes, 0);
        _depth.assign(cfg.cache_nodes, 0);
    } else {
        _paths.resize(cfg.cache_paths);
    }
}

// ---------------------------------------------------------------- link cache

std::optional<std::uint32_t> route_cache::node_of(addr a) const { return _node_index.find(a); }

std::optional<std::uint32_t> route_cache::node_for(addr a)
{
    if (auto n = _node_index.find(a))
        return n;
    if (_free_nodes.empty()) {
        // Make room: evict least recently used links until a node frees up.
        for (int tries = 0; tries < 8 && _free_nodes.empty(); ++tries)
            evict_lru_link();
        if (_free_nodes.empty())
            return std::nullopt;
    }
    const std::uint32_t n = _free_nodes.back();
    _free_nodes.pop_back();
    _nodes[n] = lnode{a, 0, 0, true};
    (void)_node_index.insert(a, n);
    return n;
}

std::optional<std::uint32_t> route_cache::find_link(std::uint32_t from, std::uint32_t to) const
{
    const std::size_t base = std::size_t(from) * _cfg.cache_degree;
    const std::uint32_t* adj_to = &_adj_to[base];
    for (std::uint16_t i = 0; i < _nodes[from].out_degree; ++i)
        if ((adj_to[i] & ~dead_bit) == to)
            return _adj[base + i];
    return std::nullopt;
}

void route_cache::set_dead(std::uint32_t li, bool dead)
{
    llink& l = _links[li];
    l.dead = dead;
    const std::size_t base = std::size_t(l.from) * _cfg.cache_degree;
    for (std::uint16_t i = 0; i < _nodes[l.from].out_degree; ++i)
        if (_adj[base + i] == li) {
            _adj_to[base + i] = l.to | (dead ? dead_bit : 0);
            return;
        }
}

void route_cache::lru_unlink(std::uint32_t li)
{
    const std::uint32_t p = _lru_prev[li], n = _lru_next[li];
    (p == none32 ? _lru_head : _lru_next[p]) = n;
    (n == none32 ? _lru_tail : _lru_prev[n]) = p;
    _lru_prev[li] = _lru_next[li] = none32;
}

void route_cache::lru_push_back(std::uint32_t li)
{
    _lru_when[li] = _links[li].last;
    _lru_prev[li] = _lru_tail;
    _lru_next[li] = none32;
    (_lru_tail == none32 ? _lru_head : _lru_next[_lru_tail]) = li;
    _lru_tail = li;
}

void route_cache::stamp(std::uint32_t li, time_point t)
{
    // Moved to the tail at most once per lru_granularity: the order is by
    // last stamp within that much (eviction is LRU within it; the sweep
    // allows for it).
    const bool move = t - _lru_when[li] >= lru_granularity;
    _links[li].last = std::max(_links[li].last, t);
    if (move) {
        lru_unlink(li);
        lru_push_back(li);
    }
}

void route_cache::erase_link(std::uint32_t li)
{
    lru_unlink(li);
    llink& l = _links[li];
    const bool reroutes = !l.dead && !tree_keeps_without(l.from, l.to);
    std::uint32_t* adj = &_adj[std::size_t(l.from) * _cfg.cache_degree];
    std::uint32_t* adj_to = &_adj_to[std::size_t(l.from) * _cfg.cache_degree];
    lnode& f = _nodes[l.from];
    for (std::uint16_t i = 0; i < f.out_degree; ++i) {
        if (adj[i] == li) {
            // Keep insertion order (deterministic BFS tie-breaks).
            for (std::uint16_t j = i; j + 1 < f.out_degree; ++j) {
                adj[j] = adj[j + 1];
                adj_to[j] = adj_to[j + 1];
            }
            --f.out_degree;
            adj[f.out_degree] = none32;
            adj_to[f.out_degree] = none32;
            break;
        }
    }
    lnode& t = _nodes[l.to];
    --t.in_degree;
    for (std::uint32_t n : {l.from, l.to}) {
        lnode& x = _nodes[n];
        if (n != _self_node && x.used && x.in_degree == 0 && x.out_degree == 0) {
            (void)_node_index.erase(x.a);
            x = lnode{};
            _free_nodes.push_back(n);
        }
    }
    const bool was_dead = l.dead;
    l = llink{};
    _free_links.push_back(li);
    if (was_dead) {
        --_dead_links; // already out of every route, already counted
        return;
    }
    if (reroutes)
        ++_version;
    ++_stats.cache_links_removed;
}

// The shortest-path tree of the last BFS, when still current, tells which
// changes leave every route as it is: those do not bump the version (no
// BFS, no re-examination by the node). Conservative: ties bump.
bool route_cache::tree_keeps_with(std::uint32_t u, std::uint32_t v) const
{
    if (_bfs_version != _version)
        return false;
    if (_parent[u] == none32 || _depth[u] >= max_route_hops + 1)
        return true; // u unreachable, or not expanded
    return _parent[v] != none32 && _depth[v] <= _depth[u]; // v no farther than u
}

bool route_cache::tree_keeps_without(std::uint32_t u, std::uint32_t v) const
{
    return _bfs_version == _version && _parent[v] != u;
}

void route_cache::kill_link(time_point now, std::uint32_t li)
{
    llink& l = _links[li];
    if (l.dead) {
        stamp(li, now);
        return;
    }
    if (!tree_keeps_without(l.from, l.to))
        ++_version;
    set_dead(li, true);
    l.last = now;
    lru_unlink(li); // dead since now: to the tail
    lru_push_back(li);
    ++_dead_links;
    ++_stats.cache_links_removed;
}

void route_cache::evict_lru_link()
{
    const std::uint32_t oldest = _lru_head;
    if (oldest == none32)
        return;
    erase_link(oldest);
    ++_stats.cache_evictions;
}

void route_cache::add_link(time_point now, addr from, addr to, bool fresh)
{
    if (from == to || from == no_addr || to == no_addr || from == broadcast || to == broadcast)
        return;
    auto f = node_of(from), t = node_of(to);
    if (f && t) {
        const std::size_t base = std::size_t(*f) * _cfg.cache_degree;
        std::uint16_t i = 0;
        const std::uint16_t deg = _nodes[*f].out_degree;
        while (i < deg && (_adj_to[base + i] & ~dead_bit) != *t)
            ++i;
        if (i < deg) {
            const std::uint32_t li = _adj[base + i];
            if (!(_adj_to[base + i] & dead_bit)) {
                if (fresh) // hearsay does not keep a link alive
                    stamp(li, now);
                return;
            }
            llink& l = _links[li];
            if (!fresh && now - l.last < _cfg.broken_link_holdoff) {
                ++_stats.cache_relearn_refused; // a stale route still going round
                return;
            }
            if (!tree_keeps_with(*f, *t))
                ++_version;
            set_dead(li, false);
            l.first = now;
            l.last = now;
            lru_unlink(li);
            lru_push_back(li);
            --_dead_links;
            ++_stats.cache_links_added;
            return;
        }
    }
    if (auto li = make_link(now, from, to)) {
        if (!tree_keeps_with(_links[*li].from, _links[*li].to))
            ++_version;
        ++_stats.cache_links_added;
    }
}

std::optional<std::uint32_t> route_cache::make_link(time_point now, addr from, addr to)
{
    auto f = node_for(from);
    if (!f)
        return std::nullopt;
    auto t = node_for(to);
    if (!t) {
        lnode& x = _nodes[*f];
        if (*f != _self_node && x.in_degree == 0 && x.out_degree == 0) {
            (void)_node_index.erase(x.a);
            x = lnode{};
            _free_nodes.push_back(*f);
        }
        return std::nullopt;
    }
    if (_nodes[*f].out_degree >= _cfg.cache_degree) {
        // Replace the oldest link out of this node.
        const std::uint32_t* adj = &_adj[std::size_t(*f) * _cfg.cache_degree];
        std::uint32_t oldest = adj[0];
        for (std::uint16_t i = 1; i < _nodes[*f].out_degree; ++i)
            if (_links[adj[i]].last < _links[oldest].last)
                oldest = adj[i];
        erase_link(oldest);
        ++_stats.cache_evictions;
    }
    if (_free_links.empty())
        evict_lru_link();
    // Evictions may have freed `from`/`to` themselves: look them up again.
    f = node_for(from);
    t = node_for(to);
    if (!f || !t || _free_links.empty())
        return std::nullopt;
    const std::uint32_t li = _free_links.back();
    _free_links.pop_back();
    _links[li] = llink{*f, *t, now, now, true, false};
    lru_push_back(li);
    _adj[std::size_t(*f) * _cfg.cache_degree + _nodes[*f].out_degree] = li;
    _adj_to[std::size_t(*f) * _cfg.cache_degree + _nodes[*f].out_degree++] = *t;
    ++_nodes[*t].in_degree;
    return li;
}

void route_cache::run_bfs() const
{
    if (_bfs_version == _version)
        return;
    _bfs_version = _version;
    std::fill(_parent.begin(), _parent.end(), none32);
    std::size_t head = 0, tail = 0;
    _queue[tail++] = _self_node;
    _parent[_self_node] = _self_node;
    _depth[_self_node] = 0;
    while (head < tail) {
        const std::uint32_t u = _queue[head++];
        // A route has at most max_route_hops intermediate nodes: max_route_hops + 1 links.
        if (_depth[u] >= max_route_hops + 1)
            continue;
        const std::uint32_t* adj_to = &_adj_to[std::size_t(u) * _cfg.cache_degree];
        for (std::uint16_t i = 0; i < _nodes[u].out_degree; ++i) {
            const std::uint32_t v = adj_to[i];
            if ((v & dead_bit) || _parent[v] != none32)
                continue;
            _parent[v] = u;
            _depth[v] = static_cast<std::uint8_t>(_depth[u] + 1);
            _queue[tail++] = v;
        }
    }
}

std::optional<route> route_cache::link_find(addr dst) const
{
    auto d = node_of(dst);
    if (!d || *d == _self_node)
        return std::nullopt;
    run_bfs();
    if (_parent[*d] == none32)
        return std::nullopt;
    route r;
    r.dst = dst;
    const std::uint8_t hops = static_cast<std::uint8_t>(_depth[*d] - 1);
    r.hop_count = hops;
    std::uint32_t v = _parent[*d];
    for (int i = hops - 1; i >= 0; --i) {
        r.hops[i] = _nodes[v].a;
        v = _parent[v];
    }
    return r;
}

// ---------------------------------------------------------------- path cache

void route_cache::add_path(time_point now, std::span<const addr> after_self)
{
    if (after_self.empty())
        return;
    if (after_self.size() > max_route_hops + 1) {
        ++_stats.route_too_long;
        after_self = after_self.first(max_route_hops + 1);
    }
    // Already covered by a stored path (as a prefix)? Refresh it.
    for (auto& p : _paths) {
        if (!p.used || p.len < after_self.size())
            continue;
        if (std::equal(after_self.begin(), after_self.end(), p.hops.begin())) {
            p.last = std::max(p.last, now);
            return;
        }
    }
    // A stored path that is a prefix of the new one is superseded by it.
    cpath* slot = nullptr;
    for (auto& p : _paths) {
        if (p.used && p.len < after_self.size() &&
            std::equal(p.hops.begin(), p.hops.begin() + p.len, after_self.begin())) {
            slot = &p;
            break;
        }
    }
    if (!slot) {
        // Per-destination bound: at most cache_paths_per_dst paths ending at the same node.
        std::size_t same = 0;
        cpath* oldest_same = nullptr;
        cpath* oldest = nullptr;
        cpath* free_slot = nullptr;
        for (auto& p : _paths) {
            if (!p.used) {
                if (!free_slot)
                    free_slot = &p;
                continue;
            }
            if (!oldest || p.last < oldest->last)
                oldest = &p;
            if (p.hops[p.len - 1] == after_self.back()) {
                ++same;
                if (!oldest_same || p.last < oldest_same->last)
                    oldest_same = &p;
            }
        }
        if (same >= _cfg.cache_paths_per_dst) {
            slot = oldest_same;
            ++_stats.cache_evictions;
        } else if (free_slot) {
            slot = free_slot;
            ++_path_used;
        } else {
            slot = oldest;
            ++_stats.cache_evictions;
        }
    }
    slot->used = true;
    slot->len = static_cast<std::uint8_t>(after_self.size());
    std::copy(after_self.begin(), after_self.end(), slot->hops.begin());
    slot->last = now;
    ++_version;
    ++_stats.cache_links_added;
}

std::optional<route> route_cache::path_find(addr dst) const
{
    std::optional<route> best;
    for (const auto& p : _paths) {
        if (!p.used)
            continue;
        for (std::uint8_t i = 0; i < p.len; ++i) {
            if (p.hops[i] != dst)
                continue;
            if (i > max_route_hops)
                break;
            if (!best || i < best->hop_count) {
                route r;
                r.dst = dst;
                r.hop_count = i;
                std::copy(p.hops.begin(), p.hops.begin() + i, r.hops.begin());
                best = r;
            }
            break;
        }
    }
    return best;
}

// ---------------------------------------------------------------- common

void route_cache::learn(time_point now, std::span<const addr> path, bool reverse_too,
                        const blacklist* unidirectional, std::size_t fresh_links)
{
    auto allowed = [&](addr from, addr to) {
        return !(from == _self && unidirectional && unidirectional->blocks(to));
    };
    if (_cfg.cache == cache_kind::link) {
        for (std::size_t i = 0; i + 1 < path.size(); ++i) {
            const bool fresh = i < fresh_links;
            if (allowed(path[i], path[i + 1]))
                add_link(now, path[i], path[i + 1], fresh);
            if (reverse_too && allowed(path[i + 1], path[i]))
                add_link(now, path[i + 1], path[i], fresh);
        }
        return;
    }
    // Path cache: only paths through this node are usable.
    std::size_t k = path.size();
    for (std::size_t i = 0; i < path.size(); ++i)
        if (path[i] == _self) {
            k = i;
            break;
        }
    if (k == path.size())
        return;
    if (k + 1 < path.size() && allowed(_self, path[k + 1]))
        add_path(now, path.subspan(k + 1));
    if (reverse_too && k > 0 && allowed(_self, path[k - 1])) {
        std::array<addr, max_route_hops + 1> rev{};
        std::size_t n = 0;
        for (std::size_t i = k; i-- > 0 && n < rev.size();)
            rev[n++] = path[i];
        add_path(now, std::span<const addr>(rev.data(), n));
    }
}

std::optional<route> route_cache::find(addr dst) const
{
    return _cfg.cache == cache_kind::link ? link_find(dst) : path_find(dst);
}

std::optional<route> route_cache::find(addr dst)
{
    return static_cast<const route_cache&>(*this).find(dst);
}

bool route_cache::remove_link(time_point now, addr from, addr to)
{
    if (_cfg.cache == cache_kind::link) {
        auto f = node_of(from), t = node_of(to);
        if (f && t) {
            if (auto li = find_link(*f, *t)) {
                const bool was_live = !_links[*li].dead;
                kill_link(now, *li);
                return was_live;
            }
        }
        // Unknown here: remember it as broken all the same, so that a stale
        // route carrying it is not learned for broken_link_holdoff.
        if (_cfg.broken_link_holdoff > duration::zero() && from != to && from != no_addr &&
            to != no_addr && from != broadcast && to != broadcast) {
            if (auto li = make_link(now, from, to)) {
                set_dead(*li, true);
                ++_dead_links;
            }
        }
        return false;
    }
    bool removed = false;
    for (auto& p : _paths) {
        if (!p.used)
            continue;
        std::uint8_t cut = p.len;
        if (from == _self && p.hops[0] == to)
            cut = 0;
        for (std::uint8_t i = 0; i + 1 < p.len && cut == p.len; ++i)
            if (p.hops[i] == from && p.hops[i + 1] == to)
                cut = static_cast<std::uint8_t>(i + 1);
        if (cut == p.len)
            continue;
        removed = true;
        ++_stats.cache_links_removed;
        if (cut == 0) {
            p = cpath{};
            --_path_used;
        } else {
            p.len = cut;
        }
    }
    if (removed)
        ++_version;
    return removed;
}

void route_cache::touch(time_point now, const route& r)
{
    if (_cfg.cache == cache_kind::link) {
        addr prev = _self;
        auto pn = node_of(prev);
        for (std::size_t i = 0; i <= r.hop_count && pn; ++i) {
            const addr next = i < r.hop_count ? r.hops[i] : r.dst;
            auto nn = node_of(next);
            if (!nn)
                return;
            if (auto li = find_link(*pn, *nn); li && !_links[*li].dead)
                stamp(*li, now);
            pn = nn;
        }
        return;
    }
    for (auto& p : _paths) {
        if (!p.used || p.len < r.length())
            continue;
        if (std::equal(r.hops.begin(), r.hops.begin() + r.hop_count, p.hops.begin()) &&
            p.hops[r.hop_count] == r.dst)
            p.last = std::max(p.last, now);
    }
}

bool route_cache::memo_valid(const route_memo& m, addr dst) const
{
    if (m.version != _version || m.r.dst != dst)
        return false;
    const std::size_t n = m.r.hop_count;
    // The same nodes at the same indices (then node_of() gives them, and the
    // BFS tree, unchanged since version() did not move, gives this route)...
    for (std::size_t k = 1; k <= n + 1; ++k) {
        const lnode& x = _nodes[m.nodes[k]];
        if (!x.used || x.a != (k <= n ? m.r.hops[k - 1] : dst))
            return false;
    }
    // ...and the same links between them (find_link() would return these).
    for (std::size_t k = 0; k <= n; ++k) {
        const llink& l = _links[m.links[k]];
        if (!l.used || l.from != m.nodes[k] || l.to != m.nodes[k + 1])
            return false;
    }
    return true;
}

std::optional<route> route_cache::find_and_touch(time_point now, addr dst)
{
    if (_cfg.cache != cache_kind::link) {
        auto r = path_find(dst);
        if (r)
            touch(now, *r);
        return r;
    }
    route_memo& m = _memo[memo_slot(dst)];
    if (memo_valid(m, dst)) {
        for (std::size_t k = 0; k <= m.r.hop_count; ++k)
            if (!_links[m.links[k]].dead)
                stamp(m.links[k], now);
        return m.r;
    }
    auto r = link_find(dst);
    if (!r)
        return r;
    touch(now, *r);
    // Remember it when every node and link of it is known (it is: the BFS
    // found it over these links).
    m.version = 0;
    m.nodes[0] = _self_node;
    for (std::size_t k = 0; k <= r->hop_count; ++k) {
        auto nn = node_of(k < r->hop_count ? r->hops[k] : dst);
        if (!nn)
            return r;
        auto li = find_link(m.nodes[k], *nn);
        if (!li)
            return r;
        m.nodes[k + 1] = *nn;
        m.links[k] = *li;
    }
    m.r = *r;
    m.version = _version;
    return r;
}

bool route_cache::expired(const llink& l, time_point now) const
{
    const duration alive = l.last - l.first;
    const duration life = std::min(std::max(alive, _cfg.link_min_lifetime), _cfg.route_cache_timeout);
    return now - l.last >= life;
}

void route_cache::sweep(time_point now)
{
    if (_cfg.cache == cache_kind::link) {
        // Every link lives at least `floor` after its last stamp: the sweep
        // walks from the least recently stamped and stops at the first
        // link younger than that.
        duration floor = std::min(_cfg.link_min_lifetime, _cfg.route_cache_timeout);
        floor = std::min(floor, _cfg.broken_link_holdoff) - lru_granularity;
        for (std::uint32_t i = _lru_head, next; i != none32; i = next) {
            next = _lru_next[i];
            const llink& l = _links[i];
            if (now - l.last < floor)
                break;
            if (l.dead) {
                if (now - l.last >= _cfg.broken_link_holdoff)
                    erase_link(i); // forgotten: hearsay may teach it again
            } else if (expired(l, now)) {
                erase_link(i);
                ++_stats.cache_expired;
            }
        }
        return;
    }
    for (auto& p : _paths) {
        if (p.used && now - p.last >= _cfg.route_cache_timeout) {
            p = cpath{};
            --_path_used;
            ++_version;
            ++_stats.cache_expired;
        }
    }
}

void route_cache::clear()
{
    if (_cfg.cache == cache_kind::link) {
        for (std::uint32_t i = 0; i < _links.size(); ++i)
            if (_links[i].used)
                erase_link(i);
        ++_version;
        return;
    }
    for (auto& p : _paths)
        p = cpath{};
    _path_used = 0;
    ++_version;
}

std::size_t route_cache::link_count() const
{
    return _cfg.cache == cache_kind::link ? _cfg.cache_links - _free_links.size() - _dead_links : 0;
}

std::size_t route_cache::path_count() const { return _path_used; }

std::size_t route_cache::list_links(std::span<std::pair<addr, addr>> out) const
{
    std::size_t n = 0;
    if (_cfg.cache == cache_kind::link) {
        for (const auto& l : _links)
            if (l.used && !l.dead && n < out.size())
                out[n++] = {_nodes[l.from].a, _nodes[l.to].a};
        return n;
    }
    for (const auto& p : _paths) {
        if (!p.used)
            continue;
        addr prev = _self;
        for (std::uint8_t i = 0; i < p.len && n < out.size(); ++i) {
            out[n++] = {prev, p.hops[i]};
            prev = p.hops[i];
        }
    }
    return n;
}

} // namespace babe::dsr
