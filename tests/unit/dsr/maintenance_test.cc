// SPDX-License-Identifier: Apache-2.0
// Route Maintenance with link-layer feedback (RFC 4728 §8.3.1, §8.3.4,
// §8.3.6), driven on one node directly: what the link layer says about
// each frame decides what happens to exactly that packet.
//   - A frame the sender's own queue refused ("not sent") is dropped and
//     counted; the link is not blamed (no Route Error, no broken link).
//   - When one frame to a next hop fails, the frames already handed to the
//     link layer for that hop wait for their own feedback: each delivered
//     one is released, each failed one salvaged, none is sent twice.
// Regression for the mobility collapse: queue drops broke links and frames
// still in the interface queue were salvaged and also delivered.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "dsr/codec/codec.hh"
#include "dsr/node.hh"
#include "dsr/packet.hh"

namespace babe::dsr {
namespace {

constexpr addr A = 0x0a000001, B = 0x0a000002, C = 0x0a000003;

time_point at_ms(int ms) { return time_from_ns(std::int64_t(ms) * 1'000'000); }

struct driver {
    node n{default_config(), A, 7};
    std::array<std::byte, 2048> out{};
    std::vector<transmit> tx;
    std::vector<event> ev;
    std::vector<std::vector<std::byte>> bufs;

    void drain(time_point t)
    {
        while (auto x = n.poll_transmit(t, out))
            tx.push_back(*x);
        while (auto e = n.poll_event())
            ev.push_back(*e);
    }

    // A learns C - B - A (and the reverse) from a Route Request that C
    // started and B forwarded (§8.2.2: the record is learned).
    void teach_route(time_point t)
    {
        packet_record r;
        r.src = C;
        r.dst = broadcast;
        r.ttl = 10;
        r.ip_id = 1;
        const std::array<codec::ipv4_addr, 1> rec{codec::ipv4_addr{B}};
        auto k = codec::encode_rreq(r.extra_room(), 7, codec::ipv4_addr{0x0a000063}, rec);
        ASSERT_TRUE(k);
        r.extra_len = static_cast<std::uint8_t>(*k);
        std::array<std::byte, 256> buf{};
        auto len = encode_packet(r, buf);
        ASSERT_TRUE(len);
        n.handle_packet(t, 0, B, {buf.data(), *len}, std::nullopt);
        drain(t);
    }

    // A UDP packet from A to C, handed to the core as handle `h`.
    void send(time_point t, std::uint32_t h)
    {
        std::vector<std::byte> p(20 + 16);
        codec::ipv4_fields f;
        f.protocol = 17;
        f.id = static_cast<std::uint16_t>(h);
        f.source = codec::ipv4_addr{A};
        f.destination = codec::ipv4_addr{C};
        (void)codec::encode_ipv4_header(p, f, static_cast<std::uint16_t>(p.size()));
        bufs.push_back(std::move(p));
        n.send(t, packet_handle{h}, bufs.back());
        drain(t);
    }

    std::size_t frames_of(std::uint32_t h) const
    {
        std::size_t k = 0;
        for (const auto& x : tx)
            k += x.handle && x.handle->id == h;
        return k;
    }
    std::size_t events(event_kind kind, std::uint32_t h) const
    {
        std::size_t k = 0;
        for (const auto& e : ev)
            k += e.kind == kind && e.handle && e.handle->id == h;
        return k;
    }
    std::size_t broken_links() const
    {
        std::size_t k = 0;
        for (const auto& e : ev)
            k += e.kind == event_kind::link_broken;
        return k;
    }
};

// §8.3.1: only the next hop's silence is evidence of a broken link; a frame
// the local queue never sent says nothing about it.
TEST(DsrMaintenance, NotSentDropsThePacketButKeepsTheLink)
{
    driver d;
    d.teach_route(at_ms(0));
    ASSERT_TRUE(d.n.find_route(C));
    d.send(at_ms(10), 1);
    ASSERT_EQ(d.frames_of(1), 1u);
    EXPECT_TRUE(d.tx.back().want_link_feedback);
    EXPECT_EQ(d.tx.back().next_hop, B);

    d.n.handle_link_feedback(at_ms(11), B, link_status::not_sent);
    d.drain(at_ms(11));
    ASSERT_EQ(d.events(event_kind::dropped, 1), 1u);
    EXPECT_EQ(d.ev.back().reason, drop_reason::tx_queue_full);
    EXPECT_EQ(d.n.stats().link_not_sent, 1u);
    EXPECT_EQ(d.n.stats().maint_failures, 0u);
    EXPECT_EQ(d.broken_links(), 0u);
    EXPECT_TRUE(d.n.find_route(C));

    // The next packet leaves at once on the same route.
    d.send(at_ms(20), 2);
    EXPECT_EQ(d.frames_of(2), 1u);
    d.n.handle_link_feedback(at_ms(21), B, link_status::delivered);
    d.drain(at_ms(21));
    EXPECT_EQ(d.events(event_kind::released, 2), 1u);
    EXPECT_EQ(d.n.sizes().maint_buffer, 0u);
}

// §8.3.4, §8.3.6: the link breaks once; a frame the link layer still holds
// is neither salvaged nor rerouted before its own feedback, so it cannot be
// delivered twice; whatever that feedback says decides its fate.
TEST(DsrMaintenance, FramesWithTheLinkLayerWaitForTheirOwnFeedback)
{
    for (const link_status second : {link_status::delivered, link_status::failed}) {
        SCOPED_TRACE(second == link_status::delivered ? "second delivered" : "second failed");
        driver d;
        d.teach_route(at_ms(0));
        d.send(at_ms(10), 1);
        d.send(at_ms(10), 2);
        ASSERT_EQ(d.frames_of(1), 1u);
        ASSERT_EQ(d.frames_of(2), 1u);

        // The first frame is never acknowledged: the link breaks.
        d.n.handle_link_feedback(at_ms(30), B, link_status::failed);
        d.drain(at_ms(30));
        EXPECT_EQ(d.n.stats().maint_failures, 1u);
        EXPECT_EQ(d.broken_links(), 1u);
        EXPECT_FALSE(d.n.find_route(C));
        EXPECT_EQ(d.n.sizes().send_buffer, 1u);  // packet 1 waits for a new route
        EXPECT_EQ(d.n.sizes().maint_buffer, 1u); // packet 2 waits for its feedback
        EXPECT_EQ(d.events(event_kind::dropped, 2) + d.events(event_kind::released, 2), 0u);

        d.n.handle_link_feedback(at_ms(40), B, second);
        d.drain(at_ms(40));
        EXPECT_EQ(d.n.sizes().maint_buffer, 0u);
        EXPECT_EQ(d.n.stats().maint_failures, 1u); // one break, not one per frame
        EXPECT_EQ(d.broken_links(), 1u);
        if (second == link_status::delivered) {
            EXPECT_EQ(d.events(event_kind::released, 2), 1u);
            EXPECT_EQ(d.n.sizes().send_buffer, 1u);
        } else {
            EXPECT_EQ(d.n.sizes().send_buffer, 2u); // rerouted: waits with packet 1
        }
        EXPECT_EQ(d.frames_of(2), 1u); // never sent a second time meanwhile
    }
}

} // namespace
} // namespace babe::dsr
