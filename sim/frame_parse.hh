// SPDX-License-Identifier: Apache-2.0
// Just enough parsing of the frames the simulator carries to keep books and
// run checkers, independent of the codec under test: the IPv4 header, the
// DSR options (Source Route and Route Request address lists), and the
// simulator's own tag in the UDP payload of generated data packets
// ("BSIM", uid) that follows a data packet across hops. Bounds-checked; a
// frame it cannot read is reported as such, never trusted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "sim/data_packet.hh" // the tag it reads back

namespace babe::sim {


struct parsed_frame {
    bool ipv4 = false;          // a well-formed IPv4 header
    std::uint32_t src = 0, dst = 0;
    std::uint8_t ttl = 0, protocol = 0;
    bool dsr = false;           // protocol 48 with a readable options header
    bool dsr_malformed = false; // protocol 48 but options we could not walk
    std::uint8_t next_header = 0;
    bool has_source_route = false;
    std::uint8_t segs_left = 0, salvage = 0;
    std::uint8_t route_len = 0;
    std::array<std::uint32_t, 64> route{}; // source route or route request record
    bool has_rreq = false, has_rrep = false, has_rerr = false, has_ack_req = false, has_ack = false;
    std::uint32_t uid = 0xffffffffu; // the simulator's tag, when a generated data packet is inside
};

parsed_frame parse_frame(std::span<const std::byte> ip);

} // namespace babe::sim
