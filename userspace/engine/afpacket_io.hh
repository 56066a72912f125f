// SPDX-License-Identifier: Apache-2.0
// packet_io over raw AF_PACKET sockets: the fallback backend for development
// and for interfaces without XDP. Same engine, same DSR core; the frames
// live in a plain memory area with the same reference-counted pool, and the
// kernel copies on each send/receive. Mesh ports see only DSR (IPv4 protocol
// 48, a classic BPF filter on the socket); the local port sees every IPv4
// frame the host routes into babe0. A raw IPv4 socket for protocol 48 keeps
// the host stack from answering DSR packets with ICMP protocol-unreachable.
// Transmissions are batched (sendmmsg); a socket whose send buffer is full
// keeps its queued frames for the next flush and refuses new ones
// (transmit() false, tx_ring_full counted): the shard's backpressure.
#pragma once

#include "core/unique_fd.hh"
#include "engine/packet_io.hh"

#include <memory>
#include <string>
#include <vector>

namespace babe::engine {

struct afpacket_port {
    std::string ifname;
    bool dsr_only = true; // mesh port: only IPv4 protocol 48
};

class afpacket_io final : public packet_io {
public:
    // Throws std::system_error naming the interface that failed.
    afpacket_io(const std::vector<afpacket_port>& ports, std::uint32_t frame_count,
                 std::uint32_t frame_size, std::uint32_t headroom);
    ~afpacket_io() override;

    std::size_t receive(std::span<rx_frame> out) override;
    bool transmit(port_id port, frame_addr addr, std::uint32_t len) override;
    void flush() override;
    std::span<const int> wait_fds() const override { return _fds; }
    io_stats stats(port_id port) const override { return _stats[port]; }
    std::size_t port_count() const override { return _fds.size(); }

private:
    static constexpr std::size_t tx_batch = 32;
    struct pending_tx {
        frame_addr addr;
        std::uint32_t len;
    };
    // Frames [head, n) wait for the socket, in order.
    struct port_tx {
        std::array<pending_tx, tx_batch> q{};
        std::size_t head = 0, n = 0;
    };
    void flush_port(port_id p);

    frame_pool _frames;
    std::unique_ptr<std::byte[]> _area;
    std::uint32_t _headroom;
    std::vector<unique_fd> _sockets; // one AF_PACKET socket per port
    std::vector<int> _fds;           // the same, as wait_fds() shows them
    std::vector<port_tx> _tx;
    std::vector<io_stats> _stats;
    unique_fd _dsr_sink; // raw IPv4 protocol-48 socket, never read
    std::size_t _next_port = 0;
};

} // namespace babe::engine
