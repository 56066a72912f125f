// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
#include "core/ipv4.hh"

#include <charconv>

namespace babe {

std::optional<ipv4_address> ipv4_address::parse(std::string_view text)
{
    std::uint32_t host = 0;
    const char* p = text.data();
    const char* const end = p + text.size();
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (p == end || *p != '.')
                return std::nullopt;
            ++p;
        }
        // from_chars alone would take "+1" as no number but "007" as 7.
        if (p == end || *p < '0' || *p > '9')
            return std::nullopt;
        if (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9')
            return std::nullopt;
        unsigned octet = 0;
        auto [next, ec] = std::from_chars(p, end, octet);
        if (ec != std::errc{} || octet > 255)
            return std::nullopt;
        host = host << 8 | octet;
        p = next;
    }
    if (p != end)
        return std::nullopt;
    return from_host(host);
}

std::string ipv4_address::to_string() const
{
    std::string s;
    s.reserve(15);
    for (int shift = 24; shift >= 0; shift -= 8) {
        if (shift != 24)
            s += '.';
        char buf[3];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, (_host >> shift) & 0xff);
        s.append(buf, end);
    }
    return s;
}

} // namespace babe
