// SPDX-License-Identifier: Apache-2.0
// plan_attach_mode: which XDP mode follows from xdp.mode and the redirect
// targets' published features (dataplane/xdp_features.hh).
#include "dataplane/netdev_genl.hh"
#include "dataplane/xdp_features.hh"

#include <gtest/gtest.h>

namespace babe::dataplane {
namespace {

constexpr std::uint64_t veth_with_napi = netdev_genl::xdp_act_basic | netdev_genl::xdp_act_redirect |
                                         netdev_genl::xdp_act_ndo_xmit;
constexpr std::uint64_t veth_without = netdev_genl::xdp_act_basic | netdev_genl::xdp_act_redirect;

TEST(AttachPlan, AutoStaysAutoWhenEveryTargetTakesRedirects)
{
    auto p = plan_attach_mode(xdp_mode::automatic, {{"m1", veth_with_napi}, {"m2", veth_with_napi}});
    EXPECT_EQ(p.mode, xdp_mode::automatic);
    EXPECT_TRUE(p.not_native_targets.empty());
    EXPECT_TRUE(p.reason.empty());
}

TEST(AttachPlan, AutoGoesGenericForOneTargetWithoutNdoXmit)
{
    auto p = plan_attach_mode(xdp_mode::automatic, {{"m1", veth_with_napi}, {"wlan0", veth_without}});
    EXPECT_EQ(p.mode, xdp_mode::generic);
    ASSERT_EQ(p.not_native_targets, std::vector<std::string>{"wlan0"});
    EXPECT_FALSE(p.warn);
    EXPECT_NE(p.reason.find("wlan0 takes no natively redirected frames"), std::string::npos) << p.reason;
}

TEST(AttachPlan, UnpublishedFeaturesChangeNothing)
{
    auto p = plan_attach_mode(xdp_mode::automatic, {{"m1", std::nullopt}});
    EXPECT_EQ(p.mode, xdp_mode::automatic);
    EXPECT_TRUE(p.reason.empty());
}

TEST(AttachPlan, NativeIsKeptWithAWarning)
{
    auto p = plan_attach_mode(xdp_mode::native, {{"m1", 0}, {"m2", veth_without}});
    EXPECT_EQ(p.mode, xdp_mode::native);
    EXPECT_TRUE(p.warn);
    EXPECT_NE(p.reason.find("m1, m2 take no natively redirected frames"), std::string::npos) << p.reason;
}

TEST(AttachPlan, GenericNeedsNoReason)
{
    auto p = plan_attach_mode(xdp_mode::generic, {{"m1", veth_without}});
    EXPECT_EQ(p.mode, xdp_mode::generic);
    EXPECT_TRUE(p.reason.empty());
}

} // namespace
} // namespace babe::dataplane
