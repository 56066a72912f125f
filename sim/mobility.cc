// SPDX-License-Identifier: Apache-2.0
// Mobility models (see mobility.hh): random waypoint (Broch et al.: every
// node first stays put for the pause time, then moves to a uniform random
// point at a uniform random speed in [min, max], pauses, and so on), static
// random placement, a static grid, a chain, and waypoints from a file.
#include "sim/mobility.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace babe::sim {

namespace {
std::int64_t ns_of(double s) { return static_cast<std::int64_t>(std::llround(s * 1e9)); }
} // namespace

mobility::mobility(const scenario& sc, std::uint64_t seed)
    : _model(sc.mobility.model), _x(sc.area_x_m), _y(sc.area_y_m),
      _min_speed(sc.mobility.min_speed_mps), _max_speed_cfg(sc.mobility.max_speed_mps),
      _pause_s(sc.mobility.pause_s)
{
    const std::uint32_t n = sc.nodes;
    _seg.resize(n);
    rng place(derive_seed(seed, stream::placement));
    switch (_model) {
    case mobility_model::random_waypoint:
        _rng.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            _rng.emplace_back(derive_seed(seed, stream::mobility, i));
            auto& s = _seg[i];
            s.from = s.to = vec2{_rng[i].uniform(0, _x), _rng[i].uniform(0, _y)};
            s.t0_ns = 0;
            s.t1_ns = _max_speed_cfg > 0 ? ns_of(_pause_s) : forever;
            s.moving = false;
        }
        _max_speed = _max_speed_cfg;
        break;
    case mobility_model::static_random:
        for (auto& s : _seg)
            s.from = s.to = vec2{place.uniform(0, _x), place.uniform(0, _y)};
        break;
    case mobility_model::grid: {
        std::uint32_t cols = sc.mobility.columns
                                 ? sc.mobility.columns
                                 : static_cast<std::uint32_t>(std::ceil(std::sqrt(double(n))));
        for (std::uint32_t i = 0; i < n; ++i)
            _seg[i].from = _seg[i].to =
                vec2{(i % cols) * sc.mobility.spacing_m, (i / cols) * sc.mobility.spacing_m};
        break;
    }
    case mobility_model::chain:
        for (std::uint32_t i = 0; i < n; ++i)
            _seg[i].from = _seg[i].to = vec2{i * sc.mobility.spacing_m, 0};
        break;
    case mobility_model::file:
        load_file(sc.mobility.file, n);
        break;
    }
}

void mobility::load_file(const std::string& path, std::uint32_t nodes)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(fmt::format("{}: cannot open positions file", path));
    _trace.assign(nodes, {});
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        auto hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        std::istringstream ls(line);
        double t, x, y;
        long id;
        if (!(ls >> t)) // blank line
            continue;
        std::string rest;
        if (!(ls >> id >> x >> y) || (ls >> rest) || t < 0 || id < 0)
            throw std::runtime_error(
                fmt::format("{}:{}: expected 't_s node x_m y_m'", path, lineno));
        if (static_cast<std::uint64_t>(id) >= nodes)
            throw std::runtime_error(fmt::format("{}:{}: node {} out of range", path, lineno, id));
        _trace[id].push_back(waypoint{ns_of(t), vec2{x, y}});
    }
    for (std::uint32_t i = 0; i < nodes; ++i) {
        auto& tr = _trace[i];
        if (tr.empty())
            throw std::runtime_error(fmt::format("{}: no position for node {}", path, i));
        std::stable_sort(tr.begin(), tr.end(),
                         [](const waypoint& a, const waypoint& b) { return a.t_ns < b.t_ns; });
        for (std::size_t k = 1; k < tr.size(); ++k) {
            double dt = (tr[k].t_ns - tr[k - 1].t_ns) / 1e9;
            double d = std::sqrt(dist2(tr[k].p, tr[k - 1].p));
            if (d > 0)
                _max_speed = std::max(_max_speed, dt > 0 ? d / dt : 1e9);
        }
        auto& s = _seg[i];
        s.from = s.to = tr[0].p;
        s.t0_ns = 0;
        s.t1_ns = tr.size() > 1 ? tr[0].t_ns : forever;
        s.next = 0;
    }
}

void mobility::advance(std::uint32_t node, std::int64_t t_ns)
{
    auto& s = _seg[node];
    while (t_ns >= s.t1_ns) {
        if (_model == mobility_model::file) {
            const auto& tr = _trace[node];
            std::uint32_t k = s.next;
            s.from = tr[k].p;
            s.t0_ns = tr[k].t_ns;
            if (k + 1 < tr.size()) {
                s.to = tr[k + 1].p;
                s.t1_ns = tr[k + 1].t_ns;
                s.next = k + 1;
            } else {
                s.to = s.from;
                s.t1_ns = forever;
            }
            continue;
        }
        // random waypoint: a move follows a pause, a pause follows a move
        auto& r = _rng[node];
        s.from = s.to;
        s.t0_ns = s.t1_ns;
        if (!s.moving) {
            vec2 dest{r.uniform(0, _x), r.uniform(0, _y)};
            double speed = std::max(r.uniform(_min_speed, _max_speed_cfg), 1e-3);
            double d = std::sqrt(dist2(s.from, dest));
            s.to = dest;
            s.t1_ns = s.t0_ns + std::max<std::int64_t>(1, ns_of(d / speed));
            s.moving = true;
        } else {
            s.to = s.from;
            s.t1_ns = s.t0_ns + std::max<std::int64_t>(1, ns_of(_pause_s));
            s.moving = false;
        }
    }
}

} // namespace babe::sim
