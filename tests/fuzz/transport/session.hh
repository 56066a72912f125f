// SPDX-License-Identifier: Apache-2.0
// One transport endpoint driven by a script of records, for the segment
// fuzzer (fuzz_segment.cc) and its seed writer (make_seeds.cc). The endpoint
// (this node, 10.0.0.1) listens on port 7 and has connected from port 5000
// to port 9 of 10.0.0.2. A record is one byte `op`, a big-endian u16 `arg`,
// then, for a segment, `arg` bytes:
//   op & 3 == 0   a segment from peer A (op & 4: from peer B), its checksum
//                 rewritten to match (so mutations reach the state machine)
//   op & 3 == 1   the same, bytes as given
//   op & 3 == 2   the clock advances `arg` ms (expired timers run on the way)
//   op & 3 == 3   the application acts on its connection (op >> 4) & 3:
//                 (op >> 2) & 3 = 0 send arg % 4096 + 1 bytes (op & 0x40: end
//                 of message), 1 close, 2 abort, 3 listen/unlisten port 7
//                 (op & 0x40: connect to peer B port 9 instead)
// The application reads what is delivered at once. Checked all along: every
// segment the endpoint sends decodes, with its payload, to the length it
// announced; a handle comes back only while the endpoint holds it, once;
// delivered bytes lie in the received segment's payload. Checked at the end
// (finish: the clock runs until no timer is left): no connection and no
// handle remains inside the endpoint.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <vector>

#include "core/handle_ledger.hh"
#include "require.hh"
#include "transport/endpoint.hh"

namespace babe::transport::fuzz {

class session {
public:
    static constexpr node_addr self = 0x0a000001, peer_a = 0x0a000002, peer_b = 0x0a000003;
    static constexpr std::uint16_t listen_port = 7, local_port = 5000, remote_port = 9;
    static constexpr std::uint32_t rx_headroom = 8; // where a received segment starts in its buffer
    static constexpr std::size_t max_segment = 2048;

    // Small tables, so that inputs reach their bounds.
    static config make_config()
    {
        config c;
        c.max_connections = 4;
        c.max_listeners = 2;
        c.max_send_chunks = 16;
        c.max_segments = 32;
        c.max_ooo_segments = 16;
        c.rst_queue = 8;
        c.event_reserve = 32;
        c.mss = 500;
        c.recv_window = 4000;
        c.max_cwnd = 64000;
        c.fixed_isn = 1000;
        return c;
    }

    using transmit_fn = std::function<void(node_addr peer, std::span<const std::byte> segment)>;

    explicit session(transmit_fn on_transmit = {}) : _ep(make_config(), self, 1), _on_transmit(std::move(on_transmit))
    {
        BABE_FUZZ_REQUIRE(_ep.listen(listen_port).has_value());
        _listening = true;
        auto c = _ep.connect(_now, peer_a, remote_port, local_port);
        BABE_FUZZ_REQUIRE(c.has_value());
        _conns.push_back(*c);
        pump();
    }

    // Runs a script of records (see above), then finish().
    void run(const std::uint8_t* data, std::size_t size)
    {
        while (size >= 3) {
            const std::uint8_t op = data[0];
            const std::uint16_t arg = std::uint16_t((data[1] << 8) | data[2]);
            data += 3;
            size -= 3;
            switch (op & 3) {
            case 0:
            case 1: {
                const std::size_t n = std::min<std::size_t>({arg, size, max_segment});
                segment((op & 4) != 0, std::span(reinterpret_cast<const std::byte*>(data), n), (op & 3) == 0);
                data += n;
                size -= n;
                break;
            }
            case 2: advance(arg); break;
            case 3: app(op, arg); break;
            }
        }
        finish();
    }

    void segment(bool from_b, std::span<const std::byte> seg, bool fix_checksum)
    {
        const std::uint32_t id = _next_id++;
        std::vector<std::byte> buf(rx_headroom, std::byte{0x55});
        buf.insert(buf.end(), seg.begin(), seg.end());
        std::span<std::byte> s(buf.data() + rx_headroom, seg.size());
        if (fix_checksum && s.size() >= header_fixed) {
            std::uint32_t c = crc32c(0, s.first(20));
            constexpr std::byte zero[4]{};
            c = crc32c(c, zero);
            c = crc32c(c, s.subspan(24));
            for (int i = 0; i < 4; ++i)
                s[20 + i] = std::byte(c >> (24 - 8 * i));
        }
        _bufs[id] = std::move(buf);
        const auto& b = _bufs[id];
        auto r = _ep.handle_segment(_now, from_b ? peer_b : peer_a,
                                    std::span<const std::byte>(b.data() + rx_headroom, seg.size()),
                                    packet_handle{id}, rx_headroom);
        if (r)
            BABE_FUZZ_REQUIRE(_ledger.give(0, id));
        else
            _bufs.erase(id);
        pump();
    }

    void advance(std::uint32_t ms)
    {
        const time_point until = _now + std::chrono::milliseconds(ms);
        run_timers(until);
        _now = until;
        pump();
    }

    void app(std::uint8_t op, std::uint16_t arg)
    {
        const unsigned action = (op >> 2) & 3;
        if (action == 3) {
            if (op & 0x40) {
                if (auto c = _ep.connect(_now, peer_b, remote_port))
                    _conns.push_back(*c);
            } else if (_listening) {
                BABE_FUZZ_REQUIRE(_ep.unlisten(listen_port));
                _listening = false;
            } else {
                BABE_FUZZ_REQUIRE(_ep.listen(listen_port).has_value());
                _listening = true;
            }
            pump();
            return;
        }
        if (_conns.empty())
            return;
        const conn_id c = _conns[((op >> 4) & 3) % _conns.size()];
        if (action == 0) {
            const std::uint32_t id = _next_id++;
            std::vector<std::byte> buf(arg % 4096 + 1);
            for (std::size_t i = 0; i < buf.size(); ++i)
                buf[i] = std::byte(i * 7 + id);
            _bufs[id] = std::move(buf);
            const auto& b = _bufs[id];
            if (_ep.send(_now, c, packet_handle{id}, 0, b, (op & 0x40) != 0)) {
                BABE_FUZZ_REQUIRE(_ledger.give(0, id));
                _tx.insert(id);
            } else {
                _bufs.erase(id);
            }
        } else if (action == 1) {
            (void)_ep.close(_now, c);
        } else {
            (void)_ep.abort(_now, c);
        }
        pump();
    }

    // The clock runs until no timer is left; nothing may stay inside.
    void finish()
    {
        for (int guard = 0; guard < 100000; ++guard) {
            const auto t = _ep.poll_timeout();
            if (!t)
                break;
            _now = std::max(_now, *t);
            _ep.handle_timeout(_now);
            pump();
        }
        BABE_FUZZ_REQUIRE(!_ep.poll_timeout().has_value());
        BABE_FUZZ_REQUIRE(_ep.connections() == 0);
        BABE_FUZZ_REQUIRE(_ep.handles_held() == 0);
        BABE_FUZZ_REQUIRE(_ledger.outstanding() == 0);
    }

    time_point now() const { return _now; }
    endpoint& ep() { return _ep; }

private:
    void run_timers(time_point until)
    {
        for (int guard = 0; guard < 100000; ++guard) {
            const auto t = _ep.poll_timeout();
            if (!t || *t > until)
                return;
            _now = std::max(_now, *t);
            _ep.handle_timeout(_now);
            pump();
        }
        BABE_FUZZ_REQUIRE(!"timers keep expiring without the clock moving");
    }

    void pump()
    {
        for (int guard = 0; guard < 100000; ++guard) {
            bool any = false;
            while (auto t = _ep.poll_transmit(_now, _out)) {
                check_transmit(*t);
                any = true;
            }
            while (auto e = _ep.poll_event()) {
                on_event(*e);
                any = true;
            }
            if (!any)
                return;
        }
        BABE_FUZZ_REQUIRE(!"outputs never run dry");
    }

    void check_transmit(const transmit& t)
    {
        BABE_FUZZ_REQUIRE(t.peer == peer_a || t.peer == peer_b);
        BABE_FUZZ_REQUIRE(t.header_length >= header_fixed && t.header_length <= header_max);
        std::vector<std::byte> seg(_out, _out + t.header_length);
        if (t.handle) {
            BABE_FUZZ_REQUIRE(_tx.count(t.handle->id) && _ledger.holds(0, t.handle->id));
            const auto& b = _bufs.at(t.handle->id);
            BABE_FUZZ_REQUIRE(std::size_t(t.payload_offset) + t.payload_length <= b.size());
            seg.insert(seg.end(), b.begin() + t.payload_offset, b.begin() + t.payload_offset + t.payload_length);
        } else {
            BABE_FUZZ_REQUIRE(t.payload_length == 0);
        }
        auto d = decode_segment(seg);
        BABE_FUZZ_REQUIRE(d.has_value());
        BABE_FUZZ_REQUIRE(d->header_length == t.header_length && d->payload.size() == t.payload_length);
        if (_on_transmit)
            _on_transmit(t.peer, seg);
    }

    void on_event(const event& e)
    {
        if (e.handle) {
            const std::uint32_t id = e.handle->id;
            BABE_FUZZ_REQUIRE(_ledger.give_back(0, id)); // back once, and only what was taken
            const auto& b = _bufs.at(id);
            if (e.kind == event_kind::delivered) {
                BABE_FUZZ_REQUIRE(!_tx.count(id));
                BABE_FUZZ_REQUIRE(e.payload_offset >= rx_headroom + header_fixed);
                BABE_FUZZ_REQUIRE(std::size_t(e.payload_offset) + e.length <= b.size());
                _ep.consume(_now, e.conn, e.length);
            } else {
                BABE_FUZZ_REQUIRE(e.kind == event_kind::released || e.kind == event_kind::dropped);
            }
            _tx.erase(id);
            _bufs.erase(id);
            return;
        }
        switch (e.kind) {
        case event_kind::accepted:
            _conns.push_back(e.conn);
            break;
        case event_kind::closed:
        case event_kind::reset:
        case event_kind::timed_out:
            std::erase(_conns, e.conn);
            break;
        default:
            break;
        }
    }

    endpoint _ep;
    transmit_fn _on_transmit;
    time_point _now{};
    bool _listening = false;
    std::uint32_t _next_id = 1;
    std::map<std::uint32_t, std::vector<std::byte>> _bufs; // every buffer the endpoint may name
    handle_ledger _ledger;                                 // handles inside the endpoint (owner 0)
    std::set<std::uint32_t> _tx;                           // handles of sent data
    std::vector<conn_id> _conns;
    std::byte _out[header_max];
};

} // namespace babe::transport::fuzz
