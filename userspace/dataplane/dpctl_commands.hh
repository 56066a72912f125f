// SPDX-License-Identifier: Apache-2.0
// The map commands of babe-dpctl (route, neigh, port, config, stats) over any
// map_access, with interface lookups injected: babe-dpctl runs them against
// the pinned maps, the unit tests against memory_maps. Output is text (or
// JSON for `stats --json`) appended to a string.
#pragma once

#include "dataplane/map_access.hh"
#include "dataplane/system.hh"

#include <functional>
#include <span>
#include <string>

namespace babe::dataplane {

struct dpctl_env {
    map_access* maps = nullptr;
    std::function<dp_result<std::uint32_t>(const std::string&)> ifindex_of;
    std::function<dp_result<mac_addr>(const std::string&)> mac_of;
    std::string out;
};

// True for the first words run_map_command understands.
bool is_map_command(std::string_view word);

// Runs one command, e.g. {"route", "add", "10.0.0.5", "via", "10.0.0.2,10.0.0.3"}.
dp_result<void> run_map_command(dpctl_env& env, std::span<const std::string> args);

// The usage text of every babe-dpctl command.
const char* dpctl_usage();

} // namespace babe::dataplane
