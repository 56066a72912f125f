// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Byte-level helpers of the wire codec: big-endian loads and stores at any
// (unaligned) position of a byte span, and ipv4_addr, the address type the
// codec hands out. Loads and stores go through memcpy-free shifts so that
// they are valid at every alignment; callers check bounds first.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>

namespace babe::dsr::codec {

inline std::uint8_t load_u8(const std::byte* p) { return std::to_integer<std::uint8_t>(p[0]); }

inline std::uint16_t load_be16(const std::byte* p)
{
    return static_cast<std::uint16_t>((load_u8(p) << 8) | load_u8(p + 1));
}

inline std::uint32_t load_be32(const std::byte* p)
{
    return (std::uint32_t{load_u8(p)} << 24) | (std::uint32_t{load_u8(p + 1)} << 16) |
           (std::uint32_t{load_u8(p + 2)} << 8) | std::uint32_t{load_u8(p + 3)};
}

inline void store_u8(std::byte* p, std::uint8_t v) { p[0] = std::byte{v}; }

inline void store_be16(std::byte* p, std::uint16_t v)
{
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v & 0xff);
}

inline void store_be32(std::byte* p, std::uint32_t v)
{
    p[0] = std::byte(v >> 24);
    p[1] = std::byte((v >> 16) & 0xff);
    p[2] = std::byte((v >> 8) & 0xff);
    p[3] = std::byte(v & 0xff);
}

// An IPv4 address. `value` is in host byte order (10.0.0.1 == 0x0a000001), so
// that comparisons order addresses the way people read them; the wire and the
// BPF maps hold network order (to_be()/from_be() convert a __be32 read as a
// native integer).
struct ipv4_addr {
    std::uint32_t value = 0;

    static constexpr ipv4_addr from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                           std::uint8_t d)
    {
        return ipv4_addr{(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) |
                         (std::uint32_t{c} << 8) | std::uint32_t{d}};
    }
    // From / to a network-order integer as stored in a __be32 field.
    static constexpr ipv4_addr from_be(std::uint32_t be) { return ipv4_addr{swap_if_little(be)}; }
    constexpr std::uint32_t to_be() const { return swap_if_little(value); }

    constexpr std::array<std::uint8_t, 4> octets() const
    {
        return {std::uint8_t(value >> 24), std::uint8_t(value >> 16), std::uint8_t(value >> 8),
                std::uint8_t(value)};
    }
    constexpr bool is_limited_broadcast() const { return value == 0xffffffffu; }

    constexpr auto operator<=>(const ipv4_addr&) const = default;

private:
    static constexpr std::uint32_t swap_if_little(std::uint32_t v)
    {
        if constexpr (std::endian::native == std::endian::little)
            return __builtin_bswap32(v);
        else
            return v;
    }
};

inline ipv4_addr load_addr(const std::byte* p) { return ipv4_addr{load_be32(p)}; }
inline void store_addr(std::byte* p, ipv4_addr a) { store_be32(p, a.value); }

} // namespace babe::dsr::codec
