// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The Route Cache of RFC 4728 §4.1: what this node knows of the topology,
// learned from Route Replies, forwarded and overheard source routes and
// Route Requests, and pruned by Route Errors, Route Maintenance and
// RouteCacheTimeout (counted from a link's last use). Two structures:
//   - link cache (default): a graph of directed links with per-link
//     timestamps; the best route is the shortest path found by BFS from this
//     node, recomputed only when the topology changed (version());
//   - path cache: whole paths starting at this node; a destination's route is
//     the shortest prefix of any stored path that reaches it.
// Every array is allocated at construction; when full, the least recently
// used link/path is evicted (cache_evictions). Routes longer than
// BABE_MAX_ROUTE_HOPS intermediate nodes are never returned.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/u32_index.hh"
#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class blacklist;

class route_cache {
public:
    route_cache(const config& cfg, addr self, counters& stats);

    // Learn the links of `path` (consecutive addresses, any length). With
    // reverse_too the reversed links are learned as well (bidirectional MAC).
    // A link from this node to a neighbour that `bl` marks unidirectional is
    // not learned (§4.6).
    //
    // The first `fresh_links` links are first-hand: a packet crossed them
    // just now (a Route Request's record, the part of a source route already
    // travelled, a reply from the target). They are added or refreshed, and
    // revive a link known broken. The rest is hearsay (the part of a source
    // route still ahead, the cached tail of a reply from an intermediate
    // node): it is added when unknown but neither refreshes a known link nor
    // brings back one that broke within broken_link_holdoff (link cache).
    void learn(time_point now, std::span<const addr> path, bool reverse_too, const blacklist* unidirectional,
               std::size_t fresh_links = static_cast<std::size_t>(-1));

    // The shortest known route from this node to dst.
    std::optional<route> find(addr dst);
    std::optional<route> find(addr dst) const;

    // Remove the link from -> to (Route Error, maintenance failure); a path
    // cache truncates its paths at that link. True if something was removed.
    // The link cache remembers the broken link for broken_link_holdoff
    // (kept as a dead link, never part of a route) so that hearsay cannot
    // bring it back meanwhile.
    bool remove_link(addr from, addr to) { return remove_link(time_point{}, from, to); }
    bool remove_link(time_point now, addr from, addr to);

    // Refresh the links of a route in use (RouteCacheTimeout counts from last use).
    void touch(time_point now, const route& r);

    // find(dst), then touch(now, route): the data path's lookup. The link
    // cache remembers the route and its links for a few recent
    // destinations while the topology (version()) stays the same, so a
    // packet to one of them costs no search or hash lookup; every node and
    // link of a remembered route is checked still to be the same before it
    // is used, and the result is exactly that of find + touch.
    std::optional<route> find_and_touch(time_point now, addr dst);

    // Remove entries unused for RouteCacheTimeout. The link cache is
    // adaptive: a link not refreshed expires after as long as it had been
    // seen alive before (at least link_min_lifetime, at most
    // RouteCacheTimeout), so links between moving nodes go soon and links
    // that have held for minutes are kept for minutes.
    void sweep(time_point now);

    // Forget everything (babectl flush).
    void clear();

    // Bumped whenever a link or path is added or removed in a way that may
    // change a route (link cache: not for links off the current
    // shortest-path tree that cannot enter it).
    std::uint64_t version() const { return _version; }

    std::size_t link_count() const;
    std::size_t path_count() const;
    std::size_t list_links(std::span<std::pair<addr, addr>> out) const;

private:
    // ---- link cache ----
    struct lnode {
        addr a = no_addr;
        std::uint16_t out_degree = 0;
        std::uint16_t in_degree = 0;
        bool used = false;
    };
    struct llink {
        std::uint32_t from = 0, to = 0; // node indices
        time_point first{};             // learned (or revived) then: alive since
        time_point last{};              // last use or first-hand evidence; dead: when it broke
        bool used = false;
        bool dead = false;              // known broken: not routable, not relearned from hearsay
    };
    std::optional<std::uint32_t> node_of(addr a) const;
    std::optional<std::uint32_t> node_for(addr a); // find or create
    std::optional<std::uint32_t> find_link(std::uint32_t from, std::uint32_t to) const;
    void add_link(time_point now, addr from, addr to, bool fresh);
    std::optional<std::uint32_t> make_link(time_point now, addr from, addr to); // new, live
    void kill_link(time_point now, std::uint32_t li);
    bool expired(const llink& l, time_point now) const;
    bool tree_keeps_with(std::uint32_t u, std::uint32_t v) const;    // link u -> v added
    bool tree_keeps_without(std::uint32_t u, std::uint32_t v) const; // link u -> v removed
    // Links in the order they were last stamped (head: least recent), so
    // LRU eviction is O(1) and the sweep stops at the first fresh link.
    void stamp(std::uint32_t li, time_point t); // last = max(last, t), to the tail
    static constexpr duration lru_granularity = std::chrono::milliseconds(500);
    void lru_unlink(std::uint32_t li);
    void lru_push_back(std::uint32_t li);
    void erase_link(std::uint32_t li);
    void evict_lru_link();
    void run_bfs() const;
    std::optional<route> link_find(addr dst) const;

    // find_and_touch's memory: direct-mapped by destination.
    struct route_memo {
        std::uint64_t version = 0; // 0: empty (_version starts at 1)
        route r;
        std::array<std::uint32_t, max_route_hops + 2> nodes{}; // self, hops..., dst
        std::array<std::uint32_t, max_route_hops + 1> links{};
    };
    static constexpr std::size_t memo_slots = 8;
    std::array<route_memo, memo_slots> _memo{};
    static std::size_t memo_slot(addr dst) { return (dst * 0x9e3779b1u) >> 29; }
    bool memo_valid(const route_memo& m, addr dst) const;

    // ---- path cache ----
    struct cpath {
        std::array<addr, max_route_hops + 1> hops{}; // after self; last = farthest node
        std::uint8_t len = 0;
        time_point last{};
        bool used = false;
    };
    void add_path(time_point now, std::span<const addr> after_self);
    std::optional<route> path_find(addr dst) const;

    const config& _cfg;
    addr _self;
    counters& _stats;
    std::uint64_t _version = 1;

    std::vector<lnode> _nodes;
    std::vector<std::uint32_t> _adj; // cache_degree out-link indices per node
    // Beside _adj: the node each out-link leads to, | dead_bit when dead, so
    // lookups and the BFS scan one small array instead of the links.
    std::vector<std::uint32_t> _adj_to;
    static constexpr std::uint32_t dead_bit = 0x80000000u;
    void set_dead(std::uint32_t li, bool dead);
    std::vector<llink> _links;
    std::vector<std::uint32_t> _free_nodes, _free_links;
    std::size_t _dead_links = 0;
    std::vector<std::uint32_t> _lru_prev, _lru_next;
    std::vector<time_point> _lru_when; // `last` when the link was last moved to the tail
    std::uint32_t _lru_head = 0xffffffffu, _lru_tail = 0xffffffffu;
    u32_index _node_index;
    std::uint32_t _self_node = 0;
    // BFS state, reused (mutable: find() is logically const).
    mutable std::vector<std::uint32_t> _parent, _queue;
    mutable std::vector<std::uint8_t> _depth;
    mutable std::uint64_t _bfs_version = 0;

    std::vector<cpath> _paths;
    std::size_t _path_used = 0;
};

} // namespace babe::dsr
