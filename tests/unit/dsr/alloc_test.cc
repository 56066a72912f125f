// SPDX-License-Identifier: Apache-2.0
// Zero heap allocations per packet in steady state: global operator new and
// delete are replaced by counting versions; three nodes in a line (0-1-2)
// are warmed up until the route is known, then N packets are sent by node 0,
// forwarded by node 1 and delivered at node 2, driving the three node
// objects directly (no harness containers), and the allocation count must
// not move.
#include <gtest/gtest.h>

#include "lib/alloc_counter.hh"

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "dsr/codec/codec.hh"
#include "dsr/node.hh"


namespace babe::dsr {
namespace {

constexpr addr a0 = 0x0a000001, a1 = 0x0a000002, a2 = 0x0a000003;

struct wire {
    // Fixed buffers: one per node for the frame in flight, one per node for the app packet.
    std::array<std::array<std::byte, 2048>, 3> rx{};
    std::array<std::size_t, 3> rx_len{};
    std::array<std::byte, 2048> out{};
    std::array<std::byte, 256> app{};
};

addr addr_of(int i) { return a0 + static_cast<addr>(i); }

// Move every frame between the three nodes until quiet (line topology).
void pump(std::array<node*, 3>& nodes, wire& w, time_point now, std::uint64_t& delivered)
{
    bool busy = true;
    while (busy) {
        busy = false;
        for (int i = 0; i < 3; ++i) {
            while (auto t = nodes[i]->poll_transmit(now, w.out)) {
                busy = true;
                // Frame = header + payload of the handle (handle ids name buffers: 100+i = app, 200+i = rx).
                std::array<std::byte, 2048> frame;
                std::size_t len = t->length;
                std::copy(w.out.begin(), w.out.begin() + len, frame.begin());
                if (t->handle) {
                    const std::uint32_t id = t->handle->id;
                    const std::byte* src = id >= 200 ? w.rx[id - 200].data() : w.app.data();
                    const std::size_t total = id >= 200 ? w.rx_len[id - 200] : 20 + 64;
                    std::copy(src + t->payload_offset, src + total, frame.begin() + len);
                    len += total - t->payload_offset;
                }
                for (int j : {i - 1, i + 1}) {
                    if (j < 0 || j > 2)
                        continue;
                    const bool addressed = t->next_hop == broadcast || t->next_hop == addr_of(j);
                    std::copy(frame.begin(), frame.begin() + len, w.rx[j].begin());
                    w.rx_len[j] = len;
                    nodes[j]->handle_packet(now, 0, addr_of(i),
                                            std::span<const std::byte>(w.rx[j].data(), len),
                                            packet_handle{static_cast<std::uint32_t>(200 + j)},
                                            !addressed);
                    while (auto e = nodes[j]->poll_event())
                        if (e->kind == event_kind::delivered)
                            ++delivered;
                }
                if (t->want_link_feedback)
                    nodes[i]->handle_link_feedback(now, t->next_hop, true);
            }
            while (auto e = nodes[i]->poll_event())
                if (e->kind == event_kind::delivered)
                    ++delivered;
        }
    }
}

TEST(DsrAlloc, ZeroAllocationsPerPacketInSteadyState)
{
    config c = default_config();
    node n0(c, a0, 1), n1(c, a1, 2), n2(c, a2, 3);
    std::array<node*, 3> nodes{&n0, &n1, &n2};
    auto w = std::make_unique<wire>();
    codec::ipv4_fields f;
    f.protocol = 17;
    f.source = codec::ipv4_addr{a0};
    f.destination = codec::ipv4_addr{a2};
    ASSERT_TRUE(codec::encode_ipv4_header(w->app, f, 20 + 64));

    time_point now{};
    std::uint64_t delivered = 0;
    auto step = [&](duration d) {
        now += d;
        for (auto* n : nodes)
            if (auto t = n->poll_timeout(); t && *t <= now)
                n->handle_timeout(now);
        pump(nodes, *w, now, delivered);
    };
    // Warm-up: discovery, then traffic until every table has its entries.
    n0.send(now, packet_handle{100}, std::span<const std::byte>(w->app.data(), 20 + 64));
    for (int k = 0; k < 200; ++k)
        step(5ms);
    ASSERT_EQ(delivered, 1u);
    for (int k = 0; k < 50; ++k) {
        n0.send(now, packet_handle{100}, std::span<const std::byte>(w->app.data(), 20 + 64));
        step(1ms);
    }
    const std::uint64_t before_delivered = delivered;
    const std::uint64_t before = babe::testing::allocations();
    ASSERT_GT(before, 0u) << "the counting operator new is not in use";
    constexpr int N = 2000;
    for (int k = 0; k < N; ++k) {
        n0.send(now, packet_handle{100}, std::span<const std::byte>(w->app.data(), 20 + 64));
        step(1ms);
    }
    const std::uint64_t after = babe::testing::allocations();
    EXPECT_EQ(after - before, 0u) << "heap allocations while " << N << " packets flowed";
    EXPECT_EQ(delivered - before_delivered, std::uint64_t(N));
    EXPECT_GE(n1.stats().data_forwarded, std::uint64_t(N));
}

} // namespace
} // namespace babe::dsr
