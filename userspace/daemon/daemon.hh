// SPDX-License-Identifier: Apache-2.0
// babed's life as a systemd service, apart from main(): logging (spdlog; no
// timestamps under journald), babe0 set-up, the engine's life cycle, the
// control server, sd_notify READY/WATCHDOG/STATUS/RELOADING/STOPPING, and
// signals through a signalfd in the main loop (SIGHUP reloads what can
// change without losing routes; SIGTERM/SIGINT stop cleanly, leaving the
// pinned maps and links for the next run). The engine comes from a factory
// so tests run the whole daemon around a fake engine.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/babed_config.hh"
#include "engine/api.hh"

namespace babe::daemon {

// The daemon drives the engine through the engine's own API.
using engine::engine_context;
using engine::engine_error;
using engine::engine_handle;

using engine_factory =
    std::function<std::unique_ptr<engine_handle>(const config::babed_config&, const engine_context&)>;

struct daemon_options {
    std::string config_path;
    std::vector<std::string> overrides;  // "key=value", applied again on reload
    bool setup_local_link = true;        // false: tests without privileges
    std::string version;
};

// What the engine runs with, from babed's configuration.
engine::settings engine_settings(const config::babed_config& cfg);

// Blocks SIGHUP, SIGTERM, SIGINT in the calling thread (and so in every thread
// it starts later). Call first thing in main().
void block_daemon_signals();

// Sets the default spdlog logger's level ("info", ...); false if unknown.
bool set_log_level(const std::string& level);
void setup_logging(const std::string& level);

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int run_daemon(const daemon_options& options, config::babed_config cfg, const engine_factory& make);

} // namespace babe::daemon
