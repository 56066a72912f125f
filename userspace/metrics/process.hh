// SPDX-License-Identifier: Apache-2.0
// The process's own CPU time, memory, threads and file descriptors for
// /metrics, read from /proc/self. The parsers are pure (the unit tests feed
// them recorded text); read_process_stats() does the reading.
#pragma once

#include "metrics/collector.hh"

#include <optional>
#include <string_view>

namespace babe::metrics {

// /proc/<pid>/stat and /proc/<pid>/statm as text, the clock ticks per second,
// the page size and the boot time (btime of /proc/stat, seconds since the
// epoch). nullopt when the text does not parse. Fills cpu, memory, threads
// and start time; the fd fields stay 0.
std::optional<process_stats> parse_process_stat(std::string_view stat, std::string_view statm,
                                                long ticks_per_second, long page_size,
                                                double boot_time_seconds);

// btime from /proc/stat text, or nullopt.
std::optional<double> parse_boot_time(std::string_view proc_stat);

// This process, now: /proc/self/{stat,statm}, /proc/stat, the entries of
// /proc/self/fd and RLIMIT_NOFILE. nullopt when /proc is not readable.
std::optional<process_stats> read_process_stats();

} // namespace babe::metrics
