// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The shard bus's ring under its former name: ring<T, spsc_shared> (core/
// ring.hh) with a capacity fixed at compile time, until its callers name the
// template itself.
#pragma once

#include <cstddef>

#include "core/ring.hh"

namespace babe {

template <typename T, std::size_t Capacity>
class spsc_ring : public ring<T, spsc_shared> {
    static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "capacity must be a power of two");

public:
    spsc_ring() : ring<T, spsc_shared>(Capacity) {}
    static constexpr std::size_t capacity() { return Capacity; }
};

} // namespace babe
