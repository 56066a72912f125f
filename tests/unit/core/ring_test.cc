// SPDX-License-Identifier: Apache-2.0
// core/ring.hh: the single-threaded ring (order, wrap, refusal when full,
// indexed access, slots written in place, an emptied ring back at its first
// slot, lent storage) and the shared one (refusal counted, power-of-two
// capacity, two threads transferring everything in order).
#include "core/ring.hh"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <thread>

namespace babe {
namespace {

TEST(Ring, KeepsOrderAcrossTheWrapAndRefusesWhenFull)
{
    ring<int> r(3);
    EXPECT_EQ(r.capacity(), 3U);
    for (int round = 0; round < 5; ++round) {
        EXPECT_TRUE(r.try_push(10 * round));
        EXPECT_TRUE(r.try_push(10 * round + 1));
        EXPECT_TRUE(r.try_push(10 * round + 2));
        EXPECT_TRUE(r.full());
        EXPECT_FALSE(r.try_push(99));
        EXPECT_EQ(r.push_slot(), nullptr);
        EXPECT_EQ(r[0], 10 * round);
        EXPECT_EQ(r[2], 10 * round + 2);
        EXPECT_EQ(r.back(), 10 * round + 2);
        EXPECT_EQ(r.try_pop(), 10 * round);
        // Half drained, then topped up: the new element wraps around.
        EXPECT_TRUE(r.try_push(-1));
        EXPECT_EQ(r[2], -1);
        EXPECT_EQ(r.try_pop(), 10 * round + 1);
        EXPECT_EQ(r.try_pop(), 10 * round + 2);
        EXPECT_EQ(r.try_pop(), -1);
        EXPECT_FALSE(r.try_pop());
        EXPECT_TRUE(r.empty());
    }
}

TEST(Ring, SlotsAreWrittenInPlaceAndAnEmptiedRingRestartsAtItsFirstSlot)
{
    ring<int> r(4);
    int* first = r.push_slot();
    ASSERT_NE(first, nullptr);
    *first = 7;
    int* second = r.push_slot();
    ASSERT_NE(second, nullptr);
    *second = 8;
    EXPECT_EQ(second, first + 1);
    EXPECT_EQ(r.front(), 7);
    r.pop_front();
    EXPECT_EQ(&r.front(), second);
    r.pop_front();
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.push_slot(), first);
}

TEST(Ring, LentStorageIsUsedAndKept)
{
    std::array<int, 2> storage{};
    {
        ring<int> r{std::span<int>(storage)};
        EXPECT_TRUE(r.try_push(1));
        EXPECT_TRUE(r.try_push(2));
        EXPECT_FALSE(r.try_push(3));
    }
    EXPECT_EQ(storage[0], 1);
    EXPECT_EQ(storage[1], 2);
    ring<int> none;
    EXPECT_EQ(none.capacity(), 0U);
    EXPECT_FALSE(none.try_push(1));
}

TEST(SharedRing, RefusesWhenFullCountedAndWantsAPowerOfTwo)
{
    EXPECT_THROW((ring<int, spsc_shared>(6)), std::invalid_argument);
    EXPECT_THROW((ring<int, spsc_shared>(1)), std::invalid_argument);
    ring<int, spsc_shared> r(4);
    EXPECT_EQ(r.capacity(), 4U);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(r.try_push(i));
    EXPECT_FALSE(r.try_push(99));
    EXPECT_EQ(r.full_count(), 1U);
    EXPECT_EQ(r.size(), 4U);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(r.try_pop(), i);
    EXPECT_FALSE(r.try_pop());
}

TEST(SharedRing, TwoThreadsTransferEverythingInOrder)
{
    ring<std::uint64_t, spsc_shared> r(16);
    constexpr std::uint64_t n = 200000;
    std::thread producer([&r] {
        for (std::uint64_t i = 0; i < n;)
            if (r.try_push(i))
                ++i;
    });
    std::uint64_t expect = 0;
    while (expect < n) {
        if (auto v = r.try_pop()) {
            ASSERT_EQ(*v, expect);
            ++expect;
        }
    }
    producer.join();
    EXPECT_FALSE(r.try_pop());
}

} // namespace
} // namespace babe
