// SPDX-License-Identifier: Apache-2.0
// One shard with its thread: packet I/O on queue `index` of every port, a
// DSR core (shard.hh), its side of the shard bus, its event statistics and
// the snapshot it publishes. The thread is pinned to its CPU, asks for a
// short scheduler slice, and runs the loop: poll the core, drain the bus,
// look at the mailboxes; spin a little when a turn found nothing, then sleep
// in epoll until a socket, a message, a control request or the next timer.
#pragma once

#include "core/seqlock.hh"
#include "engine/bus.hh"
#include "engine/mailbox.hh"
#include "engine/shard.hh"
#include "engine/stats.hh"
#include "engine/transport_service.hh"

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace babe::engine {

// What the events of a shard's core mean beyond the shard (the control
// adapter: monitor events, babectl discover). On the shard's thread.
class shard_event_listener {
public:
    virtual ~shard_event_listener() = default;
    virtual void on_event(std::size_t shard_index, shard& sh, const dsr::event& e) = 0;
};

// The extra duties of the control shard (shard 0): the control mailbox and
// the carrier check, both on its thread.
class control_duties {
public:
    virtual ~control_duties() = default;
    virtual void housekeeping(time_point now) = 0;  // every 100 ms
    virtual std::size_t run_requests() = 0;         // control requests waiting
    virtual int requests_fd() const = 0;            // readable while some wait
};

struct shard_thread_options {
    std::vector<unsigned> cpus;      // engine.cpus (empty: shard k on CPU k)
    unsigned sched_slice_us = 0;     // engine.sched_slice_us
    dsr::addr self = dsr::no_addr;   // this node: its own broken links go to the other shards
};

class shard_thread final : public event_sink, public shard_bus, public transport_hook {
public:
    shard_thread(std::size_t index, bus& b, std::unique_ptr<packet_io> io, shard_event_listener* listener);
    ~shard_thread() override;

    // Before start(): the core (made over io()), and shard 0's transport.
    void attach(std::unique_ptr<shard> sh);
    void attach_transport(std::unique_ptr<transport_service> ts);

    // Runs the loop on a new thread until `stop` is set; `duties` on shard 0.
    void start(const shard_thread_options& o, const std::atomic<bool>& stop, control_duties* duties);
    void join();

    // SIGHUP: the new DSR constants, applied on this shard's thread.
    void reload(const dsr::config& next, std::shared_ptr<std::promise<bool>> done);
    // A job on this shard's thread (at most a millisecond later while busy).
    bool post(std::function<void()> job) { return _box.post(std::move(job)); }

    // Any thread.
    shard_snapshot snapshot() const { return _snapshot.read(); }
    std::int64_t last_turn_ns() const { return _last_turn_ns.load(std::memory_order_relaxed); }

    // This shard's thread (or before start / after join).
    void publish_snapshot();
    std::size_t index() const { return _index; }
    packet_io& io() { return *_io; }
    shard& core_shard() { return *_sh; }
    transport_service* transport() { return _transport.get(); }

    // event_sink
    void on_event(const dsr::event& e) override;
    // shard_bus
    void replicate(port_id port, dsr::addr prev, std::span<const std::byte> ip) override;
    void route_used(dsr::addr dst) override;
    // transport_hook of the shards other than the transport's owner (shard
    // 0): a segment that RSS steered here is copied into a slab and handed
    // to the owner (the one copy of the multi-shard case; docs/transport.md).
    void segment(time_point now, dsr::addr from, frame_addr frame, std::span<const std::byte> seg) override;

private:
    void run(const shard_thread_options& o, const std::atomic<bool>& stop, control_duties* duties);
    void pin(const shard_thread_options& o);
    void broadcast(bus_msg::kind_t kind, dsr::addr addr, bool wake);
    std::size_t drain_bus(time_point now);

    std::size_t _index;
    bus& _bus;
    std::unique_ptr<packet_io> _io;
    shard_event_listener* _listener;
    std::unique_ptr<shard> _sh;
    std::unique_ptr<transport_service> _transport; // shard 0 only
    std::thread _thread;
    dsr::addr _self = dsr::no_addr;
    std::atomic<std::int64_t> _last_turn_ns{0};
    seqlock_cell<shard_snapshot> _snapshot;
    event_stats _events;
    bool _applying_remote = false; // handling a bus message: no echo to the others
    std::uint64_t _busy_ns = 0;
    mailbox _box{4}; // reloads and flushes from other threads
};

} // namespace babe::engine
