// SPDX-License-Identifier: Apache-2.0
// plan_map: what a start does with a pinned map of another build
// (dataplane/layout.hh, docs/dataplane.md "Upgrades").
#include "dataplane/layout.hh"

#include "babe/maps.h"

#include <linux/bpf.h>

#include <gtest/gtest.h>

namespace babe::dataplane {
namespace {

const map_shape routes{BPF_MAP_TYPE_LRU_HASH, 4, sizeof(babe_route), BABE_ROUTES_MAX};
const map_shape neighbours{BPF_MAP_TYPE_HASH, 4, sizeof(babe_neighbour), BABE_NEIGHBOURS_MAX};
const map_shape stats{BPF_MAP_TYPE_ARRAY, 4, 320, 3};
const map_shape xsks{BPF_MAP_TYPE_XSKMAP, 4, 4, BABE_XSKS_MAX};
const map_shape tx_ports{BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, BABE_TX_PORTS_MAX};

map_shape with_max(map_shape s, std::uint32_t max)
{
    s.max_entries = max;
    return s;
}

map_shape with_value(map_shape s, std::uint32_t value)
{
    s.value_size = value;
    return s;
}

TEST(LayoutPlan, SameShapeAndVersionIsReused)
{
    EXPECT_EQ(plan_map(BABE_MAP_ROUTES, routes, routes, BABE_LAYOUT_VERSION).plan, map_plan::reuse);
    EXPECT_EQ(plan_map(BABE_MAP_XSKS, xsks, xsks, BABE_LAYOUT_VERSION).plan, map_plan::reuse);
}

TEST(LayoutPlan, ABiggerMapIsMigratedWithItsEntries)
{
    auto p = plan_map(BABE_MAP_ROUTES, with_max(routes, 1024), routes, BABE_LAYOUT_VERSION);
    EXPECT_EQ(p.plan, map_plan::copy);
    EXPECT_NE(p.why.find("1024 -> 65536"), std::string::npos) << p.why;
    EXPECT_EQ(plan_map(BABE_MAP_NEIGHBOURS, with_max(neighbours, 256), neighbours, BABE_LAYOUT_VERSION).plan,
              map_plan::copy);
    EXPECT_EQ(plan_map(BABE_MAP_TX_PORTS, with_max(tx_ports, 8), tx_ports, BABE_LAYOUT_VERSION).plan,
              map_plan::copy);
}

TEST(LayoutPlan, MapsBabedRebuildsAreRecreatedWhenTheyCannotBeCopied)
{
    // XSKMAP entries cannot be read from user space; a new stats row changes the value size.
    EXPECT_EQ(plan_map(BABE_MAP_XSKS, with_max(xsks, 64), xsks, BABE_LAYOUT_VERSION).plan, map_plan::fresh);
    EXPECT_EQ(plan_map(BABE_MAP_STATS, with_value(stats, 304), stats, BABE_LAYOUT_VERSION).plan, map_plan::fresh);
    EXPECT_EQ(plan_map(BABE_MAP_TX_PORTS, with_value(tx_ports, 8), tx_ports, BABE_LAYOUT_VERSION).plan,
              map_plan::fresh);
}

TEST(LayoutPlan, AValueOfAnotherSizeAtTheSameVersionIsRefused)
{
    auto p = plan_map(BABE_MAP_ROUTES, with_value(routes, 48), routes, BABE_LAYOUT_VERSION);
    EXPECT_EQ(p.plan, map_plan::refuse);
    EXPECT_NE(p.why.find("value 48"), std::string::npos) << p.why;
    EXPECT_NE(p.why.find("BABE_LAYOUT_VERSION"), std::string::npos) << p.why;
    EXPECT_EQ(plan_map(BABE_MAP_NEIGHBOURS, with_value(neighbours, 24), neighbours, BABE_LAYOUT_VERSION).plan,
              map_plan::refuse);
}

TEST(LayoutPlan, ANewerVersionIsRefusedForEveryMap)
{
    for (const char* name : {BABE_MAP_ROUTES, BABE_MAP_STATS, BABE_MAP_XSKS}) {
        auto p = plan_map(name, routes, routes, BABE_LAYOUT_VERSION + 1);
        EXPECT_EQ(p.plan, map_plan::refuse) << name;
        EXPECT_NE(p.why.find("newer than this babed's"), std::string::npos) << p.why;
    }
}

TEST(LayoutPlan, TheFixNamesThePinPathAndTheTool)
{
    auto fix = layout_fix("/sys/fs/bpf/babe");
    EXPECT_NE(fix.find("babe-dpctl --pin /sys/fs/bpf/babe teardown"), std::string::npos) << fix;
    EXPECT_NE(fix.find("rm -r /sys/fs/bpf/babe"), std::string::npos) << fix;
}

} // namespace
} // namespace babe::dataplane
