// SPDX-License-Identifier: Apache-2.0
// Liveness and readiness verdicts (see health.hh).
#include "daemon/health.hh"

#include <fmt/format.h>

namespace babe::daemon {

namespace {

std::int64_t ns_of(health_state::clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

void health_state::main_loop_turned(clock::time_point now)
{
    _last_turn_ns.store(ns_of(now), std::memory_order_relaxed);
}

health_verdict health_state::live(clock::time_point now) const
{
    auto last = _last_turn_ns.load(std::memory_order_relaxed);
    if (last == 0)
        return {false, "the main loop has not started"};
    auto age = std::chrono::nanoseconds(ns_of(now) - last);
    if (age > _live_within)
        return {false, fmt::format("the main loop last turned {} ms ago (limit {} ms)",
                                   std::chrono::duration_cast<std::chrono::milliseconds>(age).count(),
                                   _live_within.count())};
    return {true, "ok"};
}

health_verdict health_state::ready(bool engines_turning) const
{
    if (!_ready.load(std::memory_order_acquire))
        return {false, "the data plane is not attached or the engine is not running"};
    if (!engines_turning)
        return {false, "an engine shard has stopped turning"};
    return {true, "ok"};
}

} // namespace babe::daemon
