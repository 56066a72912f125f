// SPDX-License-Identifier: Apache-2.0
// From what babed knows to Prometheus families: `collect` is a pure function
// of one `snapshot` (the control_service's counters, histograms and status,
// the process's own figures, the build) that names every series `babe_*` in
// base units with bounded labels. The engine hands typed samples (family,
// type, labels, scale to the base unit: engine/service.hh) and they are
// taken as they are: no name is parsed back, so an interface named mesh_q1
// keeps its name and only a figure the engine says is in ns becomes seconds.
// A counter with no family (a service that only names its figures) is mapped
// by map_counter's table and prefix rules. `scrape` fills a snapshot from a
// live control_service (the daemon's /metrics handler); docs/observability.md
// lists every family.
#pragma once

#include "engine/service.hh"
#include "metrics/exposition.hh"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace babe::metrics {

// The process's own figures (from /proc/self, see process.hh).
struct process_stats {
    double cpu_seconds = 0;          // user + system
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double open_fds = 0;
    double max_fds = 0;              // RLIMIT_NOFILE soft limit
    double threads = 0;
    double start_time_seconds = 0;   // since the epoch
};

struct snapshot {
    std::string version;                              // babe_build_info{version}
    bool engine_up = false;                           // the control_service answered
    engine::status_info status;                      // when engine_up
    std::vector<engine::counter> counters;           // control_service::stats()
    std::vector<engine::histogram_info> histograms;  // control_service::histograms()
    std::optional<process_stats> process;
};

// Where one counter goes.
struct counter_mapping {
    std::string family;              // e.g. babe_xdp_packets_total
    metric_type type = metric_type::counter;
    std::vector<label> labels;
    double scale = 1;                // value multiplier (ns -> s)
};

// Where a counter goes: its typed sample when it has one, else map_counter.
counter_mapping mapping_of(const engine::counter& c);

// The family and labels of a flat counter name with no typed sample:
//   xdp_<action>_packets            -> babe_xdp_packets_total{action}
//   xdp_drop_<reason>_packets       -> babe_xdp_drops_total{reason}
//   xdp_engine_<reason>_packets     -> babe_xdp_to_engine_total{reason}
//   (the same with _bytes           -> babe_xdp_{bytes,dropped_bytes,to_engine_bytes}_total)
//   io_<if>[_q<N>]_<stat>           -> babe_afxdp_<stat>_total{interface,queue}
//   dsr_<event>                     -> babe_dsr_events_total{event}
//   engine[_s<N>]_<name>            -> babe_engine_<name>_total[{shard}];
//                                      *_ns -> babe_engine_<name>_seconds_total,
//                                      *_in_use / *_capacity / *_depth -> gauge babe_engine_<name>
// Anything else -> babe_other_events_total{counter}.
counter_mapping map_counter(std::string_view name);

// Extra route-cache families derived from the DSR counters (cache_hits,
// cache_misses, cache_evictions, cache_expired), or nullopt.
std::optional<counter_mapping> route_cache_mapping(std::string_view dsr_event);

// Every family of one snapshot, in a fixed order, each family once.
std::vector<family> collect(const snapshot& s);

// Fill a snapshot from a live service. A service that throws (the engine's
// mailbox timed out) gives engine_up = false and no engine families; the
// process and build families are still there.
snapshot scrape(engine::control_service& svc, std::string version, bool with_process = true);

} // namespace babe::metrics
