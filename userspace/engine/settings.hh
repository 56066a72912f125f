// SPDX-License-Identifier: Apache-2.0
// What the engine runs with: the node, its interfaces, the data path's
// choices and the DSR core's constants. The daemon fills it from its
// configuration (config/babed_config.hh), which the engine does not read.
#pragma once

#include "dsr/config.hh"

#include <cstdint>
#include <string>
#include <vector>

namespace babe::engine {

struct settings {
    std::uint32_t node_address = 0;           // host byte order
    std::vector<std::string> mesh_interfaces;
    std::uint32_t mesh_prefix = 0;            // host byte order, masked
    int mesh_prefix_len = 0;
    std::string xdp_mode = "auto";            // auto | native | generic
    std::string pin_path = "/sys/fs/bpf/babe";
    std::uint32_t shards = 0;                 // 0: one per online CPU
    std::string backend = "auto";             // afxdp | afpacket | auto
    std::uint32_t sched_slice_us = 100;       // each shard thread's scheduler slice (0: the kernel's)
    std::vector<unsigned> cpus;               // shard k on cpus[k % size]; empty: shard k on CPU k
    dsr::config dsr;
};

} // namespace babe::engine
