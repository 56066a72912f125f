// SPDX-License-Identifier: Apache-2.0
// memory_maps: the in-memory map_access used by tests (see memory_maps.hh).
#include "dataplane/memory_maps.hh"

#include <algorithm>

namespace babe::dataplane {

memory_maps::memory_maps(std::size_t routes_max, std::size_t neighbours_max,
                         std::size_t tx_ports_max)
    : _routes_max(routes_max), _neighbours_max(neighbours_max), _tx_ports_max(tx_ports_max)
{
}

dp_result<void> memory_maps::put_route(be32 dst, const babe_route& route)
{
    if (route.n_hops > BABE_MAX_ROUTE_HOPS)
        return make_dp_error(errc::invalid_argument, "route longer than BABE_MAX_ROUTE_HOPS");
    auto it = _routes.find(dst);
    if (it != _routes.end()) {
        it->second = route;
        _route_age.remove(dst);
        _route_age.push_back(dst);
        return {};
    }
    if (_routes.size() >= _routes_max && !_route_age.empty()) {
        // LRU_HASH: the oldest entry makes room, the update never fails.
        _routes.erase(_route_age.front());
        _route_age.pop_front();
    }
    _routes.emplace(dst, route);
    _route_age.push_back(dst);
    return {};
}

dp_result<void> memory_maps::erase_route(be32 dst)
{
    if (_routes.erase(dst) == 0)
        return make_dp_error(errc::not_found, "no such route");
    _route_age.remove(dst);
    return {};
}

dp_result<std::optional<babe_route>> memory_maps::find_route(be32 dst) const
{
    auto it = _routes.find(dst);
    if (it == _routes.end())
        return std::optional<babe_route>{};
    return std::optional<babe_route>{it->second};
}

dp_result<std::vector<std::pair<be32, babe_route>>> memory_maps::list_routes() const
{
    return std::vector<std::pair<be32, babe_route>>(_routes.begin(), _routes.end());
}

dp_result<std::size_t> memory_maps::used_routes(std::uint16_t a, std::uint16_t b, std::span<be32> out) const
{
    std::size_t n = 0;
    for (const auto& [dst, r] : _routes) {
        if (r.used_epoch != a && r.used_epoch != b)
            continue;
        if (n < out.size())
            out[n] = dst;
        ++n;
    }
    return n;
}

bool memory_maps::mark_route_used(be32 dst)
{
    auto it = _routes.find(dst);
    if (it == _routes.end())
        return false;
    if (_config.route_epoch && it->second.used_epoch != _config.route_epoch)
        it->second.used_epoch = _config.route_epoch;
    return true;
}

dp_result<void> memory_maps::put_neighbour(be32 addr, const babe_neighbour& n)
{
    if (!_neighbours.contains(addr) && _neighbours.size() >= _neighbours_max)
        return make_dp_error(errc::full, "neighbours map is full");
    _neighbours[addr] = n;
    return {};
}

dp_result<void> memory_maps::erase_neighbour(be32 addr)
{
    if (_neighbours.erase(addr) == 0)
        return make_dp_error(errc::not_found, "no such neighbour");
    return {};
}

dp_result<std::optional<babe_neighbour>> memory_maps::find_neighbour(be32 addr) const
{
    auto it = _neighbours.find(addr);
    if (it == _neighbours.end())
        return std::optional<babe_neighbour>{};
    return std::optional<babe_neighbour>{it->second};
}

dp_result<std::vector<std::pair<be32, babe_neighbour>>> memory_maps::list_neighbours() const
{
    return std::vector<std::pair<be32, babe_neighbour>>(_neighbours.begin(), _neighbours.end());
}

dp_result<void> memory_maps::put_tx_port(std::uint32_t ifindex)
{
    if (ifindex == 0)
        return make_dp_error(errc::invalid_argument, "ifindex 0");
    if (!_tx_ports.contains(ifindex) && _tx_ports.size() >= _tx_ports_max)
        return make_dp_error(errc::full, "tx_ports map is full");
    _tx_ports[ifindex] = ifindex;
    return {};
}

dp_result<void> memory_maps::erase_tx_port(std::uint32_t ifindex)
{
    if (_tx_ports.erase(ifindex) == 0)
        return make_dp_error(errc::not_found, "no such tx port");
    return {};
}

dp_result<std::vector<std::uint32_t>> memory_maps::list_tx_ports() const
{
    std::vector<std::uint32_t> out;
    for (const auto& [k, v] : _tx_ports)
        out.push_back(k);
    return out;
}

dp_result<void> memory_maps::write_config(const babe_config& config)
{
    _config = config;
    return {};
}

dp_result<babe_config> memory_maps::read_config() const { return _config; }

dp_result<stats_snapshot> memory_maps::read_stats() const { return _stats; }

dp_result<void> memory_maps::clear_stats()
{
    _stats = {};
    return {};
}

void memory_maps::add_stat(unsigned id, std::uint64_t bytes)
{
    if (id >= _stats.size())
        return;
    _stats[id].packets += 1;
    _stats[id].bytes += bytes;
}

} // namespace babe::dataplane
