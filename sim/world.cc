// SPDX-License-Identifier: Apache-2.0
// One simulation run (see world.hh): the event loop, the glue between the
// medium and the nodes' agents, traffic, faults, the books (packet slots,
// data packet ledger, delays, hops) and the checkers.
#include "sim/world.hh"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <babe/maps.h>

#include "sim/data_packet.hh"
#include "sim/frame_parse.hh"
#include "sim/transport_agent.hh"

namespace babe::sim {

namespace {
constexpr std::uint32_t nobody = 0xfffffffeu; // a next hop that is no node of ours
constexpr std::uint16_t unreachable = 0xffff;
std::int64_t ns_of(double s) { return static_cast<std::int64_t>(std::llround(s * 1e9)); }
std::uint64_t link_key(std::uint32_t a, std::uint32_t b)
{
    return (std::uint64_t(std::min(a, b)) << 32) | std::max(a, b);
}
} // namespace

world::world(const scenario& sc, std::uint64_t seed, const run_options& opt)
    : _sc(sc), _seed(seed), _opt(opt), _end_ns(ns_of(sc.duration_s)), _mob(_sc, seed)
{
    _medium = std::make_unique<medium>(_sc, _mob, _q, *this, seed);
    _q.reserve(std::size_t(_sc.nodes) * 4 + 1024);
    _out.resize(std::max<std::size_t>(dsr::min_transmit_buffer, 1024));
    _nodes.resize(_sc.nodes);
    for (std::uint32_t i = 0; i < _sc.nodes; ++i) {
        _nodes[i].core = new_agent(i, derive_seed(seed, stream::core, i));
        if (!_nodes[i].core)
            throw std::runtime_error("this build of babe-sim has no DSR core (agent: dsr); "
                                     "build userspace/dsr or use agent: direct");
    }

    rng traffic(derive_seed(seed, stream::traffic));
    const auto& t = _sc.traffic;
    double stop_default = t.stop_s < 0 ? _sc.duration_s : t.stop_s;
    for (std::uint32_t k = 0; k < t.sources && _sc.nodes >= 2; ++k) {
        flow f;
        f.src = traffic.below(_sc.nodes);
        f.dst = traffic.below(_sc.nodes - 1);
        if (f.dst >= f.src)
            ++f.dst;
        f.size_b = t.size_b;
        f.interval_ns = std::max<std::int64_t>(1, ns_of(1.0 / t.rate_pps));
        f.stop_ns = ns_of(stop_default);
        double start = t.start_s + traffic.uniform() * t.start_spread_s;
        _flows.push_back(f);
        _q.push(ns_of(start), ev::traffic, static_cast<std::uint32_t>(_flows.size() - 1));
    }
    for (const auto& fs : t.flows) {
        flow f;
        f.src = fs.src;
        f.dst = fs.dst;
        f.size_b = fs.size_b;
        f.interval_ns = std::max<std::int64_t>(1, ns_of(1.0 / fs.rate_pps));
        f.stop_ns = ns_of(fs.stop_s < 0 ? _sc.duration_s : fs.stop_s);
        _flows.push_back(f);
        _q.push(ns_of(fs.start_s), ev::traffic, static_cast<std::uint32_t>(_flows.size() - 1));
    }

    _partition_side.resize(_sc.faults.size());
    _burst_nodes.resize(_sc.faults.size());
    for (std::uint32_t i = 0; i < _sc.faults.size(); ++i) {
        const auto& f = _sc.faults[i];
        if (f.kind == fault_kind::partition && !f.nodes.empty()) {
            _partition_side[i].assign(_sc.nodes, false);
            for (auto x : f.nodes)
                _partition_side[i][x] = true;
        }
        if (f.kind == fault_kind::loss_burst && !f.nodes.empty()) {
            _burst_nodes[i].assign(_sc.nodes, false);
            for (auto x : f.nodes)
                _burst_nodes[i][x] = true;
        }
        _q.push(ns_of(f.at_s), ev::fault_start, i);
        if (f.until_s >= 0)
            _q.push(ns_of(f.until_s), ev::fault_end, i);
    }
    for (const auto& l : _sc.radio.link_loss)
        _link_loss.emplace_back(link_key(l.a, l.b), l.p);
    std::sort(_link_loss.begin(), _link_loss.end());

    if (!_sc.transfers.empty())
        setup_transfers();
    _q.push(_end_ns, ev::stop);
    if (!opt.pcap_path.empty())
        _pcap.open(opt.pcap_path);
    for (std::uint32_t i = 0; i < _sc.nodes; ++i)
        schedule_timer(i);
}

world::~world() = default;

std::unique_ptr<agent> world::new_agent(std::uint32_t n, std::uint64_t seed)
{
    if (_opt.agent_factory)
        return _opt.agent_factory(n, node_addr(n), seed);
    return make_agent(_sc.agent, _sc, node_addr(n), seed);
}

run_result world::run()
{
    auto wall0 = std::chrono::steady_clock::now();
    std::uint64_t events = 0;
    while (!_q.empty() && !_failure) {
        event e = _q.pop();
        if (e.t_ns > _end_ns)
            break;
        _now = e.t_ns;
        _medium->set_now(_now);
        ++events;
        if (e.kind == ev::stop)
            break;
        dispatch(e);
        drain_all();
    }
    _pcap.close();
    _r.events = events;
    if (_books && _sc.checkers && !_failure)
        check_transfers();
    if (_sc.checkers && !_failure) {
        std::int64_t leak_ns = ns_of(_sc.checker_leak_s);
        _ledger.for_each_held([&](std::uint32_t h, std::uint32_t owner) {
            const auto& s = _slots[h];
            if (_failure || s.uid == no_uid || _data[s.uid].state == data_state::delivered)
                return;
            if (_now - _data[s.uid].sent_ns > leak_ns)
                fail(fmt::format("conservation: node {} still holds handle {} (data packet {}, "
                                 "sent at {:.3f}s) after {} s: a leaked handle",
                                 owner, h, s.uid, static_cast<double>(_data[s.uid].sent_ns) / 1e9,
                                 _sc.checker_leak_s));
        });
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    return finish_results(wall);
}

void world::dispatch(const event& e)
{
    switch (e.kind) {
    case ev::mac_backoff:
    case ev::tx_end:
    case ev::ack_end:
    case ev::rebin:
        _medium->handle(e);
        return;
    case ev::node_timer: {
        auto& ns = _nodes[e.a];
        if (!ns.alive || ns.timer_ns != e.t_ns)
            return;
        ns.timer_ns = -1;
        auto t = ns.core->poll_timeout();
        if (t && to_ns(*t) <= _now)
            ns.core->handle_timeout(now_tp());
        if (auto* x = tp(e.a))
            x->handle_timeout(now_tp());
        if (ns.same_time_ns == _now) {
            if (++ns.same_time_count > 100000)
                return fail(fmt::format("core: node {} asks for a timer at the same instant "
                                        "over and over",
                                        e.a));
        } else {
            ns.same_time_ns = _now;
            ns.same_time_count = 0;
        }
        mark(e.a);
        return;
    }
    case ev::traffic:
        send_data(e.a);
        return;
    case ev::transfer:
        start_transfer(e.a);
        return;
    case ev::fault_start:
        start_fault(e.a);
        return;
    case ev::fault_end:
        end_fault(e.a);
        return;
    case ev::stop:
        return;
    }
}

void world::mark(std::uint32_t n)
{
    if (_nodes[n].dirty)
        return;
    _nodes[n].dirty = true;
    _dirty.push_back(n);
}

void world::drain_all()
{
    for (std::size_t i = 0; i < _dirty.size(); ++i)
        drain(_dirty[i]);
    _dirty.clear();
}

std::uint32_t world::node_of(dsr::addr a) const
{
    if (a == dsr::broadcast)
        return no_node;
    if (a < node_addr_base || a - node_addr_base >= _sc.nodes)
        return nobody;
    return a - node_addr_base;
}

void world::drain(std::uint32_t n)
{
    auto& ns = _nodes[n];
    ns.dirty = false;
    if (!ns.alive)
        return;
    transport_agent* tpa = tp(n);
    // With a transport here: its segments go to the core first, and what the
    // core reports (segments delivered, packets released: room in the hop
    // window) may let it send more, so round again until the core is quiet.
    for (std::uint32_t round = 0;; ++round) {
        if (tpa) {
            if (round > 100000)
                return fail(
                    fmt::format("core: node {}'s transport and DSR core exchange without end", n));
            pump_transport(n);
        }
        if (!drain_transmits(n))
            return;
        bool heard = false;
        while (auto e = ns.core->poll_event()) {
            handle_core_event(n, *e);
            heard = true;
        }
        if (!tpa || !heard || _failure)
            break;
    }
    schedule_timer(n);
}

// Node n's frames onto its MAC queue, with the books and the frame checks;
// false when a checker failed.
bool world::drain_transmits(std::uint32_t n)
{
    agent& a = *_nodes[n].core;
    auto stop = [&](const std::string& what) {
        fail(what);
        return false;
    };
    while (auto t = a.poll_transmit(now_tp(), _out)) {
        if (t->length > _out.size())
            return stop(fmt::format("core: node {} wrote {} bytes into a {}-byte buffer", n,
                                    t->length, _out.size()));
        std::uint32_t f = _medium->new_frame();
        std::byte* b = _medium->bytes(f);
        std::uint32_t len = static_cast<std::uint32_t>(t->length);
        std::memcpy(b, _out.data(), len);
        std::uint16_t hops = 0;
        if (t->handle) {
            std::uint32_t h = t->handle->id;
            if (!_ledger.holds(n, h))
                return stop("handle: " +
                            _ledger.refusal(fmt::format("node {}", n), h, "transmits"));
            auto& s = _slots[h];
            if (s.transport && s.sends > 0)
                ++_hop_retx; // this node sends a segment it holds again: a hop-level retransmission
            if (s.sends < 0xff)
                ++s.sends;
            if (t->payload_offset > s.len || len + (s.len - t->payload_offset) > max_frame_bytes)
                return stop(fmt::format("core: node {} frame of handle {} is out of bounds "
                                        "(offset {}, packet {} B, headers {} B)",
                                        n, h, t->payload_offset, s.len, len));
            std::uint32_t pl = s.len - t->payload_offset;
            std::memcpy(b + len, _packets.data(h) + t->payload_offset, pl);
            len += pl;
            hops = s.hops;
        }
        auto pf = parse_frame({b, len});
        auto& m = _medium->meta(f);
        m.len = len;
        m.src = n;
        m.dst = node_of(t->next_hop);
        m.next_hop_addr = t->next_hop;
        m.want_feedback = t->want_link_feedback;
        m.uid = pf.uid;
        m.hops = hops;
        const bool segment = !_tps.empty() && pf.uid == no_uid && pf.dsr &&
                             pf.next_header == BABE_NEXT_HEADER_TRANSPORT;
        m.control = pf.uid == no_uid && !segment;
        if (_sc.checkers)
            check_frame(n, {b, len});
        if (m.uid != no_uid) {
            if (m.uid >= _data.size())
                return stop(
                    fmt::format("books: node {} sends a data tag {} never generated", n, m.uid));
            ++_data[m.uid].live;
        } else if (segment) {
            ++_tp_frames;
            _tp_bytes += len;
        } else {
            ++_r.control_packets;
            _r.control_bytes += len;
        }
        _medium->enqueue(f);
        if (_failure)
            return false;
    }
    return true;
}

void world::check_frame(std::uint32_t sender, std::span<const std::byte> ip)
{
    auto pf = parse_frame(ip);
    if (!pf.ipv4 || pf.dsr_malformed)
        return fail(fmt::format("frame: node {} sent a frame that does not parse ({} B)", sender,
                                ip.size()));
    auto n = std::min<std::size_t>(pf.route_len, pf.route.size());
    auto describe = [&] {
        std::string s = fmt::format("[ip {:#x} -> {:#x}, {}:", pf.src, pf.dst,
                                    pf.has_source_route ? "source route" : "route record");
        for (std::size_t i = 0; i < n; ++i)
            s += fmt::format(" {:#x}", pf.route[i]);
        return s + "]";
    };
    if (pf.has_source_route && pf.segs_left > pf.route_len)
        return fail(fmt::format("loop: node {} sent Segments Left {} > {} addresses", sender,
                                pf.segs_left, pf.route_len));
    for (std::size_t i = 0; i < n; ++i) {
        if (pf.has_source_route && pf.route[i] == pf.dst)
            return fail(fmt::format("loop: node {} sent a source route listing its destination {}",
                                    sender, describe()));
        if (pf.has_rreq && !pf.has_source_route && pf.route[i] == pf.src)
            return fail(fmt::format("loop: node {} sent a route request whose record lists the "
                                    "initiator {}",
                                    sender, describe()));
        for (std::size_t j = i + 1; j < n; ++j)
            if (pf.route[i] == pf.route[j])
                return fail(fmt::format("loop: node {} sent a route visiting {:#x} twice {}", sender,
                                        pf.route[i], describe()));
    }
}

void world::schedule_timer(std::uint32_t n)
{
    auto& ns = _nodes[n];
    if (!ns.alive)
        return;
    auto t = ns.core->poll_timeout();
    // A transport stopped by the hop window has segments due now (paced, or
    // an ACK) that wait for room: the core's next event at this node, not a
    // timer, lets them go.
    if (auto* x = tp(n))
        if (auto tt = x->poll_timeout();
            tt && (!t || *tt < *t) && !(_tp_blocked[n] && to_ns(*tt) <= _now))
            t = tt;
    if (!t)
        return;
    std::int64_t tn = std::max(to_ns(*t), _now);
    if (ns.timer_ns >= 0 && ns.timer_ns <= tn)
        return;
    ns.timer_ns = tn;
    _q.push(tn, ev::node_timer, n);
}

void world::on_air(std::uint32_t sender, std::uint32_t frame)
{
    if (!_pcap.is_open())
        return;
    const auto& m = _medium->meta(frame);
    _pcap.write(_now, sender, m.dst, {_medium->bytes(frame), m.len});
}

void world::on_receive(std::uint32_t node, std::uint32_t frame, bool overheard)
{
    auto& ns = _nodes[node];
    if (!ns.alive)
        return;
    const frame_meta m = _medium->meta(frame);
    dsr::addr prev = node_addr(m.src);
    if (overheard) {
        ns.core->handle_packet(now_tp(), prev, {_medium->bytes(frame), m.len}, std::nullopt, true);
        mark(node);
        return;
    }
    // A frame with no data tag that is not control carries a transport segment.
    const auto hops = static_cast<std::uint16_t>(m.hops + 1);
    std::uint32_t h = new_slot(node, slot_info{m.uid, m.len, hops, 0, m.uid == no_uid && !m.control});
    std::memcpy(_packets.data(h), _medium->bytes(frame), m.len);
    if (m.uid != no_uid)
        ++_data[m.uid].live;
    ns.core->handle_packet(now_tp(), prev, {_packets.data(h), m.len}, dsr::packet_handle{h}, false);
    mark(node);
}

void world::on_frame_done(std::uint32_t sender, std::uint32_t frame, frame_outcome o)
{
    const frame_meta m = _medium->meta(frame);
    if (m.want_feedback && _sc.radio.link_feedback && _nodes[sender].alive &&
        (o == frame_outcome::received || o == frame_outcome::retries_exhausted ||
         o == frame_outcome::purged ||
         (o == frame_outcome::queue_full && _sc.radio.queue_drop_feedback))) {
        // A full queue says nothing about the link: the frame was not sent.
        const auto st = o == frame_outcome::received     ? dsr::link_status::delivered
                        : o == frame_outcome::queue_full ? dsr::link_status::not_sent
                                                         : dsr::link_status::failed;
        _nodes[sender].core->handle_link_feedback(now_tp(), m.next_hop_addr, st);
        mark(sender);
    }
    if (m.uid != no_uid) {
        if (o != frame_outcome::received && o != frame_outcome::broadcast)
            note_drop(m.uid, to_string(o));
        unref(m.uid);
    }
}

void world::fail(const std::string& what)
{
    if (!_failure)
        _failure = fmt::format("t={:.9f}s: {}", static_cast<double>(_now) / 1e9, what);
}

std::uint8_t world::reason_index(const std::string& reason)
{
    for (std::size_t i = 1; i < _reason_names.size(); ++i)
        if (_reason_names[i] == reason)
            return static_cast<std::uint8_t>(i);
    if (_reason_names.size() >= 255)
        return 255;
    _reason_names.push_back(reason);
    return static_cast<std::uint8_t>(_reason_names.size() - 1);
}

void world::note_drop(std::uint32_t uid, const std::string& reason)
{
    auto& d = _data[uid];
    if (d.state == data_state::in_flight)
        d.reason = reason_index(reason);
}

void world::unref(std::uint32_t uid)
{
    auto& d = _data[uid];
    if (d.live == 0)
        return fail(fmt::format("books: data packet {} released more often than held", uid));
    if (--d.live > 0 || d.state != data_state::in_flight)
        return;
    if (d.reason == 0)
        return fail(fmt::format("conservation: data packet {} (node {} -> {}, sent at {:.6f}s) "
                                "vanished: neither delivered nor dropped with a reason",
                                uid, d.src, d.dst, static_cast<double>(d.sent_ns) / 1e9));
    d.state = data_state::dropped;
}

// A packet slot for node n's core, recorded in the ledger as held by it.
std::uint32_t world::new_slot(std::uint32_t n, const slot_info& info)
{
    std::uint32_t h = _packets.alloc();
    if (h >= _slots.size()) {
        _slots.resize(_packets.capacity());
        _ledger.reserve_ids(_packets.capacity());
    }
    _slots[h] = info;
    if (!_ledger.give(n, h))
        fail(fmt::format("books: packet slot {} handed out while node {} holds it", h,
                         _ledger.holder(h)));
    return h;
}

void world::take_back(std::uint32_t n, dsr::packet_handle h, const char* what)
{
    if (!_ledger.give_back(n, h.id))
        return fail("handle: " + _ledger.refusal(fmt::format("node {}", n), h.id, what));
    std::uint32_t uid = _slots[h.id].uid;
    _packets.free(h.id);
    if (uid != no_uid)
        unref(uid);
}

void world::handle_core_event(std::uint32_t n, const dsr::event& e)
{
    using k = dsr::event_kind;
    switch (e.kind) {
    case k::delivered: {
        if (!e.handle)
            return;
        auto h = e.handle->id;
        if (!_tps.empty() && _slots[h].transport && _ledger.holds(n, h))
            transport_segment(n, e);
        if (_ledger.holds(n, h) && _slots[h].uid != no_uid) {
            std::uint32_t uid = _slots[h].uid;
            auto& d = _data[uid];
            if (d.dst != n)
                return fail(fmt::format("delivery: data packet {} for node {} delivered at node {}",
                                        uid, d.dst, n));
            if (d.state != data_state::delivered) {
                d.state = data_state::delivered;
                _delays.push_back(static_cast<double>(_now - d.sent_ns) / 1e9);
                _hops_sum += _slots[h].hops;
                if (d.shortest != unreachable) {
                    _extra_sum += double(_slots[h].hops) - double(d.shortest);
                    ++_extra_n;
                }
            } else {
                ++_r.data_duplicates;
            }
        }
        take_back(n, *e.handle, "delivered");
        return;
    }
    case k::released:
        if (e.handle)
            take_back(n, *e.handle, "released");
        return;
    case k::dropped: {
        std::string label = _nodes[n].core->drop_label(e.reason);
        ++_r.core_drops[label];
        if (!e.handle)
            return;
        auto h = e.handle->id;
        if (_ledger.holds(n, h) && _slots[h].uid != no_uid)
            note_drop(_slots[h].uid, label);
        take_back(n, *e.handle, "dropped");
        return;
    }
    case k::route_changed: {
        ++_r.route_changes;
        if (!_sc.checkers)
            return;
        auto hops = e.path.intermediates();
        dsr::addr self = node_addr(n);
        for (std::size_t i = 0; i < hops.size(); ++i) {
            if (hops[i] == self || hops[i] == e.path.dst)
                return fail(fmt::format("loop: node {} installed a route to {:#x} through itself or "
                                        "its destination",
                                        n, e.dst));
            for (std::size_t j = i + 1; j < hops.size(); ++j)
                if (hops[i] == hops[j])
                    return fail(fmt::format("loop: node {} installed a route to {:#x} visiting "
                                            "{:#x} twice",
                                            n, e.dst, hops[i]));
        }
        return;
    }
    case k::link_broken:
        ++_r.links_broken;
        // The node's own link: frames still queued for that neighbour fail
        // now (as ns-2's DSR takes them back from its interface queue)
        // rather than each wasting the retry limit on a dead link.
        if (_sc.radio.purge_on_break && _sc.radio.link_feedback && e.from == node_addr(n))
            if (auto to = node_of(e.to); to < _sc.nodes)
                _medium->purge(n, to);
        return;
    case k::discovery_done:
        ++_r.discoveries_done;
        _r.mean_discovery_latency_s += std::chrono::duration<double>(e.latency).count();
        return;
    case k::discovery_failed:
        ++_r.discoveries_failed;
        if (auto* x = tp(n))
            x->unreachable(now_tp(), e.dst);
        return;
    default:
        return;
    }
}

void world::send_data(std::uint32_t fi)
{
    auto& fl = _flows[fi];
    std::int64_t next = _now + fl.interval_ns;
    if (next < fl.stop_ns)
        _q.push(next, ev::traffic, fi);
    auto& ns = _nodes[fl.src];
    if (!ns.alive || _now >= fl.stop_ns)
        return;
    std::uint32_t uid = static_cast<std::uint32_t>(_data.size());
    std::uint32_t h = new_slot(fl.src, slot_info{uid, 0, 0});
    std::uint32_t len = write_data_packet(_packets.slot(h), node_addr(fl.src), node_addr(fl.dst),
                                          ns.ip_id++, uid, fi, fl.seq++, fl.size_b);
    _slots[h].len = len;
    data_rec d;
    d.sent_ns = _now;
    d.src = fl.src;
    d.dst = fl.dst;
    d.live = 1;
    d.shortest = shortest_hops(fi);
    _data.push_back(d);
    ns.core->send(now_tp(), dsr::packet_handle{h}, {_packets.data(h), len}, true);
    mark(fl.src);
}

// Hops of the shortest path of flow `fi` in the connectivity graph of the
// latest spatial-grid snapshot (exact positions at most rebin_s old; exact
// for static scenarios): a BFS from the source, stopped at the destination,
// at most once per snapshot per flow.
std::uint16_t world::shortest_hops(std::uint32_t fi)
{
    if (_bfs.size() < _flows.size())
        _bfs.resize(_flows.size());
    auto& b = _bfs[fi];
    const std::int64_t snap = _medium->last_rebin_ns();
    if (b.at_ns == snap && b.fault_epoch == _fault_epoch)
        return b.hops;
    if (_adj_at_ns != snap || _adj_fault_epoch != _fault_epoch)
        build_adjacency();
    const std::uint32_t src = _flows[fi].src, dst = _flows[fi].dst;
    if (_bfs_dist.size() != _sc.nodes)
        _bfs_dist.assign(_sc.nodes, unreachable);
    b.at_ns = snap;
    b.fault_epoch = _fault_epoch;
    b.hops = unreachable;
    _bfs_queue.clear();
    _bfs_queue.push_back(src);
    _bfs_dist[src] = 0;
    for (std::size_t qi = 0; qi < _bfs_queue.size() && b.hops == unreachable; ++qi) {
        std::uint32_t u = _bfs_queue[qi];
        const auto du = static_cast<std::uint16_t>(_bfs_dist[u] + 1);
        for (std::uint32_t k = _adj_start[u]; k < _adj_start[u + 1]; ++k) {
            std::uint32_t c = _adj[k];
            if (_bfs_dist[c] != unreachable)
                continue;
            _bfs_dist[c] = du;
            _bfs_queue.push_back(c);
            if (c == dst) {
                b.hops = du;
                break;
            }
        }
    }
    for (std::uint32_t v : _bfs_queue) // leave the scratch clean
        _bfs_dist[v] = unreachable;
    return b.hops;
}

// The connectivity graph of the latest spatial-grid snapshot (exact positions
// at most rebin_s old; exact for static scenarios) under the faults active
// now: live nodes within range whose link no fault blocks.
void world::build_adjacency()
{
    _adj_at_ns = _medium->last_rebin_ns();
    _adj_fault_epoch = _fault_epoch;
    const auto& pos = _medium->binned_positions();
    const auto& grid = _medium->grid();
    const double r = _medium->range_m(), r2 = r * r;
    _adj_start.assign(_sc.nodes + 1, 0);
    _adj.clear();
    for (std::uint32_t u = 0; u < _sc.nodes; ++u) {
        _adj_start[u] = static_cast<std::uint32_t>(_adj.size());
        if (!_nodes[u].alive)
            continue;
        const vec2 pu = pos[u];
        grid.for_each_candidate(pu, r, [&](std::uint32_t c) {
            if (c != u && dist2(pu, pos[c]) <= r2 && _nodes[c].alive && !link_blocked(u, c, pu, pos[c]))
                _adj.push_back(c);
        });
    }
    _adj_start[_sc.nodes] = static_cast<std::uint32_t>(_adj.size());
}

bool world::link_blocked(std::uint32_t a, std::uint32_t b, vec2 pa, vec2 pb) const
{
    for (const auto& l : _links_down)
        if ((l.first == a && l.second == b) || (l.first == b && l.second == a))
            return true;
    for (std::uint32_t i : _partition_active) {
        const auto& f = _sc.faults[i];
        bool sa, sb;
        if (!_partition_side[i].empty()) {
            sa = _partition_side[i][a];
            sb = _partition_side[i][b];
        } else {
            sa = pa.x < f.x_m;
            sb = pb.x < f.x_m;
        }
        if (sa != sb)
            return true;
    }
    return false;
}

double world::loss_probability(std::uint32_t a, std::uint32_t b) const
{
    double p = _sc.radio.loss;
    if (!_link_loss.empty()) {
        auto key = link_key(a, b);
        auto it = std::lower_bound(_link_loss.begin(), _link_loss.end(), std::make_pair(key, -1.0));
        if (it != _link_loss.end() && it->first == key)
            p = it->second;
    }
    for (std::uint32_t i : _bursts_active)
        if (_burst_nodes[i].empty() || _burst_nodes[i][b])
            p = 1 - (1 - p) * (1 - _sc.faults[i].loss);
    return p;
}

void world::start_fault(std::uint32_t i)
{
    const auto& f = _sc.faults[i];
    ++_fault_epoch;
    switch (f.kind) {
    case fault_kind::crash: crash(f.node); break;
    case fault_kind::partition: _partition_active.push_back(i); break;
    case fault_kind::link_down: _links_down.emplace_back(f.a, f.b); break;
    case fault_kind::loss_burst: _bursts_active.push_back(i); break;
    }
}

void world::end_fault(std::uint32_t i)
{
    const auto& f = _sc.faults[i];
    ++_fault_epoch;
    auto erase_one = [](auto& v, const auto& x) {
        auto it = std::find(v.begin(), v.end(), x);
        if (it != v.end())
            v.erase(it);
    };
    switch (f.kind) {
    case fault_kind::crash: restart(f.node); break;
    case fault_kind::partition: erase_one(_partition_active, i); break;
    case fault_kind::link_down: erase_one(_links_down, std::make_pair(f.a, f.b)); break;
    case fault_kind::loss_burst: erase_one(_bursts_active, i); break;
    }
}

void world::crash(std::uint32_t n)
{
    auto& ns = _nodes[n];
    if (!ns.alive)
        return;
    ns.alive = false;
    _medium->crash(n);
    _ledger.drop_owner(n, [&](std::uint32_t h) {
        std::uint32_t uid = _slots[h].uid;
        _packets.free(h);
        if (uid != no_uid) {
            note_drop(uid, "node_crash");
            unref(uid);
        }
    });
    ns.core.reset();
    ns.timer_ns = -1;
    if (auto* x = tp(n)) {
        x->crash(now_tp()); // its applications and buffers go with it
        _tps[n].reset();
    }
}

void world::restart(std::uint32_t n)
{
    auto& ns = _nodes[n];
    if (ns.alive)
        return;
    ++ns.restarts;
    ns.core = new_agent(n, derive_seed(_seed, stream::core, n | (std::uint64_t(ns.restarts) << 32)));
    if (!ns.core)
        return fail(fmt::format("restart: no agent for node {}", n));
    ns.alive = true;
    if (!_tps.empty())
        new_transport(n);
    schedule_timer(n);
}

run_result world::finish_results(double wall_s)
{
    run_result& r = _r;
    r.seed = _seed;
    r.scenario = _sc.name;
    r.agent = _sc.agent == agent_kind::dsr ? "dsr" : "direct";
    r.nodes = _sc.nodes;
    r.duration_s = _sc.duration_s;
    r.data_sent = _data.size();
    for (const auto& d : _data) {
        if (d.state == data_state::delivered)
            ++r.data_delivered;
        else if (d.state == data_state::dropped) {
            ++r.data_dropped;
            ++r.drop_reasons[_reason_names[d.reason]];
        } else {
            ++r.data_in_flight;
        }
    }
    r.pdr = r.data_sent ? double(r.data_delivered) / double(r.data_sent) : 0;
    r.normalized_overhead = r.data_delivered ? double(r.control_packets) / double(r.data_delivered) : 0;
    if (!_delays.empty()) {
        double sum = 0;
        for (double d : _delays)
            sum += d;
        r.mean_delay_s = sum / double(_delays.size());
        std::size_t k = static_cast<std::size_t>(std::ceil(0.99 * double(_delays.size()))) - 1;
        std::nth_element(_delays.begin(), _delays.begin() + long(k), _delays.end());
        r.p99_delay_s = _delays[k];
        r.mean_hops = _hops_sum / double(_delays.size());
    }
    r.extra_hops_samples = _extra_n;
    r.mean_extra_hops = _extra_n ? _extra_sum / double(_extra_n) : 0;
    if (r.discoveries_done)
        r.mean_discovery_latency_s /= double(r.discoveries_done);
    for (const auto& ns : _nodes)
        if (ns.core)
            ns.core->add_counters(r.core_counters);
    const auto& ms = _medium->stats();
    r.mac_transmissions = ms.transmissions;
    r.mac_collisions = ms.collisions;
    r.mac_losses = ms.losses;
    r.mac_retries = ms.retries;
    r.mac_retry_failures = ms.retry_failures;
    r.mac_queue_drops = ms.queue_drops;
    r.mac_purged = ms.purged;
    r.mac_airtime_s = double(ms.airtime_ns) / 1e9;
    if (_books)
        transfer_results();
    r.sim_memory_bytes = _medium->memory_bytes() + _packets.bytes_reserved() +
                         _slots.capacity() * sizeof(slot_info) + _ledger.capacity() * sizeof(std::uint32_t) +
                         _data.capacity() * sizeof(data_rec) +
                         _nodes.capacity() * sizeof(node_state);
    for (const auto& x : _tps) // transfers only
        r.sim_memory_bytes += (x ? x->memory_bytes() : 0) + sizeof(x);
    r.wall_s = wall_s;
    r.failure = _failure;
    return r;
}

} // namespace babe::sim
