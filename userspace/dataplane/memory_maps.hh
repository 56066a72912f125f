// SPDX-License-Identifier: Apache-2.0
// memory_maps: map_access in plain memory, with the same capacity limits and
// the same error codes as the kernel maps (full when a HASH is at
// max_entries, LRU eviction of the oldest route when routes is full). For
// tests of the engine and babe-dpctl without root; counters are set by the
// test through add_stat().
#pragma once

#include "dataplane/map_access.hh"

#include <cstdint>
#include <list>
#include <map>

namespace babe::dataplane {

class memory_maps final : public map_access {
public:
    memory_maps(std::size_t routes_max = BABE_ROUTES_MAX,
                std::size_t neighbours_max = BABE_NEIGHBOURS_MAX,
                std::size_t tx_ports_max = BABE_TX_PORTS_MAX);

    dp_result<void> put_route(be32 dst, const babe_route& route) override;
    dp_result<void> erase_route(be32 dst) override;
    dp_result<std::optional<babe_route>> find_route(be32 dst) const override;
    dp_result<std::vector<std::pair<be32, babe_route>>> list_routes() const override;
    dp_result<std::size_t> used_routes(std::uint16_t a, std::uint16_t b, std::span<be32> out) const override;
    // What local egress does to a route it sends on (tests): the mark of the
    // config's route_epoch, when that is not 0. False without such a route.
    bool mark_route_used(be32 dst);

    dp_result<void> put_neighbour(be32 addr, const babe_neighbour& n) override;
    dp_result<void> erase_neighbour(be32 addr) override;
    dp_result<std::optional<babe_neighbour>> find_neighbour(be32 addr) const override;
    dp_result<std::vector<std::pair<be32, babe_neighbour>>> list_neighbours() const override;

    dp_result<void> put_tx_port(std::uint32_t ifindex) override;
    dp_result<void> erase_tx_port(std::uint32_t ifindex) override;
    dp_result<std::vector<std::uint32_t>> list_tx_ports() const override;

    dp_result<void> write_config(const babe_config& config) override;
    dp_result<babe_config> read_config() const override;

    dp_result<stats_snapshot> read_stats() const override;
    dp_result<void> clear_stats() override;

    // What the XDP programs would do: count one packet of `bytes` under `id`.
    void add_stat(unsigned id, std::uint64_t bytes);

private:
    std::size_t _routes_max;
    std::size_t _neighbours_max;
    std::size_t _tx_ports_max;
    std::map<be32, babe_route> _routes;
    std::list<be32> _route_age; // oldest first, for LRU eviction
    std::map<be32, babe_neighbour> _neighbours;
    std::map<std::uint32_t, std::uint32_t> _tx_ports;
    babe_config _config{};
    stats_snapshot _stats{};
};

} // namespace babe::dataplane
