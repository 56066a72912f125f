// SPDX-License-Identifier: Apache-2.0
// The engine's API (it owns it): what babed, the control server and tests
// may ask of the per-core engine. The daemon reads the config, sets up babe0,
// runs the control server and handles signals and systemd; the engine
// loads/reuses the pinned XDP maps and programs (dataplane loader), runs the
// shards and answers control requests (service.hh). The engine implements
// `make_engine`; babed links it when the `babe_engine` CMake target exists and
// refuses to run otherwise (it never pretends to route). Nothing here knows
// of the daemon or of the control protocol: start-up phases are reported
// through a callback in the context.
//
// Life cycle, all calls from babed's main thread:
//   make_engine(s, ctx)     construct; no threads, no kernel changes yet
//   control()               any time after construction (the server holds it)
//   start()                 load or reuse pinned maps, attach XDP to every
//                           mesh interface and to ctx.peer_ifname, open AF_XDP
//                           sockets, start the shards; throws engine_error
//   healthy(within)         watchdog: every shard loop turned within `within`
//   reload(s)               SIGHUP: the new DSR constants (the daemon
//                           reloads only keys that need no restart: DSR
//                           timers, behaviour flags, rate limits); keep
//                           routes; throws engine_error
//   stop()                  stop shards, close sockets; leave pinned maps and
//                           links in place so transit keeps flowing until the
//                           next babed reuses them. Idempotent; also called
//                           when start() threw.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/service.hh"
#include "engine/settings.hh"

#include <functional>
#include <string_view>

namespace babe::engine {

struct engine_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What babed prepared before the engine starts (see local_link.hh).
struct engine_context {
    std::string version;                 // babed's version, for status()
    std::string local_ifname;            // babe0: node address /32, mesh prefix routed here
    std::uint32_t local_ifindex = 0;
    std::array<std::uint8_t, 6> local_mac{}; // babe0's MAC (babe_config.local_mac)
    std::string peer_ifname;             // babe0p: attach babe_local_egress here
    std::uint32_t peer_ifindex = 0;
    // Called when a start-up phase ends (BPF load, XDP attach, sockets,
    // shards...), from the thread that calls start(); may be empty.
    std::function<void(std::string_view phase)> phase;
};

class engine_handle {
public:
    virtual ~engine_handle() = default;
    virtual void start() = 0;
    virtual void stop() = 0;
    virtual void reload(const settings& s) = 0;
    // Thread-safe: the control server calls it from its own thread. An engine
    // keeps its state single-threaded by returning a mailbox_service and
    // draining the mailbox from its loop (mailbox.hh). Events go to
    // control().events() (event_hub.hh).
    virtual control_service& control() = 0;
    virtual bool healthy(std::chrono::milliseconds within) = 0;
};

std::unique_ptr<engine_handle> make_engine(const settings& s, const engine_context& ctx);

} // namespace babe::engine
