// SPDX-License-Identifier: Apache-2.0
// Bounded fan-out of protocol events to monitor subscribers (see event_hub.hh),
// and the names of the event kinds.
#include "engine/event_hub.hh"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace babe::engine {

namespace {
constexpr const char* kind_names[event_kind_count] = {
    "route_added",   "route_changed", "route_removed",  "link_broken",
    "discovery_started", "discovery_done", "discovery_failed", "rreq_sent",
    "rreq_received", "rrep_sent",     "rrep_received",  "rerr_sent",
    "rerr_received", "neighbour_added", "neighbour_lost", "drop",
};
} // namespace

const char* to_string(event_kind k)
{
    auto i = static_cast<int>(k);
    return i >= 0 && i < event_kind_count ? kind_names[i] : "unknown";
}

std::optional<event_kind> parse_event_kind(const std::string& s)
{
    for (int i = 0; i < event_kind_count; ++i)
        if (s == kind_names[i])
            return static_cast<event_kind>(i);
    return std::nullopt;
}

bool event_filter::matches(const event& e) const
{
    if ((kinds & bit(e.kind)) == 0)
        return false;
    if (!node)
        return true;
    ipv4 n = *node;
    if (e.dst == n || e.from == n || e.to == n)
        return true;
    return std::find(e.hops.begin(), e.hops.end(), n) != e.hops.end();
}

subscription::subscription(event_filter filter, std::size_t limit, std::function<void()> wake)
    : _filter(filter), _limit(limit == 0 ? 1 : limit), _wake(std::move(wake))
{
}

void subscription::offer(const event& e)
{
    bool was_empty = false;
    {
        std::lock_guard lock(_mutex);
        if (_queue.size() >= _limit) {
            ++_dropped_since;
            ++_dropped_total;
            return;
        }
        was_empty = _queue.empty();
        _queue.push_back(e);
    }
    if (was_empty && _wake)
        _wake();
}

std::size_t subscription::pop(std::vector<event>& out, std::size_t max)
{
    std::lock_guard lock(_mutex);
    std::size_t n = 0;
    while (n < max && !_queue.empty()) {
        out.push_back(std::move(_queue.front()));
        _queue.pop_front();
        ++n;
    }
    _delivered_total += n;
    return n;
}

std::uint64_t subscription::take_dropped()
{
    std::lock_guard lock(_mutex);
    auto d = _dropped_since;
    _dropped_since = 0;
    return d;
}

std::uint64_t subscription::dropped_total() const
{
    std::lock_guard lock(_mutex);
    return _dropped_total;
}

std::uint64_t subscription::delivered_total() const
{
    std::lock_guard lock(_mutex);
    return _delivered_total;
}

void event_hub::publish(event e)
{
    if (!wanted(e.kind))
        return;
    if (e.time_ms == 0)
        e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    _published.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::shared_ptr<subscription>> targets;
    {
        std::lock_guard lock(_mutex);
        for (const auto& s : _subs)
            if (s->filter().matches(e))
                targets.push_back(s);
    }
    for (const auto& s : targets)
        s->offer(e);
}

std::shared_ptr<subscription> event_hub::subscribe(event_filter filter, std::size_t limit,
                                                   std::function<void()> wake)
{
    auto s = std::make_shared<subscription>(filter, limit, std::move(wake));
    std::lock_guard lock(_mutex);
    _subs.push_back(s);
    recompute_wanted();
    return s;
}

void event_hub::unsubscribe(const std::shared_ptr<subscription>& s)
{
    std::lock_guard lock(_mutex);
    _subs.erase(std::remove(_subs.begin(), _subs.end(), s), _subs.end());
    recompute_wanted();
}

std::size_t event_hub::subscribers() const
{
    std::lock_guard lock(_mutex);
    return _subs.size();
}

void event_hub::recompute_wanted()
{
    std::uint32_t w = 0;
    for (const auto& s : _subs)
        w |= s->filter().kinds;
    _wanted.store(w, std::memory_order_relaxed);
}

} // namespace babe::engine
