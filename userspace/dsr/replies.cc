// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Replies (RFC 4728 §8.2.3-8.2.5, §3.4.3): see replies.hh.
#include "dsr/replies.hh"

#include <chrono>

#include "dsr/maintenance.hh"
#include "dsr/transmitter.hh"

namespace babe::dsr {

using codec::ipv4_addr;

replies::replies(node_state& state, maintenance& route_maintenance, transmitter& out)
    : _state(state), _maintenance(route_maintenance), _transmitter(out),
      _gratuitous(state.cfg, state.stats)
{
}

bool replies::build(packet_record& rec, addr initiator, std::span<const addr> listed,
                    const route& back)
{
    rec = _state.originate(initiator, _state.cfg.data_ttl);
    rec.set_source_route(back);
    std::array<ipv4_addr, max_route_hops + 1> a{};
    if (listed.size() > a.size()) {
        ++_state.stats.route_too_long;
        return false;
    }
    for (std::size_t i = 0; i < listed.size(); ++i)
        a[i] = ipv4_addr{listed[i]};
    auto n = codec::encode_rrep(rec.extra_room(), false, codec::addr_list(a.data(), listed.size()));
    if (!n)
        return false;
    rec.extra_len = static_cast<std::uint8_t>(rec.extra_len + *n);
    return true;
}

void replies::reply_as_target(time_point now, addr initiator, std::span<const addr> record)
{
    route back;
    if (!reversed_route(record, initiator, back)) {
        ++_state.stats.route_too_long;
        return;
    }
    packet_record rec;
    if (!build(rec, initiator, addr_path{}.add(record).add(_state.self).span(), back))
        return;
    ++_state.stats.rrep_from_target;
    _maintenance.send(now, rec, back.next_hop());
}

bool replies::reply_from_cache(time_point now, addr target, std::span<const addr> travelled,
                               std::span<const addr> record)
{
    auto cached = _state.cache.find(target);
    if (!cached)
        return false;
    // Initiator, record, self, cached hops, target: all distinct.
    addr_path full;
    full.add(travelled).add(cached->intermediates()).add(target);
    if (!plausible(full.span()) || full.n - 2 > max_route_hops)
        return false;
    if (_transmitter.replies_waiting() >= _state.cfg.reply_queue_size) {
        ++_state.stats.reply_queue_overflows; // the request goes on instead
        return false;
    }
    const addr initiator = travelled[0];
    route back;
    packet_record rec;
    if (!reversed_route(record, initiator, back) ||
        !build(rec, initiator, full.span().subspan(1), back))
        return false;
    // §8.2.4 reply-storm prevention: d = H * (h - 1 + r).
    const std::size_t links = full.n - 1;
    const double r01 = _state.rng.unit();
    const auto d = std::chrono::duration_cast<duration>(_state.cfg.reply_hop_delay *
                                                        (double(links) - 1.0 + r01));
    if (_transmitter.queue_cached_reply(now + d, rec, back.next_hop(), initiator, target,
                                        static_cast<std::uint8_t>(links)))
        ++_state.stats.rrep_from_cache;
    return true; // no rebroadcast after replying (§8.2.3)
}

void replies::overheard(time_point now, const packet_context& ctx)
{
    if (ctx.rrep && !ctx.rrep->addresses().empty())
        _transmitter.cancel_longer_replies(ctx.dst, ctx.rrep->addresses().back().value,
                                           ctx.rrep->addresses().size());
    if (_state.cfg.route_shortening && ctx.srcrt && ctx.segs > 0 && !ctx.salvaged)
        shorten(now, ctx);
}

// Automatic route shortening (§3.4.3): we are listed later on the route
// than the receiver the packet was sent to.
void replies::shorten(time_point now, const packet_context& ctx)
{
    const std::size_t receiver = ctx.receiver(); // its index in hops; ctx.path[receiver + 1]
    std::size_t j = ctx.hops.n + 1;              // our index in ctx.path
    for (std::size_t k = receiver + 2; k < ctx.path_len; ++k)
        if (ctx.path[k] == _state.self)
            j = k;
    if (j > ctx.hops.n)
        return;
    if (!_gratuitous.try_record(now, ctx.src, ctx.prev_hop)) {
        ++_state.stats.rrep_grat_held_off;
        return;
    }
    // The shortened route: src, hops[0..receiver), self, path[j+1..].
    const std::span<const addr> before(ctx.hops.a.data(), receiver);
    addr_path shorter;
    shorter.add(before)
        .add(_state.self)
        .add(std::span<const addr>(ctx.path.data() + j + 1, ctx.path_len - j - 1));
    route back;
    packet_record rec;
    if (reversed_route(before, ctx.src, back) && build(rec, ctx.src, shorter.span(), back)) {
        ++_state.stats.rrep_gratuitous;
        _maintenance.send(now, rec, back.next_hop());
    }
}

bool replies::learn_route(time_point now, const packet_context& ctx, addr initiator)
{
    const addr_vec listed = copy_addrs(ctx.rrep->addresses());
    std::array<addr, 65> path{};
    std::size_t n = 0;
    path[n++] = initiator;
    for (std::size_t i = 0; i < listed.n && n < path.size(); ++i)
        path[n++] = listed.a[i];
    const std::span<const addr> route(path.data(), n);
    if (!plausible(route))
        return false;
    // The links up to the node that sent the reply were crossed by the
    // Route Request just now; the rest is that node's cache (all of it
    // first-hand from the target).
    std::size_t first_hand = 0;
    for (std::size_t i = 0; i < route.size(); ++i)
        if (route[i] == ctx.src) {
            first_hand = i;
            break;
        }
    _state.learn(now, route, first_hand);
    return true;
}

} // namespace babe::dsr
