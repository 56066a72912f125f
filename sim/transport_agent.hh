// SPDX-License-Identifier: Apache-2.0
// One node's reliable transport in the simulator: the real
// babe::transport::endpoint (the code babed's transport service drives)
// and the bulk-transfer applications on it, senders and receivers of the
// scenario's `transfers`. The world carries its segments as the DSR payload
// of IPv4 packets with protocol BABE_NEXT_HEADER_TRANSPORT, as babed does:
// data, SYN and FIN with hop-by-hop recovery, pure ACKs and RSTs without,
// and no more data segments at once than the first hop's recovery window
// takes (dsr::node::hop_room).
//
// The checker lives here too: a receiver compares every delivered byte with
// the byte the sender wrote at that stream offset (transfer_byte), so a byte
// delivered twice, out of order, lost before a FIN or corrupted fails the run;
// the world fails a transfer that ends the run neither completed nor failed
// with a reported error. Every transport handle is checked against the
// handle ledger like the DSR core's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/handle_ledger.hh"
#include "core/time.hh"
#include "sim/buffer_pool.hh"
#include "sim/scenario.hh"
#include "transport/endpoint.hh"

namespace babe::sim {

// What the run knows of one transfer: its progress and outcome.
struct transfer_state {
    enum class phase : std::uint8_t { pending, connecting, streaming, completed, failed };
    phase ph = phase::pending;
    std::uint64_t queued = 0;                 // sender: bytes handed to the transport
    std::uint64_t acked = 0;                  // sender: bytes whose buffers came back released
    std::uint64_t delivered = 0;              // receiver: bytes delivered in order, each checked
    bool receiver_fin = false;                // receiver: the sender's FIN arrived
    std::string error;                        // failed: what the transfer reported
    std::int64_t end_ns = -1;                 // completed or failed at
    std::uint64_t segments_retransmitted = 0; // end to end, data segments
    std::uint64_t bytes_retransmitted = 0;
};

// The transfers of a run, shared by the nodes' transport agents.
struct transfer_books {
    std::vector<transfer_spec> specs;
    std::vector<transfer_state> state;
    std::function<void(const std::string&)> fail; // a checker failed
    // Test hook: the sending application writes a wrong byte at this stream
    // offset of this transfer (the transport carries it faithfully; the
    // receiver's check must catch it).
    std::optional<std::pair<std::uint32_t, std::uint64_t>> corrupt;
};

const char* to_string(transfer_state::phase p);

// The byte at stream offset `pos` of transfer `t`.
std::byte transfer_byte(std::uint32_t t, std::uint64_t pos);
// The transport port transfer `t` is received on.
constexpr std::uint16_t transfer_port(std::uint32_t t)
{
    return static_cast<std::uint16_t>(t + 1);
}

class transport_agent {
public:
    // One segment as an IPv4 packet for the node's DSR core.
    struct segment {
        std::uint32_t length = 0;  // bytes written to `out`
        bool data = false;         // carries payload: counts against the hop window
        bool hop_recovery = false; // data, SYN and FIN
    };

    transport_agent(const transport::config& cfg, std::uint32_t node, std::uint32_t self_addr,
                    std::uint64_t seed, transfer_books& books);
    ~transport_agent();
    transport_agent(const transport_agent&) = delete;
    transport_agent& operator=(const transport_agent&) = delete;

    // This node receives transfer t: listen on its port.
    void listen(std::uint32_t t);
    // This node sends transfer t: open its connection to the receiver.
    void start(time_point now, std::uint32_t t, std::uint32_t peer_addr);
    // A segment the DSR core delivered here from `from`.
    void handle_segment(time_point now, std::uint32_t from, std::span<const std::byte> seg);
    // Route Discovery for `dst` failed: transfers still connecting to it
    // fail now (babed's transport service does the same).
    void unreachable(time_point now, std::uint32_t dst);
    // The node crashes: the transfers it sends fail with it.
    void crash(time_point now);

    void handle_timeout(time_point now);
    std::optional<time_point> poll_timeout() const;
    // The endpoint's events to the applications; the senders queue more data.
    void pump(time_point now);
    // The next segment (nullopt: none); `out` holds at least max_frame_bytes.
    std::optional<segment> poll(time_point now, std::span<std::byte> out);
    // Whether a transfer is sending from here, and to whom (the hop window).
    template <class F> void for_each_sending_peer(F&& f) const
    {
        for (const auto& c : _conns)
            if (c.sender)
                f(c.peer);
    }

    const transport::counters& stats() const { return _ep.stats(); }
    std::size_t buffers_held() const { return _pool.in_use(); }
    // The agent's own buffers and books (the endpoint's tables excluded).
    std::size_t memory_bytes() const
    {
        return _pool.bytes_reserved() + _bufs.capacity() * sizeof(buffer_rec) +
               _ledger.capacity() * sizeof(std::uint32_t) + _conns.capacity() * sizeof(conn_rec);
    }

private:
    struct conn_rec {
        transport::conn_id id;
        std::uint32_t transfer = 0;
        std::uint32_t peer = 0;
        bool sender = false;
        bool close_called = false;
        std::uint32_t chunks = 0; // sender: buffers queued and not yet back
    };
    struct buffer_rec {
        std::uint32_t transfer = 0;
        std::uint32_t len = 0;
        bool tx = false;
    };

    void on_event(time_point now, const transport::event& e);
    void on_handle(time_point now, const transport::event& e);
    void deliver(time_point now, const transport::event& e, std::uint32_t t);
    bool feed(time_point now, conn_rec& c);
    void finish(time_point now, std::uint32_t t, transfer_state::phase ph,
                const std::string& error);
    conn_rec* find(transport::conn_id id);
    void forget(transport::conn_id id);
    std::string who() const;

    std::uint32_t _node;
    std::uint32_t _self;
    transfer_books& _books;
    transport::endpoint _ep;
    buffer_pool _pool;
    handle_ledger _ledger;         // transport buffer -> this node (the endpoint holds it)
    std::vector<buffer_rec> _bufs; // by buffer id
    std::vector<conn_rec> _conns;
    std::uint32_t _max_chunks;
    std::uint16_t _ip_id = 0;
    std::vector<std::byte> _hdr; // poll_transmit's header scratch
};

} // namespace babe::sim
