// SPDX-License-Identifier: Apache-2.0
// The in-memory multi-node DSR network of harness.hh.
#include "harness.hh"

#include <algorithm>
#include <limits>

#include "dsr/codec/codec.hh"
#include "dsr/packet.hh"

namespace babe::dsr::testing {

namespace {
struct handle_info {
    std::vector<std::byte> bytes;
    std::uint64_t id = 0;
};
} // namespace

harness::harness(const harness_options& o)
    : _o(o), _links(o.nodes, std::vector<link_state>(o.nodes)), _events(o.nodes),
      _rng(o.seed * 0x9e3779b97f4a7c15ull + 7), _out(4096)
{
    // A link layer without acknowledgements: the core must not wait for them.
    config cfg = o.cfg;
    if (!o.link_feedback)
        cfg.use_link_feedback = false;
    for (std::size_t i = 0; i < o.nodes; ++i)
        _nodes.push_back(std::make_unique<node>(cfg, node_addr(i), o.seed * 1000 + i));
}

double harness::uniform()
{
    _rng ^= _rng << 13;
    _rng ^= _rng >> 7;
    _rng ^= _rng << 17;
    return static_cast<double>(_rng >> 11) * 0x1.0p-53;
}

void harness::set_link(std::size_t i, std::size_t j, bool up, double loss) { _links[i][j] = {up, loss}; }
void harness::set_bidi(std::size_t i, std::size_t j, bool up, double loss)
{
    set_link(i, j, up, loss);
    set_link(j, i, up, loss);
}
void harness::chain()
{
    for (std::size_t i = 0; i + 1 < size(); ++i)
        set_bidi(i, i + 1, true);
}
bool harness::link_up(std::size_t i, std::size_t j) const { return _links[i][j].up; }

int harness::index_of(addr a) const
{
    if (a < node_addr(0) || a >= node_addr(size()))
        return -1;
    return static_cast<int>(a - node_addr(0));
}

std::uint64_t harness::payload_id(std::span<const std::byte> pkt, std::size_t offset) const
{
    if (pkt.size() < offset + 8)
        return 0;
    std::uint64_t id = 0;
    for (std::size_t k = 0; k < 8; ++k)
        id = (id << 8) | std::to_integer<std::uint64_t>(pkt[offset + k]);
    return id;
}

std::uint32_t harness::new_handle(std::size_t n, std::vector<std::byte> bytes)
{
    const std::uint32_t h = _next_handle++;
    _buffers.emplace(h, std::move(bytes));
    if (!_ledger.give(static_cast<std::uint32_t>(n), h))
        _violations.push_back("handle " + std::to_string(h) + " given while held");
    return h;
}

std::uint64_t harness::send(std::size_t from, std::size_t to, std::size_t payload, std::uint8_t protocol,
                            bool hop_recovery)
{
    const std::uint64_t id = _next_id++;
    std::vector<std::byte> p(20 + std::max<std::size_t>(payload, 8));
    codec::ipv4_fields f;
    f.protocol = protocol;
    f.ttl = 64;
    f.id = static_cast<std::uint16_t>(id);
    f.source = codec::ipv4_addr{node_addr(from)};
    f.destination = codec::ipv4_addr{node_addr(to)};
    (void)codec::encode_ipv4_header(p, f, static_cast<std::uint16_t>(p.size()));
    for (std::size_t k = 0; k < 8; ++k)
        p[20 + k] = std::byte((id >> (56 - 8 * k)) & 0xff);
    const std::uint32_t h = new_handle(from, p);
    _sent_ids.push_back(id);
    _nodes[from]->send(_now, packet_handle{h}, _buffers[h], hop_recovery);
    drain(from);
    return id;
}

void harness::check_frame(std::size_t i, std::span<const std::byte> f)
{
    auto p = codec::parse_ipv4_dsr(f);
    if (!p) {
        _violations.push_back("node " + std::to_string(i) + " sent a frame the codec refuses");
        return;
    }
    const addr src = p->ip.source().value, dst = p->ip.destination().value;
    ++_frames;
    bool control = false;
    std::vector<addr> hops;
    for (const auto& o : p->dsr.options()) {
        if (std::holds_alternative<codec::rreq_view>(o)) {
            ++_rreq_frames;
            control = true;
        } else if (auto* v = std::get_if<codec::rrep_view>(&o)) {
            ++_rrep_frames;
            control = true;
            if (src == node_addr(i)) {
                // A reply this node formed: every link initiator -> ... -> target is real.
                addr prev = dst;
                for (auto a : v->addresses()) {
                    const int x = index_of(prev), y = index_of(a.value);
                    if (x < 0 || y < 0 || !link_up(std::size_t(x), std::size_t(y)))
                        _violations.push_back("node " + std::to_string(i) +
                                              " sent a Route Reply over a non-link");
                    prev = a.value;
                }
            }
        } else if (std::holds_alternative<codec::rerr_view>(o)) {
            ++_rerr_frames;
            control = true;
        } else if (auto* v = std::get_if<codec::srcrt_view>(&o)) {
            for (auto a : v->addresses())
                hops.push_back(a.value);
        }
    }
    // No loop: src, hops..., dst all distinct.
    std::vector<addr> full{src};
    full.insert(full.end(), hops.begin(), hops.end());
    if (dst != broadcast)
        full.push_back(dst);
    std::vector<addr> sorted = full;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        _violations.push_back("node " + std::to_string(i) + " sent a source route with a loop");
    if (!control && p->dsr.next_header() != 59)
        ++_data_frames;
}

void harness::on_transmit(std::size_t i, const transmit& t, std::span<const std::byte> hdr)
{
    std::vector<std::byte> bytes(hdr.begin(), hdr.end());
    if (t.handle) {
        const auto who = static_cast<std::uint32_t>(i);
        if (!_ledger.holds(who, t.handle->id)) {
            _violations.push_back(_ledger.refusal("node " + std::to_string(i), t.handle->id, "transmits"));
            return;
        }
        auto it = _buffers.find(t.handle->id);
        bytes.insert(bytes.end(), it->second.begin() + t.payload_offset, it->second.end());
    }
    check_frame(i, bytes);
    if (auto p = codec::parse_ipv4_dsr(bytes); p && p->dsr.next_header() != ipproto_none) {
        const std::uint64_t id = payload_id(bytes, p->ip.header_len() + p->dsr.header_len());
        _hops[id].push_back({node_addr(i), t.next_hop});
    }
    bool addressed_copy_arrived = false;
    for (std::size_t j = 0; j < size(); ++j) {
        if (j == i || !_links[i][j].up)
            continue;
        const bool addressed = t.next_hop == broadcast || node_addr(j) == t.next_hop;
        if (!addressed && !_o.promiscuous)
            continue;
        if (_links[i][j].loss > 0 && uniform() < _links[i][j].loss)
            continue;
        if (addressed)
            addressed_copy_arrived = true;
        _frames_in_flight.push_back(
            frame{_now + _o.hop_delay, _seq++, j, i, !addressed, bytes});
    }
    if (t.handle && t.next_hop != broadcast)
        _last_send_arrived[t.handle->id] = addressed_copy_arrived;
    if (t.want_link_feedback && t.next_hop != broadcast && _o.link_feedback) {
        const int k = index_of(t.next_hop);
        const bool ok = k >= 0 && addressed_copy_arrived && _links[std::size_t(k)][i].up;
        _feedback.push_back(feedback{_now + _o.hop_delay, i, t.next_hop, ok});
    }
}

void harness::drain(std::size_t i)
{
    node& n = *_nodes[i];
    while (auto t = n.poll_transmit(_now, _out))
        on_transmit(i, *t, std::span<const std::byte>(_out.data(), t->length));
    while (auto e = n.poll_event()) {
        _events[i].push_back(*e);
        if (!e->handle)
            continue;
        if (!_ledger.give_back(static_cast<std::uint32_t>(i), e->handle->id)) {
            _violations.push_back(
                _ledger.refusal("node " + std::to_string(i), e->handle->id, to_string(e->kind)));
            continue;
        }
        auto it = _buffers.find(e->handle->id);
        const auto& b = it->second;
        std::uint64_t id = 0;
        if (auto p = codec::parse_ipv4_dsr(b); p && p->dsr.next_header() != ipproto_none)
            id = payload_id(b, p->ip.header_len() + p->dsr.header_len());
        else if (auto q = codec::parse_ipv4(b); q && q->protocol() != 48 && q->protocol() != ipproto_none)
            id = payload_id(b, q->header_len());
        if (e->kind == event_kind::delivered && id) {
            _delivered.insert(id);
            ++_deliveries;
        }
        if (e->kind == event_kind::dropped && id)
            _dropped.emplace(id, e->reason);
        if (auto sent = _last_send_arrived.find(e->handle->id); sent != _last_send_arrived.end()) {
            if (e->kind == event_kind::released && id && !sent->second)
                _lost_unmaintained.insert(id);
            _last_send_arrived.erase(sent);
        }
        _buffers.erase(it);
    }
}

void harness::run_until(time_point until)
{
    for (;;) {
        std::optional<time_point> t;
        auto take = [&](time_point x) {
            if (!t || x < *t)
                t = x;
        };
        for (const auto& f : _frames_in_flight)
            take(f.at);
        for (const auto& f : _feedback)
            take(f.at);
        for (const auto& n : _nodes)
            if (auto x = n->poll_timeout())
                take(*x);
        if (!t || *t > until) {
            _now = std::max(_now, until);
            return;
        }
        _now = std::max(_now, *t);
        // Frames in order of arrival.
        std::vector<frame> due;
        auto mid = std::stable_partition(_frames_in_flight.begin(), _frames_in_flight.end(),
                                         [&](const frame& f) { return f.at > _now; });
        due.assign(std::make_move_iterator(mid), std::make_move_iterator(_frames_in_flight.end()));
        _frames_in_flight.erase(mid, _frames_in_flight.end());
        std::sort(due.begin(), due.end(), [](const frame& a, const frame& b) { return a.seq < b.seq; });
        for (auto& f : due) {
            const std::uint32_t h = new_handle(f.to, f.bytes);
            _nodes[f.to]->handle_packet(_now, 0, node_addr(f.from), _buffers[h],
                                        packet_handle{h}, f.overheard);
            if (_o.heard_evidence)
                _nodes[f.to]->handle_heard(_now, node_addr(f.from));
            drain(f.to);
        }
        std::vector<feedback> fb;
        auto fmid = std::stable_partition(_feedback.begin(), _feedback.end(),
                                          [&](const feedback& f) { return f.at > _now; });
        fb.assign(fmid, _feedback.end());
        _feedback.erase(fmid, _feedback.end());
        for (auto& f : fb) {
            _nodes[f.node]->handle_link_feedback(_now, f.next_hop, f.ok);
            drain(f.node);
        }
        for (std::size_t i = 0; i < size(); ++i) {
            if (auto x = _nodes[i]->poll_timeout(); x && *x <= _now)
                _nodes[i]->handle_timeout(_now);
            drain(i);
        }
    }
}

drop_reason harness::drop_reason_of(std::uint64_t id) const
{
    auto it = _dropped.find(id);
    return it == _dropped.end() ? drop_reason::none : it->second;
}

std::size_t harness::outstanding_handles() const
{
    return _ledger.outstanding();
}

std::uint64_t harness::count_events(std::size_t i, event_kind k) const
{
    return static_cast<std::uint64_t>(
        std::count_if(_events[i].begin(), _events[i].end(), [&](const event& e) { return e.kind == k; }));
}

std::vector<std::pair<addr, addr>> harness::data_hops(std::uint64_t id) const
{
    auto it = _hops.find(id);
    return it == _hops.end() ? std::vector<std::pair<addr, addr>>{} : it->second;
}

} // namespace babe::dsr::testing
