// SPDX-License-Identifier: Apache-2.0
// core primitives: the slab pool (class choice, exhaustion counted, reuse).
#include "core/frame_pool.hh"
#include "core/slab_pool.hh"

#include <gtest/gtest.h>

namespace babe {
namespace {

TEST(SlabPool, PicksTheSmallestClassThatFits)
{
    slab_pool p({2, 2, 2, 2});
    auto a = p.alloc(1);
    auto b = p.alloc(257);
    auto c = p.alloc(1024);
    auto d = p.alloc(4096);
    ASSERT_TRUE(a && b && c && d);
    EXPECT_EQ(a->cls, 0);
    EXPECT_EQ(b->cls, 1);
    EXPECT_EQ(c->cls, 2);
    EXPECT_EQ(d->cls, 3);
    EXPECT_EQ(p.data(*d).size(), 4096U);
    EXPECT_FALSE(p.alloc(4097));
    EXPECT_EQ(p.too_large_count(), 1U);
}

TEST(SlabPool, FallsBackToALargerClassWhenOneIsExhausted)
{
    slab_pool p({1, 0, 1, 0});
    auto a = p.alloc(100);
    auto b = p.alloc(100);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->cls, 0);
    EXPECT_EQ(b->cls, 2);
    EXPECT_FALSE(p.alloc(100));
    EXPECT_EQ(p.exhausted_count(), 1U);
}

TEST(SlabPool, ExhaustionIsCountedAndFreeingReuses)
{
    slab_pool p({2, 0, 0, 0});
    auto a = p.alloc(10);
    auto b = p.alloc(10);
    ASSERT_TRUE(a && b);
    EXPECT_NE(p.data(*a).data(), p.data(*b).data());
    EXPECT_FALSE(p.alloc(10));
    EXPECT_EQ(p.exhausted_count(), 1U);
    EXPECT_EQ(p.in_use(0), 2U);
    p.free(*a);
    auto c = p.alloc(10);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, *a);
    EXPECT_EQ(p.in_use(0), 2U);
}

TEST(FramePool, FramesReturnWhenTheLastReferenceIsDropped)
{
    frame_pool p(2, 2048);
    frame_pool::addr_t a = 0, b = 0, c = 0;
    ASSERT_TRUE(p.alloc(a));
    ASSERT_TRUE(p.alloc(b));
    EXPECT_EQ(a, 0U);
    EXPECT_EQ(b, 2048U);
    EXPECT_FALSE(p.alloc(c));
    p.retain(a + 100); // an address inside the frame names the frame
    EXPECT_EQ(p.refs(a), 2);
    p.release(a);
    EXPECT_EQ(p.free_frames(), 0U);
    p.release(a + 256);
    EXPECT_EQ(p.free_frames(), 1U);
    ASSERT_TRUE(p.alloc(c));
    EXPECT_EQ(c, a);
    EXPECT_EQ(p.base(b + 77), b);
    EXPECT_EQ(p.index(b + 77), 1U);
}

} // namespace
} // namespace babe
