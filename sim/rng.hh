// SPDX-License-Identifier: Apache-2.0
// Seeded pseudo-random numbers for the simulator. A run is a pure function of
// (scenario, seed): every purpose (each node's mobility, traffic, loss, MAC
// backoff, each node's DSR core) gets its own stream derived from the run
// seed and a purpose tag, so adding draws in one place never shifts another.
// xoshiro256** streams seeded through SplitMix64; no global state.
#pragma once

#include <cstdint>

#include "core/prng.hh"

namespace babe::sim {

using babe::splitmix64;

// Purposes of the random streams (stable numbers: changing them changes runs).
enum class stream : std::uint64_t {
    mobility = 1,
    traffic = 2,
    loss = 3,
    mac = 4,
    core = 5,
    placement = 6,
    transport = 7, // each node's transport endpoint (ISNs)
};

// The seed of stream `s` for index `i` (a node, a flow) of a run seeded `seed`.
constexpr std::uint64_t derive_seed(std::uint64_t seed, stream s, std::uint64_t i = 0)
{
    std::uint64_t st = seed ^ (static_cast<std::uint64_t>(s) * 0xd1b54a32d192ed03ull);
    std::uint64_t a = splitmix64(st);
    st = a ^ (i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull);
    return splitmix64(st);
}

// The project's xoshiro256** generator (core/prng.hh) with the draws the
// simulator needs.
class rng {
public:
    explicit rng(std::uint64_t seed = 0) : _p(seed) {}

    void reseed(std::uint64_t seed) { _p = prng(seed); }
    std::uint64_t next() { return _p.next(); }

    // Uniform in [0, 1).
    double uniform() { return _p.unit(); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n) (n > 0), without modulo bias worth noticing
    // (Lemire's multiply-shift).
    std::uint32_t below(std::uint32_t n)
    {
        return static_cast<std::uint32_t>((static_cast<unsigned __int128>(next() >> 32) * n) >> 32);
    }
    bool chance(double p) { return p > 0 && (p >= 1 || uniform() < p); }

private:
    prng _p;
};

} // namespace babe::sim
