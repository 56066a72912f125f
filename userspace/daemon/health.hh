// SPDX-License-Identifier: Apache-2.0
// babed's health as an orchestrator's probes ask for it (served as /healthz
// and /readyz by the metrics endpoint):
//   live   the main loop (signals, reloads, watchdog) turned within
//          `live_within`; it turns at least once per status period, so a
//          loop stuck in a reload or a signal handler stops being live;
//   ready  the data plane is attached and the engine started (set by the
//          main loop once start() returned, cleared when it stops) and every
//          engine shard turned recently (the caller asks the engine).
// The main loop writes, civetweb threads read: atomics only. Times are
// passed in so tests drive them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace babe::daemon {

struct health_verdict {
    bool ok = false;
    std::string reason; // "ok" or what is wrong, one line
};

class health_state {
public:
    using clock = std::chrono::steady_clock;

    explicit health_state(std::chrono::milliseconds live_within) : _live_within(live_within) {}

    void main_loop_turned(clock::time_point now);
    void set_ready(bool ready) { _ready.store(ready, std::memory_order_release); }

    health_verdict live(clock::time_point now) const;
    // `engines_turning`: engine_handle::healthy() at the time of the request.
    health_verdict ready(bool engines_turning) const;

private:
    std::chrono::milliseconds _live_within;
    std::atomic<std::int64_t> _last_turn_ns{0}; // 0: the loop never turned
    std::atomic<bool> _ready{false};
};

} // namespace babe::daemon
