// SPDX-License-Identifier: Apache-2.0
// core/seqlock: a reader never sees a torn snapshot. The writer publishes
// snapshots whose words all hold the same sequence number, on another
// thread, as fast as it can; the reader checks that every copy it gets is
// whole (all words equal) and that the numbers never go back.
#include "core/seqlock.hh"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

namespace babe {
namespace {

// Big enough (256 bytes) that a copy is many stores, not one.
struct snapshot {
    std::array<std::uint64_t, 32> words{};
};

snapshot numbered(std::uint64_t n)
{
    snapshot s;
    s.words.fill(n);
    return s;
}

TEST(Seqlock, ReadsTheLastPublishedValue)
{
    seqlock_cell<snapshot> cell;
    EXPECT_EQ(cell.read().words[0], 0U);
    cell.publish(numbered(7));
    EXPECT_EQ(cell.read().words, numbered(7).words);
    cell.publish(numbered(8));
    EXPECT_EQ(cell.read().words, numbered(8).words);
}

TEST(Seqlock, ConcurrentReaderNeverSeesATornSnapshot)
{
    // The writer goes on until the reader has seen this many different
    // snapshots, so that reads and publishes surely overlapped, however the
    // two threads were scheduled.
    constexpr std::uint64_t min_publishes = 100000;
    constexpr std::uint64_t min_changes_seen = 2000;
    seqlock_cell<snapshot> cell;
    std::atomic<std::uint64_t> changes_seen{0};
    std::atomic<bool> done{false};
    std::uint64_t torn = 0, backwards = 0;
    std::thread reader([&] {
        std::uint64_t last = 0;
        while (!done.load(std::memory_order_acquire)) {
            snapshot s = cell.read();
            const std::uint64_t first = s.words[0];
            for (auto w : s.words)
                torn += w != first;
            backwards += first < last;
            if (first != last)
                changes_seen.fetch_add(1, std::memory_order_relaxed);
            last = first;
        }
    });
    std::uint64_t n = 0;
    while (n < min_publishes || changes_seen.load(std::memory_order_relaxed) < min_changes_seen) {
        cell.publish(numbered(++n));
        // Back-to-back publishes leave a reader almost no even-sequence
        // window; a pause now and then lets reads complete, as the timer-
        // driven writer in the engine does.
        if (n % 8 == 0)
            std::this_thread::yield();
    }
    done.store(true, std::memory_order_release);
    reader.join();
    EXPECT_EQ(torn, 0U) << "words of different snapshots in one read";
    EXPECT_EQ(backwards, 0U);
    EXPECT_EQ(cell.read().words, numbered(n).words);
}

} // namespace
} // namespace babe
