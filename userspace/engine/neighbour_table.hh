// SPDX-License-Identifier: Apache-2.0
// What a shard knows of its neighbours' link layer: IPv4 address -> port
// and MAC, learned from the frames it receives (the Ethernet source of a
// packet whose previous DSR hop is that address). Fixed capacity, open
// addressing, no allocation after construction; a full table refuses new
// neighbours and counts it.
#pragma once

#include "dsr/types.hh"
#include "engine/packet_io.hh"

#include <array>
#include <cstdint>
#include <memory>

namespace babe::engine {

using mac_addr = std::array<std::uint8_t, 6>;

struct neighbour_entry {
    dsr::addr ip = dsr::no_addr; // no_addr: empty slot
    port_id port = 0;
    mac_addr mac{};
    bool in_map = false;          // written to the kernel's neighbours map
    std::uint64_t last_heard_ns = 0; // last kernel stamp seen (CLOCK_MONOTONIC)
    std::int64_t engine_heard_ns = 0; // last frame from it the engine received
    std::int64_t lost_ns = 0;         // its link broke then (0 = not lost)
    std::int64_t probed_ns = 0;       // last recovery probe
    bool dense = false;               // its last two "heard" stamps were < holdoff / 2 apart
};

class neighbour_table {
public:
    explicit neighbour_table(std::uint32_t capacity_pow2)
        : _mask(capacity_pow2 - 1), _slots(std::make_unique<neighbour_entry[]>(capacity_pow2))
    {
    }

    neighbour_entry* find(dsr::addr ip)
    {
        for (std::uint32_t i = 0, s = hash(ip); i <= _mask; ++i, s = (s + 1) & _mask) {
            if (_slots[s].ip == ip)
                return &_slots[s];
            if (_slots[s].ip == dsr::no_addr)
                return nullptr;
        }
        return nullptr;
    }

    // The entry for ip, created when missing; nullptr when the table is full.
    neighbour_entry* upsert(dsr::addr ip)
    {
        for (std::uint32_t i = 0, s = hash(ip); i <= _mask; ++i, s = (s + 1) & _mask) {
            if (_slots[s].ip == ip)
                return &_slots[s];
            if (_slots[s].ip == dsr::no_addr) {
                _slots[s] = neighbour_entry{};
                _slots[s].ip = ip;
                ++_size;
                return &_slots[s];
            }
        }
        ++_full;
        return nullptr;
    }

    template <typename F>
    void for_each(F&& f)
    {
        for (std::uint32_t s = 0; s <= _mask; ++s)
            if (_slots[s].ip != dsr::no_addr)
                f(_slots[s]);
    }

    std::uint32_t size() const { return _size; }
    std::uint64_t full_count() const { return _full; }

private:
    std::uint32_t hash(dsr::addr ip) const { return (ip * 2654435761u) & _mask; }

    std::uint32_t _mask;
    std::unique_ptr<neighbour_entry[]> _slots;
    std::uint32_t _size = 0;
    std::uint64_t _full = 0;
};

} // namespace babe::engine
