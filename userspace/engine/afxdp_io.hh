// SPDX-License-Identifier: Apache-2.0
// packet_io over AF_XDP: one UMEM per shard shared by one socket per port
// (queue `queue` of every mesh interface and of the babe0 peer), each
// registered in the data plane's XSKMAP. Copy or zero-copy mode as the
// driver allows (veth: copy).
#pragma once

#include "afxdp/socket.hh"
#include "engine/packet_io.hh"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace babe::engine {

struct afxdp_port {
    std::string ifname;
    int xskmap_fd = -1;   // the XSKMAP of the program attached to ifname
    int xsk_slots_fd = -1; // ifindex -> first XSKMAP slot (babe_xdp); -1: slot = queue
    std::uint32_t slot_base = 0; // first XSKMAP slot of this interface (a multiple of BABE_XSK_QUEUES_PER_IF)
};

class afxdp_io final : public packet_io {
public:
    // Each port binds `queue` of its interface at XSKMAP slot slot_base +
    // queue and records slot_base for its ifindex in xsk_slots, so one XSKMAP
    // serves every interface and every shard (shard q binds queue q).
    // Throws std::system_error naming the interface that failed.
    afxdp_io(const std::vector<afxdp_port>& ports, std::uint32_t queue,
             const afxdp::umem_config& umem_cfg, afxdp::bind_mode mode);
    ~afxdp_io() override;

    std::size_t receive(std::span<rx_frame> out) override;
    bool transmit(port_id port, frame_addr addr, std::uint32_t len) override;
    void flush() override;
    std::size_t end_turn(std::size_t received) override;
    std::span<const int> wait_fds() const override { return _fds; }
    io_stats stats(port_id port) const override;
    std::size_t port_count() const override { return _sockets.size(); }

private:
    afxdp::umem _umem;
    std::vector<std::unique_ptr<afxdp::socket>> _sockets;
    std::vector<int> _fds;
    std::size_t _next_port = 0; // round-robin start for receive fairness
    std::array<afxdp::rx_frame, 64> _burst; // one socket's descriptors (a member: never cleared per turn)
};

} // namespace babe::engine
