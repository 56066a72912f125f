// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A small deterministic pseudo-random generator for the sans-IO cores
// (jitter, random delays): xoshiro256** seeded through splitmix64. Same seed,
// same sequence, on every machine; no global state, no clock.
#pragma once

#include <cstdint>

namespace babe {

// SplitMix64 step: expands a seed into generator state (and derives seeds).
constexpr std::uint64_t splitmix64(std::uint64_t& x)
{
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

class prng {
public:
    explicit prng(std::uint64_t seed)
    {
        for (auto& w : _s)
            w = splitmix64(seed);
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(_s[1] * 5, 7) * 9;
        const std::uint64_t t = _s[1] << 17;
        _s[2] ^= _s[0];
        _s[3] ^= _s[1];
        _s[1] ^= _s[2];
        _s[0] ^= _s[3];
        _s[2] ^= t;
        _s[3] = rotl(_s[3], 45);
        return result;
    }

    // Uniform in [0, bound) (bound > 0); Lemire's multiply-shift, bias < 2^-32
    // for the bounds the cores use.
    std::uint64_t below(std::uint64_t bound)
    {
        if (bound == 0)
            return 0;
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
    }

    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::uint64_t _s[4];
};

} // namespace babe
