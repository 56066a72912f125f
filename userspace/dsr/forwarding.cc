// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Originating, forwarding and delivering data (RFC 4728 §8.1): see forwarding.hh.
#include "dsr/forwarding.hh"

#include <algorithm>

#include "dsr/discovery.hh"
#include "dsr/maintenance.hh"
#include "dsr/replies.hh"
#include "dsr/route_reporting.hh"

namespace babe::dsr {

forwarding::forwarding(node_state& state, maintenance& route_maintenance,
                       discovery& route_discovery, replies& route_replies,
                       route_reporting& reported)
    : _state(state), _maintenance(route_maintenance), _discovery(route_discovery),
      _replies(route_replies), _reported(reported), _waiting(state.cfg), _duplicates(state.cfg)
{
}

// ---------------------------------------------------------------- originating

void forwarding::originate(time_point now, packet_handle h, std::span<const std::byte> ip_packet,
                           bool hop_recovery)
{
    auto ip = codec::parse_ipv4(ip_packet);
    if (!ip) {
        ++_state.stats.malformed;
        _state.events.dropped(h, drop_reason::malformed);
        return;
    }
    const addr dst = ip->destination().value;
    ++_state.stats.data_originated;
    if (dst == no_addr || dst == broadcast || dst == _state.self ||
        ip->protocol() == BABE_IPPROTO_DSR) {
        ++_state.stats.hostile;
        _state.events.dropped(h, drop_reason::hostile);
        return;
    }
    packet_record rec;
    rec.src = _state.self;
    rec.dst = dst;
    rec.ttl = ip->ttl() ? ip->ttl() : _state.cfg.data_ttl;
    rec.tos = ip->tos();
    rec.next_header = ip->protocol();
    rec.ip_id = ip->id();
    rec.handle = h;
    rec.payload_offset = static_cast<std::uint32_t>(ip->header_len());
    rec.payload_len = static_cast<std::uint32_t>(ip->total_len() - ip->header_len());
    rec.no_hop_recovery = !hop_recovery;
    if (auto r = _state.cache.find_and_touch(now, dst)) {
        ++_state.stats.cache_hits;
        _reported.install(now, dst, *r);
        send_touched(now, rec, *r);
    } else {
        ++_state.stats.cache_misses;
        buffer(now, rec);
    }
}

void forwarding::send_on_route(time_point now, packet_record rec, const route& r)
{
    _state.cache.touch(now, r);
    send_touched(now, rec, r);
}

void forwarding::send_touched(time_point now, packet_record& rec, const route& r)
{
    rec.set_source_route(r);
    rec.salvage = 0;
    _maintenance.send(now, rec, r.next_hop());
}

void forwarding::buffer(time_point now, packet_record rec)
{
    if (!rec.buffered_at)
        rec.buffered_at = now;
    std::optional<packet_record> evicted;
    _waiting.push(*rec.buffered_at, rec, &evicted);
    ++_state.stats.send_buffer_enqueued;
    if (evicted) {
        ++_state.stats.send_buffer_overflows;
        _state.events.dropped(evicted->handle, drop_reason::send_buffer_full);
    }
    _discovery.start(now, rec.dst);
}

// ---------------------------------------------------------------- receiving

bool forwarding::hop_duplicate(time_point now, const packet_context& ctx)
{
    return _state.cfg.hop_reliable_next_header != 0 &&
           ctx.dsr.next_header() == _state.cfg.hop_reliable_next_header && ctx.payload_len > 0 &&
           _duplicates.seen_before(now, ctx.src, ctx.ip.id());
}

void forwarding::forward(time_point now, const packet_context& ctx)
{
    const auto h = ctx.handle;
    if (ctx.hops.a[ctx.receiver()] != _state.self) {
        ++_state.stats.not_on_route;
        _state.events.dropped(h, drop_reason::not_on_route);
        return;
    }
    _state.learn(now, ctx.learnable(), ctx.crossed);
    if (ctx.rrep) // a reply in transit teaches the route it carries, from the initiator (dst)
        (void)_replies.learn_route(now, ctx, ctx.dst);
    if (ctx.ip.ttl() <= 1) {
        ++_state.stats.ttl_expired;
        _state.events.dropped(h, drop_reason::ttl_expired);
        return;
    }
    if (ctx.carry_overflow) {
        ++_state.stats.hostile;
        _state.events.dropped(h, drop_reason::hostile);
        return;
    }
    if (ctx.payload_len > 0 && !h) {
        ++_state.stats.no_handle;
        _state.events.dropped(h, drop_reason::no_handle);
        return;
    }
    const packet_record rec = forwarded(ctx);
    if (ctx.rrep)
        ++_state.stats.rrep_forwarded;
    else if (ctx.n_rerr)
        ++_state.stats.rerr_forwarded;
    else
        ++_state.stats.data_forwarded;
    if (ctx.payload_len == 0)
        _state.events.released(h); // control packet: the record holds everything needed
    _maintenance.send(now, rec, rec.next_hop_after(rec.segs_left));
}

packet_record forwarding::forwarded(const packet_context& ctx) const
{
    packet_record rec = ctx.carried;
    rec.src = ctx.src;
    rec.dst = ctx.dst;
    rec.ttl = static_cast<std::uint8_t>(ctx.ip.ttl() - 1);
    rec.tos = ctx.ip.tos();
    rec.next_header = ctx.dsr.next_header();
    rec.ip_id = ctx.ip.id();
    rec.handle = ctx.payload_len > 0 ? ctx.handle : std::nullopt;
    rec.payload_offset = static_cast<std::uint32_t>(ctx.payload_offset);
    rec.payload_len = static_cast<std::uint32_t>(ctx.payload_len);
    rec.has_srcrt = true;
    rec.path = route{};
    rec.path.dst = ctx.dst;
    rec.path.hop_count = static_cast<std::uint8_t>(ctx.hops.n);
    std::copy(ctx.hops.a.begin(), ctx.hops.a.begin() + ctx.hops.n, rec.path.hops.begin());
    rec.segs_left = static_cast<std::uint8_t>(ctx.segs - 1);
    rec.salvage = ctx.srcrt->salvage();
    // Hop-by-hop recovery is the source's choice: it asked the first hop
    // for an Acknowledgement, and each hop asks the next.
    rec.no_hop_recovery = !ctx.ack_req;
    return rec;
}

void forwarding::deliver(time_point now, const packet_context& ctx)
{
    _state.learn(now, ctx.learnable());
    if (ctx.rrep) {
        ++_state.stats.rrep_received;
        _reported.reply_arrived();
        if (!_replies.learn_route(now, ctx, _state.self))
            ++_state.stats.hostile;
    }
    if (ctx.dsr.next_header() != ipproto_none) {
        ++_state.stats.data_delivered;
        _state.events.delivered(ctx.handle, static_cast<std::uint32_t>(ctx.payload_offset),
                                ctx.dsr.next_header(), ctx.src);
        return;
    }
    _state.events.released(ctx.handle);
}

// ---------------------------------------------------------------- the Send Buffer

void forwarding::drain(time_point now)
{
    if (_waiting.empty())
        return;
    _waiting.drain_if([&](send_buffer::entry& e) {
        auto r = _state.cache.find(e.rec.dst);
        if (!r)
            return false;
        ++_state.stats.send_buffer_sent;
        _reported.install(now, e.rec.dst, *r);
        send_on_route(now, e.rec, *r);
        return true;
    });
}

void forwarding::drop_waiting(addr dst)
{
    _waiting.drain_if([&](send_buffer::entry& x) {
        if (x.rec.dst != dst)
            return false;
        _state.events.dropped(x.rec.handle, drop_reason::discovery_failed);
        return true;
    });
}

void forwarding::timeouts(time_point now)
{
    _waiting.drain_if([&](send_buffer::entry& x) {
        if (x.enqueued + _state.cfg.send_buffer_timeout > now)
            return false;
        ++_state.stats.send_buffer_timeouts;
        _state.events.dropped(x.rec.handle, drop_reason::send_buffer_timeout);
        return true;
    });
}

} // namespace babe::dsr
