// SPDX-License-Identifier: Apache-2.0
// babed's liveness and readiness verdicts (daemon/health.hh) on times the
// test hands in: live only while the main loop turned within the limit,
// ready only between set_ready(true) and set_ready(false) and while the
// engine's shards turn; each failure says why.
#include "daemon/health.hh"

#include <gtest/gtest.h>

namespace babe::daemon {
namespace {

using namespace std::chrono_literals;
using clock = health_state::clock;

TEST(Health, LiveWhileTheMainLoopTurns)
{
    health_state h(30s);
    clock::time_point t0{std::chrono::hours(1)};
    auto v = h.live(t0);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("not started"), std::string::npos) << v.reason;
    h.main_loop_turned(t0);
    EXPECT_TRUE(h.live(t0).ok);
    EXPECT_EQ(h.live(t0 + 30s).reason, "ok") << "the limit itself is still live";
    v = h.live(t0 + 31s);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("31000 ms ago (limit 30000 ms)"), std::string::npos) << v.reason;
    h.main_loop_turned(t0 + 40s);
    EXPECT_TRUE(h.live(t0 + 41s).ok) << "a turn makes it live again";
}

TEST(Health, ReadyOnlyWhileAttachedAndTheEnginesTurn)
{
    health_state h(30s);
    auto v = h.ready(true);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("not attached"), std::string::npos) << v.reason;
    h.set_ready(true);
    EXPECT_TRUE(h.ready(true).ok);
    v = h.ready(false);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("stopped turning"), std::string::npos) << v.reason;
    h.set_ready(false);
    EXPECT_FALSE(h.ready(true).ok) << "stopping: no longer ready";
}

} // namespace
} // namespace babe::daemon
