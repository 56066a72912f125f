// SPDX-License-Identifier: Apache-2.0
// map_access: the typed view of the XDP programs' maps (routes, neighbours,
// tx_ports, config, stats; layouts from headers/babe/maps.h and stats.h).
// The engine and babe-dpctl talk to the data plane only through this
// interface (katran's BaseBpfAdapter pattern): bpf_maps implements it over
// real (pinned) map fds, memory_maps in plain memory so that code above the
// data plane is tested without root. Addresses are __be32 (network order)
// as in the maps; per-CPU stats come back summed over all CPUs.
#pragma once

#include "dataplane/error.hh"

#include <babe/maps.h>
#include <babe/stats.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace babe::dataplane {

using be32 = std::uint32_t; // an IPv4 address in network byte order

// One counter of the stats map, summed over CPUs.
struct stat_counter {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

// Every counter, indexed by enum babe_stat_id.
using stats_snapshot = std::array<stat_counter, BABE_STAT_MAX>;

// The label of a counter id ("transit", "drop_no_room"...), from the X-macro tables.
const char* stat_label(unsigned id);
// The counter id of a label, or BABE_STAT_MAX.
unsigned stat_id_from_label(std::string_view label);

class map_access {
public:
    virtual ~map_access() = default;

    // routes: destination -> source route (intermediate hops only).
    virtual dp_result<void> put_route(be32 dst, const babe_route& route) = 0;
    virtual dp_result<void> erase_route(be32 dst) = 0;
    virtual dp_result<std::optional<babe_route>> find_route(be32 dst) const = 0;
    virtual dp_result<std::vector<std::pair<be32, babe_route>>> list_routes() const = 0;
    // The destinations of the routes XDP marked as used in epoch `a` or `b`
    // (babe_route.used_epoch, see maps.h), into out: returns how many routes
    // carry such a mark, which may exceed out.size() (the rest are not
    // listed). One pass over the map; no allocation.
    virtual dp_result<std::size_t> used_routes(std::uint16_t a, std::uint16_t b, std::span<be32> out) const = 0;

    // neighbours: next hop -> interface and MACs. put keeps last_heard_ns as given.
    virtual dp_result<void> put_neighbour(be32 addr, const babe_neighbour& n) = 0;
    virtual dp_result<void> erase_neighbour(be32 addr) = 0;
    virtual dp_result<std::optional<babe_neighbour>> find_neighbour(be32 addr) const = 0;
    virtual dp_result<std::vector<std::pair<be32, babe_neighbour>>> list_neighbours() const = 0;

    // tx_ports: the interfaces XDP may redirect to (devmap, key = value = ifindex).
    virtual dp_result<void> put_tx_port(std::uint32_t ifindex) = 0;
    virtual dp_result<void> erase_tx_port(std::uint32_t ifindex) = 0;
    virtual dp_result<std::vector<std::uint32_t>> list_tx_ports() const = 0;

    // config: the single entry (key 0).
    virtual dp_result<void> write_config(const babe_config& config) = 0;
    virtual dp_result<babe_config> read_config() const = 0;

    // stats: summed over CPUs; clear zeroes every counter on every CPU.
    virtual dp_result<stats_snapshot> read_stats() const = 0;
    virtual dp_result<void> clear_stats() = 0;
};

// Builds a route value from the intermediate hops; invalid_argument beyond
// BABE_MAX_ROUTE_HOPS.
dp_result<babe_route> make_route(const std::vector<be32>& hops, std::uint32_t generation = 0);

} // namespace babe::dataplane
