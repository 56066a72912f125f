// SPDX-License-Identifier: Apache-2.0
// Counters and bounds of the DSR core that once were dead, driven on one
// node directly:
//   - a Source Route whose Segments Left exceeds its addresses is dropped
//     as bad_segments_left (§8.1.4), not as malformed;
//   - at most reply_queue_size cached Route Replies wait for their
//     reply-storm delay (§8.2.4): past it the request is rebroadcast and
//     reply_queue_overflows counts it;
//   - sizes() reports the Gratuitous Route Reply Table (§4.4).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "dsr/codec/codec.hh"
#include "dsr/node.hh"
#include "dsr/packet.hh"

namespace babe::dsr {
namespace {

constexpr addr A = 0x0a000001, B = 0x0a000002, C = 0x0a000003, D = 0x0a000004, E = 0x0a000005;

time_point at_ms(int ms)
{
    return time_from_ns(std::int64_t(ms) * 1'000'000);
}

struct driver {
    explicit driver(const config& cfg = default_config()) : n(cfg, A, 7) {}
    node n;
    std::array<std::byte, 2048> out{};
    std::vector<event> ev;

    void drain(time_point t)
    {
        while (n.poll_transmit(t, out)) {
        }
        while (auto e = n.poll_event())
            ev.push_back(*e);
    }

    void receive(time_point t, addr prev, const packet_record& r,
                 std::optional<packet_handle> h = std::nullopt, bool overheard = false)
    {
        std::array<std::byte, 512> buf{};
        auto len = encode_packet(r, buf);
        ASSERT_TRUE(len);
        n.handle_packet(t, 0, prev, {buf.data(), *len}, h, overheard);
        drain(t);
    }

    // A Route Request from `initiator` for `target` with `record`.
    static packet_record request(addr initiator, addr target, std::uint16_t id,
                                 std::span<const codec::ipv4_addr> record)
    {
        packet_record r;
        r.src = initiator;
        r.dst = broadcast;
        r.ttl = 10;
        r.ip_id = id;
        auto k = codec::encode_rreq(r.extra_room(), id, codec::ipv4_addr{target}, record);
        EXPECT_TRUE(k);
        r.extra_len = static_cast<std::uint8_t>(k.value_or(0));
        return r;
    }

    // A learns C - B - A from a Route Request C started and B forwarded.
    void teach_route(time_point t)
    {
        const std::array<codec::ipv4_addr, 1> rec{codec::ipv4_addr{B}};
        receive(t, B, request(C, 0x0a000063, 7, rec));
    }

    std::size_t dropped_for(drop_reason why) const
    {
        std::size_t k = 0;
        for (const auto& e : ev)
            k += e.kind == event_kind::dropped && e.reason == why;
        return k;
    }
};

TEST(DsrBounds, SegmentsLeftBeyondTheRouteIsCountedAsSuch)
{
    driver d;
    packet_record r;
    r.src = C;
    r.dst = A;
    r.ip_id = 3;
    r.path.dst = A;
    r.path.hop_count = 1;
    r.path.hops[0] = B;
    r.has_srcrt = true;
    r.segs_left = 0;
    std::array<std::byte, 512> buf{};
    auto len = encode_packet(r, buf);
    ASSERT_TRUE(len);
    // IPv4 (20) + DSR Options header (4) + Source Route: type, length, then
    // the 16 bits whose low six are Segments Left.
    constexpr std::size_t segs_at = 20 + 4 + 3;
    ASSERT_EQ(std::to_integer<int>(buf[20 + 4]), BABE_DSR_OPT_SRCRT);
    buf[segs_at] = std::byte{5};
    d.n.handle_packet(at_ms(0), 0, B, {buf.data(), *len}, packet_handle{1});
    d.drain(at_ms(0));
    EXPECT_EQ(d.n.stats().bad_segments_left, 1u);
    EXPECT_EQ(d.n.stats().malformed, 0u);
    EXPECT_EQ(d.dropped_for(drop_reason::bad_segments_left), 1u);
}

TEST(DsrBounds, CachedRepliesWaitingAreBoundedByTheReplyQueue)
{
    config cfg = default_config();
    cfg.reply_queue_size = 1;
    cfg.reply_hop_delay = 100ms; // the replies wait at least 200 ms
    driver d(cfg);
    d.teach_route(at_ms(0));
    ASSERT_TRUE(d.n.find_route(C));
    const auto flooded = d.n.stats().rreq_forwarded; // C's own request went on
    // Two initiators next to A ask for C: the first is answered from the
    // cache, the second finds the reply queue full and goes on as a flood.
    d.receive(at_ms(1), D, driver::request(D, C, 11, {}));
    EXPECT_EQ(d.n.stats().rrep_from_cache, 1u);
    EXPECT_EQ(d.n.stats().rreq_forwarded, flooded);
    d.receive(at_ms(2), E, driver::request(E, C, 12, {}));
    EXPECT_EQ(d.n.stats().rrep_from_cache, 1u);
    EXPECT_EQ(d.n.stats().reply_queue_overflows, 1u);
    EXPECT_EQ(d.n.stats().rreq_forwarded, flooded + 1);
    // Once the first reply is sent, there is room again.
    d.drain(at_ms(400));
    d.receive(at_ms(401), E, driver::request(E, C, 13, {}));
    EXPECT_EQ(d.n.stats().rrep_from_cache, 2u);
    EXPECT_EQ(d.n.stats().reply_queue_overflows, 1u);
}

TEST(DsrBounds, SizesReportTheGratuitousReplyTable)
{
    driver d;
    EXPECT_EQ(d.n.sizes().grat_replies, 0u);
    // A overhears S -> B on the route S, B, A, C: A is listed after the
    // receiver, so it tells S of the shorter route S, A, C (§3.4.3).
    constexpr addr S = 0x0a000009;
    packet_record r;
    r.src = S;
    r.dst = C;
    r.ip_id = 5;
    r.path.dst = C;
    r.path.hop_count = 2;
    r.path.hops[0] = B;
    r.path.hops[1] = A;
    r.has_srcrt = true;
    r.segs_left = 2;
    d.receive(at_ms(0), S, r, std::nullopt, true);
    EXPECT_EQ(d.n.stats().rrep_gratuitous, 1u);
    EXPECT_EQ(d.n.sizes().grat_replies, 1u);
    // GratReplyHoldoff (1 s) later the entry no longer holds anything off.
    d.n.handle_heard(at_ms(1500), B);
    EXPECT_EQ(d.n.sizes().grat_replies, 0u);
}

// A packet the caller parsed already is handled exactly as its bytes.
TEST(DsrBounds, AParsedPacketIsHandledAsItsBytes)
{
    driver by_bytes, by_view;
    const std::array<codec::ipv4_addr, 1> rec{codec::ipv4_addr{B}};
    const packet_record r = driver::request(C, 0x0a000063, 7, rec);
    std::array<std::byte, 512> buf{};
    auto len = encode_packet(r, buf);
    ASSERT_TRUE(len);
    const std::span<const std::byte> pkt(buf.data(), *len);
    by_bytes.n.handle_packet(at_ms(0), 0, no_addr, pkt, std::nullopt);
    auto parsed = codec::parse_ipv4_dsr(pkt);
    ASSERT_TRUE(parsed);
    by_view.n.handle_packet(at_ms(0), 0, no_addr, *parsed, std::nullopt);
    EXPECT_EQ(by_view.n.find_route(C), by_bytes.n.find_route(C));
    ASSERT_TRUE(by_view.n.find_route(C));
    EXPECT_EQ(by_view.n.find_route(C)->next_hop(), B); // the previous hop inferred from the record
    EXPECT_EQ(by_view.n.stats().rreq_forwarded, 1u);
    EXPECT_EQ(by_bytes.n.stats().rreq_forwarded, 1u);
    std::array<std::byte, 2048> a{}, b{};
    auto ta = by_bytes.n.poll_transmit(at_ms(50), a);
    auto tb = by_view.n.poll_transmit(at_ms(50), b);
    ASSERT_TRUE(ta && tb);
    ASSERT_EQ(ta->length, tb->length);
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + ta->length, b.begin()));
}

} // namespace
} // namespace babe::dsr
