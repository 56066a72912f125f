// SPDX-License-Identifier: Apache-2.0
// ICMP echo for `babectl ping` and `babectl traceroute`: the mesh prefix is
// routed into babe0, so an ordinary ICMP socket reaches mesh nodes through
// the XDP data plane. Uses an unprivileged ping socket (SOCK_DGRAM,
// IPPROTO_ICMP) when net.ipv4.ping_group_range allows it, a raw socket
// otherwise (root / CAP_NET_RAW).
#pragma once

#include "core/unique_fd.hh"

#include <cstdint>
#include <optional>
#include <string>

namespace babe::cli {

class icmp_pinger {
public:
    // Throws std::runtime_error when neither socket kind can be opened.
    icmp_pinger();
    icmp_pinger(const icmp_pinger&) = delete;
    icmp_pinger& operator=(const icmp_pinger&) = delete;

    // One echo request to `dst` (host byte order); the round-trip time in
    // milliseconds, or nullopt when no reply came within timeout_ms.
    std::optional<double> echo(std::uint32_t dst, std::uint16_t seq, int timeout_ms);
    bool raw() const { return _raw; }

private:
    unique_fd _fd;
    bool _raw = false;
    std::uint16_t _id = 0;
};

} // namespace babe::cli
