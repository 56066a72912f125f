// SPDX-License-Identifier: Apache-2.0
// packet_io over AF_XDP (see afxdp_io.hh).
#include "engine/afxdp_io.hh"

#include <babe/maps.h>

#include <bpf/bpf.h>
#include <net/if.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace babe::engine {

afxdp_io::afxdp_io(const std::vector<afxdp_port>& ports, std::uint32_t queue,
                   const afxdp::umem_config& umem_cfg, afxdp::bind_mode mode)
    : _umem(umem_cfg)
{
    bind_memory(_umem.frames(), _umem.data(0));
    for (const auto& p : ports) {
        afxdp::socket_config cfg;
        cfg.ifname = p.ifname;
        cfg.queue = queue;
        cfg.ring_size = umem_cfg.ring_size;
        cfg.mode = mode;
        auto s = std::make_unique<afxdp::socket>(_umem, cfg);
        if (p.xskmap_fd >= 0 && p.xsk_slots_fd >= 0) {
            std::uint32_t first = p.slot_base;
            std::uint32_t ifindex = if_nametoindex(p.ifname.c_str());
            if (queue >= BABE_XSK_QUEUES_PER_IF || first + queue >= BABE_XSKS_MAX ||
                bpf_map_update_elem(p.xsk_slots_fd, &ifindex, &first, 0) != 0)
                throw std::system_error(errno ? errno : ERANGE, std::generic_category(),
                                        fmt::format("no XSKMAP slot for {} queue {}", p.ifname, queue));
            s->register_in(p.xskmap_fd, first + queue);
        } else if (p.xskmap_fd >= 0) {
            s->register_in(p.xskmap_fd);
        }
        _fds.push_back(s->fd());
        _sockets.push_back(std::move(s));
    }
}

afxdp_io::~afxdp_io() = default;

std::size_t afxdp_io::receive(std::span<rx_frame> out)
{
    std::size_t total = 0;
    auto& burst = _burst;
    const std::size_t n_ports = _sockets.size();
    for (std::size_t k = 0; k < n_ports && total < out.size(); ++k) {
        std::size_t p = (_next_port + k) % n_ports;
        std::size_t room = std::min(out.size() - total, burst.size());
        std::size_t got = _sockets[p]->receive(std::span(burst.data(), room));
        for (std::size_t i = 0; i < got; ++i)
            out[total++] = rx_frame{burst[i].addr, burst[i].len, static_cast<port_id>(p)};
    }
    if (n_ports)
        _next_port = (_next_port + 1) % n_ports;
    return total;
}

bool afxdp_io::transmit(port_id port, frame_addr addr, std::uint32_t len)
{
    return _sockets[port]->transmit(addr, len);
}

void afxdp_io::flush()
{
    for (auto& s : _sockets) {
        s->flush();
        s->reap();
    }
}

std::size_t afxdp_io::end_turn(std::size_t received)
{
    std::size_t sent = 0;
    for (auto& s : _sockets) {
        sent += s->flush(received > 0);
        s->reap();
    }
    return received ? 0 : sent;
}

io_stats afxdp_io::stats(port_id port) const
{
    auto s = _sockets[port]->stats();
    io_stats out;
    out.rx_packets = s.rx_packets;
    out.tx_packets = s.tx_packets;
    out.tx_ring_full = s.tx_ring_full;
    out.rx_dropped = s.rx_dropped + s.rx_ring_full + s.rx_fill_ring_empty;
    out.rx_invalid = s.rx_invalid_descs;
    out.tx_invalid = s.tx_invalid_descs;
    out.fill_starved = s.fill_starved;
    return out;
}

} // namespace babe::engine
