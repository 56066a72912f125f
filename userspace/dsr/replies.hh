// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Replies (RFC 4728 §8.2.3-8.2.5, §3.4.3): the target's reply along
// the reversed request record, an intermediate node's reply from its cache
// (delayed against reply storms, §8.2.4, and cancelled when a shorter one is
// overheard), gratuitous replies that shorten an overheard route (held off
// per (source, overheard-from) by the Gratuitous Route Reply Table, §4.4),
// and what a reply teaches the cache on its way and at its initiator.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "dsr/grat_reply_table.hh"
#include "dsr/node_state.hh"
#include "dsr/packet_context.hh"

namespace babe::dsr {

class maintenance;
class transmitter;

// A route assembled from parts (the addresses of a reply).
struct addr_path {
    std::array<addr, 2 * max_route_hops + 4> a{};
    std::size_t n = 0;
    addr_path& add(addr x)
    {
        if (n < a.size())
            a[n++] = x;
        return *this;
    }
    addr_path& add(std::span<const addr> xs)
    {
        for (addr x : xs)
            add(x);
        return *this;
    }
    std::span<const addr> span() const { return {a.data(), n}; }
};

class replies {
public:
    replies(node_state& state, maintenance& route_maintenance, transmitter& out);

    // §8.2.4: the target answers `initiator` along the reversed record
    // (`record`: the request's addresses, intermediates only).
    void reply_as_target(time_point now, addr initiator, std::span<const addr> record);
    // §8.2.3: answer from the cache: `travelled` is initiator, record..., self.
    // True when the request is answered (it is then not rebroadcast); at
    // most reply_queue_size such replies wait.
    bool reply_from_cache(time_point now, addr target, std::span<const addr> travelled,
                          std::span<const addr> record);
    // Overheard: a shorter reply cancels our delayed one (§8.2.4); a route
    // we are listed later on is shortened (§3.4.3).
    void overheard(time_point now, const packet_context& ctx);
    // Learn the route a Route Reply carries, from its initiator; false when
    // it is not plausible.
    bool learn_route(time_point now, const packet_context& ctx, addr initiator);

    std::size_t gratuitous_held(time_point now) const { return _gratuitous.size(now); }

private:
    void shorten(time_point now, const packet_context& ctx);
    // A Route Reply to `initiator` listing `listed` (Address[1..n], the last
    // one the target), sent along `back`.
    bool build(packet_record& rec, addr initiator, std::span<const addr> listed, const route& back);

    node_state& _state;
    maintenance& _maintenance;
    transmitter& _transmitter;
    grat_reply_table _gratuitous;
};

} // namespace babe::dsr
