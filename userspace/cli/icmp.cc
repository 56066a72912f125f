// SPDX-License-Identifier: Apache-2.0
// ICMP echo over a ping socket or a raw socket (see icmp.hh).
#include "cli/icmp.hh"

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace babe::cli {

namespace {

std::uint16_t checksum(const void* data, std::size_t len)
{
    const auto* p = static_cast<const std::uint8_t*>(data);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < len; i += 2)
        sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += static_cast<std::uint32_t>(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<std::uint16_t>(~sum));
}

} // namespace

icmp_pinger::icmp_pinger()
{
    _fd.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (!_fd) {
        _fd.reset(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
        _raw = true;
    }
    if (!_fd)
        throw std::runtime_error(std::string("cannot open an ICMP socket (ping_group_range or CAP_NET_RAW): ") +
                                 std::strerror(errno));
    _id = static_cast<std::uint16_t>(::getpid() & 0xffff);
}

std::optional<double> icmp_pinger::echo(std::uint32_t dst, std::uint16_t seq, int timeout_ms)
{
    std::uint8_t pkt[64] = {};
    auto* h = reinterpret_cast<icmphdr*>(pkt);
    h->type = ICMP_ECHO;
    h->code = 0;
    h->un.echo.id = htons(_id);
    h->un.echo.sequence = htons(seq);
    for (std::size_t i = sizeof(icmphdr); i < sizeof pkt; ++i)
        pkt[i] = static_cast<std::uint8_t>(i);
    h->checksum = checksum(pkt, sizeof pkt);

    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(dst);
    auto start = std::chrono::steady_clock::now();
    if (::sendto(_fd.get(), pkt, sizeof pkt, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        return std::nullopt;
    auto deadline = start + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0)
            return std::nullopt;
        pollfd p{_fd.get(), POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return std::nullopt;
        std::uint8_t buf[1500];
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        auto n = ::recvfrom(_fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n <= 0)
            continue;
        std::size_t off = 0;
        if (_raw) {
            if (static_cast<std::size_t>(n) < sizeof(iphdr))
                continue;
            off = static_cast<std::size_t>((buf[0] & 0x0f) * 4);
        }
        if (static_cast<std::size_t>(n) < off + sizeof(icmphdr))
            continue;
        icmphdr r;
        std::memcpy(&r, buf + off, sizeof r);
        if (r.type != ICMP_ECHOREPLY || ntohs(r.un.echo.sequence) != seq || from.sin_addr.s_addr != htonl(dst))
            continue;
        if (_raw && ntohs(r.un.echo.id) != _id)
            continue; // someone else's ping (the kernel filters ping sockets by id itself)
        auto rtt = std::chrono::steady_clock::now() - start;
        return std::chrono::duration<double, std::milli>(rtt).count();
    }
}

} // namespace babe::cli
