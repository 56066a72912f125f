// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Route Maintenance (RFC 4728 §8.3): see maintenance.hh.
#include "dsr/maintenance.hh"

#include <algorithm>
#include <array>

#include "dsr/discovery.hh"
#include "dsr/salvage.hh"
#include "dsr/transmitter.hh"

namespace babe::dsr {

using codec::ipv4_addr;

maintenance::maintenance(node_state& state, transmitter& out, salvage& salvaging,
                         discovery& route_discovery)
    : _state(state), _transmitter(out), _salvage(salvaging), _discovery(route_discovery),
      _buffer(state.cfg)
{
}

// ---------------------------------------------------------------- sending

void maintenance::send(time_point now, const packet_record& rec, addr next_hop)
{
    const auto* n = _state.neighbours.find(next_hop);
    // A next hop Route Maintenance gave up on within the last
    // lost_neighbour_holdoff (and not heard from since): fail this packet
    // now rather than into a dead link. The link leaves the cache again
    // (a route learned meanwhile may have brought it back), so the
    // reroute cannot pick it: each pass removes a link, which bounds it.
    if (n && n->lost_at && now - *n->lost_at < _state.cfg.lost_neighbour_holdoff) {
        (void)_state.cache.remove_link(now, _state.self, next_hop);
        fail_packet(now, rec, next_hop);
        return;
    }
    // Within MaintHoldoffTime of a confirmation no new one is requested
    // (§8.3.1). With link-layer feedback every packet is kept until the
    // feedback says it arrived, so that a failure can salvage it.
    const bool reliable = hop_reliable(rec);
    const bool recent = !_state.cfg.use_link_feedback && !reliable && n && n->last_confirmed &&
                        now - *n->last_confirmed < _state.cfg.maint_holdoff_time &&
                        !_state.unidirectional.blocks(next_hop);
    if (recent) {
        _transmitter.queue(now, rec, next_hop, nullptr, true);
        return;
    }
    // Hop-by-hop recovery keeps a bounded window per next hop, like a link
    // layer's: beyond it a packet goes as the RFC sends one within the
    // holdoff, with no Ack Request, kept by nobody. Its loss is the end-to-
    // end congestion control's to see; a queue at the next hop no longer
    // grows the Ack waits of everything behind it.
    if (reliable && _buffer.hop_reliable_to(next_hop) >= _state.cfg.hop_window) {
        ++_state.stats.hop_window_full;
        _transmitter.queue(now, rec, next_hop, nullptr, true);
        return;
    }
    maint_buffer::entry* e = _buffer.acquire();
    if (!e) {
        ++_state.stats.maint_buffer_overflows;
        _transmitter.queue(now, rec, next_hop, nullptr, true);
        return;
    }
    e->rec = rec;
    e->rec.ack_req_id.reset();
    e->next_hop = next_hop;
    e->link = _state.link_to(next_hop);
    if (reliable)
        _buffer.mark_hop_reliable(e, next_hop);
    if (_state.cfg.use_link_feedback) {
        // The link layer retransmits and reports the outcome of every
        // frame (§8.3.1 link-layer acknowledgement): the entry waits for
        // that answer, with no passive ack or Ack Request of its own.
        e->awaits_link_feedback = true;
        _transmitter.queue(now, e->rec, next_hop, e);
        return;
    }
    arm(now, *e);
}

// A DSR header holding only an Acknowledgement Request (Next Header "none"),
// under the usual retransmission rules (§8.3.3): for traffic that never
// reaches the core (forwarded in the kernel), whose links the caller sees
// go quiet. At most one per neighbour is out.
void maintenance::probe(time_point now, addr neighbour)
{
    if (neighbour == _state.self || neighbour == broadcast || neighbour == no_addr)
        return;
    for (const auto& e : _buffer.entries())
        if (e.st != maint_buffer::state::free && e.next_hop == neighbour &&
            e.rec.dst == neighbour && !e.rec.handle && e.rec.src == _state.self &&
            e.rec.extra_len == 0)
            return; // a probe is already out
    maint_buffer::entry* e = _buffer.acquire();
    if (!e) {
        ++_state.stats.maint_buffer_overflows;
        return;
    }
    e->rec = _state.originate(neighbour, 1);
    e->rec.next_header = ipproto_none;
    e->next_hop = neighbour;
    e->link = _state.link_to(neighbour);
    ++_state.stats.maint_probes;
    arm(now, *e);
}

void maintenance::arm(time_point now, maint_buffer::entry& e)
{
    e.awaits_link_feedback = false;
    const bool next_forwards = e.next_hop != e.rec.dst;
    // Hop-by-hop recovery asks every hop at once: a passive ack needs a
    // next hop that forwards in the core and a medium that overhears.
    if (next_forwards && !e.hop_reliable && e.passive_tries < _state.cfg.try_passive_acks) {
        e.passive = true;
        ++e.passive_tries;
        e.rec.ack_req_id.reset();
    } else {
        e.passive = false;
        if (e.rexmt > 0) {
            e.prev_ack_ids[2] = e.prev_ack_ids[1];
            e.prev_ack_ids[1] = e.prev_ack_ids[0];
            e.prev_ack_ids[0] = e.ack_id;
        }
        e.ack_id = next_ack_id++;
        if (e.rexmt == 0)
            e.first_ack_id = e.prev_ack_ids[0] = e.prev_ack_ids[1] = e.prev_ack_ids[2] = e.ack_id;
        e.rec.ack_req_id = e.ack_id;
        ++e.rexmt;
        ++_state.stats.ack_req_sent;
    }
    e.st = maint_buffer::state::queued;
    _transmitter.queue(now, e.rec, e.next_hop, &e);
}

void maintenance::transmitted(time_point now, maint_buffer::entry& e)
{
    e.st = maint_buffer::state::waiting;
    e.sent = now;
    if (!e.passive && !e.awaits_link_feedback && e.rexmt == 1)
        e.first_sent = now;
    if (e.hop_reliable)
        ++_state.stats.hop_reliable_sent;
    // Hop-by-hop recovery backs off (x2 per retransmission, up to x8): a
    // packet late for its Ack is more likely queued than lost.
    const int backoff = e.hop_reliable ? std::min(e.rexmt - 1, 3) : 0;
    e.deadline = now + (e.awaits_link_feedback ? _state.cfg.link_feedback_timeout
                        : e.passive            ? _state.cfg.passive_ack_timeout
                                    : ack_timeout(e.next_hop, e.hop_reliable) * (1 << backoff));
}

// ---------------------------------------------------------------- confirmation

void maintenance::confirm(time_point now, maint_buffer::entry& e)
{
    _state.events.released(e.rec.handle);
    link_confirmed(now, e.next_hop);
    _buffer.release(&e);
}

void maintenance::link_confirmed(time_point now, addr n)
{
    auto& nb = _state.neighbours.get(n, _state.cfg.default_link);
    nb.last_confirmed = now;
    nb.lost_at.reset();
    _state.unidirectional.clear(n); // bidirectionality shown (§4.6)
}

// How long to wait for an Acknowledgement from nb: SRTT + 4 RTTVAR of its
// measured round trips (RFC 6298's estimator), within [maint_ack_timeout,
// max_ack_timeout]; maint_ack_timeout before any. Hop-recovered packets
// use hop_min_ack_timeout as the floor.
duration maintenance::ack_timeout(addr nb, bool hop_reliable) const
{
    const auto* n = _state.neighbours.find(nb);
    if (!n || n->rtt_samples == 0)
        return _state.cfg.maint_ack_timeout;
    return std::clamp(n->srtt + 4 * n->rttvar,
                      hop_reliable ? _state.cfg.hop_min_ack_timeout : _state.cfg.maint_ack_timeout,
                      _state.cfg.max_ack_timeout);
}

void maintenance::rtt_sample(neighbour_table::entry& n, duration r)
{
    ++_state.stats.ack_rtt_samples;
    if (n.rtt_samples++ == 0) {
        n.srtt = r;
        n.rttvar = r / 2;
        return;
    }
    const duration err = n.srtt > r ? n.srtt - r : r - n.srtt;
    n.rttvar = (3 * n.rttvar + err) / 4;
    n.srtt = (7 * n.srtt + r) / 8;
}

// ---------------------------------------------------------------- receiving

void maintenance::take_route_errors(time_point now, const packet_context& ctx)
{
    for (std::size_t i = 0; i < ctx.n_rerr; ++i) {
        const codec::rerr_view& rerr = ctx.rerrs[i];
        auto unreachable = rerr.unreachable_node();
        if (!unreachable)
            continue;
        const addr from = rerr.source().value;
        if (_state.cache.remove_link(now, from, unreachable->value))
            _state.events.link_broken(from, unreachable->value);
        if (rerr.destination().value == _state.self && ctx.dst == _state.self && ctx.segs == 0 &&
            !ctx.overheard) {
            ++_state.stats.rerr_received;
            _discovery.piggyback({from, _state.self, unreachable->value, rerr.salvage()}); // §3.4.4
        }
    }
}

// An entry is confirmed by an Ack for the ids of its first and last four
// transmissions (a late Ack for an earlier transmission counts). The first
// Ack of a packet answers its Ack Request; the others repeat earlier ones
// (ack_redundancy), so only the first is a round-trip sample, and each id
// names one transmission: samples need no Karn exclusion.
void maintenance::take_acks(time_point now, const packet_context& ctx)
{
    for (std::size_t i = 0; i < ctx.n_ack; ++i) {
        if (ctx.acks[i].destination().value != _state.self)
            continue;
        const addr from = ctx.acks[i].source().value;
        const std::uint16_t id = ctx.acks[i].id();
        for (auto& e : _buffer.entries()) {
            if (e.st != maint_buffer::state::waiting || e.next_hop != from || e.passive ||
                e.awaits_link_feedback ||
                (id != e.ack_id && id != e.first_ack_id && id != e.prev_ack_ids[0] &&
                 id != e.prev_ack_ids[1] && id != e.prev_ack_ids[2]))
                continue;
            ++_state.stats.ack_received;
            if (i == 0 && (id == e.ack_id || id == e.first_ack_id))
                rtt_sample(_state.neighbours.get(from, _state.cfg.default_link),
                           now - (id == e.ack_id ? e.sent : e.first_sent));
            confirm(now, e);
            break;
        }
    }
}

// The next hop forwarded what we sent (§8.3.3).
void maintenance::take_passive_ack(time_point now, const packet_context& ctx)
{
    for (auto& e : _buffer.entries()) {
        if (e.st == maint_buffer::state::waiting && e.passive && e.next_hop == ctx.prev_hop &&
            e.rec.src == ctx.src && e.rec.dst == ctx.dst && e.rec.ip_id == ctx.ip.id() &&
            ctx.segs + 1 == e.rec.segs_left) {
            ++_state.stats.confirm_passive;
            confirm(now, e);
            break;
        }
    }
}

void maintenance::answer_ack_request(time_point now, const packet_context& ctx)
{
    const std::uint16_t asked = ctx.ack_req->id();
    packet_record ack = _state.originate(ctx.prev_hop, 1);
    auto n =
        codec::encode_ack(ack.extra_room(), asked, ipv4_addr{_state.self}, ipv4_addr{ctx.prev_hop});
    if (!n)
        return;
    ack.extra_len = static_cast<std::uint8_t>(*n);
    // The ids this neighbour asked for just before, within the last second,
    // repeated after the answer: a lost Ack is made good by the next one
    // instead of a retransmission.
    auto& nb = _state.neighbours.get(ctx.prev_hop, ctx.in);
    for (std::size_t k = 0; k + 1 < _state.cfg.ack_redundancy && k < nb.n_asked; ++k) {
        if (now - nb.asked_at[k] > 1s || nb.asked_ids[k] == asked)
            break;
        auto m = codec::encode_ack(ack.extra_room(), nb.asked_ids[k], ipv4_addr{_state.self},
                                   ipv4_addr{ctx.prev_hop});
        if (!m)
            break;
        ack.extra_len = static_cast<std::uint8_t>(ack.extra_len + *m);
        ++_state.stats.acks_redundant;
    }
    for (std::size_t k = nb.asked_ids.size() - 1; k > 0; --k) {
        nb.asked_ids[k] = nb.asked_ids[k - 1];
        nb.asked_at[k] = nb.asked_at[k - 1];
    }
    nb.asked_ids[0] = asked;
    nb.asked_at[0] = now;
    if (nb.n_asked < nb.asked_ids.size())
        ++nb.n_asked;
    ++_state.stats.ack_sent;
    _transmitter.queue(now, ack, ctx.prev_hop);
}

// ---------------------------------------------------------------- evidence

void maintenance::link_feedback(time_point now, addr next_hop, link_status status)
{
    const auto frame = _transmitter.take_feedback(next_hop);
    maint_buffer::entry* e = nullptr;
    if (frame && frame->maint_slot >= 0) {
        auto& x = _buffer.at(static_cast<std::size_t>(frame->maint_slot));
        if (x.gen == frame->maint_gen && x.st == maint_buffer::state::waiting)
            e = &x;
    }
    switch (status) {
    case link_status::delivered:
        ++_state.stats.confirm_link;
        // The frame this feedback is for got through.
        link_confirmed(now, next_hop);
        if (e)
            confirm(now, *e);
        break;
    case link_status::not_sent:
        // The sender's own queue was full: congestion, not a broken link.
        ++_state.stats.link_not_sent;
        if (e) {
            _state.events.dropped(e->rec.handle, drop_reason::tx_queue_full);
            _buffer.release(e);
        }
        break;
    case link_status::failed:
        if (failed_before_break(now, next_hop, frame, e))
            break;
        if (e)
            e->awaits_link_feedback = false; // failed: link_failed() salvages it with the rest
        link_failed(now, next_hop);
        break;
    }
}

bool maintenance::failed_before_break(time_point now, addr next_hop,
                                      const std::optional<feedback_queue::frame>& frame,
                                      maint_buffer::entry* e)
{
    const auto* n = _state.neighbours.find(next_hop);
    if (!frame || !n || !n->lost_at || frame->sent > *n->lost_at)
        return false;
    // A frame handed over before a break already handled (Route Errors
    // sent): this packet alone is salvaged or rerouted.
    if (e) {
        packet_record rec = e->rec;
        _buffer.release(e);
        fail_packet(now, rec, next_hop, false);
    }
    return true;
}

void maintenance::heard(time_point now, addr neighbour, link_id in)
{
    _state.neighbours.heard(now, neighbour, in);
    bool any = false;
    for (auto& e : _buffer.entries()) {
        // Hearing the neighbour shows the link works, not that this packet
        // got there: hop-by-hop recovery waits for each packet's own Ack.
        if (e.st == maint_buffer::state::waiting && e.next_hop == neighbour && e.sent <= now &&
            !e.hop_reliable) {
            confirm(now, e);
            any = true;
        }
    }
    if (any)
        ++_state.stats.confirm_heard;
}

// ---------------------------------------------------------------- failures

void maintenance::link_failed(time_point now, addr next_hop)
{
    ++_state.stats.maint_failures;
    note_unidirectional(now, next_hop);
    if (auto* n = _state.neighbours.find(next_hop))
        n->last_confirmed.reset();
    if (_state.cache.remove_link(now, _state.self, next_hop))
        _state.events.link_broken(_state.self, next_hop);
    _discovery.piggyback({_state.self, _state.self, next_hop, 0});
    if (next_hop != _state.self && next_hop != broadcast && next_hop != no_addr)
        _state.neighbours.get(next_hop, _state.cfg.default_link).lost_at = now;
    fail_waiting(now, next_hop);
}

// Evidence of a unidirectional link: we answered a request heard from it
// and the reply failed (§4.6), or it is still heard after our first
// unconfirmed frame. A link that died both ways (a radio gone silent) was
// last heard before that and is not blacklisted.
void maintenance::note_unidirectional(time_point now, addr next_hop)
{
    std::optional<time_point> first_sent;
    bool replying = false; // a Route Reply to this neighbour failed
    for (auto& e : _buffer.entries())
        if (e.st == maint_buffer::state::waiting && e.next_hop == next_hop) {
            if (!first_sent || e.sent < *first_sent)
                first_sent = e.sent;
            replying |= e.rec.extra_len > 0 && e.rec.extra[0] == std::byte{BABE_DSR_OPT_RREP};
        }
    const auto* n = _state.neighbours.find(next_hop);
    if (n && n->last_heard && first_sent &&
        (replying ? *n->last_heard + _state.cfg.maint_holdoff_time >= *first_sent
                  : *n->last_heard > *first_sent))
        _state.unidirectional.add(now, next_hop);
}

void maintenance::fail_waiting(time_point now, addr next_hop)
{
    std::array<addr, 16> errored{}; // sources already sent a Route Error for this break
    std::size_t n_errored = 0;
    for (auto& e : _buffer.entries()) {
        if (e.st == maint_buffer::state::free || e.next_hop != next_hop)
            continue;
        // A frame the link layer still holds gets its own feedback: it may
        // yet arrive, so salvaging it now could deliver it twice. Its source
        // hears of the break all the same.
        const bool with_link_layer = e.st == maint_buffer::state::waiting && e.awaits_link_feedback;
        packet_record rec = e.rec;
        if (!with_link_layer)
            _buffer.release(&e); // stale queued transmissions are skipped by generation
        rec.ack_req_id.reset();
        if (rec.src != _state.self) {
            const bool already = std::find(errored.begin(), errored.begin() + n_errored, rec.src) !=
                                 errored.begin() + n_errored;
            if (!already) {
                send_route_error(now, rec, next_hop);
                if (n_errored < errored.size())
                    errored[n_errored++] = rec.src;
            }
            if (!with_link_layer)
                _salvage.salvage_packet(now, rec);
        } else if (!with_link_layer) {
            _salvage.reroute_own(now, rec);
        }
    }
}

void maintenance::fail_packet(time_point now, packet_record rec, addr next_hop, bool error)
{
    rec.ack_req_id.reset();
    if (rec.src != _state.self) {
        if (error)
            send_route_error(now, rec, next_hop);
        _salvage.salvage_packet(now, rec);
    } else {
        _salvage.reroute_own(now, rec);
    }
}

void maintenance::send_route_error(time_point now, const packet_record& failed, addr unreachable)
{
    // The way back to the source: the reversed part of the route already
    // travelled, or else the cache.
    route back;
    bool ok = false;
    if (failed.has_srcrt) {
        for (std::size_t k = 0; k < failed.path.hop_count; ++k) {
            if (failed.path.hops[k] == _state.self) {
                ok = reversed_route(std::span<const addr>(failed.path.hops.data(), k), failed.src,
                                    back);
                break;
            }
        }
    }
    if (!ok) {
        auto r = _state.cache.find(failed.src);
        if (!r)
            return;
        back = *r;
    }
    packet_record rec = _state.originate(failed.src, _state.cfg.data_ttl);
    rec.set_source_route(back);
    auto n = codec::encode_rerr_node_unreachable(rec.extra_room(), failed.salvage,
                                                 ipv4_addr{_state.self}, ipv4_addr{failed.src},
                                                 ipv4_addr{unreachable});
    if (!n)
        return;
    rec.extra_len = static_cast<std::uint8_t>(*n);
    ++_state.stats.rerr_sent;
    send(now, rec, back.next_hop());
}

// ---------------------------------------------------------------- timers

void maintenance::timeouts(time_point now)
{
    for (auto& e : _buffer.entries()) {
        if (_buffer.size() == 0)
            break;
        if (e.st != maint_buffer::state::waiting || e.deadline > now)
            continue;
        if (e.awaits_link_feedback) {
            ++_state.stats.link_feedback_timeouts; // the link layer never answered: ask ourselves
        } else if (!e.passive && e.rexmt > _state.cfg.max_maint_rexmt) {
            // Hop-by-hop recovery sends every packet with an Ack Request: at
            // a few per cent of loss each way, some packet misses
            // MaxMaintRexmt + 1 Acks every second. While the neighbour
            // acknowledges others sent after this one's first try, the link
            // works: retry up to hop_max_rexmt, then drop it (its end to end
            // recovery resends it).
            const auto* n = _state.neighbours.find(e.next_hop);
            const bool alive =
                e.hop_reliable && n && n->last_confirmed && *n->last_confirmed > e.first_sent;
            if (!alive) {
                link_failed(now, e.next_hop);
                continue;
            }
            if (e.rexmt > _state.cfg.hop_max_rexmt) {
                ++_state.stats.hop_rexmt_exhausted;
                _state.events.dropped(e.rec.handle, drop_reason::hop_rexmt_exhausted);
                _buffer.release(&e);
                continue;
            }
        }
        ++_state.stats.maint_retransmits;
        arm(now, e);
    }
}

} // namespace babe::dsr
