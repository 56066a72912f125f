// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// One babed's reliable transport as a deterministic, sans-IO state machine:
// connections between (node, port) pairs with a handshake, orderly close,
// reset and idle timeout; a byte stream with optional message boundaries;
// SACK, selective and fast retransmission, RFC 6298 RTO; slow start and
// NewReno-like AIMD with a loss-differentiation rule; receive-window flow
// control. Segments (segment.hh) travel as DSR payloads between babeds.
// No clock reads, sockets, threads or globals; the ISN comes from a PRNG
// seeded by the constructor; every table is allocated at construction with
// the bounds of `config`, so no segment ever allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/result.hh"
#include "core/time.hh"
#include "transport/types.hh"

namespace babe::transport {

enum class conn_state : std::uint8_t { free, syn_sent, syn_received, established, time_wait };
const char* to_string(conn_state s);

// A read-only view of one connection (babectl, metrics, tests).
struct conn_info {
    conn_state state = conn_state::free;
    node_addr peer = 0;
    std::uint16_t local_port = 0, peer_port = 0;
    std::uint32_t cwnd = 0, ssthresh = 0, pipe = 0;
    std::uint32_t send_queued = 0;   // bytes queued, not yet acknowledged
    std::uint32_t segments_out = 0;  // sent, not cumulatively acknowledged
    std::uint32_t ooo_held = 0;      // out-of-order segments held
    std::uint32_t unread = 0;        // delivered, not yet consume()d
    std::uint32_t peer_window = 0;
    duration srtt{}, rttvar{}, rto{}, min_rtt{};
    bool in_recovery = false;
};

// A transport endpoint (all connections of one babed).
//
// Call order (single-threaded; the caller owns the clock):
//   1. Construct with a validated config, this node's address and a seed;
//      listen() on the ports that accept connections.
//   2. Feed inputs as they happen, each with a non-decreasing `now`:
//      connect(), send(), consume(), close(), abort(), handle_segment(); and
//      handle_timeout(now) once now >= poll_timeout().
//   3. After any input, drain the outputs: poll_transmit(now, out) until it
//      returns nullopt, then poll_event() until nullopt. Then sleep until
//      poll_timeout().
//
// Handle contract: every handle that send() or handle_segment() accepts
// (result has a value) comes back exactly once in an event: delivered (the
// received segment's bytes for the application), released (sent data
// acknowledged, or a received segment with nothing to deliver) or dropped
// (with a reason). A refused call (error) leaves the handle with the caller.
// Until a handle comes back its buffer must stay unchanged: the core names it
// in transmits (retransmission) and reads it to compute checksums; it never
// copies payload bytes and writes only segment headers into `out`.
// Delivered bytes count against the receive window until consume()d.
class endpoint {
public:
    endpoint(const config& cfg, node_addr self, std::uint64_t seed);
    ~endpoint();
    endpoint(endpoint&&) noexcept;
    endpoint& operator=(endpoint&&) noexcept;
    endpoint(const endpoint&) = delete;
    endpoint& operator=(const endpoint&) = delete;

    // Accept connections on `port`.
    result<void, error> listen(std::uint16_t port);
    // Stop accepting on `port` (established connections stay); false when
    // nobody listened there. Later SYNs to it are answered with RST.
    bool unlisten(std::uint16_t port);

    // Open a connection to (peer, peer_port) from local_port (0: an ephemeral
    // port). `connected` or `reset`/`timed_out` follows.
    result<conn_id, error> connect(time_point now, node_addr peer, std::uint16_t peer_port,
                                   std::uint16_t local_port = 0);

    // Queue `data` (bytes [offset, offset + data.size()) of the caller's
    // buffer `h`) on the stream; allowed from connect() on, until close().
    // end_of_message marks its last byte as the end of a message.
    result<void, error> send(time_point now, conn_id c, packet_handle h, std::uint32_t offset,
                             std::span<const std::byte> data, bool end_of_message = false);

    // The application has read `bytes` more of what was delivered: the
    // receive window opens again (a window update is sent when it matters).
    void consume(time_point now, conn_id c, std::uint32_t bytes);

    // Orderly close: a FIN after all queued data. `closed` follows once both
    // directions are finished (or an error event).
    result<void, error> close(time_point now, conn_id c);

    // Abort: RST to the peer, every handle dropped, `closed` (aborted).
    result<void, error> abort(time_point now, conn_id c);

    // A DSR payload with Next Header BABE_NEXT_HEADER_TRANSPORT from node
    // `from`: `seg` is the whole segment, located at `seg_offset` in the
    // caller's buffer `h` (delivered events give offsets into `h`).
    result<void, error> handle_segment(time_point now, node_addr from,
                                       std::span<const std::byte> seg, packet_handle h,
                                       std::uint32_t seg_offset);

    // Expired timers: retransmission, delayed ACK, persist, idle, TIME-WAIT.
    void handle_timeout(time_point now);

    std::optional<time_point> poll_timeout() const;

    // The next segment to send; `out` must hold at least header_max bytes.
    std::optional<transmit> poll_transmit(time_point now, std::span<std::byte> out);

    std::optional<event> poll_event();

    const counters& stats() const;
    const config& cfg() const;
    node_addr self() const;
    std::optional<conn_info> info(conn_id c) const;
    std::size_t connections() const; // slots in use
    std::size_t handles_held() const; // handles inside the core (not in events)

    struct impl;

private:
    std::unique_ptr<impl> _impl;
};

} // namespace babe::transport
