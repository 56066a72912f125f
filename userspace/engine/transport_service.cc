// SPDX-License-Identifier: Apache-2.0
// The reliable transport inside babed (see transport_service.hh).
#include "engine/transport_service.hh"

#include "core/ipv4.hh"
#include "dsr/codec/codec.hh"
#include "transport/mesh_config.hh"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/sdt.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace babe::engine {

namespace {

constexpr std::size_t ipv4_len = 20;
constexpr std::size_t recv_ring = 4096;  // delivered segments waiting for the client, per session
constexpr int max_iov = 64;

std::uint32_t load_be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void store_be32(std::uint8_t* p, std::uint32_t v)
{
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

} // namespace

struct transport_service::session {
    enum class phase : std::uint8_t { waiting, streaming, closing };
    struct piece {
        frame_addr frame = 0;
        std::uint32_t off = 0, len = 0, done = 0;
        std::array<std::uint8_t, 4> hdr{};
    };

    bool used = false;
    bool is_send = true;
    unique_fd fd;
    std::uint32_t slot = 0;
    phase ph = phase::waiting;
    std::optional<transport::conn_id> conn;
    transport::node_addr peer = 0;
    std::uint16_t port = 0;
    bool readable = true, writable = true, hup = false;
    const stream_text* text_of = nullptr; // how this stream's lines are written
    std::string text;           // control lines (and the end chunk) to write
    bool close_after_text = false;
    std::string trailer;        // recv: written after the last piece
    bool trailer_ready = false;
    bool ended = false;         // the closing line is decided
    std::uint64_t bytes = 0;    // sent (acknowledged at the end) / delivered
    // send
    std::uint32_t chunk_left = 0;
    std::array<std::uint8_t, 4> hdr{};
    std::uint32_t hdr_have = 0;
    bool input_done = false;
    bool have_fill = false;
    frame_addr fill = 0;
    std::uint32_t fill_len = 0;
    std::uint32_t queued = 0;
    // recv
    std::unique_ptr<piece[]> ring;
    std::size_t head = 0, count = 0;
    bool peer_closed = false;
};

transport_service::transport_service(const transport_service_config& cfg, dsr::addr self, std::uint64_t seed,
                                     shard& sh)
    : _cfg(cfg), _self(self), _sh(sh), _io(sh.io()), _ep(cfg.core, self, seed)
{
    if (_cfg.max_queued_per_session > _cfg.core.max_send_chunks)
        _cfg.max_queued_per_session = _cfg.core.max_send_chunks;
    if (_cfg.payload_offset + _cfg.core.mss > _io.frames().frame_size())
        throw std::runtime_error("transport: mss does not fit a frame after the headroom");
    _epfd.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!_epfd)
        throw std::runtime_error("transport: epoll_create1 failed");
    for (std::uint32_t i = 0; i < _cfg.max_sessions; ++i) {
        _sessions.push_back(std::make_unique<session>());
        _sessions.back()->slot = i;
    }
    _tx_chunk.assign(_io.frames().count(), 0);
}

// Here, where `session` is complete: the sessions close their sockets.
transport_service::~transport_service() = default;

std::size_t transport_service::sessions() const
{
    std::size_t n = 0;
    for (const auto& s : _sessions)
        n += s->used ? 1 : 0;
    return n;
}

transport_service::session* transport_service::find(transport::conn_id c)
{
    for (auto& s : _sessions)
        if (s->used && s->conn && *s->conn == c)
            return s.get();
    return nullptr;
}

void transport_service::open(time_point now, const stream_request& r, int fd)
{
    _quiet = false;
    unique_fd owned(fd); // closed on every refusal
    auto refuse = [&](const std::string& why) {
        ++_ctr.sessions_refused;
        throw std::runtime_error(why);
    };
    if (!r.text)
        refuse("a stream needs its text (how its lines are written)");
    session* s = nullptr;
    for (auto& x : _sessions)
        if (!x->used) {
            s = x.get();
            break;
        }
    if (!s)
        refuse(fmt::format("at most {} transport streams at once", _cfg.max_sessions));
    if (r.port == 0)
        refuse("port 0");
    if (r.send) {
        if (r.peer == _self)
            refuse("the peer is this node");
        auto c = _ep.connect(now, r.peer, r.port);
        if (!c)
            refuse(fmt::format("cannot connect: {}", transport::to_string(c.error())));
        s->conn = c.value();
    } else {
        for (auto& x : _sessions)
            if (x->used && !x->is_send && x->port == r.port)
                refuse(fmt::format("port {} already has a receiver", r.port));
        auto l = _ep.listen(r.port);
        if (!l && l.error() != transport::error::port_in_use)
            refuse(fmt::format("cannot listen on port {}: {}", r.port, transport::to_string(l.error())));
        s->ring = std::make_unique<session::piece[]>(recv_ring);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = s->slot;
    if (::epoll_ctl(_epfd.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        int err = errno;
        if (s->conn)
            (void)_ep.abort(now, *s->conn);
        s->conn.reset();
        s->ring.reset();
        refuse(fmt::format("cannot watch the client socket {} in {}: {}", fd, _epfd.get(), std::strerror(err)));
    }
    s->used = true;
    s->is_send = r.send;
    s->fd = std::move(owned);
    s->text_of = r.text;
    s->peer = r.peer;
    s->port = r.port;
    ++_ctr.sessions_opened;
}

void transport_service::close_session(session& s)
{
    if (s.fd) {
        ::epoll_ctl(_epfd.get(), EPOLL_CTL_DEL, s.fd.get(), nullptr);
        s.fd.reset();
    }
    if (s.have_fill)
        _io.frames().release(s.fill);
    for (std::size_t i = 0; i < s.count; ++i)
        _io.frames().release(s.ring[(s.head + i) % recv_ring].frame);
    if (!s.is_send) {
        bool other = false;
        for (auto& x : _sessions)
            if (x.get() != &s && x->used && !x->is_send && x->port == s.port)
                other = true;
        if (!other)
            _ep.unlisten(s.port);
    }
    std::uint32_t slot = s.slot;
    s = session{};
    s.slot = slot;
}

// The closing line (and, for a receiver past its first answer, the end
// chunk before it); the socket closes once it is written.
void transport_service::finish(session& s, const std::string& closing, bool ok)
{
    if (s.ended)
        return;
    s.ended = true;
    ++(ok ? _ctr.sessions_ok : _ctr.sessions_failed);
    if (!s.is_send && s.ph != session::phase::waiting) {
        s.trailer.assign(4, '\0');
        s.trailer += closing;
        s.trailer_ready = true; // written after the pieces already started
    } else {
        s.text += closing;
        s.close_after_text = true;
    }
    s.ph = session::phase::closing;
}

void transport_service::fail(time_point now, session& s, const char* code, const std::string& msg)
{
    if (s.ended)
        return;
    if (s.conn)
        (void)_ep.abort(now, *s.conn); // handles come back as dropped events
    s.conn.reset();
    if (!s.is_send) {
        // Pieces not yet started are not written: the stream ends here.
        std::size_t keep = (s.count > 0 && s.ring[s.head].done > 0) ? 1 : 0;
        for (std::size_t i = keep; i < s.count; ++i)
            _io.frames().release(s.ring[(s.head + i) % recv_ring].frame);
        s.count = keep;
    }
    finish(s, s.text_of->failed(code, msg), false);
}

void transport_service::unreachable(time_point now, dsr::addr dst)
{
    _quiet = false;
    for (auto& s : _sessions) {
        if (!s->used || !s->is_send || s->ph != session::phase::waiting || s->peer != dst)
            continue;
        ++_ctr.unreachable;
        fail(now, *s, "unreachable",
             fmt::format("no route to {}: Route Discovery found none",
                         ipv4_address::from_host(dst).to_string()));
    }
}

void transport_service::write_ip(std::byte* ip, std::uint32_t total, dsr::addr dst)
{
    ++_ip_id;
    dsr::codec::write_ipv4_header(ip,
                                  {.id = _ip_id,
                                   .dont_fragment = true,
                                   .ttl = 64,
                                   .protocol = BABE_NEXT_HEADER_TRANSPORT,
                                   .source = dsr::codec::ipv4_addr{_self},
                                   .destination = dsr::codec::ipv4_addr{dst}},
                                  static_cast<std::uint16_t>(total));
}

// One segment out: [IPv4][segment header][payload] built in a frame and
// handed to the DSR core, which adds the DSR header in the headroom.
void transport_service::emit(time_point now, const transport::transmit& t)
{
    auto& fp = _io.frames();
    const std::uint32_t hl = static_cast<std::uint32_t>(t.header_length);
    const std::uint32_t total = static_cast<std::uint32_t>(ipv4_len) + hl + t.payload_length;
    frame_addr ip_at = 0;
    if (t.handle) {
        frame_addr base = static_cast<frame_addr>(t.handle->id) * fp.frame_size();
        frame_addr payload = base + t.payload_offset;
        if (t.retransmission)
            DTRACE_PROBE4(babe, transport_retransmit, t.peer, t.seq, t.payload_length, hl);
        if (fp.refs(base) == 1 && t.payload_offset >= _cfg.payload_offset) {
            // Only the endpoint holds it: headers in place, no copy.
            ip_at = payload - hl - ipv4_len;
            fp.retain(base);
        } else {
            // Still in the DSR core or the TX ring (a quick retransmission):
            // rewriting its headers would corrupt that copy.
            if (!fp.alloc(ip_at)) {
                ++_ctr.no_frame;
                return;
            }
            ++_ctr.retransmit_copies;
            ip_at += _cfg.payload_offset - hl - ipv4_len;
            std::memcpy(_io.data(ip_at + ipv4_len + hl), _io.data(payload), t.payload_length);
        }
    } else {
        if (!fp.alloc(ip_at)) {
            ++_ctr.no_frame;
            return;
        }
        ip_at += _cfg.payload_offset - hl - ipv4_len;
    }
    std::byte* ip = _io.data(ip_at);
    write_ip(ip, total, t.peer);
    std::memcpy(ip + ipv4_len, _hdr.data(), hl);
    ++_ctr.segments_out;
    if (t.handle && _tx_budget > 0) // data only: ACKs (one per received segment at most) are free
        --_tx_budget;
    // Pure ACKs (and RSTs) go without hop-by-hop recovery: the next ACK
    // carries what a lost one said, and its Acknowledgement would cost a
    // frame on the data's own direction of every link.
    _sh.originate(now, ip_at, total, t.handle.has_value() || (_hdr[12] & std::byte{0x05}) != std::byte{0});
}

void transport_service::segment(time_point now, dsr::addr from, frame_addr frame, std::span<const std::byte> seg)
{
    _quiet = false;
    auto& fp = _io.frames();
    frame_addr base = fp.base(frame);
    auto off = static_cast<std::uint32_t>(seg.data() - _io.data(base));
    auto r = _ep.handle_segment(now, from, seg, transport::packet_handle{fp.index(frame)}, off);
    if (!r) {
        ++_ctr.segments_refused;
        fp.release(frame);
        return;
    }
    // Acknowledge now rather than once per received burst: an ACK carries
    // at most 4 SACK blocks, and with many holes in flight the sender must
    // see each new block at least once (else it retransmits what arrived).
    while (_tx_budget > 0) {
        auto t = _ep.poll_transmit(now, _hdr);
        if (!t)
            break;
        emit(now, *t);
    }
}

void transport_service::segment_copy(time_point now, dsr::addr from, std::span<const std::byte> seg)
{
    _quiet = false;
    frame_addr f = 0;
    if (seg.size() + _cfg.payload_offset > _io.frames().frame_size() || !_io.frames().alloc(f)) {
        ++_ctr.no_frame;
        return;
    }
    std::byte* at = _io.data(f + _cfg.payload_offset);
    std::memcpy(at, seg.data(), seg.size());
    ++_ctr.segments_forwarded;
    segment(now, from, f, std::span<const std::byte>(at, seg.size()));
}

void transport_service::on_event(time_point now, const transport::event& e)
{
    using transport::event_kind;
    auto& fp = _io.frames();
    auto frame_of = [&](transport::packet_handle h) {
        return static_cast<frame_addr>(h.id) * fp.frame_size();
    };
    session* s = nullptr;
    switch (e.kind) {
    case event_kind::connected:
        if ((s = find(e.conn)) && s->ph == session::phase::waiting) {
            s->ph = session::phase::streaming;
            s->text += s->text_of->connected(e.peer, e.peer_port);
        }
        break;
    case event_kind::accepted:
        for (auto& x : _sessions)
            if (x->used && !x->is_send && !x->conn && x->port == e.local_port && !x->ended) {
                s = x.get();
                break;
            }
        if (!s) {
            ++_ctr.stray_accepts;
            (void)_ep.abort(now, e.conn);
            break;
        }
        s->conn = e.conn;
        s->peer = e.peer;
        s->ph = session::phase::streaming;
        s->text += s->text_of->accepted(e.peer, e.peer_port);
        break;
    case event_kind::delivered: {
        frame_addr f = frame_of(*e.handle);
        s = find(e.conn);
        if (!s || s->is_send || s->ended || e.length == 0) {
            fp.release(f);
            break;
        }
        if (s->count == recv_ring) {
            fp.release(f);
            fail(now, *s, "aborted", "too many small segments waiting for the client");
            break;
        }
        auto& p = s->ring[(s->head + s->count++) % recv_ring];
        p.frame = f;
        p.off = e.payload_offset;
        p.len = e.length;
        p.done = 0;
        store_be32(p.hdr.data(), e.length);
        break;
    }
    case event_kind::released:
    case event_kind::dropped: {
        frame_addr f = frame_of(*e.handle);
        if (_tx_chunk[e.handle->id]) {
            _tx_chunk[e.handle->id] = 0;
            if ((s = find(e.conn)) && s->queued > 0)
                --s->queued;
        }
        fp.release(f);
        break;
    }
    case event_kind::peer_closed:
        if ((s = find(e.conn)) && !s->is_send)
            s->peer_closed = true;
        break;
    case event_kind::closed:
        if ((s = find(e.conn))) {
            if (s->is_send) {
                s->conn.reset();
                if (s->input_done)
                    finish(*s, s->text_of->sent(s->bytes), true);
                else
                    fail(now, *s, "aborted", "the connection closed before the data was sent");
            } else {
                s->peer_closed = true;
                s->conn.reset();
            }
        }
        break;
    case event_kind::reset:
        if ((s = find(e.conn))) {
            s->conn.reset();
            bool refused = e.why == transport::reason::refused;
            fail(now, *s, refused ? "refused" : "reset",
                 refused
                     ? fmt::format("{} port {} refused the connection (nobody receives there)",
                                   ipv4_address::from_host(e.peer).to_string(), e.peer_port)
                     : fmt::format("the connection was reset ({})", transport::to_string(e.why)));
        }
        break;
    case event_kind::timed_out:
        if ((s = find(e.conn))) {
            s->conn.reset();
            fail(now, *s, "timed_out",
                 fmt::format("{} did not answer ({}): unreachable",
                             ipv4_address::from_host(e.peer).to_string(),
                             transport::to_string(e.why)));
        }
        break;
    }
}

void transport_service::submit_fill(time_point now, session& s)
{
    if (!s.have_fill)
        return;
    s.have_fill = false;
    if (s.fill_len == 0 || !s.conn) {
        _io.frames().release(s.fill);
        return;
    }
    auto id = _io.frames().index(s.fill);
    auto r = _ep.send(now, *s.conn, transport::packet_handle{id}, _cfg.payload_offset,
                      std::span<const std::byte>(_io.data(s.fill + _cfg.payload_offset), s.fill_len));
    if (!r) {
        _io.frames().release(s.fill);
        fail(now, s, "aborted", fmt::format("the transport refused data: {}", transport::to_string(r.error())));
        return;
    }
    _tx_chunk[id] = 1;
    ++s.queued;
}

// A send session's client bytes into frames (readv, many frames a call),
// parsing the chunk framing on the way.
std::size_t transport_service::read_client(time_point now, session& s)
{
    auto& fp = _io.frames();
    const std::uint32_t mss = _cfg.core.mss;
    std::size_t work = 0;
    for (int round = 0; round < 16 && s.readable && !s.input_done && !s.ended; ++round) {
        if (s.queued >= _cfg.max_queued_per_session)
            break;
        if (fp.free_frames() <= _cfg.frame_reserve) {
            ++_ctr.frame_backpressure;
            break;
        }
        iovec iov[max_iov + 2];
        frame_addr fresh[max_iov];
        int n_iov = 0, n_fresh = 0;
        bool fill_iov = false, hdr_iov = false;
        if (s.chunk_left == 0) {
            iov[n_iov++] = {s.hdr.data() + s.hdr_have, 4 - s.hdr_have};
            hdr_iov = true;
        } else {
            std::uint32_t budget = s.chunk_left;
            std::uint32_t room = std::min<std::uint32_t>(
                {static_cast<std::uint32_t>(max_iov), _cfg.max_queued_per_session - s.queued,
                 fp.free_frames() - _cfg.frame_reserve});
            if (s.have_fill) {
                std::uint32_t l = std::min(mss - s.fill_len, budget);
                iov[n_iov++] = {_io.data(s.fill + _cfg.payload_offset + s.fill_len), l};
                fill_iov = true;
                budget -= l;
            }
            while (budget > 0 && n_fresh < static_cast<int>(room)) {
                frame_addr f = 0;
                if (!fp.alloc(f))
                    break;
                fresh[n_fresh++] = f;
                std::uint32_t l = std::min(mss, budget);
                iov[n_iov++] = {_io.data(f + _cfg.payload_offset), l};
                budget -= l;
            }
            if (budget == 0) {
                iov[n_iov++] = {s.hdr.data(), 4};
                hdr_iov = true;
            }
        }
        ssize_t n = ::readv(s.fd.get(), iov, n_iov);
        if (n <= 0) {
            for (int i = 0; i < n_fresh; ++i)
                fp.release(fresh[i]);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                s.readable = false;
                submit_fill(now, s); // the client is slower than the path: send what we have
                break;
            }
            ++_ctr.client_gone;
            fail(now, s, "aborted", "the client went away before the end of its data");
            break;
        }
        ++_ctr.client_reads;
        ++work;
        std::size_t left = static_cast<std::size_t>(n);
        int i = 0;
        if (s.chunk_left > 0) {
            if (fill_iov) {
                std::uint32_t take = static_cast<std::uint32_t>(std::min(left, iov[0].iov_len));
                s.fill_len += take;
                s.chunk_left -= take;
                s.bytes += take;
                left -= take;
                i = 1;
                if (s.fill_len == mss)
                    submit_fill(now, s);
            }
            for (int k = 0; k < n_fresh; ++k, ++i) {
                std::uint32_t take = static_cast<std::uint32_t>(std::min(left, iov[i].iov_len));
                if (take == 0 || s.ended) {
                    fp.release(fresh[k]);
                    continue;
                }
                if (s.have_fill) // a full fill is always submitted before a fresh frame fills
                    submit_fill(now, s);
                s.have_fill = true;
                s.fill = fresh[k];
                s.fill_len = take;
                s.chunk_left -= take;
                s.bytes += take;
                left -= take;
                if (s.fill_len == mss)
                    submit_fill(now, s);
            }
        }
        if (hdr_iov && left > 0) {
            s.hdr_have += static_cast<std::uint32_t>(left);
            if (s.hdr_have == 4) {
                s.hdr_have = 0;
                std::uint32_t len = load_be32(s.hdr.data());
                if (len == 0) {
                    s.input_done = true;
                    submit_fill(now, s);
                    if (s.conn && !s.ended)
                        (void)_ep.close(now, *s.conn);
                } else {
                    s.chunk_left = len;
                }
            }
        }
        _ctr.bytes_from_clients += static_cast<std::uint64_t>(n);
    }
    return work;
}

// A recv session's delivered segments to its client: length-prefixed
// chunks, one writev for up to 32 segments.
std::size_t transport_service::write_client(time_point now, session& s)
{
    std::size_t work = 0;
    while (s.writable && s.count > 0) {
        iovec iov[max_iov];
        int n_iov = 0;
        for (std::size_t i = 0; i < s.count && n_iov + 2 <= max_iov; ++i) {
            auto& p = s.ring[(s.head + i) % recv_ring];
            if (p.done < 4)
                iov[n_iov++] = {p.hdr.data() + p.done, 4 - p.done};
            std::uint32_t data_done = p.done > 4 ? p.done - 4 : 0;
            iov[n_iov++] = {_io.data(p.frame + p.off + data_done), p.len - data_done};
        }
        ssize_t n = ::writev(s.fd.get(), iov, n_iov);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                s.writable = false;
                break;
            }
            ++_ctr.client_gone;
            fail(now, s, "aborted", "the client went away"); // pieces released by close_session
            s.close_after_text = true;
            s.trailer_ready = false;
            break;
        }
        ++_ctr.client_writes;
        ++work;
        std::size_t left = static_cast<std::size_t>(n);
        while (left > 0 && s.count > 0) {
            auto& p = s.ring[s.head];
            std::size_t rem = 4 + p.len - p.done;
            if (left < rem) {
                p.done += static_cast<std::uint32_t>(left);
                left = 0;
                break;
            }
            left -= rem;
            s.bytes += p.len;
            _ctr.bytes_to_clients += p.len;
            if (s.conn)
                _ep.consume(now, *s.conn, p.len);
            _io.frames().release(p.frame);
            s.head = (s.head + 1) % recv_ring;
            --s.count;
        }
    }
    return work;
}

bool transport_service::flush_text(session& s)
{
    while (!s.text.empty()) {
        ssize_t n = ::send(s.fd.get(), s.text.data(), s.text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            s.text.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            s.writable = false;
            return false;
        }
        s.text.clear();
        s.close_after_text = true; // the client is gone
        return true;
    }
    return true;
}

std::size_t transport_service::pump(time_point now, session& s)
{
    std::size_t work = 0;
    if (!s.is_send) {
        // The first answer goes before any data chunk.
        if (!s.text.empty() && s.writable) {
            flush_text(s);
            ++work;
        }
        if (s.writable && s.text.empty())
            work += write_client(now, s);
        if (s.count == 0 && s.peer_closed && !s.ended)
            finish(s, s.text_of->received(s.bytes), true);
        if (s.count == 0 && s.trailer_ready) {
            // Our FIN: the sender's close completes.
            if (s.conn)
                (void)_ep.close(now, *s.conn);
            s.text += s.trailer;
            s.trailer.clear();
            s.trailer_ready = false;
            s.close_after_text = true;
        }
        if (s.hup && !s.ended && s.count == 0 && s.text.empty()) {
            // The receiving client hung up (or sent something): abort.
            ++_ctr.client_gone;
            fail(now, s, "aborted", "the client went away");
            s.close_after_text = true;
        }
    } else if (s.ph == session::phase::streaming) {
        work += read_client(now, s);
    }
    if (!s.text.empty() && s.writable) {
        flush_text(s);
        ++work;
    }
    if (s.close_after_text && s.text.empty()) {
        close_session(s);
        ++work;
    }
    return work;
}

std::size_t transport_service::poll(time_point now)
{
    // Nothing open and nothing arrived since the last turn that found
    // nothing to do: no work this turn either (the loop's turns stay as
    // cheap as they were before the transport existed).
    if (_quiet) {
        _tx_budget = _cfg.tx_per_turn;
        return 0;
    }
    std::size_t work = 0;
    if (auto d = _ep.poll_timeout(); d && *d <= now)
        _ep.handle_timeout(now);
    // Segments the endpoint did not get to send this turn stay in it (not
    // counted as sent): the TX ring is never overrun, so nothing is lost
    // to local backpressure. The budget of a turn covers the segments sent
    // here and those sent while receiving (segment()).
    const bool budget_left = _tx_budget > 0;
    _tx_budget = _cfg.tx_per_turn;
    bool any = false;
    for (auto& s : _sessions) {
        any = any || s->used;
        // Hop-by-hop recovery: no more data than the first hop's window
        // takes (the rest waits here, unsent, rather than being dropped).
        if (s->used && s->is_send)
            _tx_budget = std::min(_tx_budget, _sh.core().hop_room(s->peer));
    }
    if (any) {
        epoll_event evs[32];
        int n = ::epoll_wait(_epfd.get(), evs, 32, 0);
        for (int i = 0; i < n; ++i) {
            auto slot = evs[i].data.u32;
            if (slot >= _sessions.size() || !_sessions[slot]->used)
                continue;
            session& s = *_sessions[slot];
            if (evs[i].events & EPOLLIN)
                s.readable = true;
            if (evs[i].events & EPOLLOUT)
                s.writable = true;
            if (evs[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                s.readable = s.writable = true;
            if (!s.is_send && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
                // A receiver's client sends nothing: look whether it left.
                char c[256];
                ssize_t r = ::recv(s.fd.get(), c, sizeof c, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                    s.hup = true;
            }
        }
        // Events first (a reset that arrived this turn ends the stream
        // before its client's next bytes are offered).
        while (auto e = _ep.poll_event()) {
            on_event(now, *e);
            ++work;
        }
        for (auto& s : _sessions)
            if (s->used)
                work += pump(now, *s);
    }
    for (;;) {
        bool more = false;
        while (_tx_budget > 0) {
            auto t = _ep.poll_transmit(now, _hdr);
            if (!t)
                break;
            emit(now, *t);
            more = true;
            ++work;
        }
        while (auto e = _ep.poll_event()) {
            on_event(now, *e);
            more = true;
            ++work;
        }
        if (!more)
            break;
    }
    // Segments delivered above go to their clients in the same turn.
    for (auto& s : _sessions)
        if (s->used && (!s->is_send ? s->count > 0 || s->trailer_ready || !s->text.empty() : !s->text.empty()))
            work += pump(now, *s);
    // Aborts during pump may have queued RSTs and handle events.
    while (_tx_budget > 0) {
        auto t = _ep.poll_transmit(now, _hdr);
        if (!t)
            break;
        emit(now, *t);
    }
    while (auto e = _ep.poll_event())
        on_event(now, *e);
    // Out of budget with segments left: come back next turn at once.
    if (_tx_budget == 0)
        ++work;
    (void)budget_left;
    if (work == 0) {
        // Quiet until open(), segment(), segment_copy() or unreachable():
        // with no session and no connection the endpoint has no timer, and
        // nothing is left to send (RSTs and events were drained above).
        bool used = false;
        for (auto& s : _sessions)
            used = used || s->used;
        _quiet = !used && _ep.connections() == 0;
    }
    return work;
}

std::optional<time_point> transport_service::deadline() const
{
    if (_quiet)
        return std::nullopt;
    return _ep.poll_timeout();
}

// The transport over the mesh (transport/mesh_config.hh), as the simulator
// runs it too.
transport_service_config node_transport_config(bool hop_recovery)
{
    transport_service_config c;
    c.core = transport::mesh_config(hop_recovery);
    c.max_queued_per_session = 768;
    return c;
}

} // namespace babe::engine
