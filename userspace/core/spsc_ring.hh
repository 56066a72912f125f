// SPDX-License-Identifier: Apache-2.0
// A bounded single-producer/single-consumer ring: how shards talk to each
// other (ARCHITECTURE.md §4). Lock-free (one acquire/release pair per side),
// no allocation after construction, and a full ring is reported to the
// producer, who counts it as backpressure rather than blocking or growing.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace babe {

// Fixed rather than std::hardware_destructive_interference_size, whose value
// may differ between compilers (g++ warns about ABI instability).
inline constexpr std::size_t cache_line = 64;

template <typename T, std::size_t Capacity>
class spsc_ring {
    static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0,
                  "capacity must be a power of two");
    static_assert(std::is_trivially_copyable_v<T>, "ring slots hold plain messages");

public:
    // Producer side. False when full: the caller counts backpressure.
    bool try_push(const T& v)
    {
        auto head = _head.load(std::memory_order_relaxed);
        if (head - _tail_cache == Capacity) {
            _tail_cache = _tail.load(std::memory_order_acquire);
            if (head - _tail_cache == Capacity) {
                ++_full;
                return false;
            }
        }
        _slots[head & (Capacity - 1)] = v;
        _head.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer side.
    std::optional<T> try_pop()
    {
        auto tail = _tail.load(std::memory_order_relaxed);
        if (tail == _head_cache) {
            _head_cache = _head.load(std::memory_order_acquire);
            if (tail == _head_cache)
                return std::nullopt;
        }
        T v = _slots[tail & (Capacity - 1)];
        _tail.store(tail + 1, std::memory_order_release);
        return v;
    }

    // Approximate from either side; exact when the other side is idle.
    std::size_t size() const
    {
        return _head.load(std::memory_order_acquire) - _tail.load(std::memory_order_acquire);
    }
    static constexpr std::size_t capacity() { return Capacity; }
    // Pushes refused because the ring was full (read by the producer/metrics).
    std::uint64_t full_count() const { return _full; }

private:
    alignas(cache_line) std::atomic<std::size_t> _head{0};
    std::size_t _tail_cache = 0; // producer's view of _tail
    std::uint64_t _full = 0;
    alignas(cache_line) std::atomic<std::size_t> _tail{0};
    std::size_t _head_cache = 0; // consumer's view of _head
    alignas(cache_line) std::array<T, Capacity> _slots{};
};

} // namespace babe
