// SPDX-License-Identifier: Apache-2.0
// An in-memory two-endpoint harness for the transport core with a virtual
// clock: endpoint A (the sender application) connects to B (the receiver
// application) over a seeded link model per direction (delay, rate with a
// drop-tail queue, random loss, duplication, reordering, corruption,
// partitions), and either end can be restarted. Payload bytes are a known
// function of the stream position, so the receiver checks every delivered
// byte; every handle is tracked and must come back exactly once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "core/handle_ledger.hh"
#include "core/prng.hh"
#include "transport/endpoint.hh"

namespace babe::transport::testing {

struct link_params {
    duration delay = 5ms;
    double loss = 0, dup = 0, reorder = 0, corrupt = 0;
    duration reorder_extra = 20ms;
    std::uint64_t rate = 0;        // bytes per second; 0 = unlimited
    std::size_t queue_bytes = 0;   // drop-tail bound when rate is set; 0 = unlimited
};

struct harness_options {
    config cfg;
    link_params ab, ba;
    std::uint64_t seed = 1;
    std::uint64_t total_bytes = 100000;
    std::uint32_t max_chunk = 3000;
    bool message_mode = false;
    std::uint32_t read_per_ms = 0; // receiver reads this many bytes per ms (0: at once)
};

inline std::byte pattern(std::uint64_t pos)
{
    return std::byte(((pos * 2654435761ull) >> 11) ^ (pos >> 8));
}

class harness {
public:
    static constexpr node_addr addr_a = 0x0a000001, addr_b = 0x0a000002;
    static constexpr std::uint16_t port = 7000;
    static constexpr std::uint32_t rx_headroom = 8;  // segment offset in rx buffers
    static constexpr std::uint32_t tx_headroom = 16; // payload offset in tx buffers

    explicit harness(const harness_options& o)
        : _o(o), _rng(o.seed), _a(std::make_unique<endpoint>(o.cfg, addr_a, o.seed * 2 + 1)),
          _b(std::make_unique<endpoint>(o.cfg, addr_b, o.seed * 2 + 2))
    {
        expect(_b->listen(port).has_value(), "listen");
        auto c = _a->connect(_now, addr_b, port);
        expect(c.has_value(), "connect");
        if (c)
            _sc = *c;
    }

    // ---- scenario controls ----
    void partition(time_point from, time_point to) { _partitions.push_back({from, to}); }
    void restart_b()
    {
        // B's state and every buffer it held vanish (a crashed babed).
        _ledger.drop_owner(1, [&](std::uint32_t id) { _bufs.erase(id); });
        _b = std::make_unique<endpoint>(_o.cfg, addr_b, _rng.next());
        expect(_b->listen(port).has_value(), "listen after restart");
        _rc.reset();
        ++_restarts;
    }
    // A's babed crashes mid-transfer: its state and every buffer it held
    // vanish, and its application's stream with them. With `reconnect` the
    // application starts over on the restarted A: it connects again from the
    // same local port (a new SYN with another ISN on the old ports) and sends
    // the whole stream anew; without, A stays silent.
    void restart_a(bool reconnect)
    {
        const auto old = _a->info(_sc);
        _ledger.drop_owner(0, [&](std::uint32_t id) { _bufs.erase(id); });
        _a = std::make_unique<endpoint>(_o.cfg, addr_a, _rng.next());
        ++_restarts;
        _queued = 0;
        _message_ends.clear();
        _close_called = _sender_closed = false;
        _sender_error.reset();
        if (!reconnect) {
            _sender_gone = true;
            return;
        }
        auto c = _a->connect(_now, addr_b, port, old ? old->local_port : 0);
        expect(c.has_value(), "connect after restart");
        if (c)
            _sc = *c;
    }

    // Run until both applications are done (or `limit` of virtual time).
    void run(duration limit, bool finish = true)
    {
        const time_point end = _now + limit;
        while (true) {
            pump();
            if (done())
                break;
            std::optional<time_point> next;
            auto take = [&](std::optional<time_point> t) {
                if (t && (!next || *t < *next))
                    next = t;
            };
            if (!_frames.empty())
                take(_frames.top().at);
            take(_a->poll_timeout());
            take(_b->poll_timeout());
            if (_o.read_per_ms && _unread_backlog > 0)
                take(_now + 1ms);
            if (!next || *next > end) {
                _now = end;
                break;
            }
            _now = std::max(_now, *next);
            if (_o.read_per_ms && _unread_backlog > 0 && _now >= _last_read + 1ms)
                read_some();
            while (!_frames.empty() && _frames.top().at <= _now) {
                frame f = _frames.top();
                _frames.pop();
                endpoint& ep = f.to == 0 ? *_a : *_b;
                const std::uint32_t id = _next_id++;
                std::vector<std::byte> buf(rx_headroom, std::byte{0x55});
                buf.insert(buf.end(), f.bytes.begin(), f.bytes.end());
                _bufs[id] = std::move(buf);
                const auto& b = _bufs[id];
                auto r = ep.handle_segment(_now, f.to == 0 ? addr_b : addr_a,
                                           std::span<const std::byte>(b.data() + rx_headroom, f.bytes.size()),
                                           packet_handle{id}, rx_headroom);
                if (r)
                    give(f.to, id);
                else
                    _bufs.erase(id);
                pump();
            }
            for (int i = 0; i < 2; ++i) {
                endpoint& ep = i == 0 ? *_a : *_b;
                if (auto t = ep.poll_timeout(); t && *t <= _now)
                    ep.handle_timeout(_now);
            }
        }
        if (!finish)
            return;
        _finished = done();
        // Let TIME-WAIT and stragglers finish so every handle comes back.
        settle(end);
    }

    // ---- results ----
    bool sender_closed() const { return _sender_closed; }
    bool sender_error() const { return _sender_error.has_value(); }
    std::optional<event_kind> sender_error_kind() const { return _sender_error; }
    std::uint64_t received() const { return _received; }
    std::uint64_t sent() const { return _queued; }
    bool receiver_eof() const { return _receiver_eof; }
    std::size_t outstanding(int i) const { return _ledger.outstanding(std::uint32_t(i)); }
    const std::vector<std::string>& violations() const { return _violations; }
    time_point now() const { return _now; }
    time_point sender_done_at() const { return _sender_done_at; }
    endpoint& a() { return *_a; }
    endpoint& b() { return *_b; }
    conn_id sender_conn() const { return _sc; }
    std::uint64_t link_drops() const { return _link_drops; }
    std::uint64_t queue_drops() const { return _queue_drops; }
    std::uint64_t messages_seen() const { return _messages_seen; }

    // One connection as B's application saw it.
    struct receive_stream {
        std::uint64_t received = 0; // bytes delivered, each checked in order
        bool eof = false;           // the peer's FIN
        std::optional<event_kind> error;
        reason why = reason::none;
    };
    // Every connection B accepted, in order (the current one last).
    std::vector<receive_stream> receive_streams() const
    {
        auto v = _past_streams;
        if (_rc)
            v.push_back(receive_stream{_received, _receiver_eof, _receiver_error, _receiver_why});
        return v;
    }

    // The receiver's side of the acceptance check: a connection B accepted
    // ended with every byte of the stream and the FIN, or with a clear error
    // (reset / timed out); never a FIN after fewer bytes.
    void check_receiver_outcome()
    {
        expect(_finished, "the applications did not finish within the time limit");
        for (const auto& r : receive_streams()) {
            if (r.eof)
                expect(r.received == _o.total_bytes && !r.error,
                       "receiver saw the FIN after " + std::to_string(r.received) + " of " +
                           std::to_string(_o.total_bytes) + " bytes");
            else
                expect(r.error == event_kind::reset || r.error == event_kind::timed_out,
                       "receiver stream ended without FIN and without an error (silent)");
        }
    }

    // The acceptance check: all bytes delivered and the sender saw an orderly
    // close, or the sender saw a reset/timeout: never a silent loss.
    void check_outcome()
    {
        expect(_finished, "the applications did not finish within the time limit");
        if (_sender_closed) {
            expect(_received == _o.total_bytes, "sender closed but receiver got " +
                                                    std::to_string(_received) + " of " +
                                                    std::to_string(_o.total_bytes));
            expect(_receiver_eof, "sender closed but receiver saw no FIN");
        } else {
            expect(_sender_error.has_value(), "sender neither closed nor saw an error (silent)");
        }
    }

private:
    struct frame {
        time_point at;
        std::uint64_t order;
        int to;
        std::vector<std::byte> bytes;
        bool operator>(const frame& o) const { return at != o.at ? at > o.at : order > o.order; }
    };

    void give(int endpoint, std::uint32_t id)
    {
        if (!_ledger.give(std::uint32_t(endpoint), id))
            expect(false, "handle " + std::to_string(id) + " given while held");
    }

    void expect(bool ok, const std::string& what)
    {
        if (!ok)
            _violations.push_back(what);
    }

    bool done() const
    {
        if (_sender_gone)
            return _receiver_done;
        const bool sender = _sender_closed || _sender_error;
        return sender && (_receiver_done || _sender_error);
    }

    void settle(time_point end)
    {
        time_point until = std::max(end, _now) + _o.cfg.time_wait + _o.cfg.max_rto;
        (void)until;
        for (int k = 0; k < 100000; ++k) {
            pump();
            std::optional<time_point> next;
            if (!_frames.empty())
                next = _frames.top().at;
            for (endpoint* ep : {_a.get(), _b.get()})
                if (auto t = ep->poll_timeout(); t && (!next || *t < *next))
                    next = t;
            if (!next)
                break;
            _now = std::max(_now, *next);
            if (_unread_backlog) // the reader catches up
                read_some(true);
            while (!_frames.empty() && _frames.top().at <= _now) {
                frame f = _frames.top();
                _frames.pop();
                endpoint& ep = f.to == 0 ? *_a : *_b;
                const std::uint32_t id = _next_id++;
                _bufs[id] = f.bytes;
                auto r = ep.handle_segment(_now, f.to == 0 ? addr_b : addr_a, _bufs[id],
                                           packet_handle{id}, 0);
                if (r)
                    give(f.to, id);
                else
                    _bufs.erase(id);
                pump();
            }
            for (endpoint* ep : {_a.get(), _b.get()})
                if (auto t = ep->poll_timeout(); t && *t <= _now)
                    ep->handle_timeout(_now);
            // Applications that never finished give up: abort what is left.
            if (!_sender_closed && !_sender_error && _a->info(_sc)) {
                (void)_a->abort(_now, _sc);
                _sender_error = event_kind::closed;
            }
            if (_rc && _b->info(*_rc) && !_receiver_done) {
                (void)_b->abort(_now, *_rc);
                _receiver_done = true;
            }
        }
        pump();
    }

    void read_some(bool all = false)
    {
        const std::uint64_t n =
            all ? _unread_backlog : std::min<std::uint64_t>(_unread_backlog, _o.read_per_ms);
        _unread_backlog -= n;
        _last_read = _now;
        if (_rc)
            _b->consume(_now, *_rc, std::uint32_t(n));
    }

    void feed_sender()
    {
        if (_sender_gone || _sender_closed || _sender_error || _close_called)
            return;
        while (_queued < _o.total_bytes) {
            const std::uint64_t left = _o.total_bytes - _queued;
            const auto len = std::uint32_t(std::min<std::uint64_t>(left, 1 + _rng.below(_o.max_chunk)));
            const std::uint32_t id = _next_id++;
            std::vector<std::byte> buf(tx_headroom + len, std::byte{0xee});
            for (std::uint32_t i = 0; i < len; ++i)
                buf[tx_headroom + i] = pattern(_queued + i);
            _bufs[id] = std::move(buf);
            const auto& b = _bufs[id];
            auto r = _a->send(_now, _sc, packet_handle{id}, tx_headroom,
                              std::span<const std::byte>(b.data() + tx_headroom, len), _o.message_mode);
            if (!r) {
                _bufs.erase(id);
                return;
            }
            give(0, id);
            _queued += len;
            if (_o.message_mode)
                _message_ends.insert(_queued);
        }
        if (!_close_called) {
            _close_called = true;
            (void)_a->close(_now, _sc);
        }
    }

    void on_event(int i, const event& e)
    {
        if (e.handle) {
            const std::uint32_t id = e.handle->id;
            if (!_ledger.give_back(std::uint32_t(i), id)) {
                expect(false, _ledger.refusal(i == 0 ? "endpoint A" : "endpoint B", id, to_string(e.kind)));
                return;
            }
            if (e.kind == event_kind::delivered) {
                expect(i == 1, "delivery at the sender");
                const auto& b = _bufs[id];
                expect(std::size_t(e.payload_offset) + e.length <= b.size(), "delivered range outside buffer");
                for (std::uint32_t k = 0; k < e.length && e.payload_offset + k < b.size(); ++k)
                    if (b[e.payload_offset + k] != pattern(_received + k)) {
                        expect(false, "corrupt or misordered byte at " + std::to_string(_received + k));
                        break;
                    }
                _received += e.length;
                if (e.end_of_message) {
                    ++_messages_seen;
                    expect(_message_ends.count(_received) == 1, "message boundary at a wrong place");
                }
                if (_o.read_per_ms)
                    _unread_backlog += e.length;
                else
                    _b->consume(_now, e.conn, e.length);
            }
            _bufs.erase(id);
            return;
        }
        if (i == 0) {
            if (!(e.conn == _sc))
                return;
            if (e.kind == event_kind::closed) {
                _sender_closed = e.why == reason::none;
                if (!_sender_closed)
                    _sender_error = e.kind;
                _sender_done_at = _now;
            } else if (e.kind == event_kind::reset || e.kind == event_kind::timed_out) {
                _sender_error = e.kind;
                _sender_done_at = _now;
            }
            return;
        }
        switch (e.kind) {
        case event_kind::accepted:
            if (_rc) {
                // A second connection on B: only after a restart of A; the
                // first must have ended by then.
                expect(_receiver_done, "a second connection while the first is open");
                _past_streams.push_back(receive_stream{_received, _receiver_eof, _receiver_error, _receiver_why});
                _received = _unread_backlog = 0;
                _receiver_eof = _receiver_done = false;
                _receiver_error.reset();
                _receiver_why = reason::none;
            }
            _rc = e.conn;
            break;
        case event_kind::peer_closed:
            _receiver_eof = true;
            (void)_b->close(_now, e.conn);
            break;
        case event_kind::closed:
        case event_kind::reset:
        case event_kind::timed_out:
            if (_rc && e.conn == *_rc) {
                _receiver_done = true;
                if (e.kind != event_kind::closed || e.why != reason::none) {
                    _receiver_error = e.kind;
                    _receiver_why = e.why;
                }
            }
            break;
        default:
            break;
        }
    }

    void transmit_from(int i, const transmit& t, const std::array<std::byte, header_max>& out)
    {
        std::vector<std::byte> bytes(out.begin(), out.begin() + t.header_length);
        if (t.handle) {
            auto it = _bufs.find(t.handle->id);
            if (!_ledger.holds(std::uint32_t(i), t.handle->id))
                expect(false, _ledger.refusal(i == 0 ? "endpoint A" : "endpoint B", t.handle->id, "transmits"));
            if (it == _bufs.end())
                return;
            expect(std::size_t(t.payload_offset) + t.payload_length <= it->second.size(), "transmit range");
            bytes.insert(bytes.end(), it->second.begin() + t.payload_offset,
                         it->second.begin() + t.payload_offset + t.payload_length);
        }
        const link_params& p = i == 0 ? _o.ab : _o.ba;
        for (const auto& [from, to] : _partitions)
            if (_now >= from && _now < to) {
                ++_link_drops;
                return;
            }
        if (_rng.unit() < p.loss) {
            ++_link_drops;
            return;
        }
        if (_rng.unit() < p.corrupt && !bytes.empty())
            bytes[_rng.below(bytes.size())] ^= std::byte(1 + _rng.below(255));
        time_point depart = _now;
        if (p.rate) {
            time_point& free_at = _free_at[i];
            const time_point start = std::max(_now, free_at);
            const auto backlog = std::uint64_t(to_ns(start - _now)) * p.rate / 1000000000ull;
            if (p.queue_bytes && backlog + bytes.size() > p.queue_bytes) {
                ++_queue_drops;
                return;
            }
            free_at = start + duration{std::int64_t(bytes.size() * 1000000000ull / p.rate)};
            depart = free_at;
        }
        time_point at = depart + p.delay;
        if (_rng.unit() < p.reorder)
            at += duration{std::int64_t(_rng.below(std::uint64_t(to_ns(p.reorder_extra)) + 1))};
        const int to = 1 - i;
        if (_rng.unit() < p.dup)
            _frames.push(frame{at + duration{std::int64_t(_rng.below(5000000))}, _order++, to, bytes});
        _frames.push(frame{at, _order++, to, std::move(bytes)});
    }

    void pump()
    {
        bool busy = true;
        while (busy) {
            busy = false;
            feed_sender();
            for (int i = 0; i < 2; ++i) {
                endpoint& ep = i == 0 ? *_a : *_b;
                std::array<std::byte, header_max> out{};
                while (auto t = ep.poll_transmit(_now, out)) {
                    busy = true;
                    transmit_from(i, *t, out);
                }
                while (auto e = ep.poll_event()) {
                    busy = true;
                    on_event(i, *e);
                }
            }
        }
    }

    harness_options _o;
    prng _rng;
    std::unique_ptr<endpoint> _a, _b;
    time_point _now{};
    conn_id _sc{};
    std::optional<conn_id> _rc;
    std::map<std::uint32_t, std::vector<std::byte>> _bufs;
    handle_ledger _ledger; // by handle: the endpoint holding it (0 A, 1 B)
    std::uint32_t _next_id = 1;
    std::priority_queue<frame, std::vector<frame>, std::greater<>> _frames;
    std::uint64_t _order = 0;
    std::array<time_point, 2> _free_at{};
    std::vector<std::pair<time_point, time_point>> _partitions;
    std::vector<std::string> _violations;
    std::uint64_t _queued = 0, _received = 0, _unread_backlog = 0;
    time_point _last_read{};
    bool _close_called = false, _sender_closed = false, _receiver_eof = false, _receiver_done = false;
    std::optional<event_kind> _sender_error;
    time_point _sender_done_at{};
    std::set<std::uint64_t> _message_ends;
    std::uint64_t _messages_seen = 0, _link_drops = 0, _queue_drops = 0;
    int _restarts = 0;
    bool _sender_gone = false;
    std::optional<event_kind> _receiver_error;
    reason _receiver_why = reason::none;
    std::vector<receive_stream> _past_streams;
    bool _finished = false;
};

} // namespace babe::transport::testing
