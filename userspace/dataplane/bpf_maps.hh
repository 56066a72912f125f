// SPDX-License-Identifier: Apache-2.0
// bpf_maps: map_access over the kernel maps of babe_xdp, either taken from a
// loaded object (xdp_loader::maps()) or opened from their pins without
// loading anything (open_pinned: what babe-dpctl and a restarted daemon do).
// Checks each map's type and key/value sizes against headers/babe/maps.h on
// open, so a stale pin from an older layout is an error, not corruption.
#pragma once

#include "core/unique_fd.hh"
#include "dataplane/map_access.hh"

#include <memory>
#include <string>

struct bpf_object;

namespace babe::dataplane {

class bpf_maps final : public map_access {
public:
    // Opens <pin_path>/{routes,neighbours,tx_ports,stats,config}.
    static dp_result<std::unique_ptr<bpf_maps>> open_pinned(const std::string& pin_path);
    // Takes (dups) the fds of a loaded object's maps.
    static dp_result<std::unique_ptr<bpf_maps>> from_object(bpf_object* obj);

    bpf_maps(const bpf_maps&) = delete;
    bpf_maps& operator=(const bpf_maps&) = delete;

    dp_result<void> put_route(be32 dst, const babe_route& route) override;
    dp_result<void> erase_route(be32 dst) override;
    dp_result<std::optional<babe_route>> find_route(be32 dst) const override;
    dp_result<std::vector<std::pair<be32, babe_route>>> list_routes() const override;
    dp_result<std::size_t> used_routes(std::uint16_t a, std::uint16_t b, std::span<be32> out) const override;

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

    int routes_fd() const { return _routes.get(); }
    int neighbours_fd() const { return _neighbours.get(); }
    int tx_ports_fd() const { return _tx_ports.get(); }
    int stats_fd() const { return _stats.get(); }
    int config_fd() const { return _config.get(); }

private:
    bpf_maps() = default;
    static dp_result<void> check(int fd, const char* name, unsigned type, unsigned key_size,
                                 unsigned value_size);

    unique_fd _routes;
    unique_fd _neighbours;
    unique_fd _tx_ports;
    unique_fd _stats;
    unique_fd _config;
    unsigned _tx_value_size = 4; // 4 (ifindex) or 8 (struct bpf_devmap_val)
    std::uint32_t _stats_entries = 0; // CPUs + 1 (see headers/babe/stats.h)
};

} // namespace babe::dataplane
