// SPDX-License-Identifier: Apache-2.0
// The shard bus: messages arrive in order at the shard they were posted to
// and nowhere else, payloads are copied into the sender's slabs and the
// slabs come back once the receiver is done, a sleeping shard is woken only
// when asked, a full ring and an empty pool are refused and counted (the
// slab of a refused message is not lost), post and drain allocate nothing,
// and two threads exchange every message in order.
#include "engine/bus.hh"
#include "lib/alloc_counter.hh"

#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>
#include <thread>
#include <vector>

namespace babe::engine {
namespace {

bool readable(int fd)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

std::uint32_t slabs_in_use(bus& b, std::size_t shard)
{
    std::uint32_t n = 0;
    for (std::size_t c = 0; c < slab_pool::class_sizes.size(); ++c)
        n += b.slabs(shard).in_use(c);
    return n;
}

bus_msg msg(bus_msg::kind_t kind, dsr::addr addr)
{
    bus_msg m;
    m.kind = kind;
    m.addr = addr;
    return m;
}

TEST(ShardBus, DeliversInOrderToTheAddressedShardOnly)
{
    bus b(3);
    for (dsr::addr a = 1; a <= 5; ++a)
        ASSERT_TRUE(b.post(0, 2, msg(bus_msg::route_used, a), {}, false));
    ASSERT_TRUE(b.post(1, 2, msg(bus_msg::neighbour_lost, 99), {}, false));

    std::vector<std::pair<bus_msg::kind_t, dsr::addr>> got;
    auto record = [&](const bus_msg& m, std::span<const std::byte> payload) {
        EXPECT_TRUE(payload.empty());
        got.emplace_back(m.kind, m.addr);
    };
    EXPECT_EQ(b.drain(1, record), 0U); // nothing for shard 1
    EXPECT_TRUE(got.empty());
    EXPECT_EQ(b.drain(2, record), 6U);
    ASSERT_EQ(got.size(), 6U);
    for (dsr::addr a = 1; a <= 5; ++a)
        EXPECT_EQ(got[a - 1], std::make_pair(bus_msg::route_used, a));
    EXPECT_EQ(got[5], std::make_pair(bus_msg::neighbour_lost, dsr::addr{99}));
    EXPECT_EQ(b.counters(0).sent, 5U);
    EXPECT_EQ(b.counters(1).sent, 1U);
    EXPECT_EQ(b.counters(2).received, 6U);
    EXPECT_EQ(b.drain(2, record), 0U); // drained once
}

TEST(ShardBus, PayloadIsCopiedAndItsSlabComesBack)
{
    bus b(2);
    std::vector<std::byte> packet(300);
    for (std::size_t i = 0; i < packet.size(); ++i)
        packet[i] = std::byte{static_cast<std::uint8_t>(i * 7)};
    bus_msg m = msg(bus_msg::replica, 42);
    m.port = 3;
    ASSERT_TRUE(b.post(0, 1, m, packet, true));
    std::fill(packet.begin(), packet.end(), std::byte{0}); // the bus holds its own copy
    EXPECT_EQ(slabs_in_use(b, 0), 1U);

    std::vector<std::byte> got;
    port_id port = 0;
    EXPECT_EQ(b.drain(1,
                      [&](const bus_msg& r, std::span<const std::byte> payload) {
                          got.assign(payload.begin(), payload.end());
                          port = r.port;
                      }),
              1U);
    ASSERT_EQ(got.size(), 300U);
    for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i], std::byte{static_cast<std::uint8_t>(i * 7)}) << i;
    EXPECT_EQ(port, 3);
    // The slab is the sender's until the sender's own turn takes it back.
    EXPECT_EQ(slabs_in_use(b, 0), 1U);
    b.drain(0, [](const bus_msg&, std::span<const std::byte>) { FAIL() << "nothing was sent to shard 0"; });
    EXPECT_EQ(slabs_in_use(b, 0), 0U);
}

TEST(ShardBus, WakesASleepingShardOnlyWhenAsked)
{
    bus b(2);
    ASSERT_FALSE(readable(b.wake_fd(1)));
    ASSERT_TRUE(b.post(0, 1, msg(bus_msg::route_used, 1), {}, false));
    EXPECT_FALSE(readable(b.wake_fd(1)));
    ASSERT_TRUE(b.post(0, 1, msg(bus_msg::neighbour_lost, 2), {}, true));
    EXPECT_TRUE(readable(b.wake_fd(1)));
    EXPECT_FALSE(readable(b.wake_fd(0)));
}

TEST(ShardBus, FullRingAndEmptyPoolAreRefusedAndCounted)
{
    bus b(2);
    std::vector<std::byte> small(64);
    for (std::size_t i = 0; i < bus::ring_slots; ++i)
        ASSERT_TRUE(b.post(0, 1, msg(bus_msg::replica, 1), small, false)) << i;
    const auto held = slabs_in_use(b, 0);
    EXPECT_EQ(held, bus::ring_slots);
    EXPECT_FALSE(b.post(0, 1, msg(bus_msg::replica, 1), small, false));
    EXPECT_FALSE(b.post(0, 1, msg(bus_msg::route_used, 1), {}, false));
    EXPECT_EQ(b.counters(0).full, 2U);
    EXPECT_EQ(b.counters(0).sent, bus::ring_slots);
    EXPECT_EQ(slabs_in_use(b, 0), held); // the refused message's slab went back

    // Larger than the largest slab class, and larger than a message's length.
    std::vector<std::byte> huge(slab_pool::class_sizes.back() + 1);
    EXPECT_FALSE(b.post(1, 0, msg(bus_msg::transport_segment, 1), huge, false));
    std::vector<std::byte> beyond(0x10000);
    EXPECT_FALSE(b.post(1, 0, msg(bus_msg::transport_segment, 1), beyond, false));
    EXPECT_EQ(b.counters(1).no_slab, 2U);
    EXPECT_EQ(b.counters(1).sent, 0U);
}

TEST(ShardBus, PostAndDrainAllocateNothing)
{
    bus b(2);
    std::vector<std::byte> packet(200, std::byte{1});
    std::size_t handled = 0;
    auto count = [&](const bus_msg&, std::span<const std::byte>) { ++handled; };
    std::uint64_t before = babe::testing::allocations();
    for (int round = 0; round < 100; ++round) {
        for (int i = 0; i < 10; ++i) {
            b.post(0, 1, msg(bus_msg::replica, 1), packet, true);
            b.post(0, 1, msg(bus_msg::route_used, 2), {}, false);
        }
        b.drain(1, count);
        b.drain(0, count);
    }
    EXPECT_EQ(babe::testing::allocations() - before, 0U);
    EXPECT_EQ(handled, 2000U);
}

TEST(ShardBus, TwoThreadsExchangeEveryMessageInOrder)
{
    bus b(2);
    constexpr std::uint32_t total = 20000;
    std::thread producer([&] {
        for (std::uint32_t k = 0; k < total;) {
            std::array<std::byte, 4> payload{};
            std::memcpy(payload.data(), &k, sizeof(k));
            if (b.post(0, 1, msg(bus_msg::transport_segment, k), payload, false))
                ++k;
            else
                b.drain(0, [](const bus_msg&, std::span<const std::byte>) {}); // take slabs back
        }
    });
    std::uint32_t next = 0, bad = 0;
    while (next < total) {
        b.drain(1, [&](const bus_msg& m, std::span<const std::byte> payload) {
            std::uint32_t v = 0;
            std::memcpy(&v, payload.data(), sizeof(v));
            bad += (m.addr != next || v != next) ? 1 : 0;
            ++next;
        });
    }
    producer.join();
    EXPECT_EQ(bad, 0U);
    EXPECT_EQ(b.counters(1).received, total);
    EXPECT_EQ(b.counters(0).sent, total);
}

} // namespace
} // namespace babe::engine
