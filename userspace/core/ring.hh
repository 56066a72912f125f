// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// One fixed-capacity ring (FIFO) for every queue of the data plane, with a
// threading policy:
//   ring<T>                  one thread: indexed access, slots written in
//                            place, any capacity, storage owned or lent;
//   ring<T, spsc_shared>     one producer and one consumer thread (the
//                            shard bus): lock-free, one acquire/release pair
//                            per side, a power-of-two capacity.
// Neither allocates after construction nor grows: a full ring refuses the
// push and the caller counts it.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>

namespace babe {

// Fixed rather than std::hardware_destructive_interference_size, whose value
// may differ between compilers (g++ warns about ABI instability).
inline constexpr std::size_t cache_line = 64;

// Threading policies.
struct single_threaded {};
struct spsc_shared {};

template <class T, class Threading = single_threaded>
class ring;

// One thread. Indices step without a division (i mod n for i < 2n); an
// emptied ring starts again at its first slot, so a queue drained every turn
// keeps reusing the same (cached) few slots instead of walking its storage.
template <class T>
class ring<T, single_threaded> {
public:
    ring() = default;
    // Owned storage of `capacity` value-initialised slots.
    explicit ring(std::size_t capacity)
        : _owned(capacity ? std::make_unique<T[]>(capacity) : nullptr), _v(_owned.get()), _cap(capacity)
    {
    }
    // Lent storage (e.g. an arena's untouched pages): the ring never frees it.
    explicit ring(std::span<T> storage) : _v(storage.data()), _cap(storage.size()) {}
    ring(ring&&) noexcept = default;
    ring& operator=(ring&&) noexcept = default;
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;

    std::size_t size() const { return _size; }
    std::size_t capacity() const { return _cap; }
    bool empty() const { return _size == 0; }
    bool full() const { return _size == _cap; }

    // The i-th oldest element, i < size().
    T& operator[](std::size_t i) { return _v[step(_head, i)]; }
    const T& operator[](std::size_t i) const { return _v[step(_head, i)]; }
    T& front() { return _v[_head]; }
    const T& front() const { return _v[_head]; }
    T& back() { return (*this)[_size - 1]; }

    // The slot behind the newest, now part of the ring, for the caller to
    // write in place; nullptr when full.
    T* push_slot()
    {
        if (full())
            return nullptr;
        T* s = &_v[step(_head, _size)];
        ++_size;
        return s;
    }
    bool try_push(const T& x)
    {
        T* s = push_slot();
        if (!s)
            return false;
        *s = x;
        return true;
    }
    void push_back(const T& x)
    {
        assert(!full());
        (void)try_push(x);
    }
    void pop_front()
    {
        assert(!empty());
        _head = --_size == 0 ? 0 : step(_head, 1);
    }
    std::optional<T> try_pop()
    {
        if (empty())
            return std::nullopt;
        std::optional<T> v{front()};
        pop_front();
        return v;
    }
    void clear() { _head = _size = 0; }

private:
    std::size_t step(std::size_t at, std::size_t by) const
    {
        const std::size_t i = at + by;
        return i >= _cap ? i - _cap : i;
    }

    std::unique_ptr<T[]> _owned;
    T* _v = nullptr;
    std::size_t _cap = 0;
    std::size_t _head = 0, _size = 0;
};

// One producer thread, one consumer thread. Positions count up without
// wrapping (a mask picks the slot); each side caches the other's position
// and reloads it only when the ring looks full (or empty).
template <class T>
class ring<T, spsc_shared> {
    static_assert(std::is_trivially_copyable_v<T>, "shared ring slots hold plain messages");

public:
    explicit ring(std::size_t capacity)
        : _slots(std::make_unique<T[]>(capacity)), _mask(capacity - 1)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
            throw std::invalid_argument("ring<spsc_shared>: capacity must be a power of two");
    }
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;

    // Producer side. False when full: the caller counts backpressure.
    bool try_push(const T& v)
    {
        const std::size_t head = _head.load(std::memory_order_relaxed);
        if (head - _tail_cache > _mask) {
            _tail_cache = _tail.load(std::memory_order_acquire);
            if (head - _tail_cache > _mask) {
                ++_full;
                return false;
            }
        }
        _slots[head & _mask] = v;
        _head.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer side.
    std::optional<T> try_pop()
    {
        const std::size_t tail = _tail.load(std::memory_order_relaxed);
        if (tail == _head_cache) {
            _head_cache = _head.load(std::memory_order_acquire);
            if (tail == _head_cache)
                return std::nullopt;
        }
        T v = _slots[tail & _mask];
        _tail.store(tail + 1, std::memory_order_release);
        return v;
    }

    // Approximate from either side; exact when the other side is idle.
    std::size_t size() const
    {
        return _head.load(std::memory_order_acquire) - _tail.load(std::memory_order_acquire);
    }
    std::size_t capacity() const { return _mask + 1; }
    // Pushes refused because the ring was full (read by the producer/metrics).
    std::uint64_t full_count() const { return _full; }

private:
    const std::unique_ptr<T[]> _slots;
    const std::size_t _mask;
    alignas(cache_line) std::atomic<std::size_t> _head{0};
    std::size_t _tail_cache = 0; // producer's view of _tail
    std::uint64_t _full = 0;
    alignas(cache_line) std::atomic<std::size_t> _tail{0};
    std::size_t _head_cache = 0; // consumer's view of _head
};

} // namespace babe
