// SPDX-License-Identifier: Apache-2.0
// A small thread-safe request/response mailbox between a caller's thread
// (the control server, the metrics scrape, a reload) and the engine's loop,
// so the engine answers control requests
// without locks of its own: `mailbox_service` is a control_service whose
// every call posts a job into a bounded `mailbox` and waits (with a time
// limit) for the engine to run it; the engine calls `mailbox::run_pending()`
// from its loop (poll `wake_fd()` in its epoll set to sleep while idle), so
// the real implementation's methods run on the engine's thread only. Control
// path only: jobs allocate.
//
//   engine:  engine::mailbox _mbox{64};
//            my_service _impl;                       // implements control_service
//            engine::mailbox_service _front{_mbox, _impl};
//            control_service& control() { return _front; }
//            loop: ... _mbox.run_pending(8); ...
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "core/unique_fd.hh"
#include "engine/service.hh"

namespace babe::engine {

// Thrown by mailbox_service when the engine does not take or finish a call
// in time, or the mailbox is full or closed. The server answers with an
// error object.
struct service_unavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class mailbox {
public:
    explicit mailbox(std::size_t capacity);
    mailbox(const mailbox&) = delete;
    mailbox& operator=(const mailbox&) = delete;

    // Any thread. False when full or closed (counted in refused()).
    bool post(std::function<void()> job);
    // The engine's thread: runs up to `max` queued jobs; returns how many.
    std::size_t run_pending(std::size_t max = SIZE_MAX);
    // Readable (eventfd) while jobs are queued; -1 if eventfd failed.
    int wake_fd() const { return _efd.get(); }
    // Refuse further posts (engine stopping). Queued jobs are dropped:
    // their callers time out with service_unavailable.
    void close();

    std::size_t pending() const;
    std::uint64_t refused() const;

private:
    const std::size_t _capacity;
    mutable std::mutex _mutex;
    std::deque<std::function<void()>> _jobs;
    bool _closed = false;
    std::uint64_t _refused = 0;
    unique_fd _efd;
};

class mailbox_service : public control_service {
public:
    mailbox_service(mailbox& box, control_service& impl,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

    status_info status() override;
    std::vector<route_info> routes() override;
    std::vector<neighbour_info> neighbours() override;
    std::vector<counter> stats() override;
    std::vector<histogram_info> histograms() override;
    void discover(ipv4 target, std::function<void(discover_result)> done) override;
    std::uint64_t flush() override;
    void open_stream(const stream_request& r, int fd) override;
    // The hub is thread-safe: returned directly, no mailbox round trip.
    event_hub& events() override { return _impl.events(); }

private:
    template <class T>
    T call(std::function<T(control_service&)> f);

    mailbox& _box;
    control_service& _impl;
    std::chrono::milliseconds _timeout;
};

} // namespace babe::engine
