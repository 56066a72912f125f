// SPDX-License-Identifier: Apache-2.0
// Neighbour lookup in O(nodes nearby): nodes are binned into square cells at
// refresh time (a counting sort into one flat array, no allocation once
// warm). Between refreshes nodes drift by at most `slack` metres, so a query
// for radius r visits the cells within r + slack and the caller tests exact
// distances with current positions. Candidates come out in a fixed order
// (cell by cell, by node index within a cell): deterministic.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/mobility.hh"

namespace babe::sim {

class spatial_grid {
public:
    // cell_m: cell side (>= query radius + slack keeps queries to 3x3 cells).
    explicit spatial_grid(double cell_m) : _cell(cell_m > 0 ? cell_m : 1) {}

    // Re-bin `positions` (index = node).
    void rebuild(const std::vector<vec2>& positions)
    {
        const std::size_t n = positions.size();
        double minx = 0, miny = 0, maxx = 0, maxy = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& p = positions[i];
            if (i == 0 || p.x < minx) minx = p.x;
            if (i == 0 || p.y < miny) miny = p.y;
            if (i == 0 || p.x > maxx) maxx = p.x;
            if (i == 0 || p.y > maxy) maxy = p.y;
        }
        _ox = minx;
        _oy = miny;
        _cols = static_cast<std::int64_t>((maxx - minx) / _cell) + 1;
        _rows = static_cast<std::int64_t>((maxy - miny) / _cell) + 1;
        _start.assign(static_cast<std::size_t>(_cols * _rows) + 1, 0);
        _cell_of.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            auto c = cell_index(positions[i]);
            _cell_of[i] = static_cast<std::uint32_t>(c);
            ++_start[c + 1];
        }
        for (std::size_t c = 1; c < _start.size(); ++c)
            _start[c] += _start[c - 1];
        _items.resize(n);
        _fill.assign(_start.begin(), _start.end() - 1);
        for (std::size_t i = 0; i < n; ++i)
            _items[_fill[_cell_of[i]]++] = static_cast<std::uint32_t>(i);
    }

    // Call f(node) for every node binned within `reach` metres of cells around p.
    template <class F>
    void for_each_candidate(vec2 p, double reach, F&& f) const
    {
        if (_items.empty())
            return;
        auto cx0 = clamp_col(static_cast<std::int64_t>(std::floor((p.x - reach - _ox) / _cell)));
        auto cx1 = clamp_col(static_cast<std::int64_t>(std::floor((p.x + reach - _ox) / _cell)));
        auto cy0 = clamp_row(static_cast<std::int64_t>(std::floor((p.y - reach - _oy) / _cell)));
        auto cy1 = clamp_row(static_cast<std::int64_t>(std::floor((p.y + reach - _oy) / _cell)));
        for (auto cy = cy0; cy <= cy1; ++cy)
            for (auto cx = cx0; cx <= cx1; ++cx) {
                auto c = static_cast<std::size_t>(cy * _cols + cx);
                for (auto k = _start[c]; k < _start[c + 1]; ++k)
                    f(_items[k]);
            }
    }

    double cell_m() const { return _cell; }

private:
    std::int64_t clamp_col(std::int64_t c) const { return std::clamp<std::int64_t>(c, 0, _cols - 1); }
    std::int64_t clamp_row(std::int64_t r) const { return std::clamp<std::int64_t>(r, 0, _rows - 1); }
    std::size_t cell_index(vec2 p) const
    {
        auto cx = clamp_col(static_cast<std::int64_t>((p.x - _ox) / _cell));
        auto cy = clamp_row(static_cast<std::int64_t>((p.y - _oy) / _cell));
        return static_cast<std::size_t>(cy * _cols + cx);
    }

    double _cell;
    double _ox = 0, _oy = 0;
    std::int64_t _cols = 1, _rows = 1;
    std::vector<std::uint32_t> _start, _fill, _cell_of, _items;
};

} // namespace babe::sim
