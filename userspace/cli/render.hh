// SPDX-License-Identifier: Apache-2.0
// babectl's human output: the daemon's JSON answers rendered as aligned
// tables and short sentences. `--json` prints the answers themselves, so the
// two views always come from the same data.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace babe::cli {

std::string render_status(const nlohmann::json& status);
std::string render_routes(const nlohmann::json& routes);
std::string render_neighbours(const nlohmann::json& neighbours);
std::string render_stats(const nlohmann::json& stats);
std::string render_config(const nlohmann::json& config);
std::string render_event(const nlohmann::json& event);
// "10.0.0.2 -> 10.0.0.5 -> 10.0.0.9" from a route object (first hop first).
std::string render_path(const nlohmann::json& route);
std::string format_ms(std::int64_t ms); // "850ms", "12.3s", "4m05s", "2h03m", "-"

} // namespace babe::cli
