// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transport endpoint (endpoint.hh): connection table, handshake and
// close, the send side (chunks by handle, segment records, SACK scoreboard,
// loss detection by transmission order, RTO, congestion control with loss
// differentiation) and the receive side (in-order delivery by handle,
// out-of-order segments held by handle, SACK blocks, delayed ACKs, window).
#include "transport/endpoint.hh"

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <new>
#include <type_traits>
#include <vector>

#include "core/prng.hh"
#include "core/ring.hh"

namespace babe::transport {
namespace {

// The storage of every ring of an endpoint, taken once at construction:
// fresh anonymous pages, which the kernel hands out zeroed and only when
// first touched. Value-initialising the rings instead (64 connections x 1024
// chunks and 1024 segment records, ~100k events: ~14 MiB with babed's
// settings) cost ~70 ms of page faults in babed's start-up; untouched, the
// pages cost nothing until a connection uses them. Nothing is allocated
// after construction either way.
class arena {
public:
    template <class T>
    static std::size_t need(std::size_t n)
    {
        return n * sizeof(T) + alignof(T);
    }
    explicit arena(std::size_t bytes) : _size(bytes)
    {
        if (_size == 0)
            return;
        void* p = ::mmap(nullptr, _size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::bad_alloc();
        _base = static_cast<std::byte*>(p);
    }
    ~arena()
    {
        if (_base)
            ::munmap(_base, _size);
    }
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;
    // `n` slots for T (zero bytes, no object constructed: T is an implicit-
    // lifetime type, written before it is read).
    template <class T>
    T* take(std::size_t n)
    {
        std::size_t at = (_used + alignof(T) - 1) / alignof(T) * alignof(T);
        assert(at + n * sizeof(T) <= _size);
        _used = at + n * sizeof(T);
        return reinterpret_cast<T*>(_base + at);
    }
    // A ring over `n` such slots.
    template <class T>
    ring<T> ring_of(std::size_t n)
    {
        static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                      "ring slots live in raw arena storage");
        return ring<T>(std::span<T>(take<T>(n), n));
    }

private:
    std::byte* _base = nullptr;
    std::size_t _size = 0, _used = 0;
};

// A queued send() buffer.
struct chunk {
    packet_handle h;
    const std::byte* data = nullptr;
    std::uint32_t offset = 0; // of data in the caller's buffer
    std::uint32_t len = 0;
    std::uint32_t seq = 0;    // of its first byte
    bool eom = false;
};

// A sent segment (or the FIN) until cumulatively acknowledged.
struct seg_rec {
    std::uint32_t seq = 0;
    std::uint32_t len = 0; // payload bytes
    bool fin = false;
    bool eom = false;
    std::uint64_t chunk_no = 0;
    std::uint32_t chunk_off = 0;
    std::uint64_t serial = 0; // transmission order (new serial per retransmission)
    time_point sent{};
    std::uint16_t tx_count = 0;
    bool sacked = false;
    bool lost = false;
    bool in_pipe = false;
    std::uint32_t seq_end() const { return seq + len + (fin ? 1u : 0u); }
};

// A received segment held out of order, by handle.
struct held {
    std::uint32_t seq = 0;
    std::uint32_t len = 0;
    bool fin = false;
    bool eom = false;
    packet_handle h;
    std::uint32_t offset = 0; // payload offset in the caller's buffer
    std::uint32_t seq_end() const { return seq + len + (fin ? 1u : 0u); }
};

struct rst_entry {
    node_addr peer = 0;
    std::uint16_t lport = 0, pport = 0;
    std::uint32_t seq = 0, ack = 0;
    bool with_ack = false;
};

struct conn {
    conn_state st = conn_state::free;
    std::uint32_t generation = 0;
    node_addr peer = 0;
    std::uint16_t lport = 0, pport = 0;
    time_point last_rx{};
    // ---- send side ----
    std::uint32_t iss = 0, snd_una = 0, snd_nxt = 0, snd_end = 0, snd_right = 0;
    ring<chunk> chunks;
    std::uint64_t chunk_head_no = 0, chunk_tx_no = 0;
    std::uint32_t chunk_tx_off = 0;
    ring<seg_rec> segs;
    std::uint32_t lost_count = 0;
    std::uint32_t pipe = 0, cwnd = 0, ssthresh = 0, ca_acc = 0;
    bool in_recovery = false, recovery_random = false;
    std::uint32_t recover = 0;
    std::uint64_t next_serial = 0, max_delivered_serial = 0;
    bool have_rtt = false;
    duration srtt{}, rttvar{}, rto{}, min_rtt{}, latest_rtt{};
    std::uint32_t consecutive_rto = 0;
    std::optional<time_point> rto_at;
    // RACK (RFC 8985): the send time and RTT of the latest-sent segment
    // delivered; a reordering timer for segments not yet old enough.
    time_point rack_xmit{};
    duration rack_rtt{};
    bool have_rack = false, reordering_seen = false;
    std::optional<time_point> rack_at;
    // Tail loss probe: its timer, a probe to send, one per episode.
    std::optional<time_point> tlp_at;
    bool tlp_send = false, tlp_pending = false;
    // RTO recovery: the one retransmission goes regardless of cwnd; the
    // window before it, restored when the RTO proves spurious.
    bool rto_force = false, rto_undo_armed = false;
    std::uint64_t rto_serial = 0;
    std::uint32_t prior_cwnd = 0, prior_ssthresh = 0;
    // Pacing: no data segment before pace_at; paced_wait when one waits.
    time_point pace_at{};
    bool paced_wait = false;
    bool syn_pending = false, syn_retransmitted = false;
    std::uint32_t syn_retries = 0;
    time_point syn_sent_at{};
    bool close_requested = false, fin_queued = false, fin_acked = false, probe_pending = false;
    // ---- receive side ----
    std::uint32_t irs = 0, rcv_nxt = 0, unread = 0, adv_right = 0;
    std::vector<held> ooo; // sorted by seq; capacity reserved at construction
    std::uint32_t last_ooo_seq = 0;
    bool peer_fin = false;
    bool ack_now = false;
    std::uint32_t unacked_segs = 0;
    std::optional<time_point> ack_at, tw_at;
};

// A segment no longer counted in flight (acknowledged, lost or about to be resent).
void leave_pipe(conn& c, seg_rec& s)
{
    if (s.in_pipe) {
        c.pipe -= s.len;
        s.in_pipe = false;
    }
}

enum class disposition : std::uint8_t { taken, release, drop };

} // namespace

const char* to_string(conn_state s)
{
    switch (s) {
    case conn_state::free: return "free";
    case conn_state::syn_sent: return "syn_sent";
    case conn_state::syn_received: return "syn_received";
    case conn_state::established: return "established";
    case conn_state::time_wait: return "time_wait";
    }
    return "unknown";
}

struct endpoint::impl {
    config cfg;
    node_addr self;
    prng rng;
    counters ctr;
    arena storage; // every ring's slots; declared before the rings
    std::vector<conn> conns;
    std::vector<std::uint16_t> listeners;
    ring<rst_entry> rsts;
    ring<event> events;
    std::size_t q_handles = 0;    // events in the queue that carry a handle
    std::size_t core_handles = 0; // handles held inside the core
    std::size_t h_cap = 0;
    std::size_t rr = 0;

    impl(const config& c, node_addr s, std::uint64_t seed)
        : cfg(c), self(s), rng(seed), storage(storage_bytes(c)),
          h_cap(std::size_t(c.max_connections) * (c.max_send_chunks + c.max_ooo_segments) + 64)
    {
        assert(validate_config(c).has_value());
        conns.resize(c.max_connections);
        for (auto& k : conns) {
            k.chunks = storage.ring_of<chunk>(c.max_send_chunks);
            k.segs = storage.ring_of<seg_rec>(c.max_segments);
            k.ooo.reserve(c.max_ooo_segments);
        }
        listeners.reserve(c.max_listeners);
        rsts = storage.ring_of<rst_entry>(c.rst_queue);
        events = storage.ring_of<event>(h_cap + c.event_reserve);
    }

    static std::size_t storage_bytes(const config& c)
    {
        std::size_t h = std::size_t(c.max_connections) * (c.max_send_chunks + c.max_ooo_segments) + 64;
        return c.max_connections * (arena::need<chunk>(c.max_send_chunks) + arena::need<seg_rec>(c.max_segments)) +
               arena::need<rst_entry>(c.rst_queue) + arena::need<event>(h + c.event_reserve);
    }

    // ---------------------------------------------------------------- events
    void emit(const event& e)
    {
        if (e.handle) {
            assert(!events.full());
            events.push_back(e);
            ++q_handles;
            return;
        }
        if (events.size() - q_handles >= cfg.event_reserve) {
            ++ctr.event_queue_overflows;
            return;
        }
        events.push_back(e);
    }
    event base_event(event_kind k, const conn& c, std::size_t idx) const
    {
        event e;
        e.kind = k;
        e.conn = conn_id{std::uint32_t(idx), c.generation};
        e.peer = c.peer;
        e.local_port = c.lport;
        e.peer_port = c.pport;
        return e;
    }
    std::size_t index_of(const conn& c) const { return std::size_t(&c - conns.data()); }
    void conn_event(event_kind k, conn& c, reason why = reason::none)
    {
        event e = base_event(k, c, index_of(c));
        e.why = why;
        emit(e);
    }
    // A handle leaves the core.
    void give_back(event_kind k, packet_handle h, const conn* c, reason why = reason::none,
                   std::uint32_t off = 0, std::uint32_t len = 0, bool eom = false)
    {
        assert(core_handles > 0);
        --core_handles;
        event e = c ? base_event(k, *c, index_of(*c)) : event{};
        e.kind = k;
        e.handle = h;
        e.why = why;
        e.payload_offset = off;
        e.length = len;
        e.end_of_message = eom;
        emit(e);
    }
    bool room_for_handle() const { return core_handles + q_handles + 1 <= h_cap; }

    // ----------------------------------------------------------- connections
    conn* get(conn_id id)
    {
        if (id.index >= conns.size())
            return nullptr;
        conn& c = conns[id.index];
        if (c.st == conn_state::free || c.generation != id.generation)
            return nullptr;
        return &c;
    }
    conn* find(node_addr peer, std::uint16_t lport, std::uint16_t pport)
    {
        for (auto& c : conns)
            if (c.st != conn_state::free && c.peer == peer && c.lport == lport && c.pport == pport)
                return &c;
        return nullptr;
    }
    conn* alloc()
    {
        for (auto& c : conns)
            if (c.st == conn_state::free)
                return &c;
        return nullptr;
    }
    bool listening(std::uint16_t port) const
    {
        return std::find(listeners.begin(), listeners.end(), port) != listeners.end();
    }

    void init_conn(conn& c, time_point now, node_addr peer, std::uint16_t lport, std::uint16_t pport)
    {
        c.peer = peer;
        c.lport = lport;
        c.pport = pport;
        c.last_rx = now;
        c.iss = cfg.fixed_isn ? *cfg.fixed_isn : std::uint32_t(rng.next());
        c.snd_una = c.iss;
        c.snd_nxt = c.snd_end = c.iss + 1;
        c.snd_right = c.iss + 1;
        c.chunks.clear();
        c.chunk_head_no = c.chunk_tx_no = 0;
        c.chunk_tx_off = 0;
        c.segs.clear();
        c.lost_count = c.pipe = c.ca_acc = 0;
        c.cwnd = cfg.initial_cwnd_segments * cfg.mss;
        c.ssthresh = cfg.max_cwnd;
        c.in_recovery = c.recovery_random = false;
        c.recover = c.iss;
        c.next_serial = c.max_delivered_serial = 0;
        c.have_rtt = false;
        c.srtt = c.rttvar = c.min_rtt = c.latest_rtt = duration{0};
        c.rto = cfg.initial_rto;
        c.consecutive_rto = 0;
        c.rto_at.reset();
        c.rack_xmit = time_point{};
        c.rack_rtt = duration{0};
        c.have_rack = c.reordering_seen = false;
        c.rack_at.reset();
        c.tlp_at.reset();
        c.tlp_send = c.tlp_pending = false;
        c.rto_force = c.rto_undo_armed = false;
        c.rto_serial = 0;
        c.prior_cwnd = c.prior_ssthresh = 0;
        c.pace_at = time_point{};
        c.paced_wait = false;
        c.syn_pending = c.syn_retransmitted = false;
        c.syn_retries = 0;
        c.close_requested = c.fin_queued = c.fin_acked = c.probe_pending = false;
        c.irs = c.rcv_nxt = c.unread = c.adv_right = 0;
        c.ooo.clear();
        c.last_ooo_seq = 0;
        c.peer_fin = false;
        c.ack_now = false;
        c.unacked_segs = 0;
        c.ack_at.reset();
        c.tw_at.reset();
    }

    // Give every handle back and free the slot.
    void free_conn(conn& c, reason why)
    {
        while (!c.chunks.empty()) {
            give_back(event_kind::dropped, c.chunks.front().h, &c, why);
            c.chunks.pop_front();
        }
        for (const auto& o : c.ooo)
            give_back(event_kind::dropped, o.h, &c, why);
        c.ooo.clear();
        c.segs.clear();
        c.st = conn_state::free;
        ++c.generation;
    }

    void queue_rst(node_addr peer, std::uint16_t lport, std::uint16_t pport, std::uint32_t seq,
                   std::uint32_t ack, bool with_ack)
    {
        if (rsts.full()) {
            ++ctr.rst_queue_overflows;
            return;
        }
        rsts.push_back(rst_entry{peer, lport, pport, seq, ack, with_ack});
    }

    // An error ends the connection: event, optional RST, handles dropped.
    void fail(conn& c, event_kind k, reason why, bool send_rst)
    {
        if (send_rst)
            queue_rst(c.peer, c.lport, c.pport, c.snd_nxt, c.rcv_nxt, c.st != conn_state::syn_sent);
        if (k == event_kind::reset)
            ++ctr.resets;
        else if (k == event_kind::timed_out)
            ++ctr.timeouts;
        conn_event(k, c, why);
        free_conn(c, why);
    }

    std::uint32_t rcv_window(const conn& c) const
    {
        return cfg.recv_window > c.unread ? cfg.recv_window - c.unread : 0;
    }

    void enter_time_wait(conn& c, time_point now)
    {
        c.st = conn_state::time_wait;
        c.tw_at = now + cfg.time_wait;
        c.rto_at.reset();
        c.rack_at.reset();
        c.tlp_at.reset();
        c.tlp_send = false;
        c.paced_wait = false;
        for (const auto& o : c.ooo)
            give_back(event_kind::released, o.h, &c);
        c.ooo.clear();
        ++ctr.closes;
        conn_event(event_kind::closed, c);
    }
    void maybe_finished(conn& c, time_point now)
    {
        if (c.st == conn_state::established && c.fin_acked && c.peer_fin)
            enter_time_wait(c, now);
    }

    // ------------------------------------------------------------- send side
    void update_rtt(conn& c, duration r)
    {
        if (r <= duration{0})
            r = duration{1};
        c.latest_rtt = r;
        if (!c.have_rtt) {
            c.have_rtt = true;
            c.srtt = r;
            c.rttvar = r / 2;
            c.min_rtt = r;
        } else {
            const duration delta = c.srtt > r ? c.srtt - r : r - c.srtt;
            c.rttvar = (3 * c.rttvar + delta) / 4;
            c.srtt = (7 * c.srtt + r) / 8;
            c.min_rtt = std::min(c.min_rtt, r);
        }
        c.rto = std::clamp(c.srtt + std::max(duration{1ms}, 4 * c.rttvar), cfg.min_rto, cfg.max_rto);
    }

    void reduce_window(conn& c)
    {
        const std::uint32_t flight = c.snd_nxt - c.snd_una;
        c.ssthresh = std::max(std::min(c.cwnd, flight) / 2, 2 * cfg.mss);
        c.cwnd = c.ssthresh;
        c.ca_acc = 0;
        ++ctr.congestion_events;
    }

    // A loss detected from SACK evidence. Loss differentiation: the first
    // loss of a window is taken for a random (non-congestion) loss when it is
    // isolated (the only segment declared lost) and the latest RTT sample
    // shows no queue (<= min RTT * ld_rtt_inflation_pct / 100): the segment is
    // retransmitted but the window is kept. A second loss in the same window
    // of data turns it into a congestion event after all.
    void on_loss_event(conn& c, std::uint32_t newly)
    {
        ctr.fast_retransmits += newly;
        if (!c.in_recovery) {
            c.in_recovery = true;
            c.recover = c.snd_nxt;
            const bool random = cfg.loss_differentiation && (newly == 1 || !cfg.ld_isolated_only) &&
                                no_queue(c);
            c.recovery_random = random;
            if (random)
                ++ctr.random_losses;
            else
                reduce_window(c);
        } else if (c.recovery_random) {
            if (!cfg.ld_isolated_only && no_queue(c)) {
                ctr.random_losses += newly > 0 ? 1 : 0;
                return;
            }
            c.recovery_random = false;
            reduce_window(c);
        }
    }

    // The latest RTT sample shows no queue on the path (loss differentiation).
    bool no_queue(const conn& c) const
    {
        return c.have_rtt && (c.latest_rtt.count() * 100 <= c.min_rtt.count() * std::int64_t(cfg.ld_rtt_inflation_pct) ||
                              c.latest_rtt <= c.min_rtt + cfg.ld_rtt_slack);
    }

    std::uint32_t unsent(const conn& c) const { return c.snd_end - c.snd_nxt; }

    // RACK's reordering window: a quarter of the minimum RTT, half the
    // SRTT once the path showed reordering (never more than the SRTT).
    duration reo_wnd(const conn& c) const
    {
        duration w = c.min_rtt / 4;
        if (c.reordering_seen)
            w = std::max(w, c.srtt / 2);
        return std::max(std::min(w, c.srtt), cfg.min_reo_wnd);
    }

    // Declare lost every segment in the pipe that was overtaken: `thresh`
    // later transmissions were delivered while it was not (dupthresh), or
    // (RACK) a segment sent after it was delivered and it is older than
    // that segment's RTT plus the reordering window. Segments overtaken but
    // not that old yet arm the RACK timer.
    std::uint32_t detect_losses(conn& c, time_point now)
    {
        std::uint64_t thresh = cfg.dupthresh;
        const std::size_t n = c.segs.size();
        if (unsent(c) == 0 && n < thresh + 1) // early retransmit (RFC 5827) for short tails
            thresh = std::max<std::uint64_t>(1, n ? n - 1 : 1);
        const bool rack = cfg.rack && c.have_rack;
        const duration wait = c.rack_rtt + reo_wnd(c);
        c.rack_at.reset();
        std::uint32_t newly = 0;
        for (std::size_t i = 0; i < n; ++i) {
            seg_rec& s = c.segs[i];
            if (!s.in_pipe || s.sacked || s.serial >= c.max_delivered_serial)
                continue;
            bool lost = cfg.min_reo_wnd == duration::zero() && s.serial + thresh <= c.max_delivered_serial;
            if (!lost && rack) {
                const time_point due = s.sent + wait;
                if (due <= now) {
                    lost = true;
                    ++ctr.rack_losses;
                } else if (!c.rack_at || due < *c.rack_at) {
                    c.rack_at = due;
                }
            }
            if (lost) {
                leave_pipe(c, s);
                s.lost = true;
                ++c.lost_count;
                ++newly;
            }
        }
        return newly;
    }

    // The probe timeout: two SRTTs (plus the delayed-ACK time when one
    // segment is out), at least tlp_min_pto, armed only before the RTO.
    void arm_tlp(conn& c, time_point now)
    {
        c.tlp_at.reset();
        if (!cfg.tail_loss_probe || !c.have_rtt || c.tlp_pending || c.segs.empty() || !c.rto_at)
            return;
        duration pto = std::max(2 * c.srtt, cfg.tlp_min_pto);
        if (c.segs.size() == 1)
            pto += cfg.ack_delay;
        if (now + pto < *c.rto_at)
            c.tlp_at = now + pto;
    }

    // The probe timer fired: send one segment to draw an ACK whose SACK
    // blocks show what was lost (RACK then repairs it), instead of waiting
    // for the RTO. New data when the peer's window allows, else the last
    // segment again.
    void on_tlp(conn& c, time_point now)
    {
        (void)now;
        if (c.st != conn_state::established || c.segs.empty() || c.tlp_pending)
            return;
        c.tlp_send = true;
    }

    // Pacing: the time one `len`-byte segment takes at cwnd / SRTT * gain.
    void pace(conn& c, time_point now, std::uint32_t len)
    {
        if (!cfg.pacing || !c.have_rtt || c.cwnd == 0)
            return;
        const std::uint64_t gain = c.cwnd < c.ssthresh && !c.in_recovery ? cfg.pacing_gain_ss_pct
                                                                          : cfg.pacing_gain_ca_pct;
        const auto gap = duration{std::int64_t(std::uint64_t(len) * std::uint64_t(to_ns(c.srtt)) * 100 /
                                               (std::uint64_t(c.cwnd) * gain))};
        // Credit for time the caller lost: two segments or pacing_quantum
        // (1 ms) of them, whichever is more: at high rates a paced send
        // every few microseconds would cost a wakeup each.
        c.pace_at = std::max(c.pace_at, now - std::max(2 * gap, cfg.pacing_quantum)) + gap;
    }

    // What one ACK delivered, gathered while its cumulative part and its SACK
    // blocks are walked, acted on once at the end.
    struct ack_tally {
        std::uint64_t delivered = 0;
        std::optional<time_point> rtt_from;
        bool progress = false;
        bool spurious_rto = false;
        std::uint64_t prev_max_serial = 0;
    };

    // A segment newly delivered (cumulatively or by SACK).
    void note_delivered(conn& c, time_point now, seg_rec& s, ack_tally& t)
    {
        t.delivered += s.len;
        // RACK: the latest-sent segment delivered gives the reference time
        // and RTT; a retransmission acknowledged sooner than the minimum RTT
        // was its original's ACK (ambiguous): not used.
        if (s.serial > c.max_delivered_serial &&
            !(s.tx_count > 1 && c.have_rtt && now - s.sent < c.min_rtt)) {
            c.max_delivered_serial = s.serial;
            c.rack_xmit = s.sent;
            c.rack_rtt = now - s.sent;
            c.have_rack = true;
        }
        if (s.tx_count == 1 && s.serial < t.prev_max_serial) {
            c.reordering_seen = true; // delivered after a later-sent one
            ++ctr.reordered;
        }
        if (c.rto_undo_armed && s.tx_count == 1 && s.serial <= c.rto_serial)
            t.spurious_rto = true; // an original sent before the RTO arrived
        if (s.tx_count == 1 && (!t.rtt_from || s.sent > *t.rtt_from))
            t.rtt_from = s.sent; // Karn: never from a retransmitted segment
        leave_pipe(c, s);
        if (s.lost) {
            s.lost = false;
            --c.lost_count;
        }
    }

    // The cumulative acknowledgement: records below it leave the scoreboard,
    // the chunks they covered go back to the application.
    void ack_cumulative(conn& c, time_point now, std::uint32_t ack, ack_tally& t)
    {
        if (!seq_gt(ack, c.snd_una))
            return;
        while (!c.segs.empty() && seq_le(c.segs.front().seq_end(), ack)) {
            seg_rec& s = c.segs.front();
            if (!s.sacked)
                note_delivered(c, now, s, t);
            if (s.fin)
                c.fin_acked = true;
            c.segs.pop_front();
        }
        c.snd_una = ack;
        t.progress = true;
        while (!c.chunks.empty() && seq_le(c.chunks.front().seq + c.chunks.front().len, c.snd_una)) {
            give_back(event_kind::released, c.chunks.front().h, &c);
            c.chunks.pop_front();
            ++c.chunk_head_no;
        }
    }

    void ack_sack_block(conn& c, time_point now, const sack_block& blk, ack_tally& t)
    {
        if (seq_le(blk.end, c.snd_una) || seq_gt(blk.end, c.snd_nxt))
            return;
        // The records are in sequence order: find the block's first by
        // bisection (an ACK carries up to 16 blocks, the scoreboard up to
        // max_segments records).
        std::size_t lo = 0, hi = c.segs.size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (seq_lt(c.segs[mid].seq, blk.start))
                lo = mid + 1;
            else
                hi = mid;
        }
        for (std::size_t i = lo; i < c.segs.size() && seq_lt(c.segs[i].seq, blk.end); ++i) {
            seg_rec& s = c.segs[i];
            if (!s.sacked && s.tx_count > 0 && seq_le(s.seq_end(), blk.end)) {
                s.sacked = true;
                note_delivered(c, now, s, t);
                t.progress = true;
            }
        }
    }

    // Progress ends a probe and a forced retransmission, and tells whether
    // the last RTO was spurious (F-RTO-like: the network was still delivering
    // what the RTO took for lost; the window comes back).
    void after_progress(conn& c, const ack_tally& t)
    {
        c.tlp_pending = false;
        c.rto_force = false;
        if (!c.rto_undo_armed)
            return;
        c.rto_undo_armed = false;
        if (t.spurious_rto) {
            c.cwnd = std::max(c.cwnd, c.prior_cwnd);
            c.ssthresh = std::max(c.ssthresh, c.prior_ssthresh);
            c.in_recovery = c.recovery_random = false;
            ++ctr.spurious_rto_undos;
        }
    }

    // Slow start below ssthresh, then one MSS per window delivered.
    void grow_cwnd(conn& c, std::uint64_t delivered)
    {
        if (c.cwnd < c.ssthresh) {
            c.cwnd += std::uint32_t(std::min<std::uint64_t>(delivered, 2 * cfg.mss));
        } else {
            c.ca_acc += std::uint32_t(delivered);
            while (c.ca_acc >= c.cwnd) {
                c.ca_acc -= c.cwnd;
                c.cwnd += cfg.mss;
            }
        }
        c.cwnd = std::min(c.cwnd, cfg.max_cwnd);
    }

    void on_ack(conn& c, time_point now, const segment_header& h)
    {
        if (seq_gt(h.ack, c.snd_nxt)) {
            ++ctr.bad_ack;
            return;
        }
        if (seq_ge(h.ack, c.snd_una))
            c.snd_right = h.ack + h.window;
        ack_tally t;
        t.prev_max_serial = c.max_delivered_serial;
        ack_cumulative(c, now, h.ack, t);
        for (std::size_t b = 0; b < h.sack_count; ++b)
            ack_sack_block(c, now, h.sacks[b], t);
        if (t.rtt_from)
            update_rtt(c, now - *t.rtt_from);
        c.consecutive_rto = 0;
        if (t.progress)
            after_progress(c, t);
        if (const std::uint32_t newly = detect_losses(c, now))
            on_loss_event(c, newly);
        if (c.in_recovery && seq_ge(c.snd_una, c.recover))
            c.in_recovery = c.recovery_random = false;
        if (t.delivered > 0 && (!c.in_recovery || c.recovery_random))
            grow_cwnd(c, t.delivered);
        if (c.snd_una == c.snd_nxt) {
            c.rto_at.reset();
            c.tlp_at.reset();
            c.rack_at.reset();
        } else if (t.progress) {
            c.rto_at = now + c.rto;
            arm_tlp(c, now);
        }
    }

    void on_rto(conn& c, time_point now)
    {
        c.rto_at.reset();
        if (c.st == conn_state::syn_sent || c.st == conn_state::syn_received) {
            if (++c.syn_retries > cfg.max_syn_retransmits) {
                fail(c, event_kind::timed_out, reason::timed_out, c.st == conn_state::syn_received);
                return;
            }
            c.syn_pending = true;
            c.syn_retransmitted = true;
            c.rto = std::min(2 * c.rto, cfg.max_rto);
            return;
        }
        if (c.st != conn_state::established)
            return;
        if (c.segs.empty()) {
            if (unsent(c) > 0) { // persist: probe the zero window
                c.probe_pending = true;
                c.rto = std::min(2 * c.rto, cfg.max_rto);
            }
            return;
        }
        if (++c.consecutive_rto > cfg.max_retransmits) {
            fail(c, event_kind::timed_out, reason::timed_out, true);
            return;
        }
        ++ctr.rto_expirations;
        c.tlp_at.reset();
        c.tlp_send = c.tlp_pending = false;
        if (cfg.spurious_rto_undo && c.consecutive_rto == 1) {
            c.prior_cwnd = c.cwnd;
            c.prior_ssthresh = c.ssthresh;
            c.rto_serial = c.next_serial;
            c.rto_undo_armed = true;
        }
        const bool first_only = cfg.rto_first_only && cfg.rack;
        for (std::size_t i = 0; i < c.segs.size(); ++i) {
            seg_rec& s = c.segs[i];
            if (s.sacked)
                continue;
            leave_pipe(c, s);
            if (!s.lost) {
                s.lost = true;
                ++c.lost_count;
            }
            if (first_only) {
                // The rest stays in the pipe: once this one is acknowledged,
                // RACK finds what is really lost (all of it after a blackout,
                // none after a spurious RTO).
                c.rto_force = true;
                break;
            }
        }
        const std::uint32_t flight = c.snd_nxt - c.snd_una;
        if (cfg.loss_differentiation && cfg.ld_rto_keeps_ssthresh && no_queue(c)) {
            // A random loss burst (or lost retransmissions), not a queue:
            // restart from the initial window and slow start back.
            c.ssthresh = std::max({c.ssthresh, std::min(c.cwnd, flight), 2 * cfg.mss});
            c.cwnd = std::min(c.ssthresh, cfg.initial_cwnd_segments * cfg.mss);
            ++ctr.random_losses;
        } else {
            c.ssthresh = std::max(std::min(c.cwnd, flight) / 2, 2 * cfg.mss);
            c.cwnd = cfg.mss;
        }
        c.ca_acc = 0;
        c.in_recovery = true;
        c.recovery_random = false;
        c.recover = c.snd_nxt;
        c.rto = std::min(2 * c.rto, cfg.max_rto);
        (void)now;
    }

    // ---------------------------------------------------------- receive side
    void deliver(conn& c, packet_handle h, std::uint32_t off, std::uint32_t len, bool eom)
    {
        if (len == 0) {
            give_back(event_kind::released, h, &c);
            return;
        }
        c.unread += len;
        ctr.data_bytes_delivered += len;
        give_back(event_kind::delivered, h, &c, reason::none, off, len, eom);
    }
    void peer_finished(conn& c)
    {
        c.peer_fin = true;
        c.ack_now = true;
        conn_event(event_kind::peer_closed, c);
    }
    void drain_ooo(conn& c)
    {
        while (!c.ooo.empty() && seq_le(c.ooo.front().seq, c.rcv_nxt)) {
            const held o = c.ooo.front();
            c.ooo.erase(c.ooo.begin());
            if (c.peer_fin || seq_le(o.seq_end(), c.rcv_nxt)) {
                give_back(event_kind::released, o.h, &c);
                continue;
            }
            const std::uint32_t trim = c.rcv_nxt - o.seq;
            deliver(c, o.h, o.offset + trim, o.len - trim, o.eom);
            c.rcv_nxt = o.seq_end();
            if (o.fin)
                peer_finished(c);
        }
    }

    disposition on_data(conn& c, time_point now, const segment_header& h, std::uint32_t len,
                        packet_handle hd, std::uint32_t off, reason& why)
    {
        const bool fin = h.has(flag::fin);
        if (len == 0 && !fin)
            return disposition::release;
        if (c.st == conn_state::time_wait || c.peer_fin) {
            c.ack_now = true;
            ++ctr.duplicates;
            return disposition::release;
        }
        const std::uint32_t end = h.seq + len + (fin ? 1u : 0u);
        if (seq_le(end, c.rcv_nxt)) {
            ++ctr.duplicates;
            c.ack_now = true;
            return disposition::release;
        }
        const std::uint32_t right = c.rcv_nxt + rcv_window(c);
        if (seq_gt(h.seq + len, right)) {
            ++ctr.out_of_window;
            c.ack_now = true;
            why = reason::out_of_window;
            return disposition::drop;
        }
        if (seq_le(h.seq, c.rcv_nxt)) {
            const bool had_ooo = !c.ooo.empty();
            const std::uint32_t trim = c.rcv_nxt - h.seq;
            deliver(c, hd, off + trim, len - trim, h.has(flag::eom));
            c.rcv_nxt = end;
            if (fin)
                peer_finished(c);
            drain_ooo(c);
            if (had_ooo || fin || ++c.unacked_segs >= 2)
                c.ack_now = true;
            else if (!c.ack_at)
                c.ack_at = now + cfg.ack_delay;
            return disposition::taken;
        }
        // Out of order: hold by handle, sorted by seq.
        c.ack_now = true;
        auto it = c.ooo.begin();
        while (it != c.ooo.end() && seq_lt(it->seq, h.seq))
            ++it;
        auto covers = [&](const held& o) {
            return seq_le(o.seq, h.seq) && seq_ge(o.seq_end(), end);
        };
        if ((it != c.ooo.end() && covers(*it)) || (it != c.ooo.begin() && covers(*(it - 1)))) {
            ++ctr.duplicates;
            return disposition::release;
        }
        if (c.ooo.size() >= cfg.max_ooo_segments) {
            ++ctr.ooo_full;
            why = reason::ooo_full;
            return disposition::drop;
        }
        c.ooo.insert(it, held{h.seq, len, fin, h.has(flag::eom), hd, off});
        c.last_ooo_seq = h.seq;
        ++ctr.ooo_held;
        return disposition::taken;
    }

    // SACK blocks from the held segments: the block holding the latest
    // arrival first (RFC 2018), then the others in sequence order.
    std::uint8_t build_sacks(const conn& c, std::array<sack_block, max_sack_blocks>& out) const
    {
        if (c.ooo.empty())
            return 0;
        std::uint8_t n = 0;
        auto each_block = [&](auto&& fn) {
            std::size_t i = 0;
            while (i < c.ooo.size()) {
                sack_block b{c.ooo[i].seq, c.ooo[i].seq_end()};
                ++i;
                while (i < c.ooo.size() && seq_le(c.ooo[i].seq, b.end)) {
                    if (seq_gt(c.ooo[i].seq_end(), b.end))
                        b.end = c.ooo[i].seq_end();
                    ++i;
                }
                if (!fn(b))
                    return;
            }
        };
        auto has_latest = [&](const sack_block& b) {
            return seq_ge(c.last_ooo_seq, b.start) && seq_lt(c.last_ooo_seq, b.end);
        };
        each_block([&](const sack_block& b) {
            if (has_latest(b)) {
                out[n++] = b;
                return false;
            }
            return true;
        });
        each_block([&](const sack_block& b) {
            if (n >= max_sack_blocks)
                return false;
            if (!has_latest(b))
                out[n++] = b;
            return true;
        });
        return n;
    }

    // ---------------------------------------------------------------- output
    segment_header base_header(const conn& c, std::uint8_t flags, std::uint32_t seq)
    {
        segment_header h;
        h.src_port = c.lport;
        h.dst_port = c.pport;
        h.seq = seq;
        h.flags = flags;
        return h;
    }
    // Fill ack/window/SACK, encode, and account an ACK as sent.
    transmit finish(conn& c, segment_header& h, std::span<std::byte> out,
                    std::span<const std::byte> payload)
    {
        if (h.has(flag::ack)) {
            h.ack = c.rcv_nxt;
            h.window = rcv_window(c);
            h.sack_count = build_sacks(c, h.sacks);
            c.adv_right = c.rcv_nxt + h.window;
            c.ack_now = false;
            c.ack_at.reset();
            c.unacked_segs = 0;
        } else {
            h.window = rcv_window(c);
        }
        auto n = encode_header(out, h, payload);
        assert(n.has_value());
        ++ctr.segments_sent;
        transmit t;
        t.peer = c.peer;
        t.header_length = n.value();
        return t;
    }

    transmit send_seg(conn& c, seg_rec& s, time_point now, std::span<std::byte> out)
    {
        std::uint8_t flags = flag::ack;
        if (s.fin)
            flags |= flag::fin;
        if (s.eom)
            flags |= flag::eom;
        segment_header h = base_header(c, flags, s.seq);
        std::span<const std::byte> payload;
        const chunk* ch = nullptr;
        if (s.len > 0) {
            ch = &c.chunks[std::size_t(s.chunk_no - c.chunk_head_no)];
            payload = std::span<const std::byte>(ch->data + s.chunk_off, s.len);
        }
        transmit t = finish(c, h, out, payload);
        if (ch) {
            t.handle = ch->h;
            t.payload_offset = ch->offset + s.chunk_off;
            t.payload_length = s.len;
        }
        t.seq = s.seq;
        t.retransmission = s.tx_count > 0;
        if (s.tx_count == 0)
            ctr.data_bytes_sent += s.len;
        else
            ctr.data_bytes_retransmitted += s.len;
        ++s.tx_count;
        s.serial = ++c.next_serial;
        s.sent = now;
        s.in_pipe = true;
        c.pipe += s.len;
        if (!c.rto_at)
            c.rto_at = now + c.rto;
        if (!c.tlp_pending)
            arm_tlp(c, now);
        return t;
    }

    // The SYN or SYN-ACK, when one is due.
    std::optional<transmit> handshake_transmit(conn& c, time_point now, std::span<std::byte> out)
    {
        if (!c.syn_pending)
            return std::nullopt;
        c.syn_pending = false;
        c.syn_sent_at = now;
        c.rto_at = now + c.rto;
        const bool server = c.st == conn_state::syn_received;
        segment_header h = base_header(c, server ? flag::syn | flag::ack : flag::syn, c.iss);
        return finish(c, h, out, {});
    }

    // 0. A tail loss probe: a lost segment, new data or the last segment
    // again, regardless of cwnd and pacing. Sets probe_new when the probe is
    // new data, which send_new_data then sends.
    std::optional<transmit> tail_loss_probe(conn& c, time_point now, std::span<std::byte> out,
                                            bool& probe_new)
    {
        if (!c.tlp_send)
            return std::nullopt;
        c.tlp_send = false;
        if (c.segs.empty())
            return std::nullopt;
        c.tlp_pending = true;
        ++ctr.tail_loss_probes;
        c.rto_at = now + c.rto;
        if (c.lost_count > 0) {
            c.rto_force = true;
        } else if (unsent(c) > 0 && !c.segs.full() && seq_gt(c.snd_right, c.snd_nxt)) {
            probe_new = true;
        } else {
            for (std::size_t i = c.segs.size(); i-- > 0;) {
                seg_rec& s = c.segs[i];
                if (s.sacked)
                    continue;
                leave_pipe(c, s);
                return send_seg(c, s, now, out);
            }
        }
        return std::nullopt;
    }

    // Pacing holds data back (not ACKs) until pace_at; a send held back is
    // counted once however many turns it waits.
    void defer_paced(conn& c, bool waited)
    {
        if (!waited)
            ++ctr.paced;
        c.paced_wait = true;
    }

    // 1. Retransmit what was declared lost, as the window allows (the one
    // retransmission of an RTO or a probe regardless).
    std::optional<transmit> retransmit_lost(conn& c, time_point now, std::span<std::byte> out,
                                            bool paced, bool waited)
    {
        if (c.lost_count == 0 || !(c.pipe < c.cwnd || c.rto_force))
            return std::nullopt;
        if (paced && !c.rto_force) {
            defer_paced(c, waited);
            return std::nullopt;
        }
        for (std::size_t i = 0; i < c.segs.size(); ++i) {
            seg_rec& s = c.segs[i];
            if (s.lost && !s.in_pipe) {
                s.lost = false;
                --c.lost_count;
                c.rto_force = false;
                pace(c, now, s.len);
                return send_seg(c, s, now, out);
            }
        }
        c.rto_force = false;
        return std::nullopt;
    }

    // 2. New data, as the window, the peer's window and pacing allow.
    std::optional<transmit> send_new_data(conn& c, time_point now, std::span<std::byte> out,
                                          bool paced, bool waited, bool probe_new)
    {
        if (paced && unsent(c) > 0 && c.pipe < c.cwnd && !c.paced_wait)
            defer_paced(c, waited);
        if (unsent(c) == 0 || c.segs.full() || c.paced_wait ||
            !(c.pipe < c.cwnd || c.probe_pending || probe_new))
            return std::nullopt;
        chunk& ch = c.chunks[std::size_t(c.chunk_tx_no - c.chunk_head_no)];
        const std::uint32_t want = std::min(cfg.mss, ch.len - c.chunk_tx_off);
        const std::uint32_t space = seq_gt(c.snd_right, c.snd_nxt) ? c.snd_right - c.snd_nxt : 0;
        std::uint32_t len = std::min(want, space);
        if (space == 0 && c.probe_pending) {
            len = 1;
            ++ctr.zero_window_probes;
        }
        c.probe_pending = false;
        if (len == 0 || (len < want && !c.segs.empty())) {
            // Window closed (or too small to be worth it): the persist timer
            // probes it when nothing is in flight.
            if (c.segs.empty() && !c.rto_at)
                c.rto_at = now + c.rto;
            return std::nullopt;
        }
        seg_rec s;
        s.seq = c.snd_nxt;
        s.len = len;
        s.chunk_no = c.chunk_tx_no;
        s.chunk_off = c.chunk_tx_off;
        s.eom = ch.eom && c.chunk_tx_off + len == ch.len;
        c.snd_nxt += len;
        c.chunk_tx_off += len;
        if (c.chunk_tx_off == ch.len) {
            ++c.chunk_tx_no;
            c.chunk_tx_off = 0;
        }
        c.segs.push_back(s);
        pace(c, now, len);
        return send_seg(c, c.segs.back(), now, out);
    }

    // 3. FIN after the last byte.
    std::optional<transmit> send_fin(conn& c, time_point now, std::span<std::byte> out)
    {
        if (!c.close_requested || c.fin_queued || unsent(c) != 0 || c.segs.full())
            return std::nullopt;
        seg_rec s;
        s.seq = c.snd_nxt;
        s.fin = true;
        c.fin_queued = true;
        c.snd_nxt += 1;
        c.snd_end += 1;
        c.segs.push_back(s);
        return send_seg(c, c.segs.back(), now, out);
    }

    std::optional<transmit> established_transmit(conn& c, time_point now, std::span<std::byte> out)
    {
        bool probe_new = false;
        if (auto t = tail_loss_probe(c, now, out, probe_new))
            return t;
        const bool waited = c.paced_wait;
        c.paced_wait = false;
        const bool paced = cfg.pacing && c.have_rtt && now < c.pace_at && !probe_new;
        if (auto t = retransmit_lost(c, now, out, paced, waited))
            return t;
        if (auto t = send_new_data(c, now, out, paced, waited, probe_new))
            return t;
        if (auto t = send_fin(c, now, out))
            return t;
        // 4. A pure ACK (window update, SACK, delayed ACK due).
        if (c.ack_now || (c.ack_at && *c.ack_at <= now)) {
            segment_header h = base_header(c, flag::ack, c.snd_nxt);
            return finish(c, h, out, {});
        }
        return std::nullopt;
    }

    std::optional<transmit> conn_transmit(conn& c, time_point now, std::span<std::byte> out)
    {
        switch (c.st) {
        case conn_state::free:
            return std::nullopt;
        case conn_state::syn_sent:
        case conn_state::syn_received:
            return handshake_transmit(c, now, out);
        case conn_state::time_wait:
            if (c.ack_now) {
                segment_header h = base_header(c, flag::ack, c.snd_nxt);
                return finish(c, h, out, {});
            }
            return std::nullopt;
        case conn_state::established:
            break;
        }
        return established_transmit(c, now, out);
    }

    // ----------------------------------------------------------------- input
    void on_rst(conn& c, const segment_header& h)
    {
        ++ctr.rst_received;
        bool valid;
        if (c.st == conn_state::syn_sent)
            valid = h.has(flag::ack) && h.ack == c.iss + 1;
        else
            valid = seq_ge(h.seq, c.rcv_nxt) && seq_le(h.seq, c.rcv_nxt + std::max(rcv_window(c), 1u));
        if (!valid) {
            ++ctr.rst_ignored;
            return;
        }
        if (c.st == conn_state::time_wait) {
            free_conn(c, reason::reset);
            return;
        }
        fail(c, event_kind::reset, c.st == conn_state::syn_sent ? reason::refused : reason::reset,
             false);
    }

    // A SYN that opens a new connection (or answers with RST).
    void on_new_syn(time_point now, node_addr from, const segment_header& h)
    {
        if (!listening(h.dst_port)) {
            ++ctr.no_listener;
            queue_rst(from, h.dst_port, h.src_port, 0, h.seq + 1, true);
            return;
        }
        conn* c = alloc();
        if (!c) {
            ++ctr.conn_table_full;
            queue_rst(from, h.dst_port, h.src_port, 0, h.seq + 1, true);
            return;
        }
        init_conn(*c, now, from, h.dst_port, h.src_port);
        c->st = conn_state::syn_received;
        c->irs = h.seq;
        c->rcv_nxt = h.seq + 1;
        c->snd_right = c->iss + 1 + h.window;
        c->syn_pending = true;
    }

    // A segment that belongs to no connection: a new SYN opens one, an RST
    // is ignored, anything else is answered with an RST.
    disposition on_stray_segment(time_point now, node_addr from, const segment_header& h,
                                 std::uint32_t len, reason& why)
    {
        if (h.has(flag::rst))
            return disposition::release;
        if (h.has(flag::syn) && !h.has(flag::ack)) {
            on_new_syn(now, from, h);
            return disposition::release;
        }
        ++ctr.no_connection;
        const std::uint32_t seg_len =
            len + (h.has(flag::syn) ? 1u : 0u) + (h.has(flag::fin) ? 1u : 0u);
        if (h.has(flag::ack))
            queue_rst(from, h.dst_port, h.src_port, h.ack, 0, false);
        else
            queue_rst(from, h.dst_port, h.src_port, 0, h.seq + seg_len, true);
        why = reason::no_connection;
        return disposition::drop;
    }

    // The client's side of the handshake: the SYN-ACK. Always consumes the
    // segment.
    void on_syn_sent(conn& c, time_point now, node_addr from, const segment_header& h)
    {
        if (!h.has(flag::syn) || !h.has(flag::ack))
            return;
        if (h.ack != c.iss + 1) {
            queue_rst(from, c.lport, c.pport, h.ack, 0, false);
            return;
        }
        c.irs = h.seq;
        c.rcv_nxt = h.seq + 1;
        c.snd_una = c.iss + 1;
        c.snd_right = h.ack + h.window;
        c.st = conn_state::established;
        c.rto_at.reset();
        if (!c.syn_retransmitted)
            update_rtt(c, now - c.syn_sent_at);
        c.rto = c.have_rtt ? c.rto : cfg.initial_rto;
        c.ack_now = true;
        ++ctr.connects;
        conn_event(event_kind::connected, c);
    }

    // The server's side: the ACK of its SYN-ACK establishes the connection
    // (true: the segment goes on to the ACK and data processing).
    bool on_syn_received(conn& c, time_point now, const segment_header& h)
    {
        if (h.has(flag::syn)) { // our SYN-ACK was lost: send it again
            c.syn_pending = true;
            return false;
        }
        if (!h.has(flag::ack) || h.ack != c.iss + 1) {
            if (h.has(flag::ack))
                ++ctr.bad_ack;
            return false;
        }
        c.st = conn_state::established;
        c.snd_una = c.iss + 1;
        c.rto_at.reset();
        if (!c.syn_retransmitted)
            update_rtt(c, now - c.syn_sent_at);
        ++ctr.accepts;
        conn_event(event_kind::accepted, c);
        return true;
    }

    // The connection's state decides whether the segment goes on to the ACK
    // and data processing (true) or ends here.
    bool on_state(conn& c, time_point now, node_addr from, const segment_header& h)
    {
        switch (c.st) {
        case conn_state::free:
            return false;
        case conn_state::syn_sent:
            on_syn_sent(c, now, from, h);
            return false;
        case conn_state::syn_received:
            return on_syn_received(c, now, h);
        case conn_state::established:
        case conn_state::time_wait:
            if (h.has(flag::syn)) { // a duplicate SYN or SYN-ACK: re-ACK
                c.ack_now = true;
                return false;
            }
            return true;
        }
        return false;
    }

    disposition on_segment(time_point now, node_addr from, const segment_header& h,
                           std::uint32_t len, packet_handle hd, std::uint32_t off, reason& why)
    {
        conn* c = find(from, h.dst_port, h.src_port);
        if (c && h.has(flag::syn) && !h.has(flag::ack) && c->st != conn_state::syn_sent &&
            h.seq != c->irs) {
            // A SYN with another ISN from the same ports: the peer restarted.
            fail(*c, event_kind::reset, reason::peer_restarted, false);
            c = nullptr;
        }
        if (!c)
            return on_stray_segment(now, from, h, len, why);
        c->last_rx = now;
        if (h.has(flag::rst)) {
            on_rst(*c, h);
            return disposition::release;
        }
        if (!on_state(*c, now, from, h))
            return disposition::release;
        if (h.has(flag::ack) && c->st == conn_state::established)
            on_ack(*c, now, h);
        if (c->st == conn_state::free) // cannot happen today; keep the guard
            return disposition::release;
        const disposition d = on_data(*c, now, h, len, hd, off, why);
        maybe_finished(*c, now);
        return d;
    }
};

// ------------------------------------------------------------------- public

endpoint::endpoint(const config& cfg, node_addr self, std::uint64_t seed)
    : _impl(std::make_unique<impl>(cfg, self, seed))
{
}
endpoint::~endpoint() = default;
endpoint::endpoint(endpoint&&) noexcept = default;
endpoint& endpoint::operator=(endpoint&&) noexcept = default;

result<void, error> endpoint::listen(std::uint16_t port)
{
    auto& m = *_impl;
    if (port == 0)
        return make_error(error::bad_port);
    if (m.listening(port))
        return make_error(error::port_in_use);
    if (m.listeners.size() >= m.cfg.max_listeners) {
        ++m.ctr.listener_table_full;
        return make_error(error::table_full);
    }
    m.listeners.push_back(port);
    return {};
}

bool endpoint::unlisten(std::uint16_t port)
{
    auto& m = *_impl;
    auto it = std::find(m.listeners.begin(), m.listeners.end(), port);
    if (it == m.listeners.end())
        return false;
    m.listeners.erase(it);
    return true;
}

result<conn_id, error> endpoint::connect(time_point now, node_addr peer, std::uint16_t peer_port,
                                         std::uint16_t local_port)
{
    auto& m = *_impl;
    if (peer_port == 0)
        return make_error(error::bad_port);
    if (local_port == 0) {
        for (int tries = 0; tries < 64 && local_port == 0; ++tries) {
            const auto p = std::uint16_t(49152 + m.rng.below(16384));
            if (!m.find(peer, p, peer_port) && !m.listening(p))
                local_port = p;
        }
        if (local_port == 0)
            return make_error(error::port_in_use);
    } else if (m.find(peer, local_port, peer_port)) {
        return make_error(error::port_in_use);
    }
    conn* c = m.alloc();
    if (!c)
        return make_error(error::table_full);
    m.init_conn(*c, now, peer, local_port, peer_port);
    c->st = conn_state::syn_sent;
    c->syn_pending = true;
    return conn_id{std::uint32_t(m.index_of(*c)), c->generation};
}

result<void, error> endpoint::send(time_point now, conn_id id, packet_handle h,
                                   std::uint32_t offset, std::span<const std::byte> data,
                                   bool end_of_message)
{
    (void)now;
    auto& m = *_impl;
    conn* c = m.get(id);
    if (!c)
        return make_error(error::bad_connection);
    if (c->close_requested || c->st == conn_state::time_wait)
        return make_error(error::closing);
    if (data.empty())
        return make_error(error::empty);
    if (data.size() > (1u << 30))
        return make_error(error::too_large);
    if (c->chunks.full()) {
        ++m.ctr.send_queue_full;
        return make_error(error::send_queue_full);
    }
    if (!m.room_for_handle()) {
        ++m.ctr.busy;
        return make_error(error::busy);
    }
    const auto len = std::uint32_t(data.size());
    c->chunks.push_back(chunk{h, data.data(), offset, len, c->snd_end, end_of_message});
    c->snd_end += len;
    ++m.core_handles;
    return {};
}

void endpoint::consume(time_point now, conn_id id, std::uint32_t bytes)
{
    (void)now;
    auto& m = *_impl;
    conn* c = m.get(id);
    if (!c)
        return;
    c->unread -= std::min(bytes, c->unread);
    const std::uint32_t right = c->rcv_nxt + m.rcv_window(*c);
    if (c->st == conn_state::established && seq_gt(right, c->adv_right) &&
        right - c->adv_right >= std::min(m.cfg.recv_window / 2, 2 * m.cfg.mss))
        c->ack_now = true;
}

result<void, error> endpoint::close(time_point now, conn_id id)
{
    (void)now;
    auto& m = *_impl;
    conn* c = m.get(id);
    if (!c)
        return make_error(error::bad_connection);
    if (c->st == conn_state::time_wait)
        return {};
    c->close_requested = true; // the FIN follows the handshake and the queued data
    return {};
}

result<void, error> endpoint::abort(time_point now, conn_id id)
{
    (void)now;
    auto& m = *_impl;
    conn* c = m.get(id);
    if (!c)
        return make_error(error::bad_connection);
    ++m.ctr.aborts;
    if (c->st != conn_state::syn_sent && c->st != conn_state::time_wait)
        m.queue_rst(c->peer, c->lport, c->pport, c->snd_nxt, c->rcv_nxt, true);
    m.conn_event(event_kind::closed, *c, reason::aborted);
    m.free_conn(*c, reason::aborted);
    return {};
}

result<void, error> endpoint::handle_segment(time_point now, node_addr from,
                                             std::span<const std::byte> seg, packet_handle h,
                                             std::uint32_t seg_offset)
{
    auto& m = *_impl;
    if (!m.room_for_handle()) {
        ++m.ctr.busy;
        return make_error(error::busy);
    }
    ++m.core_handles;
    ++m.ctr.segments_received;
    auto d = decode_segment(seg);
    if (!d) {
        ++m.ctr.malformed;
        const bool bad_sum = d.error() == decode_error::bad_checksum;
        if (bad_sum)
            ++m.ctr.bad_checksum;
        m.give_back(event_kind::dropped, h, nullptr, bad_sum ? reason::bad_checksum : reason::malformed);
        return {};
    }
    const auto& hdr = d->header;
    reason why = reason::none;
    const auto disp = m.on_segment(now, from, hdr, std::uint32_t(d->payload.size()), h,
                                   seg_offset + std::uint32_t(d->header_length), why);
    if (disp != disposition::taken) {
        conn* c = m.find(from, hdr.dst_port, hdr.src_port);
        m.give_back(disp == disposition::release ? event_kind::released : event_kind::dropped, h, c,
                    why);
    }
    return {};
}

void endpoint::handle_timeout(time_point now)
{
    auto& m = *_impl;
    for (auto& c : m.conns) {
        if (c.st == conn_state::free)
            continue;
        if (c.st == conn_state::time_wait) {
            if (c.tw_at && *c.tw_at <= now)
                m.free_conn(c, reason::none);
            continue;
        }
        if (c.last_rx + m.cfg.idle_timeout <= now) {
            m.fail(c, event_kind::timed_out, reason::idle, c.st != conn_state::syn_sent);
            continue;
        }
        if (c.ack_at && *c.ack_at <= now) {
            c.ack_now = true;
            c.ack_at.reset();
        }
        if (c.st == conn_state::established) {
            if (c.rack_at && *c.rack_at <= now) {
                if (const std::uint32_t newly = m.detect_losses(c, now))
                    m.on_loss_event(c, newly);
            }
            if (c.tlp_at && *c.tlp_at <= now) {
                c.tlp_at.reset();
                m.on_tlp(c, now);
            }
        }
        if (c.rto_at && *c.rto_at <= now)
            m.on_rto(c, now);
    }
}

std::optional<time_point> endpoint::poll_timeout() const
{
    const auto& m = *_impl;
    std::optional<time_point> t;
    auto take = [&](std::optional<time_point> x) {
        if (x && (!t || *x < *t))
            t = x;
    };
    for (const auto& c : m.conns) {
        if (c.st == conn_state::free)
            continue;
        if (c.st == conn_state::time_wait) {
            take(c.tw_at);
            continue;
        }
        take(c.rto_at);
        take(c.ack_at);
        take(c.rack_at);
        take(c.tlp_at);
        if (c.paced_wait)
            take(c.pace_at);
        take(c.last_rx + m.cfg.idle_timeout);
    }
    return t;
}

std::optional<transmit> endpoint::poll_transmit(time_point now, std::span<std::byte> out)
{
    auto& m = *_impl;
    assert(out.size() >= header_max);
    if (!m.rsts.empty()) {
        const rst_entry r = m.rsts.front();
        m.rsts.pop_front();
        segment_header h;
        h.src_port = r.lport;
        h.dst_port = r.pport;
        h.seq = r.seq;
        h.ack = r.ack;
        h.flags = flag::rst | (r.with_ack ? flag::ack : 0);
        auto n = encode_header(out, h, {});
        assert(n.has_value());
        ++m.ctr.rst_sent;
        ++m.ctr.segments_sent;
        transmit t;
        t.peer = r.peer;
        t.header_length = n.value();
        return t;
    }
    const std::size_t n = m.conns.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (m.rr + k) % n;
        if (auto t = m.conn_transmit(m.conns[i], now, out)) {
            m.rr = (i + 1) % n;
            return t;
        }
    }
    return std::nullopt;
}

std::optional<event> endpoint::poll_event()
{
    auto& m = *_impl;
    if (m.events.empty())
        return std::nullopt;
    event e = m.events.front();
    m.events.pop_front();
    if (e.handle)
        --m.q_handles;
    return e;
}

const counters& endpoint::stats() const { return _impl->ctr; }
const config& endpoint::cfg() const { return _impl->cfg; }
node_addr endpoint::self() const { return _impl->self; }
std::size_t endpoint::handles_held() const { return _impl->core_handles; }

std::size_t endpoint::connections() const
{
    std::size_t n = 0;
    for (const auto& c : _impl->conns)
        n += c.st != conn_state::free;
    return n;
}

std::optional<conn_info> endpoint::info(conn_id id) const
{
    auto* c = _impl->get(id);
    if (!c)
        return std::nullopt;
    conn_info i;
    i.state = c->st;
    i.peer = c->peer;
    i.local_port = c->lport;
    i.peer_port = c->pport;
    i.cwnd = c->cwnd;
    i.ssthresh = c->ssthresh;
    i.pipe = c->pipe;
    i.send_queued = c->snd_end - c->snd_una;
    i.segments_out = std::uint32_t(c->segs.size());
    i.ooo_held = std::uint32_t(c->ooo.size());
    i.unread = c->unread;
    i.peer_window = seq_gt(c->snd_right, c->snd_una) ? c->snd_right - c->snd_una : 0;
    i.srtt = c->srtt;
    i.rttvar = c->rttvar;
    i.rto = c->rto;
    i.min_rtt = c->min_rtt;
    i.in_recovery = c->in_recovery;
    return i;
}

} // namespace babe::transport
