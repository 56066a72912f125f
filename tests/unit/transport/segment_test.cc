// SPDX-License-Identifier: Apache-2.0
// The transport segment codec: round trips, every decode error, every
// truncation, every single-byte corruption caught by the checksum, and
// sequence comparisons across the 2^32 wrap.
#include <gtest/gtest.h>

#include <vector>

#include "transport/segment.hh"

namespace babe::transport {
namespace {

segment_header sample()
{
    segment_header h;
    h.src_port = 49152;
    h.dst_port = 7000;
    h.seq = 0xfffffff0u;
    h.ack = 12345;
    h.flags = flag::ack | flag::eom;
    h.window = 1u << 20;
    h.sack_count = 2;
    h.sacks[0] = {100, 200};
    h.sacks[1] = {0xffffff00u, 0x10u}; // wraps
    return h;
}

std::vector<std::byte> build(const segment_header& h, std::size_t payload)
{
    std::vector<std::byte> seg(h.length() + payload);
    for (std::size_t i = 0; i < payload; ++i)
        seg[h.length() + i] = std::byte(i * 7 + 3);
    auto n = encode_header(seg, h, std::span<const std::byte>(seg).subspan(h.length()));
    EXPECT_TRUE(n.has_value());
    return seg;
}

TEST(TransportSegment, RoundTrip)
{
    const auto h = sample();
    const auto seg = build(h, 100);
    auto d = decode_segment(seg);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->header, h);
    EXPECT_EQ(d->header_length, header_fixed + 16);
    EXPECT_EQ(d->payload.size(), 100u);
    EXPECT_EQ(d->payload.data(), seg.data() + h.length());
}

TEST(TransportSegment, EncodeRefusesSmallBufferAndTooManySacks)
{
    auto h = sample();
    std::vector<std::byte> small(h.length() - 1);
    EXPECT_EQ(encode_header(small, h, {}).error(), encode_error::buffer_too_small);
    h.sack_count = static_cast<std::uint8_t>(max_sack_blocks + 1);
    std::vector<std::byte> big(200);
    EXPECT_EQ(encode_header(big, h, {}).error(), encode_error::bad_sack_count);
}

TEST(TransportSegment, EveryTruncationIsTyped)
{
    const auto seg = build(sample(), 0);
    for (std::size_t n = 0; n < seg.size(); ++n) {
        auto d = decode_segment(std::span<const std::byte>(seg).first(n));
        ASSERT_FALSE(d.has_value()) << n;
        // The checksum covers the length implicitly; short of the SACK blocks is "truncated".
        EXPECT_TRUE(d.error() == decode_error::truncated || d.error() == decode_error::bad_checksum) << n;
    }
}

TEST(TransportSegment, EverySingleByteCorruptionIsCaught)
{
    const auto seg = build(sample(), 300);
    for (std::size_t i = 0; i < seg.size(); ++i)
        for (unsigned x : {0x01u, 0x80u, 0xffu}) {
            auto bad = seg;
            bad[i] ^= std::byte(x);
            EXPECT_FALSE(decode_segment(bad).has_value()) << "byte " << i;
        }
}

TEST(TransportSegment, TypedErrors)
{
    auto with = [](std::size_t at, std::uint8_t v) {
        auto seg = build(sample(), 10);
        seg[at] = std::byte(v);
        return decode_segment(seg).error();
    };
    EXPECT_EQ(with(14, 2), decode_error::bad_version);
    EXPECT_EQ(with(15, 1), decode_error::reserved_nonzero);
    EXPECT_EQ(with(12, 0x40), decode_error::bad_flags);
    EXPECT_EQ(with(12, flag::syn | flag::fin), decode_error::bad_flags);
    EXPECT_EQ(with(13, static_cast<std::uint8_t>(max_sack_blocks + 1)), decode_error::bad_sack_count);
    EXPECT_EQ(with(13, 4), decode_error::truncated); // claims 4 blocks, 2 + 10 bytes there
    // An empty SACK block, checksummed correctly, is still refused.
    auto h = sample();
    h.sacks[0] = {5, 5};
    EXPECT_EQ(decode_segment(build(h, 0)).error(), decode_error::bad_sack_block);
    EXPECT_EQ(std::string(to_string(decode_error::bad_checksum)), "bad_checksum");
}

TEST(TransportSegment, Crc32cKnownValue)
{
    // RFC 3720 B.4: 32 bytes of zeros -> 0x8a9136aa.
    std::vector<std::byte> zeros(32);
    EXPECT_EQ(crc32c(0, zeros), 0x8a9136aau);
}

TEST(TransportSegment, SequenceWraparound)
{
    EXPECT_TRUE(seq_lt(0xfffffff0u, 0x10u));
    EXPECT_TRUE(seq_gt(0x10u, 0xfffffff0u));
    EXPECT_TRUE(seq_le(5u, 5u));
    EXPECT_FALSE(seq_lt(0x10u, 0xfffffff0u));
    EXPECT_TRUE(seq_ge(0x80000000u, 1u));
}

} // namespace
} // namespace babe::transport
