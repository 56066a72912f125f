// SPDX-License-Identifier: Apache-2.0
// The engine's statistics: what each shard publishes (a plain snapshot in a
// seqlock, every 100 ms and on demand), the latency histograms its events
// feed (with their USDT probes), and the sum over shards as the counters of
// `babectl stats` and /metrics. Control path except on_event(), which runs
// on the shard's thread for every core event: no allocation there.
#pragma once

#include "dataplane/map_access.hh"

#include <babe/maps.h>
#include "dsr/node.hh"
#include "engine/bus.hh"
#include "engine/packet_io.hh"
#include "engine/service.hh"
#include "engine/shard.hh"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace babe::engine {

class transport_service;

inline constexpr std::array<double, 13> discovery_bounds{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                                         0.2,   0.5,   1,     2,    5,    10};
inline constexpr std::array<double, 12> repair_bounds{0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30};

// A fixed-bucket latency histogram that lives in a plain snapshot.
template <std::size_t N>
struct fixed_histogram {
    std::array<std::uint64_t, N + 1> counts{};
    double sum = 0;
    void observe(const std::array<double, N>& bounds, double v)
    {
        auto i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
        ++counts[i];
        sum += v;
    }
    void add(const fixed_histogram& o)
    {
        for (std::size_t i = 0; i <= N; ++i)
            counts[i] += o.counts[i];
        sum += o.sum;
    }
};

using discovery_histogram = fixed_histogram<discovery_bounds.size()>;
using repair_histogram = fixed_histogram<repair_bounds.size()>;

// What one shard publishes for the other threads.
struct shard_snapshot {
    dsr::counters core{};
    shard_counters engine{};
    std::array<io_stats, max_ports> io{};
    discovery_histogram discovery{};
    repair_histogram repair{};
    bus_counters bus{};
    std::uint64_t busy_ns = 0; // time in loop turns that did work
    std::uint32_t frames_in_use = 0, frames_capacity = 0;
    std::uint32_t slabs_in_use = 0, slabs_capacity = 0;
    dsr::table_sizes sizes{};

    // Adds another shard's counters, I/O statistics and histograms (not the
    // gauges: busy time, pools, table sizes stay per shard).
    void add(const shard_snapshot& o);
};

// The latency histograms of one shard, fed by its core's events (on the
// shard's thread), with the USDT probes of those events.
class event_stats {
public:
    void on_event(time_point now, const dsr::event& e);
    const discovery_histogram& discovery() const { return _discovery; }
    const repair_histogram& repair() const { return _repair; }

private:
    discovery_histogram _discovery{};
    repair_histogram _repair{};
    std::optional<time_point> _repair_since; // a link broke; no replacement route yet
};

// What the counters are made of: the sum over shards, each shard's own
// snapshot, the transport (shard 0's, if any), the ports' names, and the
// XDP program's counters (XDP mode only).
struct stats_inputs {
    const shard_snapshot& total;
    std::span<const shard_snapshot> shards;
    const transport_service* transport = nullptr;
    std::span<const port_info> ports;
    const dataplane::stats_snapshot* xdp = nullptr;
    // Per port (empty: not counted): redirect failures from the xdp tracepoints.
    std::span<const babe_redirect_counts> redirect = {};
};

std::vector<counter> engine_counters(const stats_inputs& in);
std::vector<histogram_info> engine_histograms(const shard_snapshot& total);

} // namespace babe::engine
