// SPDX-License-Identifier: Apache-2.0
// The layout of the pinned maps across babed versions (headers/babe/maps.h,
// BABE_LAYOUT_VERSION): the pinned `layout` map that records it, the plan
// for each pinned map when a babed starts on pins another build made (reuse,
// copy into a new map, recreate, or refuse with the fix), and the staging
// journal that makes the swap of map pins crash-safe:
//
//   1. new maps are pinned as <pin>/<name>-next;
//   2. <pin>/layout-next (a new layout map) is pinned: the commit;
//   3. each <name>-next is renamed over <name>, layout-next over layout last.
//
// A start that finds layout-next finishes step 3 (roll forward); one that
// finds *-next without layout-next removes them (the old pins are intact).
// The programs that run meanwhile keep the maps they were loaded with, so
// transit keeps flowing until the next attach swaps them through the links.
#pragma once

#include "core/unique_fd.hh"
#include "dataplane/error.hh"

#include <cstddef>
#include <cstdint>
#include <string>

namespace babe::dataplane {

// What a start does with one pinned map.
enum class map_plan {
    reuse,   // same layout: used as it is
    copy,    // same key and value, other size: entries copied into a new map
    fresh,   // rebuilt by the engine or counters: a new empty map
    refuse,  // would be misread: the load fails with the map, the versions and the fix
};

// The kernel's description of a map (a pinned one, or the object's wish).
struct map_shape {
    std::uint32_t type = 0;
    std::uint32_t key_size = 0;
    std::uint32_t value_size = 0;
    std::uint32_t max_entries = 0;
};

struct plan_result {
    map_plan plan = map_plan::reuse;
    std::string why; // for copy/fresh: what differs; for refuse: the reason
};

// The plan for map `name` pinned with `pinned` (made at layout `version`)
// when this build wants `wanted`.
plan_result plan_map(const std::string& name, const map_shape& pinned, const map_shape& wanted,
                     std::uint32_t version);

// The fix printed with every refusal.
std::string layout_fix(const std::string& pin_path);

// The shape of a map fd.
dp_result<map_shape> shape_of(int fd);

// The version in <pin>/layout; 0 when there is no such pin.
dp_result<std::uint32_t> read_layout_version(const std::string& pin_path);

// A new layout map holding `version`, pinned at `path`.
dp_result<void> pin_new_layout(const std::string& path, std::uint32_t version);

// <pin>/<name>-next
std::string staged_pin(const std::string& pin_path, const std::string& name);

// Step 3 when the commit is there, else removes the staged pins (see above).
// `rolled_forward` tells which.
dp_result<void> finish_staged(const std::string& pin_path, bool* rolled_forward = nullptr);

// Copies every entry of `from` into `to` (same key and value sizes; an array
// copies the indexes both have). Returns the entries copied.
dp_result<std::size_t> copy_entries(int from, int to);

} // namespace babe::dataplane
