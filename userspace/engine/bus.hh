// SPDX-License-Identifier: Apache-2.0
// The shard bus: how shards talk to each other. Every ordered pair of shards
// has a ring out (messages) and a ring back (the sender's slabs, returned
// once the receiver is done with them); both are single-producer /
// single-consumer, so no locks. A message with a payload (a replicated
// control packet, a transport segment for the owner shard) carries it in a
// slab of the sender's pool: the one copy of the multi-shard case. A full
// ring or an empty pool is backpressure, counted, never a wait or an
// allocation. A sleeping shard is woken through its eventfd when the sender
// asks for it (a syscall: route_used messages do without).
//
// Threads: post() from shard `from`'s thread only, drain() from shard
// `self`'s thread only; counters(k) and slabs(k) from shard k's thread.
#pragma once

#include "core/ring.hh"
#include "core/slab_pool.hh"
#include "core/unique_fd.hh"
#include "dsr/types.hh"
#include "engine/packet_io.hh"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace babe::engine {

// A message between shards (ring slots are plain data).
struct bus_msg {
    enum kind_t : std::uint8_t { replica, neighbour_lost, transport_segment, route_used } kind = replica;
    port_id port = 0;
    std::uint16_t len = 0;
    dsr::addr addr = dsr::no_addr; // replica: previous hop; neighbour_lost: the neighbour; transport: the sender;
                                   // route_used: the destination
    slab_handle slab{};
};

// What one shard's side of the bus counts (engine_bus_* stats).
#define BABE_BUS_COUNTERS(X)                                                                       \
    X(sent)                                                                                        \
    X(received)                                                                                    \
    X(full)    /* refused by a full ring (backpressure) */                                         \
    X(no_slab) /* not sent: no free slab for the payload */

struct bus_counters {
#define BABE_BUS_COUNTER_FIELD(name) std::uint64_t name = 0;
    BABE_BUS_COUNTERS(BABE_BUS_COUNTER_FIELD)
#undef BABE_BUS_COUNTER_FIELD
};

class bus {
public:
    static constexpr std::size_t ring_slots = 256;

    // The rings, slab pools and eventfds of `shards` shards. Throws
    // std::system_error when an eventfd cannot be made.
    explicit bus(std::size_t shards);
    ~bus();
    bus(const bus&) = delete;
    bus& operator=(const bus&) = delete;

    std::size_t shards() const { return _n; }

    // The one way to send: `m` from shard `from` to shard `to`; a replica or
    // a transport segment carries `payload`, copied into a slab of `from`
    // (m.len and m.slab are set here). `wake`: also wake `to` if it sleeps. False when
    // refused (no slab or ring full; counted).
    bool post(std::size_t from, std::size_t to, bus_msg m, std::span<const std::byte> payload, bool wake);

    // Shard `self`'s turn: takes back the slabs other shards are done with,
    // then hands every message for `self` to handle(msg, payload) (payload
    // empty for messages without one) and returns the slab to its owner.
    // Returns the messages handled.
    template <class Handle>
    std::size_t drain(std::size_t self, Handle&& handle)
    {
        std::size_t work = 0;
        for (std::size_t j = 0; j < _n; ++j) {
            if (j == self)
                continue;
            while (auto m = back(j, self).try_pop())
                _slabs[self]->free(m->slab);
            auto& in = to(j, self);
            while (auto m = in.try_pop()) {
                ++work;
                ++_counters[self].received;
                if (!carries_payload(m->kind)) {
                    handle(*m, std::span<const std::byte>{});
                    continue;
                }
                handle(*m, std::span<const std::byte>(_slabs[j]->data(m->slab).first(m->len)));
                // The ring back is as deep as the ring out: it cannot be full.
                back(self, j).try_push(*m);
            }
        }
        return work;
    }

    // Readable (eventfd) when another shard woke `shard`; the shard reads
    // it when its epoll says so.
    int wake_fd(std::size_t shard) const { return _wake[shard].get(); }

    // Wakes `shard` if it sleeps (any thread: the eventfd is thread-safe).
    void wake(std::size_t shard);

    slab_pool& slabs(std::size_t shard) { return *_slabs[shard]; }
    const bus_counters& counters(std::size_t shard) const { return _counters[shard]; }

private:
    using ring_t = ring<bus_msg, spsc_shared>;
    static bool carries_payload(bus_msg::kind_t k)
    {
        return k == bus_msg::replica || k == bus_msg::transport_segment;
    }
    ring_t& to(std::size_t from, std::size_t dst) { return *_to[from * _n + dst]; }
    ring_t& back(std::size_t from, std::size_t dst) { return *_back[from * _n + dst]; }

    std::size_t _n;
    std::vector<std::unique_ptr<ring_t>> _to, _back;
    std::vector<std::unique_ptr<slab_pool>> _slabs;
    std::vector<unique_fd> _wake;
    std::vector<bus_counters> _counters; // one writer each: the shard's thread
};

} // namespace babe::engine
