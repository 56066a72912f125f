// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The plain data the transport core exchanges with its caller: node
// addresses, buffer handles, connection ids, the configuration with every
// bound, the counters, the transmissions it asks for and the events it
// reports. No behaviour here; see endpoint.hh for the calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/result.hh"
#include "core/time.hh"
#include "transport/segment.hh"

namespace babe::transport {

using node_addr = std::uint32_t; // the peer babed's IPv4 address, host order

// A caller-owned buffer (UMEM frame, simulator slot). The core keeps it and
// names it back; it reads payload bytes only through the span it was given
// (to checksum them) and never copies them.
struct packet_handle {
    std::uint32_t id = 0;
    friend bool operator==(packet_handle, packet_handle) = default;
};

// A connection: slot index plus a generation, so a stale id never names a
// later connection in the same slot.
struct conn_id {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    friend bool operator==(conn_id, conn_id) = default;
};

struct config {
    // ---- bounds (all pre-allocated at construction) ----
    std::uint32_t max_connections = 16;
    std::uint32_t max_listeners = 8;
    std::uint32_t max_send_chunks = 256;  // queued send() buffers per connection
    std::uint32_t max_segments = 512;     // sent-but-unacknowledged segments per connection
    std::uint32_t max_ooo_segments = 256; // out-of-order segments held per connection
    std::uint32_t rst_queue = 32;         // resets waiting to be sent
    std::uint32_t event_reserve = 256;    // event slots for non-handle events
    // ---- protocol ----
    std::uint32_t mss = 1200;              // payload bytes per segment
    std::uint32_t recv_window = 1u << 20;  // receive buffer, bytes
    std::uint32_t initial_cwnd_segments = 10;
    std::uint32_t max_cwnd = 8u << 20;     // bytes
    duration initial_rto = 1s;             // RFC 6298 (2.1)
    duration min_rto = 200ms;              // RFC 6298 says 1 s; Linux uses 200 ms
    duration max_rto = 60s;
    std::uint32_t max_retransmits = 8;     // consecutive RTOs without progress -> timed_out
    std::uint32_t max_syn_retransmits = 6;
    std::uint32_t dupthresh = 3;           // later segments delivered before one is lost
    duration ack_delay = 10ms;             // delayed ACK
    duration idle_timeout = 60s;           // nothing heard from the peer
    duration time_wait = 2s;
    // ---- loss differentiation (docs/transport.md) ----
    bool loss_differentiation = true;
    std::uint32_t ld_rtt_inflation_pct = 125; // latest RTT <= min RTT * this / 100: no queue
    duration ld_rtt_slack{0};                // ... or latest RTT <= min RTT + this (jitter of the end hosts)
    bool ld_isolated_only = true;             // forgive only a window's single loss (false: every loss
                                              // while the RTT shows no queue)
    bool ld_rto_keeps_ssthresh = false;       // an RTO with no queue keeps ssthresh (slow start back to it)
    // ---- loss recovery and pacing (docs/transport.md) ----
    bool rack = true;                 // time-based loss detection (RACK, RFC 8985) besides dupthresh
    duration min_reo_wnd{0};          // RACK's reordering window is at least this; when set, dupthresh
                                      // marks nothing (a path whose hops recover their own losses
                                      // delivers late rather than loses)
    bool tail_loss_probe = true;      // TLP: a probe segment after ~2 SRTT without an ACK
    duration tlp_min_pto = 10ms;      // floor of the probe timeout
    bool rto_first_only = true;       // an RTO resends the first unacknowledged segment only, RACK the
                                      // rest once it is acknowledged (needs rack; else every segment)
    bool spurious_rto_undo = true;    // an RTO proven spurious (originals acknowledged) restores cwnd
    bool pacing = true;               // spread a window's segments over the SRTT
    std::uint32_t pacing_gain_ss_pct = 200; // pacing rate = cwnd / SRTT * gain (slow start)
    std::uint32_t pacing_gain_ca_pct = 125; // ... (congestion avoidance, recovery)
    duration pacing_quantum = 1ms;    // sends may bunch up to this much of the pacing rate
    // ---- tests ----
    std::optional<std::uint32_t> fixed_isn; // initial sequence numbers (wraparound tests)
};

enum class config_error : std::uint8_t {
    zero_bound,
    mss_out_of_range,
    window_too_small,
    bad_rto,
    bad_pacing, // a gain below 100 % or above 1000 %, a negative quantum
};
result<void, config_error> validate_config(const config& c);
const char* to_string(config_error e);

#define BABE_TRANSPORT_COUNTERS(X)                                                                 \
    X(segments_sent)                                                                               \
    X(segments_received)                                                                           \
    X(data_bytes_sent)          /* first transmissions */                                          \
    X(data_bytes_retransmitted)                                                                    \
    X(data_bytes_delivered)     /* in order, to the application */                                 \
    X(fast_retransmits)         /* segments declared lost from SACK evidence */                    \
    X(rto_expirations)                                                                             \
    X(rack_losses)              /* segments declared lost by the RACK time rule */                 \
    X(reordered)                /* segments delivered after a later-sent one */                    \
    X(tail_loss_probes)                                                                            \
    X(spurious_rto_undos)       /* RTOs whose originals were acknowledged after all */             \
    X(paced)                    /* transmissions held back by pacing */                            \
    X(random_losses)            /* loss events the differentiation rule forgave */                 \
    X(congestion_events)        /* window reductions (fast recovery) */                            \
    X(malformed)                /* decode errors, any */                                           \
    X(bad_checksum)                                                                                \
    X(no_connection)            /* segment for no connection (answered with RST) */                \
    X(no_listener)              /* SYN to a port nobody listens on */                              \
    X(conn_table_full)          /* SYN refused: max_connections */                                 \
    X(listener_table_full)                                                                         \
    X(send_queue_full)          /* send() refused: max_send_chunks */                              \
    X(ooo_held)                                                                                    \
    X(ooo_full)                 /* out-of-order segment refused: max_ooo_segments */               \
    X(out_of_window)                                                                               \
    X(duplicates)               /* data already delivered or held */                               \
    X(bad_ack)                  /* acknowledges data never sent */                                 \
    X(rst_sent)                                                                                    \
    X(rst_received)                                                                                \
    X(rst_ignored)              /* not within the window */                                        \
    X(rst_queue_overflows)                                                                         \
    X(event_queue_overflows)    /* non-handle events lost (events undrained) */                    \
    X(busy)                     /* segment refused: event queue near full */                       \
    X(connects)                                                                                    \
    X(accepts)                                                                                     \
    X(closes)                   /* orderly */                                                      \
    X(resets)                   /* by the peer (or its restart) */                                 \
    X(timeouts)                 /* retransmissions exhausted or idle */                            \
    X(aborts)                   /* local abort() */                                                \
    X(zero_window_probes)

struct counters {
#define X(n) std::uint64_t n = 0;
    BABE_TRANSPORT_COUNTERS(X)
#undef X
};

// One segment for the caller to carry as a DSR payload to `peer`: the bytes
// out[0, header_length) followed, when `handle` is set, by bytes
// [payload_offset, payload_offset + payload_length) of that caller buffer.
struct transmit {
    node_addr peer = 0;
    std::size_t header_length = 0;
    std::optional<packet_handle> handle;
    std::uint32_t payload_offset = 0;
    std::uint32_t payload_length = 0;
    std::uint32_t seq = 0;        // data/FIN: the segment's first sequence number
    bool retransmission = false;  // data/FIN sent before (fast retransmit or RTO)
};

enum class event_kind : std::uint8_t {
    connected,   // connect() completed (SYN-ACK received)
    accepted,    // an incoming connection on a listening port is established
    delivered,   // in-order bytes: handle, payload_offset, length, end_of_message
    released,    // the core is done with `handle` (sent data acknowledged, or a
                 // received segment consumed without data for the application)
    dropped,     // the core gives `handle` back undelivered/unacknowledged for `reason`
    peer_closed, // the peer's FIN: no more data will be delivered
    closed,      // orderly close done (both FINs acknowledged), or local abort
    reset,       // the peer reset the connection (RST, refused, or it restarted)
    timed_out,   // retransmissions exhausted or idle timeout: the peer is unreachable
};
const char* to_string(event_kind k);

enum class reason : std::uint8_t {
    none = 0,
    reset,          // the connection was reset (by the peer)
    timed_out,      // ... timed out
    aborted,        // ... aborted locally
    idle,           // idle timeout
    refused,        // RST answering our SYN
    peer_restarted, // a new SYN from the peer's ports with another ISN
    malformed,      // the codec refused the segment
    bad_checksum,
    no_connection,
    out_of_window,
    ooo_full,
    duplicate,
};
const char* to_string(reason r);

struct event {
    event_kind kind = event_kind::connected;
    conn_id conn;
    node_addr peer = 0;
    std::uint16_t local_port = 0, peer_port = 0;
    std::optional<packet_handle> handle;
    std::uint32_t payload_offset = 0; // delivered
    std::uint32_t length = 0;         // delivered
    bool end_of_message = false;      // delivered: the last bytes of a message
    reason why = reason::none;        // dropped, reset, timed_out, closed
};

enum class error : std::uint8_t {
    bad_connection,   // stale or unknown conn_id
    not_established,  // send() before the handshake finished is fine; after close is not
    closing,          // send() after close()
    send_queue_full,
    table_full,       // connect(): max_connections; listen(): max_listeners
    port_in_use,
    busy,             // handle_segment(): event queue near full, handle not taken
    empty,            // send() of zero bytes
    too_large,        // send() of more than 1 GiB in one buffer
    bad_port,         // port 0
};
const char* to_string(error e);

} // namespace babe::transport
