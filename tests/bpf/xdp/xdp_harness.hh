// SPDX-License-Identifier: Apache-2.0
// Loads the real babe_xdp object, fills its maps with a small test topology
// and runs its programs through BPF_PROG_RUN one frame at a time (repeat=1:
// the programs rewrite packets in place). Shared by the fixture table, the
// randomized test and bench-xdp.
//
// Topology, seen from this node B = 10.0.0.2 (mesh prefix 10.0.0.0/16):
// neighbours 10.0.0.1 (A), .3 (C), .4 (D), .5 (E) and 10.0.1.1..10.0.1.20,
// all on interface `tx_ifindex` (loopback: BPF_PROG_RUN never transmits).
// 10.0.9.9 is known to nobody.
#pragma once

#include "babe_xdp.skel.h"
#include "packet.hh"

#include "babe/maps.h"
#include "babe/stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace babe::test {

inline constexpr std::uint8_t self_node = 2;
inline constexpr std::uint32_t tx_ifindex = 1;  // lo

inline std::uint32_t self_addr() { return addr(0, self_node); }

// Our MAC towards a neighbour (what the program writes as the source MAC).
inline mac our_mac_towards(std::uint8_t node) { return node_mac(node, 0xee); }

struct run_result {
    int err = 0;
    std::uint32_t retval = 0;
    bytes out;
};

struct xdp_deleter {
    void operator()(babe_xdp* s) const { babe_xdp::destroy(s); }
};

class xdp_harness {
public:
    // Loads the object; false when the kernel refuses it (the test fails).
    // cache_entries / stats_entries override the per-CPU sizing (0: as a
    // loader sizes them) to test CPUs past the end of those maps.
    bool load(std::uint32_t cache_entries = 0, std::uint32_t stats_entries = 0)
    {
        _skel.reset(babe_xdp::open());
        if (!_skel)
            return false;
        // One cache entry per possible CPU and a stats entry per CPU plus the
        // shared one, as a loader should size them.
        auto ncpu = static_cast<std::uint32_t>(libbpf_num_possible_cpus());
        if (bpf_map__set_max_entries(_skel->maps.babe_neigh_cache,
                                     cache_entries ? cache_entries : ncpu) != 0 ||
            bpf_map__set_max_entries(_skel->maps.stats, stats_entries ? stats_entries : ncpu + 1) !=
                0 ||
            babe_xdp::load(_skel.get()) != 0)
            return false;
        babe_config cfg{};
        cfg.self_addr = self_addr();
        cfg.mesh_prefix = addr(0, 0);
        cfg.mesh_prefix_len = 16;
        cfg.flags = BABE_CONFIG_F_ENABLED;
        cfg.local_ifindex = tx_ifindex;
        std::uint32_t key = 0;
        if (bpf_map_update_elem(fd(_skel->maps.config), &key, &cfg, BPF_ANY) != 0)
            return false;
        if (bpf_map_update_elem(fd(_skel->maps.tx_ports), &tx_ifindex, &tx_ifindex, BPF_ANY) != 0)
            return false;
        for (std::uint8_t n : {1, 3, 4, 5})
            if (!add_neighbour(addr(0, n), n))
                return false;
        for (std::uint8_t n = 1; n <= 20; ++n)
            if (!add_neighbour(addr(1, n), static_cast<std::uint8_t>(100 + n)))
                return false;
        return true;
    }

    bool add_neighbour(std::uint32_t a, std::uint8_t node)
    {
        babe_neighbour nb{};
        nb.ifindex = tx_ifindex;
        auto m = node_mac(node);
        auto s = our_mac_towards(node);
        std::memcpy(nb.mac, m.data(), 6);
        std::memcpy(nb.src_mac, s.data(), 6);
        return bpf_map_update_elem(fd(_skel->maps.neighbours), &a, &nb, BPF_ANY) == 0;
    }

    bool add_route(std::uint32_t dst, const std::vector<std::uint32_t>& hops)
    {
        babe_route r{};
        r.n_hops = static_cast<std::uint8_t>(hops.size());
        r.generation = 1;
        for (std::size_t i = 0; i < hops.size() && i < BABE_MAX_ROUTE_HOPS; ++i)
            r.hops[i] = hops[i];
        return bpf_map_update_elem(fd(_skel->maps.routes), &dst, &r, BPF_ANY) == 0;
    }

    std::optional<babe_route> route(std::uint32_t dst)
    {
        babe_route r{};
        if (bpf_map_lookup_elem(fd(_skel->maps.routes), &dst, &r) != 0)
            return std::nullopt;
        return r;
    }

    // The config's route_epoch (what the engine advances; 0: no marking).
    bool set_route_epoch(std::uint16_t epoch)
    {
        babe_config cfg{};
        std::uint32_t key = 0;
        if (bpf_map_lookup_elem(fd(_skel->maps.config), &key, &cfg) != 0)
            return false;
        cfg.route_epoch = epoch;
        return bpf_map_update_elem(fd(_skel->maps.config), &key, &cfg, BPF_ANY) == 0;
    }

    bool remove_neighbour(std::uint32_t a)
    {
        return bpf_map_delete_elem(fd(_skel->maps.neighbours), &a) == 0;
    }

    // Zero every CPU's neighbour cache: a neighbour change is then seen at once.
    bool flush_neigh_cache()
    {
        const bpf_map* m = _skel->maps.babe_neigh_cache;
        std::vector<std::uint8_t> zero(bpf_map__value_size(m), 0);
        for (std::uint32_t k = 0; k < bpf_map__max_entries(m); ++k)
            if (bpf_map_update_elem(fd(m), &k, zero.data(), BPF_ANY) != 0)
                return false;
        return true;
    }

    std::uint64_t last_heard(std::uint32_t a)
    {
        babe_neighbour nb{};
        if (bpf_map_lookup_elem(fd(_skel->maps.neighbours), &a, &nb) != 0)
            return ~0ULL;
        return nb.last_heard_ns;
    }

    // Sum of a counter over every entry (each CPU's and the shared one).
    std::uint64_t stat(std::uint32_t id)
    {
        const bpf_map* m = _skel->maps.stats;
        if (id >= BABE_STAT_MAX)
            return ~0ULL;
        std::uint64_t sum = 0;
        for (std::uint32_t k = 0; k < bpf_map__max_entries(m); ++k) {
            babe_stats_cpu v{};
            if (bpf_map_lookup_elem(fd(m), &k, &v) != 0)
                return ~0ULL;
            babe_stat c{};
            std::memcpy(&c, reinterpret_cast<const unsigned char*>(&v) + id * sizeof(babe_stat),
                        sizeof(c));
            sum += c.packets;
        }
        return sum;
    }

    // Packets of a counter in one `stats` entry (0: the shared one).
    std::uint64_t stat_entry(std::uint32_t key, std::uint32_t id)
    {
        babe_stats_cpu v{};
        if (id >= BABE_STAT_MAX || bpf_map_lookup_elem(fd(_skel->maps.stats), &key, &v) != 0)
            return ~0ULL;
        babe_stat c{};
        std::memcpy(&c, reinterpret_cast<const unsigned char*>(&v) + id * sizeof(babe_stat),
                    sizeof(c));
        return c.packets;
    }

    std::uint64_t last_tx(std::uint32_t a)
    {
        babe_neighbour nb{};
        if (bpf_map_lookup_elem(fd(_skel->maps.neighbours), &a, &nb) != 0)
            return ~0ULL;
        return nb.last_tx_ns;
    }

    std::vector<std::uint64_t> all_stats()
    {
        std::vector<std::uint64_t> v(BABE_STAT_MAX);
        for (std::uint32_t i = 0; i < BABE_STAT_MAX; ++i)
            v[i] = stat(i);
        return v;
    }

    int ingress_fd() const { return bpf_program__fd(_skel->progs.babe_mesh_ingress); }
    int egress_fd() const { return bpf_program__fd(_skel->progs.babe_local_egress); }
    babe_xdp* skel() const { return _skel.get(); }

    // One BPF_PROG_RUN of prog_fd over frame (repeat=1).
    static run_result run(int prog_fd, const bytes& frame, std::uint64_t* duration_ns = nullptr)
    {
        run_result r;
        r.out.resize(frame.size() + 512);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = r.out.data(),
                    .data_size_in = static_cast<std::uint32_t>(frame.size()),
                    .data_size_out = static_cast<std::uint32_t>(r.out.size()), .repeat = 1);
        r.err = bpf_prog_test_run_opts(prog_fd, &opts);
        r.retval = opts.retval;
        r.out.resize(opts.data_size_out);
        if (duration_ns)
            *duration_ns = opts.duration;
        return r;
    }

private:
    static int fd(const bpf_map* m) { return bpf_map__fd(m); }
    std::unique_ptr<babe_xdp, xdp_deleter> _skel;
};

}  // namespace babe::test
