// SPDX-License-Identifier: Apache-2.0
// The handle-contract checker the simulator and the DSR and transport
// harnesses share: what it accepts and each violation it must report.
#include <gtest/gtest.h>

#include <vector>

#include "core/handle_ledger.hh"

using babe::handle_ledger;

TEST(HandleLedger, AGivenHandleComesBackOnceFromItsHolder)
{
    handle_ledger l;
    EXPECT_TRUE(l.give(3, 17));
    EXPECT_TRUE(l.holds(3, 17));
    EXPECT_FALSE(l.holds(4, 17));
    EXPECT_EQ(l.outstanding(), 1u);
    EXPECT_EQ(l.outstanding(3), 1u);
    EXPECT_FALSE(l.give_back(4, 17)) << "another core returned it";
    EXPECT_TRUE(l.give_back(3, 17));
    EXPECT_EQ(l.outstanding(), 0u);
    EXPECT_FALSE(l.give_back(3, 17)) << "a second return";
    EXPECT_FALSE(l.give_back(3, 99)) << "never given";
    EXPECT_FALSE(l.holds(3, 17)) << "a transmit after the return";
}

TEST(HandleLedger, AHandleStillHeldCannotBeGivenAgain)
{
    handle_ledger l;
    EXPECT_TRUE(l.give(1, 5));
    EXPECT_FALSE(l.give(2, 5));
    EXPECT_EQ(l.holder(5), 1u);
    EXPECT_EQ(l.outstanding(), 1u);
}

TEST(HandleLedger, ACrashedOwnersHandlesAreTakenBackInIdOrder)
{
    handle_ledger l;
    for (std::uint32_t id : {9u, 2u, 4u})
        l.give(7, id);
    l.give(8, 3);
    std::vector<std::uint32_t> seen;
    l.drop_owner(7, [&](std::uint32_t id) { seen.push_back(id); });
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{2, 4, 9}));
    EXPECT_EQ(l.outstanding(), 1u);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> held;
    l.for_each_held([&](std::uint32_t id, std::uint32_t owner) { held.emplace_back(id, owner); });
    EXPECT_EQ(held, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{3, 8}}));
}

TEST(HandleLedger, RefusalsNameTheCoreTheHandleAndTheHolder)
{
    handle_ledger l;
    l.give(2, 11);
    EXPECT_EQ(l.refusal("node 1", 11, "released"),
              "node 1 reports handle 11 released but does not hold it (held by owner 2)");
    EXPECT_EQ(l.refusal("node 1", 12, "transmits"),
              "node 1 transmits handle 12 but does not hold it (a second return, or never given)");
}
