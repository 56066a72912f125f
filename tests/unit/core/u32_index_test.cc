// SPDX-License-Identifier: Apache-2.0
// core/u32_index against a std::map model: random inserts, replacements,
// erases and lookups at several capacities, with keys drawn so that the
// small tables run full and long probe clusters form (which is where
// backward-shift deletion can lose or resurrect a key).
#include "core/prng.hh"
#include "core/u32_index.hh"

#include <gtest/gtest.h>

#include <map>

namespace babe {
namespace {

void check_all(const u32_index& idx, const std::map<std::uint32_t, std::uint32_t>& model,
               const std::vector<std::uint32_t>& keys)
{
    ASSERT_EQ(idx.size(), model.size());
    for (auto k : keys) {
        auto it = model.find(k);
        auto got = idx.find(k);
        if (it == model.end())
            ASSERT_FALSE(got) << "key " << k << " found but never inserted or erased";
        else
            ASSERT_EQ(got, it->second) << "key " << k;
    }
}

void run_against_model(std::size_t capacity, std::uint64_t seed, int ops)
{
    prng rng(seed);
    u32_index idx(capacity);
    std::map<std::uint32_t, std::uint32_t> model;
    // A key universe three times the capacity: inserts often meet a full index.
    std::vector<std::uint32_t> keys;
    for (std::size_t i = 0; i < 3 * capacity + 1; ++i)
        keys.push_back(i % 2 ? static_cast<std::uint32_t>(rng.next())
                             : static_cast<std::uint32_t>(i));
    int refused = 0;
    for (int op = 0; op < ops; ++op) {
        const std::uint32_t k = keys[rng.next() % keys.size()];
        switch (rng.next() % 4) {
        case 0:
        case 1: {
            const auto v = static_cast<std::uint32_t>(rng.next());
            const bool fits = model.count(k) != 0 || model.size() < capacity;
            ASSERT_EQ(idx.insert(k, v), fits) << "insert " << k;
            if (fits)
                model[k] = v;
            else
                ++refused;
            break;
        }
        case 2:
            ASSERT_EQ(idx.erase(k), model.erase(k) == 1) << "erase " << k;
            break;
        case 3:
            ASSERT_EQ(idx.find(k).has_value(), model.count(k) == 1) << "find " << k;
            break;
        }
        if (op == ops / 2) {
            idx.clear();
            model.clear();
        }
        if (op % 8 == 0 || capacity <= 16)
            check_all(idx, model, keys);
    }
    check_all(idx, model, keys);
    EXPECT_GT(refused, 0) << "the index never ran full: the test did not reach the capacity bound";
}

TEST(U32Index, AgreesWithAMapUnderRandomOperations)
{
    for (std::size_t capacity : {1, 3, 4, 5, 16, 100, 1000})
        for (std::uint64_t seed = 1; seed <= 4; ++seed) {
            SCOPED_TRACE(testing::Message() << "capacity " << capacity << " seed " << seed);
            run_against_model(capacity, seed * 7919 + capacity, 20000);
        }
}

TEST(U32Index, EraseInTheMiddleOfAClusterKeepsTheRest)
{
    // 64 consecutive keys in a table of 128 slots: clusters form; erasing every
    // other key and looking up the rest exercises the backward shift.
    u32_index idx(64);
    for (std::uint32_t k = 0; k < 64; ++k)
        ASSERT_TRUE(idx.insert(k, k + 1000));
    EXPECT_FALSE(idx.insert(64, 0)) << "full";
    EXPECT_TRUE(idx.insert(3, 3)) << "replacing needs no room";
    EXPECT_EQ(idx.find(3), 3U);
    for (std::uint32_t k = 0; k < 64; k += 2)
        ASSERT_TRUE(idx.erase(k));
    EXPECT_FALSE(idx.erase(0));
    for (std::uint32_t k = 0; k < 64; ++k) {
        if (k % 2 == 0)
            EXPECT_FALSE(idx.find(k)) << k;
        else
            EXPECT_EQ(idx.find(k), k == 3 ? 3U : k + 1000) << k;
    }
    EXPECT_EQ(idx.size(), 32U);
    EXPECT_TRUE(idx.insert(64, 7)) << "room again after erases";
    EXPECT_EQ(idx.find(64), 7U);
}

} // namespace
} // namespace babe
