// SPDX-License-Identifier: Apache-2.0
// One node's transport endpoint and its bulk-transfer applications (see
// transport_agent.hh).
#include "sim/transport_agent.hh"

#include <babe/maps.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "dsr/codec/ipv4.hh"
#include "sim/medium.hh"

namespace babe::sim {

namespace {
constexpr std::size_t ipv4_len = 20;
// Buffers a sending application keeps queued on its connection, as babed's
// transport service does (max_queued_per_session).
constexpr std::uint32_t queued_per_transfer = 768;
} // namespace

const char* to_string(transfer_state::phase p)
{
    using ph = transfer_state::phase;
    switch (p) {
    case ph::pending:
        return "pending";
    case ph::connecting:
        return "connecting";
    case ph::streaming:
        return "streaming";
    case ph::completed:
        return "completed";
    case ph::failed:
        return "failed";
    }
    return "?";
}

std::byte transfer_byte(std::uint32_t t, std::uint64_t pos)
{
    std::uint64_t x = (pos + 1) * 0x9e3779b97f4a7c15ull ^ (std::uint64_t(t) << 40);
    x ^= x >> 29;
    return std::byte(static_cast<std::uint8_t>(x ^ (x >> 17)));
}

transport_agent::transport_agent(const transport::config& cfg, std::uint32_t node,
                                 std::uint32_t self_addr, std::uint64_t seed, transfer_books& books)
    : _node(node), _self(self_addr), _books(books), _ep(cfg, self_addr, seed),
      _pool(max_frame_bytes), _max_chunks(std::min(queued_per_transfer, cfg.max_send_chunks)),
      _hdr(transport::header_max)
{
}

transport_agent::~transport_agent() = default;

std::string transport_agent::who() const
{
    return fmt::format("transport of node {}", _node);
}

void transport_agent::listen(std::uint32_t t)
{
    auto r = _ep.listen(transfer_port(t));
    if (!r && r.error() != transport::error::port_in_use)
        _books.fail(fmt::format("transfer {}: node {} cannot listen on port {}: {}", t, _node,
                                transfer_port(t), transport::to_string(r.error())));
}

void transport_agent::start(time_point now, std::uint32_t t, std::uint32_t peer_addr)
{
    auto c = _ep.connect(now, peer_addr, transfer_port(t));
    if (!c) {
        finish(now, t, transfer_state::phase::failed,
               fmt::format("connect refused: {}", transport::to_string(c.error())));
        return;
    }
    _books.state[t].ph = transfer_state::phase::connecting;
    _conns.push_back(conn_rec{c.value(), t, peer_addr, true, false, 0});
}

void transport_agent::handle_segment(time_point now, std::uint32_t from,
                                     std::span<const std::byte> seg)
{
    if (seg.size() > _pool.slot_bytes())
        return _books.fail(
            fmt::format("{}: a {}-byte segment does not fit a buffer", who(), seg.size()));
    const std::uint32_t id = _pool.alloc();
    if (id >= _bufs.size())
        _bufs.resize(_pool.capacity());
    _bufs[id] = buffer_rec{0, static_cast<std::uint32_t>(seg.size()), false};
    std::memcpy(_pool.data(id), seg.data(), seg.size());
    _ledger.give(_node, id);
    auto r = _ep.handle_segment(now, from, {_pool.data(id), seg.size()},
                                transport::packet_handle{id}, 0);
    if (!r) { // refused (busy): the handle stays ours, the segment is lost (the peer resends)
        _ledger.give_back(_node, id);
        _pool.free(id);
    }
}

void transport_agent::unreachable(time_point now, std::uint32_t dst)
{
    for (std::size_t i = 0; i < _conns.size(); ++i) {
        auto& c = _conns[i];
        if (!c.sender || c.peer != dst ||
            _books.state[c.transfer].ph != transfer_state::phase::connecting)
            continue;
        const auto id = c.id;
        finish(now, c.transfer, transfer_state::phase::failed,
               "unreachable: Route Discovery found no route to the receiver");
        (void)_ep.abort(now, id); // its handles come back as dropped events
    }
}

void transport_agent::crash(time_point now)
{
    for (const auto& c : _conns)
        if (c.sender)
            finish(now, c.transfer, transfer_state::phase::failed, "the sending node crashed");
}

void transport_agent::handle_timeout(time_point now)
{
    if (auto t = _ep.poll_timeout(); t && *t <= now)
        _ep.handle_timeout(now);
}

std::optional<time_point> transport_agent::poll_timeout() const
{
    return _ep.poll_timeout();
}

void transport_agent::pump(time_point now)
{
    for (bool more = true; more;) {
        more = false;
        for (std::size_t i = 0; i < _conns.size(); ++i)
            more = feed(now, _conns[i]) || more;
        while (auto e = _ep.poll_event()) {
            on_event(now, *e);
            more = true;
        }
    }
}

// Queue the sender's next buffers (one segment's worth each) while its
// transfer has bytes left and the queue has room; close after the last.
bool transport_agent::feed(time_point now, conn_rec& c)
{
    auto& st = _books.state[c.transfer];
    if (!c.sender || c.close_called || st.ph != transfer_state::phase::streaming)
        return false;
    const std::uint64_t total = _books.specs[c.transfer].bytes;
    const std::uint32_t mss = _ep.cfg().mss;
    bool any = false;
    while (st.queued < total && c.chunks < _max_chunks) {
        const auto len =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(mss, total - st.queued));
        const std::uint32_t id = _pool.alloc();
        if (id >= _bufs.size())
            _bufs.resize(_pool.capacity());
        _bufs[id] = buffer_rec{c.transfer, len, true};
        std::byte* p = _pool.data(id);
        for (std::uint32_t k = 0; k < len; ++k)
            p[k] = transfer_byte(c.transfer, st.queued + k);
        if (_books.corrupt && _books.corrupt->first == c.transfer &&
            _books.corrupt->second >= st.queued && _books.corrupt->second < st.queued + len)
            p[_books.corrupt->second - st.queued] ^= std::byte{0x5a};
        _ledger.give(_node, id);
        auto r = _ep.send(now, c.id, transport::packet_handle{id}, 0, {p, len});
        if (!r) {
            _ledger.give_back(_node, id);
            _pool.free(id);
            if (r.error() != transport::error::send_queue_full)
                finish(
                    now, c.transfer, transfer_state::phase::failed,
                    fmt::format("the transport refused data: {}", transport::to_string(r.error())));
            return any;
        }
        st.queued += len;
        ++c.chunks;
        any = true;
    }
    if (st.queued == total && !c.close_called) {
        c.close_called = true;
        (void)_ep.close(now, c.id);
        any = true;
    }
    return any;
}

std::optional<transport_agent::segment> transport_agent::poll(time_point now,
                                                              std::span<std::byte> out)
{
    auto t = _ep.poll_transmit(now, _hdr);
    if (!t)
        return std::nullopt;
    const auto hl = static_cast<std::uint32_t>(t->header_length);
    const auto total = static_cast<std::uint32_t>(ipv4_len) + hl + t->payload_length;
    if (total > out.size()) {
        _books.fail(fmt::format("{}: a {}-byte segment does not fit a frame", who(), total));
        return std::nullopt;
    }
    dsr::codec::ipv4_fields f;
    f.protocol = BABE_NEXT_HEADER_TRANSPORT;
    f.ttl = 64;
    f.id = ++_ip_id;
    f.source = dsr::codec::ipv4_addr{_self};
    f.destination = dsr::codec::ipv4_addr{t->peer};
    (void)dsr::codec::encode_ipv4_header(out, f, static_cast<std::uint16_t>(total));
    std::memcpy(out.data() + ipv4_len, _hdr.data(), hl);
    if (t->handle) {
        const std::uint32_t id = t->handle->id;
        if (!_ledger.holds(_node, id)) {
            _books.fail("handle: " + _ledger.refusal(who(), id, "transmits"));
            return std::nullopt;
        }
        if (std::size_t(t->payload_offset) + t->payload_length > _bufs[id].len) {
            _books.fail(fmt::format("{}: transmit of buffer {} out of bounds", who(), id));
            return std::nullopt;
        }
        std::memcpy(out.data() + ipv4_len + hl, _pool.data(id) + t->payload_offset,
                    t->payload_length);
        if (t->retransmission && _bufs[id].tx) {
            auto& st = _books.state[_bufs[id].transfer];
            ++st.segments_retransmitted;
            st.bytes_retransmitted += t->payload_length;
        }
    }
    segment s;
    s.length = total;
    s.data = t->handle.has_value();
    const auto flags = std::to_integer<std::uint8_t>(_hdr[12]);
    s.hop_recovery = s.data || (flags & (transport::flag::syn | transport::flag::fin)) != 0;
    return s;
}

transport_agent::conn_rec* transport_agent::find(transport::conn_id id)
{
    for (auto& c : _conns)
        if (c.id == id)
            return &c;
    return nullptr;
}

void transport_agent::forget(transport::conn_id id)
{
    auto it =
        std::find_if(_conns.begin(), _conns.end(), [&](const conn_rec& c) { return c.id == id; });
    if (it != _conns.end())
        _conns.erase(it);
}

void transport_agent::finish(time_point now, std::uint32_t t, transfer_state::phase ph,
                             const std::string& error)
{
    auto& st = _books.state[t];
    if (st.ph == transfer_state::phase::completed || st.ph == transfer_state::phase::failed)
        return;
    st.ph = ph;
    st.error = error;
    st.end_ns = to_ns(now);
}

void transport_agent::on_event(time_point now, const transport::event& e)
{
    using k = transport::event_kind;
    if (e.handle)
        return on_handle(now, e);
    conn_rec* c = find(e.conn);
    switch (e.kind) {
    case k::connected:
        if (c && c->sender && _books.state[c->transfer].ph == transfer_state::phase::connecting)
            _books.state[c->transfer].ph = transfer_state::phase::streaming;
        return;
    case k::accepted: {
        const std::uint32_t t = e.local_port - 1u;
        if (e.local_port == 0 || t >= _books.specs.size() || _books.specs[t].dst != _node) {
            (void)_ep.abort(now, e.conn);
            return;
        }
        _conns.push_back(conn_rec{e.conn, t, e.peer, false, false, 0});
        return;
    }
    case k::peer_closed:
        if (c && !c->sender) {
            auto& st = _books.state[c->transfer];
            st.receiver_fin = true;
            if (st.delivered != _books.specs[c->transfer].bytes)
                _books.fail(
                    fmt::format("transfer {}: the receiver saw the FIN after {} of {} bytes "
                                "(bytes lost without an error)",
                                c->transfer, st.delivered, _books.specs[c->transfer].bytes));
            (void)_ep.close(now, e.conn);
        }
        return;
    case k::closed:
    case k::reset:
    case k::timed_out:
        if (c && c->sender) {
            const std::uint32_t t = c->transfer;
            const auto& st = _books.state[t];
            if (e.kind == k::closed && e.why == transport::reason::none) {
                if (st.delivered != _books.specs[t].bytes || !st.receiver_fin)
                    _books.fail(
                        fmt::format("transfer {}: the sender closed in order but the receiver "
                                    "has {} of {} bytes{}",
                                    t, st.delivered, _books.specs[t].bytes,
                                    st.receiver_fin ? "" : " and no FIN"));
                finish(now, t, transfer_state::phase::completed, "");
            } else {
                finish(now, t, transfer_state::phase::failed,
                       fmt::format("{} ({})", transport::to_string(e.kind),
                                   transport::to_string(e.why)));
            }
        }
        forget(e.conn);
        return;
    default:
        return;
    }
}

// A buffer comes back: a sender's chunk (acknowledged or dropped) or a
// received segment (delivered to the application, or done with).
void transport_agent::on_handle(time_point now, const transport::event& e)
{
    const std::uint32_t id = e.handle->id;
    if (!_ledger.give_back(_node, id))
        return _books.fail("handle: " + _ledger.refusal(who(), id, transport::to_string(e.kind)));
    const buffer_rec b = _bufs[id];
    if (b.tx) {
        if (conn_rec* c = find(e.conn); c && c->chunks > 0)
            --c->chunks;
        if (e.kind == transport::event_kind::released)
            _books.state[b.transfer].acked += b.len;
    } else if (e.kind == transport::event_kind::delivered) {
        if (conn_rec* c = find(e.conn); c && !c->sender)
            deliver(now, e, c->transfer);
        else
            _books.fail(
                fmt::format("{}: bytes delivered on a connection no receiver holds", who()));
    }
    _pool.free(id);
}

// The receiving application's check: the bytes follow the stream exactly.
void transport_agent::deliver(time_point now, const transport::event& e, std::uint32_t t)
{
    auto& st = _books.state[t];
    const std::uint64_t total = _books.specs[t].bytes;
    const std::uint32_t id = e.handle->id;
    if (std::size_t(e.payload_offset) + e.length > _bufs[id].len)
        return _books.fail(fmt::format("{}: delivered range outside its buffer", who()));
    if (st.delivered + e.length > total)
        return _books.fail(
            fmt::format("transfer {}: {} bytes delivered after {} of {}: more than sent "
                        "(a duplicate delivery)",
                        t, e.length, st.delivered, total));
    const std::byte* p = _pool.data(id) + e.payload_offset;
    for (std::uint32_t k = 0; k < e.length; ++k)
        if (p[k] != transfer_byte(t, st.delivered + k))
            return _books.fail(
                fmt::format("transfer {}: the byte at stream offset {} differs from the "
                            "one sent (misordered, duplicated or corrupted)",
                            t, st.delivered + k));
    st.delivered += e.length;
    _ep.consume(now, e.conn, e.length);
}

} // namespace babe::sim
