// SPDX-License-Identifier: Apache-2.0
// The engine's one clock: CLOCK_MONOTONIC as the cores' time_point (the
// cores never read a clock; the engine passes this in).
#pragma once

#include "core/time.hh"

#include <ctime>

namespace babe::engine {

inline time_point monotonic_now()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return time_from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

} // namespace babe::engine
