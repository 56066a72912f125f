// SPDX-License-Identifier: Apache-2.0
// Zero heap allocations per segment in steady state: global operator new is
// replaced by a counting version; two endpoints exchange data over fixed
// buffers (no harness containers), and after a warm-up thousands of segments
// flow, are acknowledged, delivered and consumed without one allocation.
#include <gtest/gtest.h>

#include "lib/alloc_counter.hh"

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "transport/endpoint.hh"


namespace babe::transport {
namespace {

struct wire {
    std::array<std::byte, 1200> app{};
    std::array<std::byte, header_max> out{};
    std::array<std::array<std::byte, 1400>, 2> rx{};
};

TEST(TransportAlloc, ZeroAllocationsPerSegmentInSteadyState)
{
    config c;
    c.idle_timeout = 1000s;
    endpoint a(c, 1, 1), b(c, 2, 2);
    auto w = std::make_unique<wire>();
    ASSERT_TRUE(b.listen(7000));
    time_point now{};
    auto id = a.connect(now, 2, 7000);
    ASSERT_TRUE(id.has_value());
    std::uint64_t delivered = 0, released = 0;
    endpoint* eps[2] = {&a, &b};
    // Move every segment between the two endpoints until quiet (no loss).
    auto pump = [&] {
        bool busy = true;
        while (busy) {
            busy = false;
            for (int i = 0; i < 2; ++i) {
                while (auto t = eps[i]->poll_transmit(now, w->out)) {
                    busy = true;
                    auto& rx = w->rx[1 - i];
                    std::copy(w->out.begin(), w->out.begin() + t->header_length, rx.begin());
                    std::size_t len = t->header_length;
                    if (t->handle) {
                        std::copy(w->app.begin() + t->payload_offset,
                                  w->app.begin() + t->payload_offset + t->payload_length, rx.begin() + len);
                        len += t->payload_length;
                    }
                    EXPECT_TRUE(eps[1 - i]->handle_segment(now, i == 0 ? 1 : 2,
                                                           std::span<const std::byte>(rx.data(), len),
                                                           packet_handle{7}, 0));
                }
                while (auto e = eps[i]->poll_event()) {
                    busy = true;
                    if (e->kind == event_kind::delivered) {
                        delivered += e->length;
                        eps[i]->consume(now, e->conn, e->length);
                    }
                    released += e->kind == event_kind::released && i == 0;
                }
            }
        }
    };
    auto step = [&](duration d) {
        now += d;
        for (auto* ep : eps)
            if (auto t = ep->poll_timeout(); t && *t <= now)
                ep->handle_timeout(now);
        pump();
    };
    pump();
    for (int k = 0; k < 200; ++k) {
        ASSERT_TRUE(a.send(now, *id, packet_handle{1}, 0, w->app));
        step(1ms);
    }
    const std::uint64_t before = babe::testing::allocations();
    const std::uint64_t before_delivered = delivered;
    ASSERT_GT(before, 0u) << "the counting operator new is not in use";
    constexpr int N = 5000;
    for (int k = 0; k < N; ++k) {
        ASSERT_TRUE(a.send(now, *id, packet_handle{1}, 0, w->app));
        step(1ms);
    }
    step(100ms);
    EXPECT_EQ(babe::testing::allocations() - before, 0u) << "heap allocations while " << N << " segments flowed";
    EXPECT_EQ(delivered - before_delivered, std::uint64_t(N) * w->app.size());
    EXPECT_GE(released, std::uint64_t(N));
}

} // namespace
} // namespace babe::transport
