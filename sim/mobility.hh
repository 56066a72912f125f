// SPDX-License-Identifier: Apache-2.0
// Node movement. Each node follows a sequence of straight segments (a pause
// is a segment that does not move); its position is computed lazily from the
// current segment when asked, and the next segment is drawn only when time
// passes the end of the current one. Random waypoint draws come from one
// stream per node, so a node's path never depends on what others do.
// Queries must be made with non-decreasing time per node.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/rng.hh"
#include "sim/scenario.hh"

namespace babe::sim {

struct vec2 {
    double x = 0, y = 0;
};

inline double dist2(vec2 a, vec2 b)
{
    double dx = a.x - b.x, dy = a.y - b.y;
    return dx * dx + dy * dy;
}

class mobility {
public:
    // Throws std::runtime_error when a positions file cannot be read.
    mobility(const scenario& sc, std::uint64_t seed);

    // Position of `node` at `t_ns` (non-decreasing per node).
    vec2 position(std::uint32_t node, std::int64_t t_ns)
    {
        auto& s = _seg[node];
        if (t_ns >= s.t1_ns) [[unlikely]]
            advance(node, t_ns);
        if (s.t1_ns == s.t0_ns || (s.from.x == s.to.x && s.from.y == s.to.y))
            return s.from;
        double f = static_cast<double>(t_ns - s.t0_ns) / static_cast<double>(s.t1_ns - s.t0_ns);
        return vec2{s.from.x + (s.to.x - s.from.x) * f, s.from.y + (s.to.y - s.from.y) * f};
    }

    // Fastest any node may move (m/s): bounds how stale the spatial grid gets.
    double max_speed_mps() const { return _max_speed; }
    bool moves() const { return _max_speed > 0; }
    std::uint32_t size() const { return static_cast<std::uint32_t>(_seg.size()); }

private:
    static constexpr std::int64_t forever = std::numeric_limits<std::int64_t>::max();

    struct segment {
        std::int64_t t0_ns = 0, t1_ns = forever;
        vec2 from, to;
        bool moving = false;   // random waypoint: a move (else a pause)
        std::uint32_t next = 0; // file: index of the next waypoint
    };

    void advance(std::uint32_t node, std::int64_t t_ns);
    void load_file(const std::string& path, std::uint32_t nodes);

    mobility_model _model;
    double _x, _y, _min_speed, _max_speed_cfg, _pause_s;
    double _max_speed = 0;
    std::vector<segment> _seg;
    std::vector<rng> _rng; // random waypoint: one per node
    struct waypoint {
        std::int64_t t_ns;
        vec2 p;
    };
    std::vector<std::vector<waypoint>> _trace; // file: per node, by time
};

} // namespace babe::sim
