// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// An IPv4 address: one type for every module that parses or prints one.
// It holds the address in host byte order (10.0.0.1 is 0x0a000001), the
// order the protocol cores and the configuration compare and mask in; the
// BPF maps' network-order form goes through from_network()/network().
// Parsing accepts exactly dotted-quad text, four decimal octets 0-255, the
// form inet_pton(AF_INET) accepts: no leading zeros ("01.2.3.4" would be
// octal to inet_aton, so it is refused rather than guessed), no spaces,
// no shorthand ("10.1").
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace babe {

class ipv4_address {
public:
    constexpr ipv4_address() = default;

    static constexpr ipv4_address from_host(std::uint32_t host_order)
    {
        return ipv4_address{host_order};
    }
    static constexpr ipv4_address from_network(std::uint32_t network_order)
    {
        return ipv4_address{std::endian::native == std::endian::big ? network_order
                                                                    : byteswap(network_order)};
    }
    static constexpr ipv4_address from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                              std::uint8_t d)
    {
        return ipv4_address{std::uint32_t{a} << 24 | std::uint32_t{b} << 16 |
                            std::uint32_t{c} << 8 | d};
    }

    // Dotted-quad text, or nullopt for anything else.
    static std::optional<ipv4_address> parse(std::string_view text);

    constexpr std::uint32_t host() const { return _host; }
    constexpr std::uint32_t network() const { return from_network(_host)._host; }
    std::string to_string() const;

    friend constexpr bool operator==(ipv4_address, ipv4_address) = default;
    friend constexpr auto operator<=>(ipv4_address, ipv4_address) = default;

private:
    constexpr explicit ipv4_address(std::uint32_t host_order) : _host(host_order) {}

    static constexpr std::uint32_t byteswap(std::uint32_t v)
    {
        return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
    }

    std::uint32_t _host = 0;
};

} // namespace babe
