// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Discovery (RFC 4728 §8.2.1-8.2.2): see discovery.hh.
#include "dsr/discovery.hh"

#include <algorithm>
#include <array>

#include "dsr/forwarding.hh"
#include "dsr/replies.hh"
#include "dsr/route_reporting.hh"
#include "dsr/transmitter.hh"

namespace babe::dsr {

using codec::ipv4_addr;

discovery::discovery(node_state& state, transmitter& out, replies& route_replies,
                     forwarding& data_path, route_reporting& reported)
    : _state(state), _transmitter(out), _replies(route_replies), _forwarding(data_path),
      _reported(reported), _running(state.cfg, state.stats), _seen(state.cfg, state.stats),
      _rate(state.cfg, state.stats)
{
}

// ---------------------------------------------------------------- our own

void discovery::start(time_point now, addr target)
{
    if (target == _state.self || target == no_addr || target == broadcast || _running.find(target))
        return;
    discovery_table::entry* e = _running.create(target);
    if (!e)
        return;
    e->first = now;
    send_request(now, *e);
}

duration discovery::next_wait(discovery_table::entry& e) const
{
    const config& cfg = _state.cfg;
    if (e.count == 0 && (cfg.nonprop_first || cfg.expanding_ring)) {
        e.ttl = 1; // §3.3.3 non-propagating request
        return cfg.nonprop_request_timeout;
    }
    if (cfg.expanding_ring && e.ttl < cfg.discovery_hop_limit) {
        e.ttl = static_cast<std::uint8_t>(std::min<unsigned>(2u * e.ttl, cfg.discovery_hop_limit));
        return cfg.request_period;
    }
    e.ttl = cfg.discovery_hop_limit;
    // §3.3.3 exponential backoff between full floods.
    e.period = e.period == duration::zero() ? cfg.request_period
                                            : std::min(2 * e.period, cfg.max_request_period);
    return e.period;
}

void discovery::send_request(time_point now, discovery_table::entry& e)
{
    const bool first = e.count == 0;
    const duration wait = next_wait(e);
    e.last = now;
    e.deadline = now + wait;
    ++e.count;
    if (first)
        ++_state.stats.rreq_originated;
    else
        ++_state.stats.rreq_retransmitted;

    packet_record rec = _state.originate(broadcast, e.ttl);
    const std::uint16_t id = next_rreq_id++;
    (void)_seen.check_and_record(now, _state.self, id, e.target);
    auto n = codec::encode_rreq(rec.extra_room(), id, ipv4_addr{e.target}, {});
    if (!n)
        return;
    rec.extra_len = static_cast<std::uint8_t>(*n);
    if (_last_error) {
        auto m = codec::encode_rerr_node_unreachable(
            rec.extra_room(), _last_error->salvage, ipv4_addr{_last_error->err_src},
            ipv4_addr{_last_error->err_dst}, ipv4_addr{_last_error->unreachable});
        if (m) {
            rec.extra_len = static_cast<std::uint8_t>(rec.extra_len + *m);
            ++_state.stats.rerr_piggybacked;
        }
        _last_error.reset();
    }
    _transmitter.queue(now, rec, broadcast);
}

void discovery::finish(time_point now)
{
    for (auto& d : _running.entries()) {
        if (_running.size() == 0)
            break;
        if (!d.used)
            continue;
        if (auto r = _state.cache.find(d.target)) {
            ++_state.stats.discovery_done;
            _state.events.discovery_done(d.target, now - d.first);
            _reported.install(now, d.target, *r);
            _running.erase(&d);
        }
    }
}

void discovery::timeouts(time_point now)
{
    for (auto& d : _running.entries()) {
        if (_running.size() == 0)
            break;
        if (!d.used || d.deadline > now)
            continue;
        if (_state.cache.find(d.target))
            continue; // settle() reports it
        if (d.count > _state.cfg.max_request_rexmt) {
            ++_state.stats.discovery_failed;
            _state.events.discovery_failed(d.target, now - d.first);
            const addr target = d.target;
            _running.erase(&d);
            _forwarding.drop_waiting(target);
            continue;
        }
        send_request(now, d);
    }
}

// ---------------------------------------------------------------- others' requests

bool discovery::acceptable(time_point now, const packet_context& ctx, const addr_vec& record,
                           addr target)
{
    const addr initiator = ctx.src;
    if (!plausible(record.span()) || record.contains(initiator) || target == no_addr ||
        target == broadcast || target == initiator) {
        ++_state.stats.hostile;
        return false;
    }
    if (record.contains(_state.self)) {
        ++_state.stats.rreq_duplicate;
        return false;
    }
    if (_state.unidirectional.lookup(now, ctx.prev_hop) == blacklist::state::probable) {
        ++_state.stats.rreq_blacklisted; // §4.6: do not form routes over a unidirectional link
        return false;
    }
    return true;
}

void discovery::take_request(time_point now, const packet_context& ctx)
{
    _state.events.released(ctx.handle); // everything needed is copied below
    const addr initiator = ctx.src;
    const addr target = ctx.rreq->target().value;
    const addr_vec record = copy_addrs(ctx.rreq->addresses());
    if (!acceptable(now, ctx, record, target))
        return;
    // The route the request travelled, initiator ... self. It was crossed
    // just now: first-hand. Learned whole from the first copy of a request
    // (and by its target), only its last links from a duplicate (§8.2.2
    // discards those): a flood reaches each node over many neighbours, and
    // relearning each copy's whole record was most of the cost of a flood in
    // a large network.
    std::array<addr, 66> travelled{};
    std::size_t n = 0;
    travelled[n++] = initiator;
    for (std::size_t i = 0; i < record.n; ++i)
        travelled[n++] = record.a[i];
    travelled[n++] = _state.self;
    const std::span<const addr> path(travelled.data(), n);

    if (!_rate.allow(now, initiator)) {
        ++_state.stats.rreq_rate_limited;
        return;
    }
    if (target == _state.self) {
        _state.learn(now, path);
        ++_state.stats.rreq_received_as_target;
        _replies.reply_as_target(now, initiator, record.span());
        return;
    }
    if (_seen.check_and_record(now, initiator, ctx.rreq->id(), target)) {
        // A duplicate's record still shows how we are reached: its last
        // links (the neighbourhood the copy came through) are learned.
        _state.learn(now, path.last(std::min<std::size_t>(n, 3)));
        ++_state.stats.rreq_duplicate; // §8.2.2
        return;
    }
    _state.learn(now, path);
    if (_state.cfg.reply_from_cache && _replies.reply_from_cache(now, target, path, record.span()))
        return;
    rebroadcast(now, ctx, record, target);
}

void discovery::rebroadcast(time_point now, const packet_context& ctx, const addr_vec& record,
                            addr target)
{
    if (ctx.ip.ttl() <= 1) {
        ++_state.stats.rreq_hop_limit;
        return;
    }
    if (record.n + 1 > max_route_hops) {
        ++_state.stats.route_too_long;
        return;
    }
    packet_record rec;
    rec.src = ctx.src;
    rec.dst = broadcast;
    rec.ttl = static_cast<std::uint8_t>(ctx.ip.ttl() - 1);
    rec.tos = ctx.ip.tos();
    rec.ip_id = ctx.ip.id();
    std::array<ipv4_addr, max_route_hops> a{};
    for (std::size_t i = 0; i < record.n; ++i)
        a[i] = ipv4_addr{record.a[i]};
    a[record.n] = ipv4_addr{_state.self};
    auto n = codec::encode_rreq(rec.extra_room(), ctx.rreq->id(), ipv4_addr{target},
                                codec::addr_list(a.data(), record.n + 1));
    if (!n)
        return;
    rec.extra_len = static_cast<std::uint8_t>(*n);
    if (!rec.append_extra(ctx.carried.extra_bytes())) {
        ++_state.stats.hostile;
        return;
    }
    const auto jitter =
        duration(static_cast<duration::rep>(_state.rng.below(static_cast<std::uint64_t>(
            std::max<duration::rep>(1, _state.cfg.broadcast_jitter.count())))));
    ++_state.stats.rreq_forwarded;
    _transmitter.queue(now + jitter, rec, broadcast);
}

} // namespace babe::dsr
