// SPDX-License-Identifier: Apache-2.0
// Where babed's start-up time goes: each phase (config, babe0, BPF object
// open / map creation or reuse / program load and verification, XDP attach,
// AF_XDP sockets, shards, control socket, READY) logs at debug level how long
// it took and when it ended, counted from main()'s first line:
//
//   startup: bpf load (open, maps, verifier) 24.1 ms (at 61.3 ms, 52.0 ms CPU)
//
// "CPU" is the process's CPU time so far (every thread): on a busy machine
// the wall-clock figures grow with the load, the CPU figures much less.
//
// Run babed with `log: {level: debug}` (or --set log.level=debug) to see them.
// One clock per process, written from the main thread only.
#pragma once

#include "dataplane/test_kill.hh"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <string_view>

namespace babe::daemon {

class startup_clock {
public:
    using clock = std::chrono::steady_clock;

    // The process's clock, started at the first call (main() calls it first).
    static startup_clock& get()
    {
        static startup_clock c;
        return c;
    }

    // Logs the phase that ends now and starts the next one.
    void phase(std::string_view name)
    {
        auto now = clock::now();
        spdlog::debug("startup: {} {:.1f} ms (at {:.1f} ms, {:.1f} ms CPU)", name, ms(now - _last), ms(now - _origin),
                      cpu_ms());
        _last = now;
        dataplane::test_kill_point(name); // BABE_TEST_KILL_AT (tests only)
    }

    // Milliseconds since main() started.
    double since_start() const { return ms(clock::now() - _origin); }

    // The process's CPU time (all threads), in milliseconds.
    static double cpu_ms()
    {
        timespec ts{};
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
    }

private:
    startup_clock() : _origin(clock::now()), _last(_origin) {}
    static double ms(clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

    clock::time_point _origin;
    clock::time_point _last;
};

} // namespace babe::daemon
