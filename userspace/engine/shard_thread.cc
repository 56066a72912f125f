// SPDX-License-Identifier: Apache-2.0
// A shard's thread and loop (see shard_thread.hh).
#include "engine/shard_thread.hh"

#include "core/sched_slice.hh"
#include "core/unique_fd.hh"
#include "engine/clock.hh"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace babe::engine {

shard_thread::shard_thread(std::size_t index, bus& b, std::unique_ptr<packet_io> io, shard_event_listener* listener)
    : _index(index), _bus(b), _io(std::move(io)), _listener(listener)
{
}

shard_thread::~shard_thread() { join(); }

void shard_thread::attach(std::unique_ptr<shard> sh) { _sh = std::move(sh); }

void shard_thread::attach_transport(std::unique_ptr<transport_service> ts)
{
    _transport = std::move(ts);
    _sh->set_transport(_transport.get());
}

void shard_thread::start(const shard_thread_options& o, const std::atomic<bool>& stop, control_duties* duties)
{
    _self = o.self;
    _thread = std::thread([this, o, &stop, duties] { run(o, stop, duties); });
}

void shard_thread::join()
{
    if (_thread.joinable())
        _thread.join();
}

void shard_thread::reload(const dsr::config& next, std::shared_ptr<std::promise<bool>> done)
{
    if (!_box.post([this, next, done] { done->set_value(_sh->reconfigure(next)); }))
        done->set_value(false);
}

void shard_thread::publish_snapshot()
{
    shard_snapshot s{};
    s.core = _sh->core().stats();
    s.engine = _sh->counters();
    for (std::size_t p = 0; p < _io->port_count() && p < max_ports; ++p)
        s.io[p] = _io->stats(static_cast<port_id>(p));
    s.discovery = _events.discovery();
    s.repair = _events.repair();
    s.bus = _bus.counters(_index);
    s.busy_ns = _busy_ns;
    s.frames_capacity = _io->frames().count();
    s.frames_in_use = _io->frames().count() - _io->frames().free_frames();
    const auto& slabs = _bus.slabs(_index);
    for (std::size_t c = 0; c < slab_pool::class_sizes.size(); ++c) {
        s.slabs_in_use += slabs.in_use(c);
        s.slabs_capacity += slabs.capacity(c);
    }
    s.sizes = _sh->core().sizes();
    _snapshot.publish(s);
}

void shard_thread::on_event(const dsr::event& e)
{
    _events.on_event(monotonic_now(), e);
    // This node's own broken link: the other shards' cores lose the
    // neighbour too (not echoed back when the news came over the bus).
    if (e.kind == dsr::event_kind::link_broken && e.from == _self && !_applying_remote)
        broadcast(bus_msg::neighbour_lost, e.to, true);
    if (_listener)
        _listener->on_event(_index, *_sh, e);
}

void shard_thread::replicate(port_id port, dsr::addr prev, std::span<const std::byte> ip)
{
    for (std::size_t j = 0; j < _bus.shards(); ++j) {
        if (j == _index)
            continue;
        bus_msg m;
        m.kind = bus_msg::replica;
        m.port = port;
        m.addr = prev;
        _bus.post(_index, j, m, ip, true);
    }
}

void shard_thread::segment(time_point, dsr::addr from, frame_addr frame, std::span<const std::byte> seg)
{
    bus_msg m;
    m.kind = bus_msg::transport_segment;
    m.addr = from;
    _bus.post(_index, 0, m, seg, true);
    _io->frames().release(frame);
}

// A message about one address to every other shard. `wake`: also wake a
// sleeping shard (a syscall per shard); without it the message waits for the
// shard's next turn, at most its 100 ms sleep.
void shard_thread::broadcast(bus_msg::kind_t kind, dsr::addr addr, bool wake)
{
    for (std::size_t j = 0; j < _bus.shards(); ++j) {
        if (j == _index)
            continue;
        bus_msg m;
        m.kind = kind;
        m.addr = addr;
        _bus.post(_index, j, m, {}, wake);
    }
}

// Not urgent (a link lifetime is seconds): no wake-up per used route.
void shard_thread::route_used(dsr::addr dst) { broadcast(bus_msg::route_used, dst, false); }

std::size_t shard_thread::drain_bus(time_point now)
{
    return _bus.drain(_index, [&](const bus_msg& m, std::span<const std::byte> payload) {
        _applying_remote = true;
        switch (m.kind) {
        case bus_msg::transport_segment:
            if (_transport)
                _transport->segment_copy(now, m.addr, payload);
            break;
        case bus_msg::replica:
            _sh->receive_replica(now, m.port, m.addr, payload);
            break;
        case bus_msg::route_used:
            _sh->core().touch_route(now, m.addr);
            break;
        case bus_msg::neighbour_lost:
            _sh->remote_neighbour_lost(now, m.addr);
            break;
        }
        _applying_remote = false;
    });
}

// Shard k on the k-th CPU of engine.cpus, or on CPU k. A short slice lets a
// shard woken by a packet preempt whatever runs on its CPU
// (core/sched_slice.hh): Route Discovery crosses one sleeping shard per hop,
// and each waited up to a 4 ms tick for its CPU without.
void shard_thread::pin(const shard_thread_options& o)
{
    pthread_setname_np(pthread_self(), fmt::format("babe-shard{}", _index).c_str());
    if (unsigned ncpu = std::thread::hardware_concurrency(); ncpu > 0 || !o.cpus.empty()) {
        const unsigned cpu = o.cpus.empty() ? static_cast<unsigned>(_index % ncpu) : o.cpus[_index % o.cpus.size()];
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
            spdlog::warn("shard {}: cannot pin to CPU {}: {}", _index, cpu, std::strerror(err));
    }
    if (int err = request_sched_slice(o.sched_slice_us))
        spdlog::warn("shard {}: the kernel refused a {} us scheduler slice: {}", _index, o.sched_slice_us,
                     std::strerror(err));
}

void shard_thread::run(const shard_thread_options& o, const std::atomic<bool>& stop, control_duties* duties)
{
    pin(o);
    unique_fd ep(epoll_create1(EPOLL_CLOEXEC));
    auto watch = [&](int fd) {
        if (fd < 0)
            return;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev);
    };
    for (int fd : _io->wait_fds())
        watch(fd);
    if (_transport)
        watch(_transport->wait_fd());
    const int wake_fd = _bus.wake_fd(_index);
    const int requests_fd = duties ? duties->requests_fd() : -1;
    watch(wake_fd);
    watch(_box.wake_fd());
    watch(requests_fd);
    constexpr int spin_turns = 64; // empty turns (each yielding) before sleeping
    int idle = 0;
    time_point next_housekeeping{};
    // Mailboxes (reloads; control requests on shard 0) are looked at
    // every millisecond while the shard is busy and at once after a
    // wake-up, not on every turn: each look is a syscall and a lock.
    time_point next_mail{};
    while (!stop.load(std::memory_order_relaxed)) {
        time_point now = monotonic_now();
        _last_turn_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
        if (now >= next_housekeeping) {
            if (duties)
                duties->housekeeping(now);
            publish_snapshot();
            next_housekeeping = now + 100ms;
        }
        std::size_t work = _sh->poll(now);
        work += drain_bus(now);
        if (now >= next_mail) {
            work += _box.run_pending(4);
            if (duties)
                work += duties->run_requests();
            next_mail = now + 1ms;
        }
        if (work) {
            _busy_ns += static_cast<std::uint64_t>(to_ns(monotonic_now() - now));
            idle = 0;
            continue;
        }
        if (++idle < spin_turns) {
            // An empty turn: whatever else is runnable on this CPU goes
            // first (the kernel's receive work, the next node's engine
            // when several share a machine). Without it a spinning shard
            // keeps the CPU for its whole time slice while the packet it
            // just sent waits for a thread queued behind it.
            sched_yield();
            continue;
        }
        // Idle: sleep until a socket is readable, a message or a control
        // request arrives, or the next timer is due (at most 100 ms, so
        // that stop(), snapshots and the watchdog are served).
        std::int64_t timeout_ns = 100'000'000;
        if (auto d = _sh->next_deadline())
            timeout_ns = std::clamp<std::int64_t>(to_ns(*d) - to_ns(now), 0, timeout_ns);
        timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
        epoll_event evs[8];
        int n = epoll_pwait2(ep.get(), evs, 8, &timeout, nullptr);
        for (int i = 0; i < n; ++i) {
            int fd = evs[i].data.fd;
            if (fd == wake_fd || fd == _box.wake_fd() || (duties && fd == requests_fd)) {
                std::uint64_t v;
                [[maybe_unused]] auto r = read(fd, &v, sizeof(v));
            }
        }
        // Woken by I/O: spin again while it lasts. Woken by a timer: do
        // its work and sleep again at once (an idle node stays idle).
        idle = n > 0 ? 0 : spin_turns;
        next_mail = {};
    }
}

} // namespace babe::engine
