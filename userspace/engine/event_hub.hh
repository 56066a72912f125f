// SPDX-License-Identifier: Apache-2.0
// Protocol events from the engine to `babectl monitor` clients, bounded so a
// large mesh cannot flood anyone: the engine publishes from any thread; each
// subscriber has a filter (event kinds, optionally one node) and a bounded
// queue; an event that finds the queue full is dropped and counted for that
// subscriber (the monitor stream reports the count). Publishing costs one
// atomic load when no subscriber wants the kind, so the engine may publish
// from its loop freely; `wanted()` lets it skip building an event at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/service.hh"

namespace babe::engine {

struct event_filter {
    std::uint32_t kinds = ~std::uint32_t{0}; // bit (1 << kind); all by default
    std::optional<ipv4> node;                // only events naming this address (dst, from, to, hops)

    bool matches(const event& e) const;
    static std::uint32_t bit(event_kind k) { return std::uint32_t{1} << static_cast<int>(k); }
};

// One subscriber's bounded queue. Owned jointly by the hub and the subscriber.
class subscription {
public:
    subscription(event_filter filter, std::size_t limit, std::function<void()> wake);

    // Moves up to `max` queued events into `out`; returns how many.
    std::size_t pop(std::vector<event>& out, std::size_t max);
    // Drops since the last call (and resets that count).
    std::uint64_t take_dropped();
    std::uint64_t dropped_total() const;
    std::uint64_t delivered_total() const;
    const event_filter& filter() const { return _filter; }

private:
    friend class event_hub;
    void offer(const event& e); // called by the hub

    const event_filter _filter;
    const std::size_t _limit;
    const std::function<void()> _wake;
    mutable std::mutex _mutex;
    std::deque<event> _queue;
    std::uint64_t _dropped_since = 0;
    std::uint64_t _dropped_total = 0;
    std::uint64_t _delivered_total = 0;
};

class event_hub {
public:
    // Publishes `e` to every subscriber whose filter matches. Stamps
    // time_ms with the wall clock when it is 0. Any thread.
    void publish(event e);
    // True when some subscriber's filter takes this kind.
    bool wanted(event_kind k) const
    {
        return (_wanted.load(std::memory_order_relaxed) & event_filter::bit(k)) != 0;
    }

    // `wake` is called (from the publishing thread, outside the hub's lock
    // when possible) when the subscriber's queue goes from empty to non-empty.
    std::shared_ptr<subscription> subscribe(event_filter filter, std::size_t limit,
                                            std::function<void()> wake);
    void unsubscribe(const std::shared_ptr<subscription>& s);

    std::size_t subscribers() const;
    std::uint64_t published() const { return _published.load(std::memory_order_relaxed); }

private:
    void recompute_wanted();

    mutable std::mutex _mutex;
    std::vector<std::shared_ptr<subscription>> _subs;
    std::atomic<std::uint32_t> _wanted{0};
    std::atomic<std::uint64_t> _published{0};
};

} // namespace babe::engine
