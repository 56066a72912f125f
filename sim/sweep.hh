// SPDX-License-Identifier: Apache-2.0
// `babe-sim sweep`: run one scenario for every value of one parameter and
// several seeds, write every run to a CSV, aggregate mean / min / max over
// seeds per value, and plot pdr, normalized overhead and delay against the
// parameter with gnuplot. Runs are independent worlds, optionally on several
// threads; results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace babe::sim {

struct sweep_options {
    std::string scenario_path;
    std::string param;
    std::vector<std::string> values;
    std::uint32_t seeds = 3;
    std::uint64_t first_seed = 1;
    std::vector<std::string> overrides;
    std::string out_dir;
    unsigned jobs = 1;
    bool plot = true;
};

// Returns the process exit code (0 all runs passed their checkers).
int run_sweep(const sweep_options& opt);

// Peak resident set size of this process in bytes (0 when unknown).
std::uint64_t peak_rss_bytes();

} // namespace babe::sim
