// SPDX-License-Identifier: Apache-2.0
// A control_service with scripted contents, for tests only (never linked
// into babed): routes, neighbours and counters set by the test; discover
// answers from a worker thread after a delay (success for targets given a
// route, failure for others, nothing at all for "silent" targets so the
// server's timeout shows); flush really empties the route list; events are
// published with emit().
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "control/vocabulary.hh"

namespace babe::control {

class fake_service : public control_service {
public:
    fake_service();
    ~fake_service() override;

    // Scripting (any thread).
    void set_status(status_info s);
    void set_routes(std::vector<route_info> r);
    void set_neighbours(std::vector<neighbour_info> n);
    void set_counters(std::vector<counter> c);
    // discover(target) answers with this route after `delay`.
    void add_discoverable(route_info r, std::chrono::milliseconds delay);
    // discover(target) never answers.
    void add_silent(ipv4 target);
    void emit(event e) { _hub.publish(std::move(e)); }
    std::uint64_t discover_calls() const;

    status_info status() override;
    std::vector<route_info> routes() override;
    std::vector<neighbour_info> neighbours() override;
    std::vector<counter> stats() override;
    void discover(ipv4 target, std::function<void(discover_result)> done) override;
    std::uint64_t flush() override;
    event_hub& events() override { return _hub; }

private:
    struct job {
        std::chrono::steady_clock::time_point when;
        std::function<void()> run;
    };
    void worker();

    mutable std::mutex _mutex;
    std::condition_variable _cv;
    status_info _status;
    std::vector<route_info> _routes;
    std::vector<neighbour_info> _neighbours;
    std::vector<counter> _counters;
    std::map<ipv4, std::pair<route_info, std::chrono::milliseconds>> _discoverable;
    std::set<ipv4> _silent;
    std::deque<job> _jobs;
    std::uint64_t _discover_calls = 0;
    bool _stop = false;
    event_hub _hub;
    std::thread _thread;
};

} // namespace babe::control
