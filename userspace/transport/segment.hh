// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transport segment format: the header Babe's reliable transport puts in
// a DSR payload (Next Header BABE_NEXT_HEADER_TRANSPORT), its encoder and its
// decoder. Every length is checked; a malformed segment is a typed error. The
// checksum is CRC32C over the header (checksum field zero) then the payload,
// end to end: intermediate DSR nodes never touch it.
//
//   0      2      4            8            12    13    14    15    16
//   +------+------+------------+------------+-----+-----+-----+-----+
//   | src  | dst  |    seq     |    ack     |flags|nsack| ver | rsv |
//   | port | port |            |            |     |     | =1  | =0  |
//   +------+------+------------+------------+-----+-----+-----+-----+
//   16           20           24
//   |   window   |  checksum  | nsack x (start u32, end u32) | payload ...
//
// All fields big endian. Sequence numbers count bytes modulo 2^32; SYN and FIN
// each take one. `window` is the receiver's free buffer in bytes beyond `ack`.
// A SACK block [start, end) names bytes held out of order (RFC 2018).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hh"

namespace babe::transport {

constexpr std::uint8_t segment_version = 1;
constexpr std::size_t header_fixed = 24;
constexpr std::size_t max_sack_blocks = 16; // many holes under heavy random loss: each reported
constexpr std::size_t header_max = header_fixed + 8 * max_sack_blocks;

namespace flag {
constexpr std::uint8_t syn = 0x01;
constexpr std::uint8_t ack = 0x02;
constexpr std::uint8_t fin = 0x04;
constexpr std::uint8_t rst = 0x08;
constexpr std::uint8_t eom = 0x10; // the payload ends a message (message mode)
constexpr std::uint8_t all = 0x1f;
} // namespace flag

struct sack_block {
    std::uint32_t start = 0;
    std::uint32_t end = 0; // exclusive
    friend bool operator==(const sack_block&, const sack_block&) = default;
};

struct segment_header {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint32_t window = 0;
    std::uint8_t sack_count = 0;
    std::array<sack_block, max_sack_blocks> sacks{};

    bool has(std::uint8_t f) const { return (flags & f) != 0; }
    std::size_t length() const { return header_fixed + 8u * sack_count; }
    friend bool operator==(const segment_header&, const segment_header&) = default;
};

#define BABE_TRANSPORT_DECODE_ERRORS(X)                                                            \
    X(truncated)        /* shorter than the fixed header or its SACK blocks */                     \
    X(bad_version)                                                                                 \
    X(bad_flags)        /* unknown flag bits or an impossible combination */                       \
    X(reserved_nonzero)                                                                            \
    X(bad_sack_count)   /* more than max_sack_blocks */                                            \
    X(bad_sack_block)   /* empty or wider than 2^31 */                                             \
    X(bad_checksum)

enum class decode_error : std::uint8_t {
#define X(n) n,
    BABE_TRANSPORT_DECODE_ERRORS(X)
#undef X
};
constexpr std::size_t decode_error_count = 7;
const char* to_string(decode_error e);

enum class encode_error : std::uint8_t {
    buffer_too_small,
    bad_sack_count,
    payload_too_long,
};

struct decoded_segment {
    segment_header header;
    std::size_t header_length = 0;
    std::span<const std::byte> payload;
};

// CRC32C (Castagnoli), continuing from `crc` (0 to start).
std::uint32_t crc32c(std::uint32_t crc, std::span<const std::byte> data);

// Write `h` into out[0, h.length()) with the checksum over the header and
// `payload` (which the caller sends right after the header; not copied).
result<std::size_t, encode_error> encode_header(std::span<std::byte> out, const segment_header& h,
                                                std::span<const std::byte> payload);

// Parse and verify a whole segment (header + payload).
result<decoded_segment, decode_error> decode_segment(std::span<const std::byte> seg);

// Sequence-number comparisons modulo 2^32 (RFC 1982 serial arithmetic).
constexpr bool seq_lt(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
constexpr bool seq_le(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) <= 0; }
constexpr bool seq_gt(std::uint32_t a, std::uint32_t b) { return seq_lt(b, a); }
constexpr bool seq_ge(std::uint32_t a, std::uint32_t b) { return seq_le(b, a); }

} // namespace babe::transport
