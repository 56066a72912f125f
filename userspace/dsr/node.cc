// SPDX-License-Identifier: Apache-2.0
// The DSR node: RFC 4728 Route Discovery (§3.3, §8.2), Route Maintenance
// (§3.4, §8.3), route shortening (§3.4.3), the Send Buffer (§4.2) and the
// tables of §4, wired together over the codec. See node.hh for the API and
// call order, docs/dsr-core.md for what is implemented and the deviations.
#include "dsr/node.hh"

#include <algorithm>
#include <array>
#include <limits>
#include <variant>

#include "core/prng.hh"
#include "dsr/blacklist.hh"
#include "dsr/codec/codec.hh"
#include "dsr/grat_reply_table.hh"
#include "dsr/maint_buffer.hh"
#include "dsr/neighbour_table.hh"
#include "dsr/packet.hh"
#include "dsr/request_table.hh"
#include "dsr/route_cache.hh"
#include "dsr/send_buffer.hh"
#include "dsr/tx_queue.hh"

namespace babe::dsr {

namespace {

using codec::ipv4_addr;

// Addresses of a decoded option, copied out (bounded) for processing.
struct addr_vec {
    std::array<addr, 64> a{};
    std::size_t n = 0;
    std::span<const addr> span() const { return {a.data(), n}; }
    bool push(addr x)
    {
        if (n == a.size())
            return false;
        a[n++] = x;
        return true;
    }
    bool contains(addr x) const { return std::find(a.begin(), a.begin() + n, x) != a.begin() + n; }
};

addr_vec copy_addrs(const codec::address_range& r)
{
    addr_vec v;
    for (auto x : r)
        if (!v.push(x.value))
            break;
    return v;
}

// No zero or broadcast address, no address twice.
bool plausible(std::span<const addr> p)
{
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == no_addr || p[i] == broadcast)
            return false;
        for (std::size_t j = i + 1; j < p.size(); ++j)
            if (p[i] == p[j])
                return false;
    }
    return true;
}

} // namespace

struct node::impl {
    impl(const config& c, addr self_addr, std::uint64_t seed)
        : cfg(c), self(self_addr), rng(seed), cache(cfg, self, stats), rtable(cfg, stats),
          disc(cfg, stats), rate(cfg, stats), sbuf(cfg), mbuf(cfg), bl(cfg, stats),
          grat(cfg, stats), nbrs(cfg, stats), txq(cfg.tx_queue_size),
          events(std::size_t(cfg.event_queue_size) + cfg.send_buffer_size + cfg.rexmt_buffer_size +
                 cfg.tx_queue_size),
          inst(cfg.installed_routes), inst_index(cfg.installed_routes)
    {
        next_rreq_id = static_cast<std::uint16_t>(rng.next());
        next_ack_id = static_cast<std::uint16_t>(rng.next());
        next_ip_id = static_cast<std::uint16_t>(rng.next());
    }

    config cfg;
    addr self;
    counters stats;
    prng rng;
    route_cache cache;
    request_table rtable;
    discovery_table disc;
    rate_limiter rate;
    send_buffer sbuf;
    maint_buffer mbuf;
    blacklist bl;
    grat_reply_table grat;
    neighbour_table nbrs;
    tx_queue txq;

    std::vector<event> events;
    std::size_t ev_head = 0, ev_count = 0;

    // Frames sent with want_link_feedback, oldest first: link-layer feedback
    // for a neighbour arrives in the order its frames were sent, so each
    // feedback call belongs to the oldest outstanding frame to that hop.
    struct fb_rec {
        addr next_hop = no_addr; // no_addr: consumed
        std::int32_t slot = -1;  // maintenance entry, or -1
        std::uint32_t gen = 0;
        time_point sent{};
    };
    std::vector<fb_rec> fb = std::vector<fb_rec>(cfg.tx_queue_size + cfg.rexmt_buffer_size);
    std::size_t fb_head = 0, fb_count = 0;

    void fb_push(addr next_hop, std::int32_t slot, std::uint32_t gen, time_point sent)
    {
        if (fb_count == fb.size()) { // forget the oldest
            fb_head = ring_index(fb_head + 1, fb.size());
            --fb_count;
        }
        fb[ring_index(fb_head + fb_count, fb.size())] = fb_rec{next_hop, slot, gen, sent};
        ++fb_count;
    }

    // The oldest outstanding frame to next_hop, consumed.
    std::optional<fb_rec> fb_take(addr next_hop)
    {
        std::optional<fb_rec> found;
        for (std::size_t k = 0; k < fb_count; ++k) {
            fb_rec& r = fb[ring_index(fb_head + k, fb.size())];
            if (r.next_hop == next_hop) {
                found = r;
                r.next_hop = no_addr;
                break;
            }
        }
        while (fb_count > 0 && fb[fb_head].next_hop == no_addr) {
            fb_head = ring_index(fb_head + 1, fb.size());
            --fb_count;
        }
        return found;
    }

    struct installed {
        addr dst = no_addr;
        route r;
        time_point last_used{};
        bool used = false;
    };
    std::vector<installed> inst;
    u32_index inst_index;
    std::uint64_t inst_version = 0;
    bool reply_arrived = false; // a Route Reply for us came in since the last settle()

    std::uint16_t next_rreq_id = 0, next_ack_id = 0, next_ip_id = 0;

    // Hop-by-hop recovery: which IP ids of that class each source's packets
    // had lately (a sender numbers its packets in sequence), as a window of
    // the 1024 ids up to the newest, like IPsec's anti-replay window. A
    // retransmission whose original got through is found here and dropped
    // (after its Acknowledgement). Sources beyond the table's size replace
    // the one heard least recently; an id older than the window passes.
    struct dup_window {
        addr src = no_addr;
        std::uint16_t top = 0; // the newest id
        time_point last{};
        std::array<std::uint64_t, 16> bits{}; // bit k: id top - k was seen
    };
    std::vector<dup_window> dups = std::vector<dup_window>(cfg.hop_dup_table_size);

    bool hop_reliable(const packet_record& rec) const
    {
        return cfg.hop_reliable_next_header != 0 && rec.next_header == cfg.hop_reliable_next_header &&
               rec.payload_len > 0 && !rec.no_hop_recovery;
    }

    // True when `id` from `src` was seen (within hop_dup_window of the
    // source's last packet); records it otherwise.
    bool seen_before(time_point now, addr src, std::uint16_t id)
    {
        dup_window* w = nullptr;
        dup_window* oldest = &dups[0];
        for (auto& d : dups) {
            if (d.src == src) {
                w = &d;
                break;
            }
            if (d.last < oldest->last)
                oldest = &d;
        }
        constexpr std::int32_t span = 16 * 64;
        if (!w || now - w->last > cfg.hop_dup_window) {
            if (!w)
                w = oldest;
            *w = dup_window{src, id, now, {}};
            w->bits[0] = 1;
            return false;
        }
        w->last = now;
        const std::int32_t ahead = static_cast<std::int16_t>(static_cast<std::uint16_t>(id - w->top));
        if (ahead > 0) {
            // Slide the window: bit k moves to k + ahead.
            if (ahead >= span) {
                w->bits = {};
            } else {
                const std::int32_t words = ahead / 64, shift = ahead % 64;
                for (std::int32_t i = 15; i >= 0; --i) {
                    const std::int32_t from = i - words;
                    std::uint64_t v = from >= 0 ? w->bits[static_cast<std::size_t>(from)] << shift : 0;
                    if (shift && from - 1 >= 0)
                        v |= w->bits[static_cast<std::size_t>(from - 1)] >> (64 - shift);
                    w->bits[static_cast<std::size_t>(i)] = v;
                }
            }
            w->top = id;
            w->bits[0] |= 1;
            return false;
        }
        const std::int32_t back = -ahead;
        if (back >= span)
            return false; // older than the window: cannot tell
        std::uint64_t& word = w->bits[static_cast<std::size_t>(back / 64)];
        const std::uint64_t bit = std::uint64_t{1} << (back % 64);
        if (word & bit)
            return true;
        word |= bit;
        return false;
    }

    // How long to wait for an Acknowledgement from nb: SRTT + 4 RTTVAR of
    // its measured round trips (RFC 6298's estimator), within
    // [maint_ack_timeout, max_ack_timeout]; maint_ack_timeout before any.
    // Hop-recovered packets use hop_min_ack_timeout as the floor.
    duration ack_timeout(addr nb, bool hop_reliable = false) const
    {
        const auto* n = nbrs.find(nb);
        if (!n || n->rtt_samples == 0)
            return cfg.maint_ack_timeout;
        return std::clamp(n->srtt + 4 * n->rttvar, hop_reliable ? cfg.hop_min_ack_timeout : cfg.maint_ack_timeout,
                          cfg.max_ack_timeout);
    }

    void rtt_sample(neighbour_table::entry& n, duration r)
    {
        ++stats.ack_rtt_samples;
        if (n.rtt_samples++ == 0) {
            n.srtt = r;
            n.rttvar = r / 2;
            return;
        }
        const duration err = n.srtt > r ? n.srtt - r : r - n.srtt;
        n.rttvar = (3 * n.rttvar + err) / 4;
        n.srtt = (7 * n.srtt + r) / 8;
    }

    struct rerr_info {
        addr err_src = no_addr, err_dst = no_addr, unreachable = no_addr;
        std::uint8_t salvage = 0;
    };
    std::optional<rerr_info> last_rerr; // piggybacked on the next Route Request (§3.4.4)
    std::optional<time_point> next_sweep;

    // ------------------------------------------------------------ outputs

    // The next free slot of the event ring, or nullptr (counted) when the
    // ring is full. Handle events may use the reserve beyond
    // event_queue_size: handles are never lost.
    event* emit_slot(bool carries_handle)
    {
        if (ev_count >= events.size() || (!carries_handle && ev_count >= cfg.event_queue_size)) {
            ++stats.event_queue_overflows;
            return nullptr;
        }
        event* e = &events[ring_index(ev_head + ev_count, events.size())];
        ++ev_count;
        return e;
    }

    void emit(const event& e)
    {
        if (event* slot = emit_slot(e.handle.has_value()))
            *slot = e;
    }

    // One per data packet sent or dropped: written in place in the ring (an
    // event built on the stack and copied in stalled on its own stores).
    void drop(std::optional<packet_handle> h, drop_reason why)
    {
        if (event* e = emit_slot(h.has_value())) {
            *e = event{};
            e->kind = event_kind::dropped;
            e->handle = h;
            e->reason = why;
        }
    }

    void release(std::optional<packet_handle> h)
    {
        if (!h)
            return;
        if (event* e = emit_slot(true)) {
            *e = event{};
            e->kind = event_kind::released;
            e->handle = h;
        }
    }

    link_id link_to(addr n) const
    {
        const auto* e = nbrs.find(n);
        return e ? e->link : cfg.default_link;
    }

    // Queue a frame. maint < 0: the item owns rec.handle (released once sent).
    // no_ack_req: queue it without rec's Acknowledgement Request.
    bool queue_tx(time_point due, const packet_record& rec, addr next_hop,
                  maint_buffer::entry* maint = nullptr, bool no_ack_req = false)
    {
        tx_item* it = txq.push(due);
        if (!it) {
            ++stats.tx_queue_overflows;
            if (maint) {
                drop(maint->rec.handle, drop_reason::tx_queue_full);
                mbuf.release(maint);
            } else {
                drop(rec.handle, drop_reason::tx_queue_full);
            }
            return false;
        }
        it->rec = rec;
        if (no_ack_req)
            it->rec.ack_req_id.reset();
        it->next_hop = next_hop;
        it->link = next_hop == broadcast ? all_links : link_to(next_hop);
        it->want_feedback = next_hop != broadcast && cfg.use_link_feedback;
        if (maint) {
            it->maint_slot = mbuf.index_of(maint);
            it->maint_gen = maint->gen;
        }
        return true;
    }

    // Send `rec` to next_hop with Route Maintenance for that hop (§8.3).
    // `rec` goes without its Acknowledgement Request (one is added when
    // needed); the record is copied where it is kept, not on the way.
    void send_maintained(time_point now, const packet_record& rec, addr next_hop)
    {
        const auto* n = nbrs.find(next_hop);
        // A next hop Route Maintenance gave up on within the last
        // lost_neighbour_holdoff (and not heard from since): fail this packet
        // now rather than into a dead link. The link leaves the cache again
        // (a route learned meanwhile may have brought it back), so the
        // reroute cannot pick it: each pass removes a link, which bounds it.
        if (n && n->lost_at && now - *n->lost_at < cfg.lost_neighbour_holdoff) {
            (void)cache.remove_link(now, self, next_hop);
            packet_record r = rec;
            r.ack_req_id.reset();
            fail_packet(now, r, next_hop);
            return;
        }
        // Within MaintHoldoffTime of a confirmation no new one is requested
        // (§8.3.1). With link-layer feedback every packet is kept until the
        // feedback says it arrived, so that a failure can salvage it.
        const bool reliable = hop_reliable(rec);
        const bool recent = !cfg.use_link_feedback && !reliable && n && n->last_confirmed &&
                            now - *n->last_confirmed < cfg.maint_holdoff_time && !bl.blocks(next_hop);
        if (recent) {
            queue_tx(now, rec, next_hop, nullptr, true);
            return;
        }
        if (reliable) {
            // A bounded window per next hop, like a link layer's: beyond
            // it a packet goes as the RFC sends one within the holdoff, with
            // no Ack Request, kept by nobody. Its loss is the end-to-end
            // congestion control's to see; a queue at the next hop no
            // longer grows the Ack waits of everything behind it.
            if (mbuf.hop_reliable_to(next_hop) >= cfg.hop_window) {
                ++stats.hop_window_full;
                queue_tx(now, rec, next_hop, nullptr, true);
                return;
            }
        }
        maint_buffer::entry* e = mbuf.acquire();
        if (!e) {
            ++stats.maint_buffer_overflows;
            queue_tx(now, rec, next_hop, nullptr, true);
            return;
        }
        e->rec = rec;
        e->rec.ack_req_id.reset();
        e->next_hop = next_hop;
        e->link = link_to(next_hop);
        if (reliable)
            mbuf.mark_hop_reliable(e, next_hop);
        if (cfg.use_link_feedback) {
            // The link layer retransmits and reports the outcome of every
            // frame (§8.3.1 link-layer acknowledgement): the entry waits for
            // that answer, with no passive ack or Ack Request of its own.
            e->link_fb = true;
            queue_tx(now, e->rec, next_hop, e);
            return;
        }
        arm_transmission(now, *e);
    }

    // Ask `nb` for an Acknowledgement with a packet of its own: a DSR header
    // holding only an Acknowledgement Request (Next Header "none"), under the
    // usual retransmission rules (§8.3.3). For traffic that never reaches the
    // core (forwarded in the kernel), whose links the caller sees go quiet.
    void probe(time_point now, addr nb)
    {
        if (nb == self || nb == broadcast || nb == no_addr)
            return;
        for (const auto& e : mbuf.entries())
            if (e.st != maint_buffer::state::free && e.next_hop == nb && e.rec.dst == nb &&
                !e.rec.handle && e.rec.src == self && e.rec.extra_len == 0)
                return; // a probe is already out
        maint_buffer::entry* e = mbuf.acquire();
        if (!e) {
            ++stats.maint_buffer_overflows;
            return;
        }
        packet_record rec;
        rec.src = self;
        rec.dst = nb;
        rec.ttl = 1;
        rec.next_header = ipproto_none;
        rec.ip_id = next_ip_id++;
        e->rec = rec;
        e->next_hop = nb;
        e->link = link_to(nb);
        ++stats.maint_probes;
        arm_transmission(now, *e);
    }

    // (Re)transmit a maintenance entry: passive first when the next hop
    // forwards the packet (§8.3.3), then with an Acknowledgement Request.
    void arm_transmission(time_point now, maint_buffer::entry& e)
    {
        e.link_fb = false;
        const bool next_forwards = e.next_hop != e.rec.dst;
        // Hop-by-hop recovery asks every hop at once: a passive ack needs a
        // next hop that forwards in the core and a medium that overhears.
        if (next_forwards && !e.hop_reliable && e.passive_tries < cfg.try_passive_acks) {
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
            ++stats.ack_req_sent;
        }
        e.st = maint_buffer::state::queued;
        queue_tx(now, e.rec, e.next_hop, &e);
    }

    // ------------------------------------------------------------ routes

    void install(time_point now, addr dst, const route& r)
    {
        auto i = inst_index.find(dst);
        if (!i) {
            std::size_t slot = inst.size(), lru = 0;
            for (std::size_t k = 0; k < inst.size(); ++k) {
                if (!inst[k].used) {
                    slot = k;
                    break;
                }
                if (inst[k].last_used < inst[lru].last_used)
                    lru = k;
            }
            if (slot == inst.size()) {
                slot = lru;
                ++stats.installed_evictions;
                event e;
                e.kind = event_kind::route_removed;
                e.dst = inst[slot].dst;
                emit(e);
                (void)inst_index.erase(inst[slot].dst);
            }
            inst[slot] = installed{dst, r, now, true};
            (void)inst_index.insert(dst, static_cast<std::uint32_t>(slot));
            event e;
            e.kind = event_kind::route_changed;
            e.dst = dst;
            e.path = r;
            emit(e);
            return;
        }
        installed& x = inst[*i];
        x.last_used = now;
        if (!(x.r == r)) {
            x.r = r;
            event e;
            e.kind = event_kind::route_changed;
            e.dst = dst;
            e.path = r;
            emit(e);
        }
    }

    // After the cache changed: report changed best routes, finish
    // discoveries, send what waits in the Send Buffer.
    void settle(time_point now)
    {
        // A reply that only confirms a cached route changes nothing in the
        // cache but still answers the discovery that asked for it.
        const bool changed = cache.version() != inst_version;
        if (!changed && !reply_arrived)
            return;
        reply_arrived = false;
        if (!changed) {
            finish_discoveries(now);
            return;
        }
        inst_version = cache.version();
        for (auto& x : inst) {
            if (!x.used)
                continue;
            auto r = cache.find(x.dst);
            if (!r) {
                event e;
                e.kind = event_kind::route_removed;
                e.dst = x.dst;
                emit(e);
                (void)inst_index.erase(x.dst);
                x = installed{};
            } else if (!(*r == x.r)) {
                x.r = *r;
                event e;
                e.kind = event_kind::route_changed;
                e.dst = x.dst;
                e.path = *r;
                emit(e);
            }
        }
        finish_discoveries(now);
        if (!sbuf.empty()) {
            sbuf.drain_if([&](send_buffer::entry& e) {
                auto r = cache.find(e.rec.dst);
                if (!r)
                    return false;
                ++stats.send_buffer_sent;
                install(now, e.rec.dst, *r);
                send_on_route(now, e.rec, *r);
                return true;
            });
        }
    }

    // Every discovery whose target now has a route is done.
    void finish_discoveries(time_point now)
    {
        for (auto& d : disc.entries()) {
            if (disc.size() == 0)
                break;
            if (!d.used)
                continue;
            if (auto r = cache.find(d.target)) {
                ++stats.discovery_done;
                event e;
                e.kind = event_kind::discovery_done;
                e.dst = d.target;
                e.latency = now - d.first;
                emit(e);
                install(now, d.target, *r);
                disc.erase(&d);
            }
        }
    }

    void send_on_route(time_point now, packet_record rec, const route& r)
    {
        cache.touch(now, r);
        send_touched(now, rec, r);
    }

    // send_on_route for a route whose links were just refreshed (find_and_touch).
    void send_touched(time_point now, packet_record& rec, const route& r)
    {
        rec.path = r;
        rec.has_srcrt = r.hop_count > 0;
        rec.segs_left = r.hop_count;
        rec.salvage = 0;
        send_maintained(now, rec, r.next_hop());
    }

    // ------------------------------------------------------------ discovery

    void start_discovery(time_point now, addr target)
    {
        if (target == self || target == no_addr || target == broadcast || disc.find(target))
            return;
        discovery_table::entry* e = disc.create(target);
        if (!e)
            return;
        e->first = now;
        send_request(now, *e);
    }

    void send_request(time_point now, discovery_table::entry& e)
    {
        const bool first = e.count == 0;
        duration wait{};
        if (first && (cfg.nonprop_first || cfg.expanding_ring)) {
            e.ttl = 1; // §3.3.3 non-propagating request
            wait = cfg.nonprop_request_timeout;
        } else if (cfg.expanding_ring && e.ttl < cfg.discovery_hop_limit) {
            e.ttl = static_cast<std::uint8_t>(std::min<unsigned>(2u * e.ttl, cfg.discovery_hop_limit));
            wait = cfg.request_period;
        } else {
            e.ttl = cfg.discovery_hop_limit;
            // §3.3.3 exponential backoff between full floods.
            e.period = e.period == duration::zero() ? cfg.request_period
                                                    : std::min(2 * e.period, cfg.max_request_period);
            wait = e.period;
        }
        e.last = now;
        e.deadline = now + wait;
        ++e.count;
        if (first)
            ++stats.rreq_originated;
        else
            ++stats.rreq_retransmitted;

        packet_record rec;
        rec.src = self;
        rec.dst = broadcast;
        rec.ttl = e.ttl;
        rec.ip_id = next_ip_id++;
        const std::uint16_t id = next_rreq_id++;
        (void)rtable.check_and_record(now, self, id, e.target);
        auto n = codec::encode_rreq(rec.extra_room(), id, ipv4_addr{e.target}, {});
        if (!n)
            return;
        rec.extra_len = static_cast<std::uint8_t>(*n);
        if (last_rerr) {
            auto m = codec::encode_rerr_node_unreachable(
                rec.extra_room(), last_rerr->salvage, ipv4_addr{last_rerr->err_src},
                ipv4_addr{last_rerr->err_dst}, ipv4_addr{last_rerr->unreachable});
            if (m) {
                rec.extra_len = static_cast<std::uint8_t>(rec.extra_len + *m);
                ++stats.rerr_piggybacked;
            }
            last_rerr.reset();
        }
        queue_tx(now, rec, broadcast);
    }

    // ------------------------------------------------------------ replies

    // A Route Reply to `initiator` listing `reply_addrs` (Address[1..n], the
    // last one the target), sent along `back` (intermediates toward initiator).
    bool build_reply(packet_record& rec, addr initiator, std::span<const addr> reply_addrs,
                     const route& back)
    {
        rec.src = self;
        rec.dst = initiator;
        rec.ttl = cfg.data_ttl;
        rec.ip_id = next_ip_id++;
        rec.path = back;
        rec.has_srcrt = back.hop_count > 0;
        rec.segs_left = back.hop_count;
        std::array<ipv4_addr, max_route_hops + 1> a{};
        if (reply_addrs.size() > a.size()) {
            ++stats.route_too_long;
            return false;
        }
        for (std::size_t i = 0; i < reply_addrs.size(); ++i)
            a[i] = ipv4_addr{reply_addrs[i]};
        auto n = codec::encode_rrep(rec.extra_room(), false,
                                    codec::addr_list(a.data(), reply_addrs.size()));
        if (!n)
            return false;
        rec.extra_len = static_cast<std::uint8_t>(rec.extra_len + *n);
        return true;
    }

    static bool reversed_route(std::span<const addr> forward_intermediates, addr dst, route& out)
    {
        if (forward_intermediates.size() > max_route_hops)
            return false;
        out = route{};
        out.dst = dst;
        out.hop_count = static_cast<std::uint8_t>(forward_intermediates.size());
        for (std::size_t i = 0; i < forward_intermediates.size(); ++i)
            out.hops[i] = forward_intermediates[forward_intermediates.size() - 1 - i];
        return true;
    }

    // ------------------------------------------------------------ maintenance

    void confirm_entry(time_point now, maint_buffer::entry& e)
    {
        release(e.rec.handle);
        link_confirmed(now, e.next_hop);
        mbuf.release(&e);
    }

    void link_confirmed(time_point now, addr n)
    {
        auto& nb = nbrs.get(n, cfg.default_link);
        nb.last_confirmed = now;
        nb.lost_at.reset();
        bl.clear(n); // bidirectionality shown (§4.6)
    }

    void send_route_error(time_point now, const packet_record& failed, addr unreachable)
    {
        // The way back to the source: the reversed part of the route already
        // travelled, or else the cache.
        route back;
        bool ok = false;
        if (failed.has_srcrt) {
            for (std::size_t k = 0; k < failed.path.hop_count; ++k) {
                if (failed.path.hops[k] == self) {
                    ok = reversed_route(std::span<const addr>(failed.path.hops.data(), k), failed.src, back);
                    break;
                }
            }
        }
        if (!ok) {
            auto r = cache.find(failed.src);
            if (!r)
                return;
            back = *r;
        }
        packet_record rec;
        rec.src = self;
        rec.dst = failed.src;
        rec.ttl = cfg.data_ttl;
        rec.ip_id = next_ip_id++;
        rec.path = back;
        rec.has_srcrt = back.hop_count > 0;
        rec.segs_left = back.hop_count;
        auto n = codec::encode_rerr_node_unreachable(rec.extra_room(), failed.salvage, ipv4_addr{self},
                                                     ipv4_addr{failed.src}, ipv4_addr{unreachable});
        if (!n)
            return;
        rec.extra_len = static_cast<std::uint8_t>(*n);
        ++stats.rerr_sent;
        send_maintained(now, rec, back.next_hop());
    }

    // Route Maintenance failed for the link self -> next_hop (§8.3.4).
    void link_failed(time_point now, addr next_hop)
    {
        ++stats.maint_failures;
        // Heard from it while it did not hear us: a unidirectional link (§4.6).
        std::optional<time_point> first_sent;
        bool replying = false; // a Route Reply to this neighbour failed
        for (auto& e : mbuf.entries())
            if (e.st == maint_buffer::state::waiting && e.next_hop == next_hop) {
                if (!first_sent || e.sent < *first_sent)
                    first_sent = e.sent;
                replying |= e.rec.extra_len > 0 && e.rec.extra[0] == std::byte{BABE_DSR_OPT_RREP};
            }
        // Evidence of a unidirectional link: we answered a request heard from
        // it and the reply failed (§4.6), or it is still heard after our
        // first unconfirmed frame. A link that died both ways (a radio gone
        // silent) was last heard before that and is not blacklisted.
        if (const auto* n = nbrs.find(next_hop); n && n->last_heard && first_sent &&
                                                 (replying ? *n->last_heard + cfg.maint_holdoff_time >= *first_sent
                                                           : *n->last_heard > *first_sent))
            bl.add(now, next_hop);
        if (auto* n = nbrs.find(next_hop))
            n->last_confirmed.reset();

        if (cache.remove_link(now, self, next_hop)) {
            event e;
            e.kind = event_kind::link_broken;
            e.from = self;
            e.to = next_hop;
            emit(e);
        }
        last_rerr = rerr_info{self, self, next_hop, 0};

        if (next_hop != self && next_hop != broadcast && next_hop != no_addr)
            nbrs.get(next_hop, cfg.default_link).lost_at = now;

        std::array<addr, 16> errored{};
        std::size_t n_errored = 0;
        for (auto& e : mbuf.entries()) {
            if (e.st == maint_buffer::state::free || e.next_hop != next_hop)
                continue;
            // A frame the link layer still holds gets its own feedback: it
            // may yet arrive, so salvaging it now could deliver it twice.
            // Its source hears of the break all the same.
            const bool with_link_layer = e.st == maint_buffer::state::waiting && e.link_fb;
            packet_record rec = e.rec;
            if (!with_link_layer)
                mbuf.release(&e); // stale queued transmissions are skipped by generation
            rec.ack_req_id.reset();
            if (rec.src != self) {
                const bool already = std::find(errored.begin(), errored.begin() + n_errored, rec.src) !=
                                     errored.begin() + n_errored;
                if (!already) {
                    send_route_error(now, rec, next_hop);
                    if (n_errored < errored.size())
                        errored[n_errored++] = rec.src;
                }
                if (!with_link_layer)
                    salvage(now, rec);
            } else if (!with_link_layer) {
                reroute_own(now, rec);
            }
        }
    }

    // One packet whose next hop is known unreachable (§8.3.4): a Route
    // Error to its source (unless already sent for this break) and salvage,
    // or, for our own, another route.
    void fail_packet(time_point now, packet_record rec, addr next_hop, bool error = true)
    {
        rec.ack_req_id.reset();
        if (rec.src != self) {
            if (error)
                send_route_error(now, rec, next_hop);
            salvage(now, rec);
        } else {
            reroute_own(now, rec);
        }
    }

    // §8.3.6: send someone else's packet on another route of our own.
    void salvage(time_point now, packet_record rec)
    {
        const bool is_data = rec.next_header != ipproto_none || rec.payload_len > 0;
        if (!is_data) {
            release(rec.handle);
            return;
        }
        if (rec.salvage >= cfg.max_salvage_count) {
            ++stats.salvage_limit;
            drop(rec.handle, drop_reason::salvage_limit);
            return;
        }
        auto r = cache.find(rec.dst);
        // A salvage route through the packet's own source would be a loop.
        if (r && std::find(r->hops.begin(), r->hops.begin() + r->hop_count, rec.src) !=
                     r->hops.begin() + r->hop_count)
            r.reset();
        if (!r) {
            drop(rec.handle, drop_reason::maint_failed);
            return;
        }
        ++stats.data_salvaged;
        rec.path = *r;
        rec.has_srcrt = r->hop_count > 0;
        rec.segs_left = r->hop_count;
        rec.salvage = static_cast<std::uint8_t>(rec.salvage + 1);
        send_maintained(now, rec, r->next_hop());
    }

    void reroute_own(time_point now, packet_record rec)
    {
        const bool is_data = rec.next_header != ipproto_none || rec.payload_len > 0;
        if (!is_data) {
            release(rec.handle);
            return;
        }
        if (auto r = cache.find(rec.dst)) {
            send_on_route(now, rec, *r);
            return;
        }
        buffer(now, rec);
    }

    void buffer(time_point now, packet_record rec)
    {
        if (!rec.buffered_at)
            rec.buffered_at = now;
        std::optional<packet_record> evicted;
        sbuf.push(*rec.buffered_at, rec, &evicted);
        ++stats.send_buffer_enqueued;
        if (evicted) {
            ++stats.send_buffer_overflows;
            drop(evicted->handle, drop_reason::send_buffer_full);
        }
        start_discovery(now, rec.dst);
    }

    // ------------------------------------------------------------ receive

    void handle_packet(time_point now, link_id in, addr prev_hop, std::span<const std::byte> pkt,
                       std::optional<packet_handle> h, bool overheard);
    void handle_rreq(time_point now, addr prev, const codec::ipv4_view& ip,
                     const codec::rreq_view& rreq, const packet_record& carried,
                     std::optional<packet_handle> h);
    void handle_timeout(time_point now);
};

// ---------------------------------------------------------------- receive path

void node::impl::handle_packet(time_point now, link_id in, addr prev_hop,
                               std::span<const std::byte> pkt, std::optional<packet_handle> h,
                               bool overheard)
{
    auto parsed = codec::parse_ipv4_dsr(pkt);
    if (!parsed) {
        if (parsed.error() == codec::codec_error::unknown_option_drop) {
            ++stats.unknown_option;
            drop(h, drop_reason::unknown_option);
        } else {
            ++stats.malformed;
            drop(h, drop_reason::malformed);
        }
        return;
    }
    const codec::ipv4_view& ip = parsed->ip;
    const codec::dsr_view& dsr = parsed->dsr;
    const addr src = ip.source().value;
    const addr dst = ip.destination().value;

    // One pass over the options.
    std::optional<codec::rreq_view> rreq;
    std::optional<codec::rrep_view> rrep;
    std::optional<codec::srcrt_view> srcrt;
    std::optional<codec::ack_req_view> ack_req;
    packet_record carried; // options carried along when forwarding
    bool carry_overflow = false;
    std::array<codec::rerr_view, 4> rerrs;
    std::size_t n_rerr = 0;
    std::array<codec::ack_view, 4> acks;
    std::size_t n_ack = 0;
    for (const codec::option& o : dsr.options()) {
        if (auto* v = std::get_if<codec::rreq_view>(&o))
            rreq = *v;
        else if (auto* v = std::get_if<codec::srcrt_view>(&o))
            srcrt = *v;
        else if (auto* v = std::get_if<codec::ack_req_view>(&o))
            ack_req = *v;
        else if (auto* v = std::get_if<codec::ack_view>(&o)) {
            if (n_ack < acks.size())
                acks[n_ack++] = *v;
        } else if (std::holds_alternative<codec::pad1_view>(o) ||
                   std::holds_alternative<codec::padn_view>(o)) {
        } else {
            if (auto* v = std::get_if<codec::rrep_view>(&o); v && !rrep)
                rrep = *v;
            if (auto* v = std::get_if<codec::rerr_view>(&o); v && n_rerr < rerrs.size())
                rerrs[n_rerr++] = *v;
            const codec::bytes_view raw = std::visit([](const auto& x) { return x.bytes(); }, o);
            carry_overflow |= !carried.append_extra(raw);
        }
    }

    addr_vec hops;
    std::uint8_t segs = 0;
    if (srcrt) {
        hops = copy_addrs(srcrt->addresses());
        segs = srcrt->segments_left();
        if (hops.n > max_route_hops) {
            ++stats.route_too_long;
            drop(h, drop_reason::route_too_long);
            return;
        }
    }
    // The link-layer sender, when the caller did not say.
    if (prev_hop == no_addr) {
        if (srcrt) {
            const std::size_t ri = hops.n - segs; // index of the intended receiver
            prev_hop = ri == 0 ? src : hops.a[ri - 1];
        } else if (rreq) {
            auto a = rreq->addresses();
            prev_hop = a.empty() ? src : a.back().value;
        } else {
            prev_hop = src;
        }
    }
    // Our own Route Request heard back from a neighbour that forwarded it
    // (§8.2.2: a node never processes a request it initiated).
    if (prev_hop == self || src == no_addr || src == broadcast || (rreq && src == self)) {
        if (rreq && src == self)
            ++stats.rreq_own;
        release(h);
        return;
    }
    nbrs.heard(now, prev_hop, in);

    // Source routes must be plausible: no loops, not through src or dst.
    if (srcrt) {
        bool ok = plausible(hops.span()) && !hops.contains(src) && !hops.contains(dst);
        if (!ok) {
            ++stats.hostile;
            drop(h, drop_reason::hostile);
            return;
        }
    }

    // Route Errors: every node that sees one forgets the link (§8.3.5).
    for (std::size_t i = 0; i < n_rerr; ++i) {
        auto u = rerrs[i].unreachable_node();
        if (!u)
            continue;
        const addr from = rerrs[i].source().value;
        if (cache.remove_link(now, from, u->value)) {
            event e;
            e.kind = event_kind::link_broken;
            e.from = from;
            e.to = u->value;
            emit(e);
        }
        if (rerrs[i].destination().value == self && dst == self && segs == 0 && !overheard) {
            ++stats.rerr_received;
            last_rerr = rerr_info{from, self, u->value, rerrs[i].salvage()}; // §3.4.4
        }
    }

    // Acknowledgements for us (§8.3.3). An entry is confirmed by an Ack for
    // the ids of its first and last four transmissions (a late Ack for an
    // earlier transmission counts). The first Ack of a packet answers its Ack
    // Request; the others repeat earlier ones (ack_redundancy), so only the
    // first is a round-trip sample, and each id names one transmission:
    // samples need no Karn exclusion.
    for (std::size_t i = 0; i < n_ack; ++i) {
        if (acks[i].destination().value != self)
            continue;
        const addr from = acks[i].source().value;
        const std::uint16_t id = acks[i].id();
        for (auto& e : mbuf.entries()) {
            if (e.st != maint_buffer::state::waiting || e.next_hop != from || e.passive || e.link_fb ||
                (id != e.ack_id && id != e.first_ack_id && id != e.prev_ack_ids[0] &&
                 id != e.prev_ack_ids[1] && id != e.prev_ack_ids[2]))
                continue;
            ++stats.ack_received;
            if (i == 0 && (id == e.ack_id || id == e.first_ack_id))
                rtt_sample(nbrs.get(from, cfg.default_link), now - (id == e.ack_id ? e.sent : e.first_sent));
            confirm_entry(now, e);
            break;
        }
    }

    if (rreq && dst == broadcast) {
        if (carry_overflow) {
            ++stats.hostile;
            drop(h, drop_reason::hostile);
            return;
        }
        handle_rreq(now, prev_hop, ip, *rreq, carried, h);
        return;
    }

    const std::size_t payload_offset = ip.header_len() + dsr.header_len();
    const std::size_t payload_len = ip.total_len() - payload_offset;

    // The whole path this packet follows: src, hops..., dst.
    // A salvaged packet's route starts at the salvaging node, not at src (§8.3.6).
    const bool salvaged = srcrt && srcrt->salvage() > 0;
    std::array<addr, max_route_hops + 2> full{};
    std::size_t full_n = 0;
    full[full_n++] = src;
    for (std::size_t i = 0; i < hops.n; ++i)
        full[full_n++] = hops.a[i];
    full[full_n++] = dst;
    // What may be learned: the salvaged route without the unknown first link.
    const std::span<const addr> learnable =
        salvaged ? std::span<const addr>(full.data() + 1, full_n - 1)
                 : std::span<const addr>(full.data(), full_n);
    // Links this packet crossed (src .. the receiver of this hop) are
    // first-hand; the rest of its source route is the source's cache.
    const std::size_t crossed = (srcrt ? hops.n - segs + 1 : full_n - 1) - (salvaged ? 1 : 0);
    // A Route Reply teaches its route from the initiator; the links up to
    // the node that sent it were crossed by the Route Request just now, the
    // rest is that node's cache (all of it first-hand from the target).
    auto reply_fresh = [&](std::span<const addr> rp) {
        for (std::size_t i = 0; i < rp.size(); ++i)
            if (rp[i] == src)
                return i;
        return std::size_t{0};
    };

    if (overheard) {
        // Passive acknowledgement: the next hop forwarded what we sent (§8.3.3).
        for (auto& e : mbuf.entries()) {
            if (e.st == maint_buffer::state::waiting && e.passive && e.next_hop == prev_hop &&
                e.rec.src == src && e.rec.dst == dst && e.rec.ip_id == ip.id() &&
                segs + 1 == e.rec.segs_left) {
                ++stats.confirm_passive;
                confirm_entry(now, e);
                break;
            }
        }
        cache.learn(now, learnable, cfg.assume_bidirectional, &bl, crossed);
        // Reply-storm prevention: a shorter reply for the same discovery (§8.2.4).
        if (rrep && !rrep->addresses().empty()) {
            const addr target = rrep->addresses().back().value;
            const std::size_t len = rrep->addresses().size();
            txq.for_each([&](tx_item& it) {
                if (it.cancellable && !it.cancelled && it.reply_initiator == dst &&
                    it.reply_target == target && len < it.reply_hops) {
                    it.cancelled = true;
                    ++stats.rrep_cache_suppressed;
                }
            });
        }
        // Automatic route shortening (§3.4.3): we are listed later on the route.
        if (cfg.route_shortening && srcrt && segs > 0 && !salvaged) {
            const std::size_t ri = hops.n - segs; // the intended receiver's index in hops
            std::size_t j = hops.n + 1;           // our index in `full`
            for (std::size_t k = ri + 2; k < full_n; ++k) // full[ri+1] is the receiver
                if (full[k] == self)
                    j = k;
            if (j <= hops.n) {
                if (grat.try_record(now, src, prev_hop)) {
                    // Shortened route: src, hops[0..ri-1], self, full[j+1..].
                    std::array<addr, max_route_hops + 2> reply{};
                    std::size_t rn = 0;
                    for (std::size_t k = 0; k < ri; ++k)
                        reply[rn++] = hops.a[k];
                    reply[rn++] = self;
                    for (std::size_t k = j + 1; k < full_n; ++k)
                        reply[rn++] = full[k];
                    route back;
                    if (reversed_route(std::span<const addr>(hops.a.data(), ri), src, back)) {
                        packet_record rec;
                        if (build_reply(rec, src, std::span<const addr>(reply.data(), rn), back)) {
                            ++stats.rrep_gratuitous;
                            send_maintained(now, rec, back.next_hop());
                        }
                    }
                } else {
                    ++stats.rrep_grat_held_off;
                }
            }
        }
        release(h);
        return;
    }

    // Acknowledgement Request for the hop that reached us (§8.3.3).
    if (ack_req) {
        packet_record ack;
        ack.src = self;
        ack.dst = prev_hop;
        ack.ttl = 1;
        ack.ip_id = next_ip_id++;
        auto n = codec::encode_ack(ack.extra_room(), ack_req->id(), ipv4_addr{self}, ipv4_addr{prev_hop});
        if (n) {
            ack.extra_len = static_cast<std::uint8_t>(*n);
            // The ids this neighbour asked for just before, within the last
            // second, repeated after the answer: a lost Ack is made good by
            // the next one instead of a retransmission.
            auto& nb = nbrs.get(prev_hop, in);
            for (std::size_t k = 0; k + 1 < cfg.ack_redundancy && k < nb.n_asked; ++k) {
                if (now - nb.asked_at[k] > 1s || nb.asked_ids[k] == ack_req->id())
                    break;
                auto m = codec::encode_ack(ack.extra_room(), nb.asked_ids[k], ipv4_addr{self},
                                           ipv4_addr{prev_hop});
                if (!m)
                    break;
                ack.extra_len = static_cast<std::uint8_t>(ack.extra_len + *m);
                ++stats.acks_redundant;
            }
            for (std::size_t k = nb.asked_ids.size() - 1; k > 0; --k) {
                nb.asked_ids[k] = nb.asked_ids[k - 1];
                nb.asked_at[k] = nb.asked_at[k - 1];
            }
            nb.asked_ids[0] = ack_req->id();
            nb.asked_at[0] = now;
            if (nb.n_asked < nb.asked_ids.size())
                ++nb.n_asked;
            ++stats.ack_sent;
            queue_tx(now, ack, prev_hop);
        }
        // Hop-by-hop recovery: a retransmission of what already got here
        // was acknowledged again just now and goes no further.
        if (cfg.hop_reliable_next_header != 0 && dsr.next_header() == cfg.hop_reliable_next_header &&
            payload_len > 0 && seen_before(now, src, ip.id())) {
            ++stats.hop_duplicates;
            release(h);
            return;
        }
    }

    if (srcrt && segs > 0) {
        // We should be hops[n - segs]; forward to the next (§8.1.4).
        const std::size_t ri = hops.n - segs;
        if (hops.a[ri] != self) {
            ++stats.not_on_route;
            drop(h, drop_reason::not_on_route);
            return;
        }
        cache.learn(now, learnable, cfg.assume_bidirectional, &bl, crossed);
        if (rrep) {
            // A reply in transit teaches the route it carries, from the initiator (dst).
            addr_vec ra = copy_addrs(rrep->addresses());
            std::array<addr, 65> rp{};
            std::size_t rpn = 0;
            rp[rpn++] = dst;
            for (std::size_t i = 0; i < ra.n && rpn < rp.size(); ++i)
                rp[rpn++] = ra.a[i];
            const std::span<const addr> rs(rp.data(), rpn);
            if (plausible(rs))
                cache.learn(now, rs, cfg.assume_bidirectional, &bl, reply_fresh(rs));
        }
        if (ip.ttl() <= 1) {
            ++stats.ttl_expired;
            drop(h, drop_reason::ttl_expired);
            return;
        }
        if (carry_overflow) {
            ++stats.hostile;
            drop(h, drop_reason::hostile);
            return;
        }
        if (payload_len > 0 && !h) {
            ++stats.no_handle;
            drop(h, drop_reason::no_handle);
            return;
        }
        packet_record rec = carried;
        rec.src = src;
        rec.dst = dst;
        rec.ttl = static_cast<std::uint8_t>(ip.ttl() - 1);
        rec.tos = ip.tos();
        rec.next_header = dsr.next_header();
        rec.ip_id = ip.id();
        rec.handle = payload_len > 0 ? h : std::nullopt;
        rec.payload_offset = static_cast<std::uint32_t>(payload_offset);
        rec.payload_len = static_cast<std::uint32_t>(payload_len);
        rec.has_srcrt = true;
        rec.path = route{};
        rec.path.dst = dst;
        rec.path.hop_count = static_cast<std::uint8_t>(hops.n);
        std::copy(hops.a.begin(), hops.a.begin() + hops.n, rec.path.hops.begin());
        rec.segs_left = static_cast<std::uint8_t>(segs - 1);
        rec.salvage = srcrt->salvage();
        // Hop-by-hop recovery is the source's choice: it asked the first
        // hop for an Acknowledgement, and each hop asks the next.
        rec.no_hop_recovery = !ack_req;
        if (rrep)
            ++stats.rrep_forwarded;
        else if (n_rerr)
            ++stats.rerr_forwarded;
        else
            ++stats.data_forwarded;
        if (payload_len == 0)
            release(h); // control packet: the record holds everything needed
        send_maintained(now, rec, rec.next_hop_after(rec.segs_left));
        return;
    }

    if (dst != self) {
        ++stats.not_on_route;
        drop(h, drop_reason::not_on_route);
        return;
    }

    // For us (§8.1.5).
    cache.learn(now, learnable, cfg.assume_bidirectional, &bl);
    if (rrep) {
        ++stats.rrep_received;
        reply_arrived = true;
        addr_vec ra = copy_addrs(rrep->addresses());
        std::array<addr, 65> rp{};
        std::size_t rpn = 0;
        rp[rpn++] = self;
        for (std::size_t i = 0; i < ra.n && rpn < rp.size(); ++i)
            rp[rpn++] = ra.a[i];
        const std::span<const addr> rs(rp.data(), rpn);
        if (plausible(rs))
            cache.learn(now, rs, cfg.assume_bidirectional, &bl, reply_fresh(rs));
        else
            ++stats.hostile;
    }
    if (dsr.next_header() != ipproto_none) {
        ++stats.data_delivered;
        event e;
        e.kind = event_kind::delivered;
        e.handle = h;
        e.payload_offset = static_cast<std::uint32_t>(payload_offset);
        e.protocol = dsr.next_header();
        e.src = src;
        emit(e);
        return;
    }
    release(h);
}

void node::impl::handle_rreq(time_point now, addr prev, const codec::ipv4_view& ip,
                             const codec::rreq_view& rreq, const packet_record& carried,
                             std::optional<packet_handle> h)
{
    release(h); // everything needed is copied below
    const addr initiator = ip.source().value;
    const addr target = rreq.target().value;
    addr_vec addrs = copy_addrs(rreq.addresses());
    if (!plausible(addrs.span()) || addrs.contains(initiator) || target == no_addr ||
        target == broadcast || target == initiator) {
        ++stats.hostile;
        return;
    }
    if (addrs.contains(self)) {
        ++stats.rreq_duplicate;
        return;
    }
    if (bl.lookup(now, prev) == blacklist::state::probable) {
        ++stats.rreq_blacklisted; // §4.6: do not form routes over a unidirectional link
        return;
    }
    // The route the request travelled, initiator ... self.
    std::array<addr, 66> path{};
    std::size_t pn = 0;
    path[pn++] = initiator;
    for (std::size_t i = 0; i < addrs.n; ++i)
        path[pn++] = addrs.a[i];
    path[pn++] = self;
    // The record was crossed just now: first-hand. Learned whole from the
    // first copy of a request (and by its target), only its last links from
    // a duplicate (§8.2.2 discards those): a flood reaches each node over
    // many neighbours, and relearning each copy's whole record was most of
    // the cost of a flood in a large network.
    const auto learn_record = [&] {
        cache.learn(now, std::span<const addr>(path.data(), pn), cfg.assume_bidirectional, &bl);
    };

    if (!rate.allow(now, initiator)) {
        ++stats.rreq_rate_limited;
        return;
    }
    if (target == self) {
        // §8.2.4: reply along the reversed route (bidirectional links).
        learn_record();
        ++stats.rreq_received_as_target;
        std::array<addr, 66> reply{};
        std::size_t rn = 0;
        for (std::size_t i = 0; i < addrs.n; ++i)
            reply[rn++] = addrs.a[i];
        reply[rn++] = self;
        route back;
        if (!reversed_route(addrs.span(), initiator, back)) {
            ++stats.route_too_long;
            return;
        }
        packet_record rec;
        if (!build_reply(rec, initiator, std::span<const addr>(reply.data(), rn), back))
            return;
        ++stats.rrep_from_target;
        send_maintained(now, rec, back.next_hop());
        return;
    }
    if (rtable.check_and_record(now, initiator, rreq.id(), target)) {
        // A duplicate's record still shows how we are reached: its last
        // links (the neighbourhood the copy came through) are learned.
        const std::size_t k = std::min<std::size_t>(pn, 3);
        cache.learn(now, std::span<const addr>(path.data() + pn - k, k), cfg.assume_bidirectional, &bl);
        ++stats.rreq_duplicate; // §8.2.2
        return;
    }
    learn_record();
    if (cfg.reply_from_cache) {
        if (auto r = cache.find(target)) {
            // §8.2.3: initiator, addrs, self, cached hops, target, all distinct.
            std::array<addr, 66 + max_route_hops + 1> full{};
            std::size_t fn = 0;
            for (std::size_t i = 0; i < pn; ++i)
                full[fn++] = path[i];
            for (std::size_t i = 0; i < r->hop_count; ++i)
                full[fn++] = r->hops[i];
            full[fn++] = target;
            if (plausible(std::span<const addr>(full.data(), fn)) && fn - 2 <= max_route_hops) {
                route back;
                packet_record rec;
                if (reversed_route(addrs.span(), initiator, back) &&
                    build_reply(rec, initiator, std::span<const addr>(full.data() + 1, fn - 1), back)) {
                    // §8.2.4 reply-storm prevention: d = H * (h - 1 + r).
                    const std::size_t h_links = fn - 1;
                    const double r01 = rng.unit();
                    const auto d = std::chrono::duration_cast<duration>(
                        cfg.reply_hop_delay * (double(h_links) - 1.0 + r01));
                    tx_item* it = txq.push(now + d);
                    if (!it) {
                        ++stats.tx_queue_overflows;
                        return;
                    }
                    it->rec = rec;
                    it->next_hop = back.next_hop();
                    it->link = link_to(it->next_hop);
                    it->want_feedback = cfg.use_link_feedback;
                    it->cancellable = true;
                    it->reply_initiator = initiator;
                    it->reply_target = target;
                    it->reply_hops = static_cast<std::uint8_t>(fn - 1);
                    ++stats.rrep_from_cache;
                    return; // no rebroadcast after replying (§8.2.3)
                }
            }
        }
    }
    if (ip.ttl() <= 1) {
        ++stats.rreq_hop_limit;
        return;
    }
    if (addrs.n + 1 > max_route_hops) {
        ++stats.route_too_long;
        return;
    }
    // Rebroadcast with our address appended, after BroadcastJitter (§8.2.2).
    packet_record rec;
    rec.src = initiator;
    rec.dst = broadcast;
    rec.ttl = static_cast<std::uint8_t>(ip.ttl() - 1);
    rec.tos = ip.tos();
    rec.ip_id = ip.id();
    std::array<ipv4_addr, max_route_hops> a{};
    for (std::size_t i = 0; i < addrs.n; ++i)
        a[i] = ipv4_addr{addrs.a[i]};
    a[addrs.n] = ipv4_addr{self};
    auto n = codec::encode_rreq(rec.extra_room(), rreq.id(), ipv4_addr{target},
                                codec::addr_list(a.data(), addrs.n + 1));
    if (!n)
        return;
    rec.extra_len = static_cast<std::uint8_t>(*n);
    if (!rec.append_extra(carried.extra_bytes())) {
        ++stats.hostile;
        return;
    }
    const auto jitter = duration(static_cast<duration::rep>(
        rng.below(static_cast<std::uint64_t>(std::max<duration::rep>(1, cfg.broadcast_jitter.count())))));
    ++stats.rreq_forwarded;
    queue_tx(now + jitter, rec, broadcast);
}

// ---------------------------------------------------------------- timers

void node::impl::handle_timeout(time_point now)
{
    // Discovery retransmissions and failures (§8.2.1).
    for (auto& d : disc.entries()) {
        if (disc.size() == 0)
            break;
        if (!d.used || d.deadline > now)
            continue;
        if (cache.find(d.target))
            continue; // settle() reports it
        if (d.count > cfg.max_request_rexmt) {
            ++stats.discovery_failed;
            event e;
            e.kind = event_kind::discovery_failed;
            e.dst = d.target;
            e.latency = now - d.first;
            emit(e);
            const addr target = d.target;
            disc.erase(&d);
            sbuf.drain_if([&](send_buffer::entry& x) {
                if (x.rec.dst != target)
                    return false;
                drop(x.rec.handle, drop_reason::discovery_failed);
                return true;
            });
            continue;
        }
        send_request(now, d);
    }
    // Send Buffer timeouts (§4.2).
    sbuf.drain_if([&](send_buffer::entry& x) {
        if (x.enqueued + cfg.send_buffer_timeout > now)
            return false;
        ++stats.send_buffer_timeouts;
        drop(x.rec.handle, drop_reason::send_buffer_timeout);
        return true;
    });
    // Maintenance timeouts (§8.3.3): retransmit, then give up on the link.
    for (auto& e : mbuf.entries()) {
        if (mbuf.size() == 0)
            break;
        if (e.st != maint_buffer::state::waiting || e.deadline > now)
            continue;
        if (e.link_fb) {
            ++stats.link_feedback_timeouts; // the link layer never answered: ask ourselves
        } else if (!e.passive && e.rexmt > cfg.max_maint_rexmt) {
            // Hop-by-hop recovery sends every packet with an Ack Request: at
            // a few per cent of loss each way, some packet misses
            // MaxMaintRexmt + 1 Acks every second. While the neighbour
            // acknowledges others sent after this one's first try, the
            // link works: retry up to hop_max_rexmt, then drop it (its end
            // to end recovery resends it).
            const auto* n = nbrs.find(e.next_hop);
            const bool alive =
                e.hop_reliable && n && n->last_confirmed && *n->last_confirmed > e.first_sent;
            if (!alive) {
                link_failed(now, e.next_hop);
                continue;
            }
            if (e.rexmt > cfg.hop_max_rexmt) {
                ++stats.hop_rexmt_exhausted;
                drop(e.rec.handle, drop_reason::hop_rexmt_exhausted);
                mbuf.release(&e);
                continue;
            }
        }
        ++stats.maint_retransmits;
        arm_transmission(now, e);
    }
    // RouteCacheTimeout.
    if (next_sweep && *next_sweep <= now) {
        cache.sweep(now);
        next_sweep.reset();
    }
}

// ---------------------------------------------------------------- node

node::node(const config& cfg, addr self, std::uint64_t seed) : _impl(new impl(cfg, self, seed)) {}
node::~node() = default;
node::node(node&&) noexcept = default;
node& node::operator=(node&&) noexcept = default;

namespace {
void arm_sweep(node::impl& m, time_point now);
}

void node::handle_packet(time_point now, link_id in, addr prev_hop, std::span<const std::byte> pkt,
                         std::optional<packet_handle> h, bool overheard)
{
    _impl->handle_packet(now, in, prev_hop, pkt, h, overheard);
    arm_sweep(*_impl, now);
    _impl->settle(now);
}

void node::send(time_point now, packet_handle h, std::span<const std::byte> ip_packet, bool hop_recovery)
{
    impl& m = *_impl;
    auto ip = codec::parse_ipv4(ip_packet);
    if (!ip) {
        ++m.stats.malformed;
        m.drop(h, drop_reason::malformed);
        return;
    }
    const addr dst = ip->destination().value;
    ++m.stats.data_originated;
    if (dst == no_addr || dst == broadcast || dst == m.self || ip->protocol() == BABE_IPPROTO_DSR) {
        ++m.stats.hostile;
        m.drop(h, drop_reason::hostile);
        return;
    }
    packet_record rec;
    rec.src = m.self;
    rec.dst = dst;
    rec.ttl = ip->ttl() ? ip->ttl() : m.cfg.data_ttl;
    rec.tos = ip->tos();
    rec.next_header = ip->protocol();
    rec.ip_id = ip->id();
    rec.handle = h;
    rec.payload_offset = static_cast<std::uint32_t>(ip->header_len());
    rec.payload_len = static_cast<std::uint32_t>(ip->total_len() - ip->header_len());
    rec.no_hop_recovery = !hop_recovery;
    if (auto r = m.cache.find_and_touch(now, dst)) {
        ++m.stats.cache_hits;
        m.install(now, dst, *r);
        m.send_touched(now, rec, *r);
    } else {
        ++m.stats.cache_misses;
        m.buffer(now, rec);
    }
    arm_sweep(m, now);
    m.settle(now);
}

void node::handle_link_feedback(time_point now, addr next_hop, link_status status)
{
    impl& m = *_impl;
    if (!m.cfg.use_link_feedback)
        return;
    const auto frame = m.fb_take(next_hop);
    maint_buffer::entry* e = nullptr;
    if (frame && frame->slot >= 0) {
        auto& x = m.mbuf.at(static_cast<std::size_t>(frame->slot));
        if (x.gen == frame->gen && x.st == maint_buffer::state::waiting)
            e = &x;
    }
    switch (status) {
    case link_status::delivered:
        ++m.stats.confirm_link;
        // The frame this feedback is for got through.
        m.link_confirmed(now, next_hop);
        if (e)
            m.confirm_entry(now, *e);
        break;
    case link_status::not_sent:
        // The sender's own queue was full: congestion, not a broken link.
        ++m.stats.link_not_sent;
        if (e) {
            m.drop(e->rec.handle, drop_reason::tx_queue_full);
            m.mbuf.release(e);
        }
        break;
    case link_status::failed: {
        const auto* n = m.nbrs.find(next_hop);
        if (frame && n && n->lost_at && frame->sent <= *n->lost_at) {
            // A frame handed over before a break already handled (Route
            // Errors sent): this packet alone is salvaged or rerouted.
            if (e) {
                packet_record rec = e->rec;
                m.mbuf.release(e);
                m.fail_packet(now, rec, next_hop, false);
            }
            break;
        }
        if (e)
            e->link_fb = false; // failed: link_failed() salvages it with the rest
        m.link_failed(now, next_hop);
        break;
    }
    }
    m.settle(now);
}

void node::handle_heard(time_point now, addr neighbour, link_id in)
{
    impl& m = *_impl;
    m.nbrs.heard(now, neighbour, in);
    bool any = false;
    for (auto& e : m.mbuf.entries()) {
        // Hearing the neighbour shows the link works, not that this packet
        // got there: hop-by-hop recovery waits for each packet's own Ack.
        if (e.st == maint_buffer::state::waiting && e.next_hop == neighbour && e.sent <= now &&
            !e.hop_reliable) {
            m.confirm_entry(now, e);
            any = true;
        }
    }
    if (any)
        ++m.stats.confirm_heard;
    m.settle(now);
}

void node::handle_timeout(time_point now)
{
    _impl->handle_timeout(now);
    arm_sweep(*_impl, now);
    _impl->settle(now);
}

bool node::touch_route(time_point now, addr dst)
{
    impl& m = *_impl;
    auto r = m.cache.find(dst);
    if (!r)
        return false;
    m.cache.touch(now, *r);
    arm_sweep(m, now);
    return true;
}

std::size_t node::flush_routes(time_point now)
{
    const std::size_t before = _impl->cache.link_count() + _impl->cache.path_count();
    _impl->cache.clear();
    _impl->settle(now); // installed routes go: route_removed events
    return before;
}

bool node::reconfigure(const config& next)
{
    config& cur = _impl->cfg;
    config merged = next;
    // Bounds and structures were allocated at construction: they stay.
    merged.cache = cur.cache;
    merged.request_table_size = cur.request_table_size;
    merged.request_table_ids = cur.request_table_ids;
    merged.rexmt_buffer_size = cur.rexmt_buffer_size;
    merged.cache_nodes = cur.cache_nodes;
    merged.cache_links = cur.cache_links;
    merged.cache_degree = cur.cache_degree;
    merged.cache_paths = cur.cache_paths;
    merged.cache_paths_per_dst = cur.cache_paths_per_dst;
    merged.installed_routes = cur.installed_routes;
    merged.send_buffer_size = cur.send_buffer_size;
    merged.discovery_table_size = cur.discovery_table_size;
    merged.grat_reply_table_size = cur.grat_reply_table_size;
    merged.blacklist_size = cur.blacklist_size;
    merged.neighbour_table_size = cur.neighbour_table_size;
    merged.tx_queue_size = cur.tx_queue_size;
    merged.event_queue_size = cur.event_queue_size;
    merged.reply_queue_size = cur.reply_queue_size;
    merged.hop_dup_table_size = cur.hop_dup_table_size;
    merged.rreq_rate_table_size = cur.rreq_rate_table_size;
    if (!validate_config(merged))
        return false;
    cur = merged; // every table reads timers and flags through a reference to it
    return true;
}

void node::neighbour_lost(time_point now, addr neighbour)
{
    _impl->link_failed(now, neighbour);
    _impl->settle(now);
}

void node::probe_neighbour(time_point now, addr neighbour)
{
    _impl->probe(now, neighbour);
    _impl->settle(now);
}

void node::start_discovery(time_point now, addr target)
{
    _impl->start_discovery(now, target);
    _impl->settle(now);
}

std::optional<time_point> node::poll_timeout() const
{
    const impl& m = *_impl;
    std::optional<time_point> t;
    auto take = [&](std::optional<time_point> x) {
        if (x && (!t || *x < *t))
            t = x;
    };
    take(m.txq.next_due());
    take(m.disc.next_deadline());
    take(m.sbuf.next_deadline());
    take(m.mbuf.next_deadline());
    take(m.next_sweep);
    return t;
}

bool node::poll_transmit(time_point now, std::span<std::byte> out, transmit& t)
{
    impl& m = *_impl;
    for (;;) {
        tx_item* it = m.txq.front_due(now);
        if (!it)
            return false;
        if (it->cancelled) {
            m.txq.pop_front();
            continue;
        }
        maint_buffer::entry* e = nullptr;
        if (it->maint_slot >= 0) {
            e = &m.mbuf.at(static_cast<std::size_t>(it->maint_slot));
            if (e->gen != it->maint_gen || e->st != maint_buffer::state::queued) {
                m.txq.pop_front(); // superseded (confirmed, failed or re-armed)
                continue;
            }
        }
        if (out.size() < header_size(it->rec)) {
            ++m.stats.out_too_small;
            return false;
        }
        auto len = encode_packet(it->rec, out);
        if (!len) {
            ++m.stats.hostile;
            if (e) {
                m.drop(e->rec.handle, drop_reason::hostile);
                m.mbuf.release(e);
            } else {
                m.drop(it->rec.handle, drop_reason::hostile);
            }
            m.txq.pop_front();
            continue;
        }
        t.link = it->link;
        t.next_hop = it->next_hop;
        t.length = *len;
        t.handle = it->rec.handle;
        t.payload_offset = it->rec.payload_offset;
        t.want_link_feedback = it->want_feedback;
        t.handle_released = false;
        if (t.want_link_feedback)
            m.fb_push(t.next_hop, e ? m.mbuf.index_of(e) : -1, e ? e->gen : 0, now);
        if (e) {
            e->st = maint_buffer::state::waiting;
            e->sent = now;
            if (!e->passive && !e->link_fb && e->rexmt == 1)
                e->first_sent = now;
            if (e->hop_reliable)
                ++m.stats.hop_reliable_sent;
            // Hop-by-hop recovery backs off (x2 per retransmission, up to
            // x8): a packet late for its Ack is more likely queued than lost.
            const int backoff = e->hop_reliable ? std::min(e->rexmt - 1, 3) : 0;
            e->deadline = now + (e->link_fb   ? m.cfg.link_feedback_timeout
                                 : e->passive ? m.cfg.passive_ack_timeout
                                              : m.ack_timeout(e->next_hop, e->hop_reliable) * (1 << backoff));
        } else if (m.cfg.release_on_transmit && it->rec.handle) {
            t.handle_released = true;
        } else {
            m.release(it->rec.handle);
        }
        m.txq.pop_front();
        return true;
    }
}

std::optional<event> node::poll_event()
{
    impl& m = *_impl;
    if (m.ev_count == 0)
        return std::nullopt;
    std::optional<event> e{m.events[m.ev_head]};
    // An emptied ring starts again at its first slot: a packet's events are
    // taken in the turn that made them, so the same few (cached) slots serve
    // every turn instead of a walk through the whole ring (~250 KB), whose
    // cold slots stalled the stores after them.
    if (--m.ev_count == 0)
        m.ev_head = 0;
    else
        m.ev_head = ring_index(m.ev_head + 1, m.events.size());
    return e;
}

const counters& node::stats() const { return _impl->stats; }
addr node::self() const { return _impl->self; }
const config& node::cfg() const { return _impl->cfg; }
std::optional<route> node::find_route(addr dst) const
{
    return static_cast<const route_cache&>(_impl->cache).find(dst);
}
std::uint32_t node::hop_room(addr dst) const
{
    const impl& m = *_impl;
    if (m.cfg.hop_reliable_next_header == 0)
        return std::numeric_limits<std::uint32_t>::max();
    addr nh = no_addr;
    if (auto i = m.inst_index.find(dst); i && m.inst[*i].dst == dst)
        nh = m.inst[*i].r.next_hop();
    else if (auto r = find_route(dst))
        nh = r->next_hop();
    else
        return m.cfg.hop_window;
    const std::uint32_t waiting = m.mbuf.hop_reliable_to(nh);
    return waiting >= m.cfg.hop_window ? 0 : m.cfg.hop_window - waiting;
}

std::size_t node::cached_links(std::span<std::pair<addr, addr>> out) const
{
    return _impl->cache.list_links(out);
}
bool node::blacklisted(addr neighbour) const { return _impl->bl.blocks(neighbour); }

table_sizes node::sizes() const
{
    const impl& m = *_impl;
    table_sizes s;
    s.cache_links = m.cache.link_count();
    s.cache_paths = m.cache.path_count();
    s.installed_routes = m.inst_index.size();
    s.send_buffer = m.sbuf.size();
    s.maint_buffer = m.mbuf.size();
    s.request_table = m.rtable.size();
    s.discoveries = m.disc.size();
    s.blacklist = m.bl.size();
    s.neighbours = m.nbrs.size();
    s.tx_queue = m.txq.size();
    s.events = m.ev_count;
    return s;
}

namespace {
void arm_sweep(node::impl& m, time_point now)
{
    if (!m.next_sweep && (m.cache.link_count() > 0 || m.cache.path_count() > 0))
        m.next_sweep = now + m.cfg.cache_sweep_interval;
}
} // namespace

} // namespace babe::dsr
