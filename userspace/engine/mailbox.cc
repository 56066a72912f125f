// SPDX-License-Identifier: Apache-2.0
// The control mailbox (see mailbox.hh): a bounded job queue with an eventfd
// for the engine's epoll, and the control_service front that posts into it
// and waits for the answer with a time limit.
#include "engine/mailbox.hh"

#include <sys/eventfd.h>
#include <unistd.h>

#include <optional>
#include <utility>

namespace babe::engine {

mailbox::mailbox(std::size_t capacity)
    : _capacity(capacity == 0 ? 1 : capacity), _efd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
}

bool mailbox::post(std::function<void()> job)
{
    {
        std::lock_guard lock(_mutex);
        if (_closed || _jobs.size() >= _capacity) {
            ++_refused;
            return false;
        }
        _jobs.push_back(std::move(job));
    }
    if (_efd) {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(_efd.get(), &one, sizeof one);
    }
    return true;
}

std::size_t mailbox::run_pending(std::size_t max)
{
    if (_efd) {
        std::uint64_t v;
        [[maybe_unused]] auto n = ::read(_efd.get(), &v, sizeof v);
    }
    std::size_t ran = 0;
    while (ran < max) {
        std::function<void()> job;
        {
            std::lock_guard lock(_mutex);
            if (_jobs.empty())
                break;
            job = std::move(_jobs.front());
            _jobs.pop_front();
        }
        job();
        ++ran;
    }
    // Jobs left behind (max reached): keep the fd readable.
    if (pending() && _efd) {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(_efd.get(), &one, sizeof one);
    }
    return ran;
}

void mailbox::close()
{
    std::lock_guard lock(_mutex);
    _closed = true;
    _jobs.clear();
}

std::size_t mailbox::pending() const
{
    std::lock_guard lock(_mutex);
    return _jobs.size();
}

std::uint64_t mailbox::refused() const
{
    std::lock_guard lock(_mutex);
    return _refused;
}

mailbox_service::mailbox_service(mailbox& box, control_service& impl, std::chrono::milliseconds timeout)
    : _box(box), _impl(impl), _timeout(timeout)
{
}

namespace {
// Shared between the waiting caller and the job, so a job that runs after
// its caller gave up writes into memory that still exists.
template <class T>
struct pending_call {
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
};
} // namespace

template <class T>
T mailbox_service::call(std::function<T(control_service&)> f)
{
    auto state = std::make_shared<pending_call<T>>();
    control_service* impl = &_impl;
    bool posted = _box.post([state, impl, f = std::move(f)] {
        std::optional<T> v;
        std::exception_ptr err;
        try {
            v.emplace(f(*impl));
        } catch (...) {
            err = std::current_exception();
        }
        std::lock_guard lock(state->mutex);
        state->value = std::move(v);
        state->error = err;
        state->done = true;
        state->cv.notify_all();
    });
    if (!posted)
        throw service_unavailable("the engine's control mailbox is full or closed");
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, _timeout, [&] { return state->done; }))
        throw service_unavailable("the engine did not answer in time");
    if (state->error)
        std::rethrow_exception(state->error);
    return std::move(*state->value);
}

status_info mailbox_service::status()
{
    return call<status_info>([](control_service& s) { return s.status(); });
}

std::vector<route_info> mailbox_service::routes()
{
    return call<std::vector<route_info>>([](control_service& s) { return s.routes(); });
}

std::vector<neighbour_info> mailbox_service::neighbours()
{
    return call<std::vector<neighbour_info>>([](control_service& s) { return s.neighbours(); });
}

std::vector<histogram_info> mailbox_service::histograms()
{
    return call<std::vector<histogram_info>>([](control_service& s) { return s.histograms(); });
}

std::vector<counter> mailbox_service::stats()
{
    return call<std::vector<counter>>([](control_service& s) { return s.stats(); });
}

std::uint64_t mailbox_service::flush()
{
    return call<std::uint64_t>([](control_service& s) { return s.flush(); });
}

void mailbox_service::open_stream(const stream_request& r, int fd)
{
    // The descriptor goes with the job: closed here when the job never runs
    // (mailbox full, engine stopped), taken by the engine when it does.
    auto holder = std::make_shared<unique_fd>(fd);
    call<bool>([r, holder](control_service& s) {
        s.open_stream(r, holder->release());
        return true;
    });
}

void mailbox_service::discover(ipv4 target, std::function<void(discover_result)> done)
{
    // Only the start is synchronous; `done` comes later from the engine.
    call<bool>([target, done](control_service& s) {
        s.discover(target, done);
        return true;
    });
}

} // namespace babe::engine
