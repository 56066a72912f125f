// SPDX-License-Identifier: Apache-2.0
// The radio medium and MAC (see medium.hh for the model).
#include "sim/medium.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace babe::sim {

const char* to_string(frame_outcome o)
{
    switch (o) {
    case frame_outcome::received: return "received";
    case frame_outcome::retries_exhausted: return "mac_retries_exhausted";
    case frame_outcome::not_received: return "lost_on_air";
    case frame_outcome::broadcast: return "broadcast";
    case frame_outcome::queue_full: return "ifq_full";
    case frame_outcome::purged: return "ifq_purged";
    case frame_outcome::node_down: return "node_down";
    }
    return "?";
}

namespace {
std::int64_t us_to_ns(double us) { return static_cast<std::int64_t>(std::llround(us * 1e3)); }
} // namespace

medium::medium(const scenario& sc, mobility& mob, event_queue& q, medium_host& host, std::uint64_t seed)
    : _sc(sc), _mob(mob), _q(q), _host(host), _loss_rng(derive_seed(seed, stream::loss)),
      _mac_rng(derive_seed(seed, stream::mac)),
      _grid(std::max(sc.radio.range_m, sc.radio.carrier_sense_m) + 2 * mob.max_speed_mps() * sc.rebin_s),
      _qcap(sc.radio.queue_packets), _range(sc.radio.range_m),
      _range2(sc.radio.range_m * sc.radio.range_m),
      _cs(std::max(sc.radio.range_m, sc.radio.carrier_sense_m))
{
    _mac.resize(sc.nodes);
    for (auto& m : _mac)
        m.cw = static_cast<std::uint16_t>(sc.radio.cw_min);
    _queue.resize(std::size_t(sc.nodes) * _qcap);
    _slot_ns = us_to_ns(sc.radio.slot_us);
    _sifs_ns = us_to_ns(sc.radio.sifs_us);
    _difs_ns = us_to_ns(sc.radio.difs_us);
    _ack_ns = us_to_ns(sc.radio.preamble_us) +
              static_cast<std::int64_t>(std::llround(sc.radio.ack_b * 8e9 / sc.radio.bitrate_bps));
    _promiscuous = sc.radio.promiscuous < 0 ? !sc.radio.link_feedback : sc.radio.promiscuous == 1;
    rebin();
    if (_mob.moves())
        _q.push(static_cast<std::int64_t>(std::llround(sc.rebin_s * 1e9)), ev::rebin);
}

std::size_t medium::memory_bytes() const
{
    std::size_t b = _frames.bytes_reserved() + _meta.capacity() * sizeof(frame_meta) +
                    _mac.capacity() * sizeof(mac) + _queue.capacity() * 4;
    for (const auto& t : _tx)
        b += sizeof(t) + t.receivers.capacity() * 4;
    return b;
}

double medium::reach(double radius) const
{
    return radius + _mob.max_speed_mps() * static_cast<double>(_now - _last_rebin) / 1e9 + 1e-6;
}

std::int64_t medium::airtime_ns(std::uint32_t bytes) const
{
    return us_to_ns(_sc.radio.preamble_us) +
           static_cast<std::int64_t>(std::llround((bytes + _sc.radio.mac_header_b) * 8e9 / _sc.radio.bitrate_bps));
}

std::uint32_t medium::new_frame()
{
    std::uint32_t f = _frames.alloc();
    if (f >= _meta.size())
        _meta.resize(_frames.capacity());
    _meta[f] = frame_meta{};
    return f;
}

void medium::drop_frame(std::uint32_t sender, std::uint32_t frame, frame_outcome o)
{
    _host.on_frame_done(sender, frame, o);
    _frames.free(frame);
}

void medium::enqueue(std::uint32_t frame)
{
    std::uint32_t n = _meta[frame].src;
    auto& m = _mac[n];
    if (!_host.alive(n))
        return drop_frame(n, frame, frame_outcome::node_down);
    if (m.count == _qcap) {
        ++_stats.queue_drops;
        return drop_frame(n, frame, frame_outcome::queue_full);
    }
    _queue[std::size_t(n) * _qcap + (m.head + m.count) % _qcap] = frame;
    ++m.count;
    if (m.state == mac_state::idle)
        start_access(n, 0);
}

void medium::purge(std::uint32_t n, std::uint32_t to)
{
    auto& m = _mac[n];
    if (m.count == 0)
        return;
    const bool head_busy = m.state == mac_state::tx || m.state == mac_state::ack_wait;
    std::uint32_t* q = &_queue[std::size_t(n) * _qcap];
    // The head on the air to `to` is answered first: purging behind it would
    // report feedback out of order.
    if (head_busy && _meta[q[m.head]].dst == to)
        return;
    std::uint32_t kept = 0, removed = 0;
    std::uint32_t out[64];
    for (std::uint32_t i = 0; i < m.count; ++i) {
        const std::uint32_t f = q[(m.head + i) % _qcap];
        const bool take = !(i == 0 && head_busy) && _meta[f].dst == to && _meta[f].want_feedback &&
                          removed < std::size(out);
        if (take)
            out[removed++] = f;
        else
            q[(m.head + kept++) % _qcap] = f;
    }
    if (removed == 0)
        return;
    m.count = kept;
    if (!head_busy) { // the head may have changed: restart the access
        ++m.gen;
        m.state = mac_state::idle;
        m.retries = 0;
        m.cw = static_cast<std::uint16_t>(_sc.radio.cw_min);
    }
    _stats.purged += removed;
    for (std::uint32_t i = 0; i < removed; ++i)
        drop_frame(n, out[i], frame_outcome::purged);
    if (m.state == mac_state::idle && m.count > 0 && _host.alive(n))
        start_access(n, 0);
}

void medium::start_access(std::uint32_t n, std::int64_t after_ns)
{
    auto& m = _mac[n];
    m.state = mac_state::backoff;
    ++m.gen;
    std::int64_t wait = after_ns + _difs_ns + std::int64_t(_mac_rng.below(m.cw + 1u)) * _slot_ns;
    _q.push(_now + wait, ev::mac_backoff, n, m.gen);
}

void medium::handle(const event& e)
{
    switch (e.kind) {
    case ev::mac_backoff: {
        auto& m = _mac[e.a];
        if (e.b != m.gen || m.state != mac_state::backoff || !_host.alive(e.a))
            return;
        if (m.hearing > 0) {
            m.state = mac_state::wait_idle;
            return;
        }
        start_tx(e.a);
        return;
    }
    case ev::tx_end:
        tx_end(e.a);
        return;
    case ev::ack_end: {
        auto& m = _mac[e.a];
        if (m.state != mac_state::ack_wait || e.b != m.gen)
            return;
        finish(e.a, _host.alive(e.a) ? frame_outcome::received : frame_outcome::node_down);
        return;
    }
    case ev::rebin:
        rebin();
        _q.push(_now + static_cast<std::int64_t>(std::llround(_sc.rebin_s * 1e9)), ev::rebin);
        return;
    default:
        return;
    }
}

void medium::rebin()
{
    _positions.resize(_sc.nodes);
    for (std::uint32_t i = 0; i < _sc.nodes; ++i)
        _positions[i] = _mob.position(i, _now);
    _grid.rebuild(_positions);
    _last_rebin = _now;
}

void medium::start_tx(std::uint32_t n)
{
    auto& m = _mac[n];
    std::uint32_t f = head_frame(n);
    m.state = mac_state::tx;
    m.rx_clean = false; // half duplex: whatever it was receiving is lost
    std::uint32_t id;
    if (_tx_free.empty()) {
        id = static_cast<std::uint32_t>(_tx.size());
        _tx.emplace_back();
    } else {
        id = _tx_free.back();
        _tx_free.pop_back();
    }
    auto& r = _tx[id];
    r.sender = n;
    r.frame = f;
    r.start_ns = _now;
    r.sender_pos = _mob.position(n, _now);
    r.receivers.clear();
    if (_cs > _range) {
        for_each_within(n, _cs, [&](std::uint32_t c) {
            bool decodable = dist2(r.sender_pos, _mob.position(c, _now)) <= _range2;
            r.receivers.push_back(decodable ? c : c | sense_only);
        });
    } else {
        for_each_neighbour(n, [&](std::uint32_t c) { r.receivers.push_back(c); });
    }
    if (_sc.checkers && _sc.nodes <= 64)
        check_receivers(r);
    for (std::uint32_t entry : r.receivers) {
        std::uint32_t c = entry & ~sense_only;
        auto& rm = _mac[c];
        if (!(entry & sense_only) && rm.hearing == 0 && rm.state != mac_state::tx) {
            rm.rx_tx = id;
            rm.rx_clean = true;
        } else {
            _stats.collisions += rm.rx_clean;           // the reception under way is lost
            _stats.collisions += !(entry & sense_only); // and so is this one
            rm.rx_clean = false;
        }
        ++rm.hearing;
    }
    auto dur = airtime_ns(_meta[f].len);
    ++_stats.transmissions;
    _stats.airtime_ns += static_cast<std::uint64_t>(dur);
    _host.on_air(n, f);
    _q.push(_now + dur, ev::tx_end, id);
}

// Brute force: the grid found exactly the live nodes within range.
void medium::check_receivers(const tx_record& r)
{
    std::uint32_t expect = 0;
    for (std::uint32_t c = 0; c < _sc.nodes; ++c) {
        if (c == r.sender || !_host.alive(c))
            continue;
        bool in = dist2(r.sender_pos, _mob.position(c, _now)) <= _range2;
        bool listed = std::find(r.receivers.begin(), r.receivers.end(), c) != r.receivers.end();
        bool sensed = std::find(r.receivers.begin(), r.receivers.end(), c | sense_only) != r.receivers.end();
        if (sensed && dist2(r.sender_pos, _mob.position(c, _now)) > _cs * _cs)
            _host.fail(fmt::format("range: node {} senses node {} beyond carrier-sense range", c, r.sender));
        if (in != listed)
            _host.fail(fmt::format("range: node {} is {} range of node {} but {} a receiver", c,
                                   in ? "in" : "out of", r.sender, listed ? "is" : "is not"));
        expect += in;
    }
    (void)expect;
}

void medium::tx_end(std::uint32_t id)
{
    auto& r = _tx[id];
    const std::uint32_t n = r.sender;
    const std::uint32_t f = r.frame;
    const auto& fm = _meta[f];
    const double slack = _mob.max_speed_mps() * static_cast<double>(_now - r.start_ns) / 1e9 + 1e-6;
    const double limit2 = (_range + slack) * (_range + slack);
    _ok.clear();
    for (std::uint32_t entry : r.receivers) {
        std::uint32_t c = entry & ~sense_only;
        auto& rm = _mac[c];
        bool clean = !(entry & sense_only) && rm.rx_tx == id && rm.rx_clean;
        if (rm.rx_tx == id) {
            rm.rx_tx = no_node;
            rm.rx_clean = false;
        }
        --rm.hearing;
        if (rm.hearing == 0 && rm.state == mac_state::wait_idle)
            start_access(c, 0);
        if (!clean || !_host.alive(c))
            continue;
        vec2 pc = _mob.position(c, _now);
        if (_host.link_blocked(n, c, r.sender_pos, pc)) {
            ++_stats.losses;
            continue;
        }
        double p = _host.loss_probability(n, c);
        if (p > 0 && _loss_rng.chance(p)) {
            ++_stats.losses;
            continue;
        }
        if (_sc.checkers && dist2(r.sender_pos, pc) > limit2)
            _host.fail(fmt::format("range: frame from node {} delivered to node {} at {:.1f} m (range {} m)",
                                   n, c, std::sqrt(dist2(r.sender_pos, pc)), _range));
        _ok.push_back(c);
    }
    _tx_free.push_back(id);

    const bool sender_alive = _host.alive(n);
    const bool broadcast = fm.dst == no_node;
    const std::uint32_t dst = fm.dst; // host callbacks may grow _meta: no references across them
    bool dst_ok = false;
    for (std::uint32_t c : _ok) {
        _stats.receptions += broadcast || c == dst || _promiscuous;
        if (broadcast)
            _host.on_receive(c, f, false);
        else if (c == dst)
            dst_ok = true;
        else if (_promiscuous)
            _host.on_receive(c, f, true);
    }
    if (dst_ok)
        _host.on_receive(dst, f, false);
    auto& m = _mac[n];

    if (!sender_alive || m.state != mac_state::tx)
        return finish(n, frame_outcome::node_down);
    if (broadcast)
        return finish(n, frame_outcome::broadcast);
    if (!_sc.radio.link_feedback)
        return finish(n, dst_ok ? frame_outcome::received : frame_outcome::not_received);
    if (dst_ok) {
        m.state = mac_state::ack_wait;
        ++m.gen;
        _q.push(_now + _sifs_ns + _ack_ns, ev::ack_end, n, m.gen);
        return;
    }
    if (m.retries >= _sc.radio.retry_limit) {
        ++_stats.retry_failures;
        return finish(n, frame_outcome::retries_exhausted);
    }
    ++m.retries;
    ++_stats.retries;
    m.cw = static_cast<std::uint16_t>(std::min<std::uint32_t>(m.cw * 2u + 1u, _sc.radio.cw_max));
    start_access(n, _sifs_ns + _ack_ns); // the ACK timeout, then back off again
}

void medium::finish(std::uint32_t n, frame_outcome o)
{
    auto& m = _mac[n];
    std::uint32_t f = head_frame(n);
    m.head = (m.head + 1) % _qcap;
    --m.count;
    m.retries = 0;
    m.cw = static_cast<std::uint16_t>(_sc.radio.cw_min);
    m.state = mac_state::idle;
    ++m.gen;
    drop_frame(n, f, o);
    if (m.state == mac_state::idle && m.count > 0 && _host.alive(n))
        start_access(n, 0);
}

void medium::crash(std::uint32_t n)
{
    auto& m = _mac[n];
    bool head_busy = m.state == mac_state::tx; // stays on the air until tx_end
    std::uint32_t keep = head_busy ? 1 : 0;
    while (m.count > keep) {
        std::uint32_t idx = (m.head + m.count - 1) % _qcap;
        std::uint32_t f = _queue[std::size_t(n) * _qcap + idx];
        --m.count;
        drop_frame(n, f, frame_outcome::node_down);
    }
    ++m.gen;
    if (!head_busy)
        m.state = mac_state::idle;
    m.retries = 0;
    m.cw = static_cast<std::uint16_t>(_sc.radio.cw_min);
}

} // namespace babe::sim
