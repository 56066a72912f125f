// SPDX-License-Identifier: Apache-2.0
// The reliable transport inside babed: one transport::endpoint on the owner
// shard (shard 0), driven by that shard's loop, and the streams of babectl
// send / recv: byte-stream sessions on sockets the control server hands
// over. The service writes the data chunks (4-byte big-endian length, then
// the bytes) and says what happened through the request's stream_text
// (typed: connected, accepted, sent, received, failed); the control layer
// decides how those lines are written.
//
// Zero copy between the layers: a client's bytes are read (readv) straight
// into UMEM frames, at a fixed offset that leaves headroom for the Ethernet,
// IPv4, DSR and segment headers; the endpoint queues and retransmits those
// frames by handle (the frame index), and every transmission writes the
// headers in place before the payload and hands the frame to the DSR core
// like a packet from babe0 (route lookup, send buffer and Route Discovery on
// a miss). A retransmission of a frame still held by the DSR core or the TX
// ring is the one copy (into a fresh frame; counted). Received segments are
// the frames the XDP program redirected up: the endpoint holds them by
// handle, and in-order data is written (writev, many segments per call)
// from those frames to the receiving client.
//
// Nothing here blocks: client sockets are non-blocking, watched through an
// epoll set of their own (wait_fd() joins the shard's epoll). Per segment no
// allocation; sessions allocate their rings when they open (control path).
#pragma once

#include "core/unique_fd.hh"
#include "engine/service.hh"
#include "engine/shard.hh"
#include "transport/endpoint.hh"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace babe::engine {

struct transport_service_config {
    transport::config core;
    std::uint32_t max_sessions = 16;
    std::uint32_t frame_reserve = 1024;   // free frames kept for RX and control: reading pauses below
    std::uint32_t payload_offset = 320;   // where a client's bytes start in a frame (headroom: Ethernet,
                                          // IPv4, DSR with 16 hops, segment header with 16 SACK blocks)
    std::uint32_t max_queued_per_session = 512; // frames queued on one connection (<= core.max_send_chunks)
    std::uint32_t tx_per_turn = 24;       // segments handed to the DSR core per loop turn (a copy-mode
                                          // AF_XDP kick sends 32 frames; the TX ring holds 512)
};

// The settings babed runs the transport with (transport/mesh_config.hh).
// `hop_recovery`: the DSR core recovers the segments' losses on every hop
// (dsr.hop_recovery).
transport_service_config node_transport_config(bool hop_recovery);

// What the service counts besides the core's counters (transport_* stats).
#define BABE_TRANSPORT_SERVICE_COUNTERS(X)                                                         \
    X(sessions_opened)                                                                             \
    X(sessions_refused)      /* table full, port in use, bad request */                            \
    X(sessions_ok)           /* streams that ended with every byte acknowledged / delivered */     \
    X(sessions_failed)       /* reset, timed out, unreachable, client gone */                      \
    X(client_gone)           /* client socket closed mid-stream: connection aborted */             \
    X(unreachable)           /* connects failed fast: Route Discovery for the peer failed */       \
    X(bytes_from_clients)                                                                          \
    X(bytes_to_clients)                                                                            \
    X(client_reads)          /* readv calls that returned data */                                  \
    X(client_writes)         /* writev calls that wrote data */                                    \
    X(segments_out)          /* segments handed to the DSR core */                                 \
    X(retransmit_copies)     /* retransmissions of a busy frame, copied into a fresh one */        \
    X(no_frame)              /* no free frame for a segment: not sent (the core recovers) */       \
    X(frame_backpressure)    /* client reads paused: frame pool at its reserve */                  \
    X(segments_refused)      /* handle_segment refused (busy): frame dropped */                    \
    X(stray_accepts)         /* accepted with no recv waiting: aborted */                          \
    X(segments_forwarded)    /* received on another shard, handed over the bus */

struct transport_service_counters {
#define X(n) std::uint64_t n = 0;
    BABE_TRANSPORT_SERVICE_COUNTERS(X)
#undef X
};

class transport_service final : public transport_hook {
public:
    transport_service(const transport_service_config& cfg, dsr::addr self, std::uint64_t seed, shard& sh);
    ~transport_service() override;
    transport_service(const transport_service&) = delete;
    transport_service& operator=(const transport_service&) = delete;

    // A client socket for a stream (the shard's thread, from the control
    // mailbox). Owns fd; throws std::runtime_error with the reason.
    void open(time_point now, const stream_request& r, int fd);

    // A segment another shard received, copied into a frame of this shard.
    void segment_copy(time_point now, dsr::addr from, std::span<const std::byte> seg);

    // transport_hook
    void segment(time_point now, dsr::addr from, frame_addr frame, std::span<const std::byte> seg) override;
    void unreachable(time_point now, dsr::addr dst) override;
    std::size_t poll(time_point now) override;
    std::optional<time_point> deadline() const override;

    // Readable when a client socket is ready (for the shard's epoll).
    int wait_fd() const { return _epfd.get(); }
    const transport::endpoint& core() const { return _ep; }
    const transport_service_counters& counters() const { return _ctr; }
    std::size_t sessions() const;

    struct session;

private:
    void emit(time_point now, const transport::transmit& t);
    void on_event(time_point now, const transport::event& e);
    std::size_t pump(time_point now, session& s);
    std::size_t read_client(time_point now, session& s);
    std::size_t write_client(time_point now, session& s);
    bool flush_text(session& s);
    void submit_fill(time_point now, session& s);
    void finish(session& s, const std::string& line, bool ok);
    void fail(time_point now, session& s, const char* code, const std::string& msg);
    void close_session(session& s);
    session* find(transport::conn_id c);
    void write_ip(std::byte* ip, std::uint32_t total, dsr::addr dst);

    transport_service_config _cfg;
    dsr::addr _self;
    shard& _sh;
    packet_io& _io;
    transport::endpoint _ep;
    std::vector<std::unique_ptr<session>> _sessions; // max_sessions slots
    unique_fd _epfd;
    std::vector<std::uint8_t> _tx_chunk; // by frame index: queued by a send session
    std::uint16_t _ip_id = 0;
    std::uint32_t _tx_budget = 0;
    bool _quiet = false; // no session, no connection, nothing pending: poll() returns at once
    transport_service_counters _ctr;
    alignas(64) std::array<std::byte, transport::header_max> _hdr{};
};

} // namespace babe::engine
