// SPDX-License-Identifier: Apache-2.0
// The scripted control_service of fake_service.hh. Discover answers come
// from a worker thread, as they would from an engine shard.
#include "control/fake_service.hh"

#include <algorithm>

namespace babe::control {

fake_service::fake_service()
{
    _thread = std::thread([this] { worker(); });
}

fake_service::~fake_service()
{
    {
        std::lock_guard lock(_mutex);
        _stop = true;
    }
    _cv.notify_all();
    _thread.join();
}

void fake_service::set_status(status_info s)
{
    std::lock_guard lock(_mutex);
    _status = std::move(s);
}

void fake_service::set_routes(std::vector<route_info> r)
{
    std::lock_guard lock(_mutex);
    _routes = std::move(r);
}

void fake_service::set_neighbours(std::vector<neighbour_info> n)
{
    std::lock_guard lock(_mutex);
    _neighbours = std::move(n);
}

void fake_service::set_counters(std::vector<counter> c)
{
    std::lock_guard lock(_mutex);
    _counters = std::move(c);
}

void fake_service::add_discoverable(route_info r, std::chrono::milliseconds delay)
{
    std::lock_guard lock(_mutex);
    _discoverable[r.dst] = {r, delay};
}

void fake_service::add_silent(ipv4 target)
{
    std::lock_guard lock(_mutex);
    _silent.insert(target);
}

std::uint64_t fake_service::discover_calls() const
{
    std::lock_guard lock(_mutex);
    return _discover_calls;
}

status_info fake_service::status()
{
    std::lock_guard lock(_mutex);
    auto s = _status;
    s.routes = _routes.size();
    s.neighbours = _neighbours.size();
    return s;
}

std::vector<route_info> fake_service::routes()
{
    std::lock_guard lock(_mutex);
    return _routes;
}

std::vector<neighbour_info> fake_service::neighbours()
{
    std::lock_guard lock(_mutex);
    return _neighbours;
}

std::vector<counter> fake_service::stats()
{
    std::lock_guard lock(_mutex);
    return _counters;
}

void fake_service::discover(ipv4 target, std::function<void(discover_result)> done)
{
    std::lock_guard lock(_mutex);
    ++_discover_calls;
    if (_silent.count(target))
        return;
    auto now = std::chrono::steady_clock::now();
    auto it = _discoverable.find(target);
    if (it == _discoverable.end()) {
        _jobs.push_back({now, [done] { done(discover_result{false, {}, 0, "no route"}); }});
    } else {
        auto [route, delay] = it->second;
        auto* self = this;
        _jobs.push_back({now + delay, [self, route, delay, done] {
                             {
                                 std::lock_guard l(self->_mutex);
                                 auto& rs = self->_routes;
                                 rs.erase(std::remove_if(rs.begin(), rs.end(),
                                                         [&](const route_info& x) { return x.dst == route.dst; }),
                                          rs.end());
                                 rs.push_back(route);
                             }
                             auto us = std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
                             done(discover_result{true, route, us, {}});
                         }});
    }
    _cv.notify_all();
}

std::uint64_t fake_service::flush()
{
    std::lock_guard lock(_mutex);
    auto n = _routes.size();
    _routes.clear();
    return n;
}

void fake_service::worker()
{
    std::unique_lock lock(_mutex);
    while (!_stop) {
        if (_jobs.empty()) {
            _cv.wait(lock);
            continue;
        }
        auto it = std::min_element(_jobs.begin(), _jobs.end(),
                                   [](const job& a, const job& b) { return a.when < b.when; });
        if (std::chrono::steady_clock::now() < it->when) {
            _cv.wait_until(lock, it->when);
            continue;
        }
        auto run = std::move(it->run);
        _jobs.erase(it);
        lock.unlock();
        run();
        lock.lock();
    }
}

} // namespace babe::control
