// SPDX-License-Identifier: Apache-2.0
// The data packets the simulator's traffic sources generate: IPv4 + UDP +
// the simulator's tag ("BSIM", uid, flow, seq) + zero fill. Written with the
// codec's IPv4 writer; the frame parser that reads them back (frame_parse.hh)
// stays independent of the codec on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace babe::sim {

constexpr std::uint32_t sim_tag_magic = 0x4253494d; // "BSIM"
constexpr std::uint16_t sim_udp_port = 9;           // discard
constexpr std::uint8_t sim_ttl = 64;

// Write a generated data packet up to `payload_b` UDP payload bytes (>= 16).
// Returns its length, 0 when `out` is too small or payload_b too short.
std::uint32_t write_data_packet(std::span<std::byte> out, std::uint32_t src, std::uint32_t dst,
                                std::uint16_t ip_id, std::uint32_t uid, std::uint32_t flow,
                                std::uint32_t seq, std::uint32_t payload_b);

} // namespace babe::sim
