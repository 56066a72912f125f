// SPDX-License-Identifier: Apache-2.0
// packet_io over AF_PACKET (see afpacket_io.hh).
#include "engine/afpacket_io.hh"

#include <babe/wire.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace babe::engine {

namespace {

[[noreturn]] void fail(const std::string& what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

// Classic BPF: accept IPv4 frames whose protocol is 48 (DSR), drop the rest.
void attach_dsr_filter(int fd)
{
    static sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                     // EtherType
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 3),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),                 // IPv4 protocol
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BABE_IPPROTO_DSR, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0)
        fail("attach the DSR socket filter");
}

// Drop everything (for the protocol-48 sink socket).
void attach_reject_all(int fd)
{
    static sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
    sock_fprog prog{1, code};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

} // namespace

afpacket_io::afpacket_io(const std::vector<afpacket_port>& ports, std::uint32_t frame_count,
                         std::uint32_t frame_size, std::uint32_t headroom)
    : _frames(frame_count, frame_size),
      _area(std::make_unique<std::byte[]>(static_cast<std::size_t>(frame_count) * frame_size)),
      _headroom(headroom), _tx(ports.size()), _stats(ports.size())
{
    bind_memory(_frames, _area.get());
    for (const auto& p : ports) {
        unsigned ifindex = if_nametoindex(p.ifname.c_str());
        if (ifindex == 0)
            fail(fmt::format("interface {}", p.ifname));
        _sockets.emplace_back(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP)));
        const int fd = _sockets.back().get();
        if (fd < 0)
            fail(fmt::format("AF_PACKET socket for {} (needs CAP_NET_RAW)", p.ifname));
        _fds.push_back(fd);
        if (p.dsr_only)
            attach_dsr_filter(fd);
        int one = 1;
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_IP);
        sll.sll_ifindex = static_cast<int>(ifindex);
        if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0)
            fail(fmt::format("bind AF_PACKET socket to {}", p.ifname));
    }
    _dsr_sink.reset(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, BABE_IPPROTO_DSR));
    if (_dsr_sink)
        attach_reject_all(_dsr_sink.get());
}

afpacket_io::~afpacket_io()
{
    for (std::size_t p = 0; p < _fds.size(); ++p) {
        flush_port(static_cast<port_id>(p));
        auto& t = _tx[p];
        for (std::size_t i = t.head; i < t.n; ++i)
            _frames.release(t.q[i].addr); // the socket never took them
        t.head = t.n = 0;
    }
}

std::size_t afpacket_io::receive(std::span<rx_frame> out)
{
    constexpr std::size_t batch = 32;
    std::size_t total = 0;
    const std::size_t n_ports = _fds.size();
    for (std::size_t k = 0; k < n_ports && total < out.size(); ++k) {
        std::size_t p = (_next_port + k) % n_ports;
        std::array<mmsghdr, batch> msgs{};
        std::array<iovec, batch> iov{};
        std::array<frame_addr, batch> addrs{};
        std::size_t want = std::min(batch, out.size() - total);
        std::size_t have = 0;
        for (; have < want; ++have) {
            if (!_frames.alloc(addrs[have])) {
                ++_stats[p].fill_starved;
                break;
            }
            iov[have].iov_base = data(addrs[have] + _headroom);
            iov[have].iov_len = _frames.frame_size() - _headroom;
            msgs[have].msg_hdr.msg_iov = &iov[have];
            msgs[have].msg_hdr.msg_iovlen = 1;
        }
        int got = have ? recvmmsg(_fds[p], msgs.data(), static_cast<unsigned>(have), MSG_DONTWAIT, nullptr)
                       : 0;
        if (got < 0)
            got = 0;
        for (std::size_t i = 0; i < have; ++i) {
            if (i < static_cast<std::size_t>(got) && !(msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
                out[total++] = rx_frame{addrs[i] + _headroom, msgs[i].msg_len, static_cast<port_id>(p)};
                ++_stats[p].rx_packets;
            } else {
                if (i < static_cast<std::size_t>(got))
                    ++_stats[p].rx_invalid;
                _frames.release(addrs[i]);
            }
        }
    }
    if (n_ports)
        _next_port = (_next_port + 1) % n_ports;
    return total;
}

bool afpacket_io::transmit(port_id port, frame_addr addr, std::uint32_t len)
{
    auto& t = _tx[port];
    if (t.n == tx_batch)
        flush_port(port);
    if (t.n == tx_batch) {
        // The socket would block (its send buffer is full): the frames
        // queued stay for the next flush and this one is the caller's.
        ++_stats[port].tx_ring_full;
        return false;
    }
    t.q[t.n++] = pending_tx{addr, len};
    return true;
}

// Sends the queued frames; what the socket does not take now (its send
// buffer is full) stays queued, in order, for the next flush. A frame the
// kernel refuses for any other reason (interface down, too large) is
// dropped and counted, so that one bad frame cannot hold the queue.
void afpacket_io::flush_port(port_id p)
{
    auto& t = _tx[p];
    while (t.head < t.n) {
        std::array<mmsghdr, tx_batch> msgs{};
        std::array<iovec, tx_batch> iov{};
        const std::size_t count = t.n - t.head;
        for (std::size_t i = 0; i < count; ++i) {
            iov[i].iov_base = data(t.q[t.head + i].addr);
            iov[i].iov_len = t.q[t.head + i].len;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int sent = sendmmsg(_fds[p], msgs.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
        if (sent > 0) {
            _stats[p].tx_packets += static_cast<std::size_t>(sent);
            for (int i = 0; i < sent; ++i)
                _frames.release(t.q[t.head++].addr);
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            break; // would block: kept for the next flush
        ++_stats[p].tx_invalid;
        _frames.release(t.q[t.head++].addr);
    }
    if (t.head == t.n) {
        t.head = t.n = 0;
    } else if (t.head > 0) {
        std::copy(t.q.begin() + static_cast<std::ptrdiff_t>(t.head), t.q.begin() + static_cast<std::ptrdiff_t>(t.n),
                  t.q.begin());
        t.n -= t.head;
        t.head = 0;
    }
}

void afpacket_io::flush()
{
    for (std::size_t p = 0; p < _fds.size(); ++p)
        flush_port(static_cast<port_id>(p));
}

} // namespace babe::engine
