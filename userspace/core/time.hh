// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Time as the protocol cores see it: a monotonic nanosecond clock whose value
// is always passed in by the caller (the daemon reads CLOCK_MONOTONIC, the
// simulator its virtual clock, tests a number). Nothing in the sans-IO cores
// reads a clock itself.
#pragma once

#include <chrono>
#include <cstdint>

namespace babe {

// A clock type with no now(): time points exist only as values handed in.
struct mono_clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<mono_clock>;
    static constexpr bool is_steady = true;
};

using duration = mono_clock::duration;
using time_point = mono_clock::time_point;

using namespace std::chrono_literals;

constexpr time_point time_from_ns(std::int64_t ns) { return time_point{duration{ns}}; }
constexpr std::int64_t to_ns(time_point t) { return t.time_since_epoch().count(); }
constexpr std::int64_t to_ns(duration d) { return d.count(); }

} // namespace babe
