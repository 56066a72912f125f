// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A single-writer seqlock cell: the owner thread publishes a plain,
// trivially copyable snapshot (a shard's counters) and any thread reads a
// consistent copy without locking the writer. The writer never waits; a
// reader retries while a publish is in progress. For scrape-time metrics,
// not for the packet path (the writer publishes on a timer).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace babe {

template <typename T>
class seqlock_cell {
    static_assert(std::is_trivially_copyable_v<T>, "snapshots are plain data");

public:
    // Writer (one thread only).
    void publish(const T& v)
    {
        auto s = _seq.load(std::memory_order_relaxed);
        _seq.store(s + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        std::memcpy(static_cast<void*>(&_value), &v, sizeof(T));
        _seq.store(s + 2, std::memory_order_release);
    }

    // Any thread.
    T read() const
    {
        T out;
        for (;;) {
            auto s1 = _seq.load(std::memory_order_acquire);
            if (s1 & 1)
                continue;
            std::memcpy(static_cast<void*>(&out), &_value, sizeof(T));
            std::atomic_thread_fence(std::memory_order_acquire);
            if (_seq.load(std::memory_order_relaxed) == s1)
                return out;
        }
    }

private:
    std::atomic<std::uint32_t> _seq{0};
    T _value{};
};

} // namespace babe
