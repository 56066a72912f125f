// SPDX-License-Identifier: Apache-2.0
// How a shard moves frames: the backend-neutral packet I/O interface. A port
// is one interface the shard serves (a mesh interface or the local `babe0`
// peer). Frames live in the backend's frame pool and are named by address;
// a received frame carries one reference that the receiver owns, transmit()
// takes over one reference (the backend drops it on completion). Backends:
// AF_XDP (afxdp_io), AF_PACKET (afpacket_io, the fallback) and an in-memory
// one for tests. All calls come from the shard's own thread.
#pragma once

#include "core/frame_pool.hh"

#include <cstddef>
#include <cstdint>
#include <span>

namespace babe::engine {

using frame_addr = frame_pool::addr_t;
using port_id = std::uint16_t;

struct rx_frame {
    frame_addr addr = 0; // first byte of the Ethernet header
    std::uint32_t len = 0;
    port_id port = 0;
};

// Per port statistics of a backend, in the order `babectl stats` and
// /metrics list them (io_<interface>_<name>).
#define BABE_IO_STATS(X)                                                                           \
    X(rx_packets)                                                                                  \
    X(tx_packets)                                                                                  \
    X(rx_dropped)   /* kernel-side drops (ring full, no fill frames) */                            \
    X(tx_ring_full) /* transmit refused (backpressure) */                                          \
    X(rx_invalid)   /* invalid descriptors / truncated frames */                                   \
    X(tx_invalid)                                                                                  \
    X(fill_starved) /* no free frame to receive into */

struct io_stats {
#define BABE_IO_STAT_FIELD(name) std::uint64_t name = 0;
    BABE_IO_STATS(BABE_IO_STAT_FIELD)
#undef BABE_IO_STAT_FIELD
};

class packet_io {
public:
    virtual ~packet_io() = default;

    // Up to out.size() received frames from any port.
    virtual std::size_t receive(std::span<rx_frame> out) = 0;
    // Queue a frame; takes over one reference (on false the caller keeps it).
    virtual bool transmit(port_id port, frame_addr addr, std::uint32_t len) = 0;
    // Push queued frames to the kernel and reclaim completed ones.
    virtual void flush() = 0;
    // The end of a loop turn that received `received` frames: flush(), or
    // let a small batch wait for the next turn (afxdp::socket::flush).
    // Returns the frames a turn that received nothing sent for earlier
    // turns (work done: the turn is not idle).
    virtual std::size_t end_turn(std::size_t /*received*/)
    {
        flush();
        return 0;
    }

    // The frames and their memory, fixed for the object's life (every
    // backend keeps one area of frames): not virtual, as they are called
    // several times per packet. Set by the backend's constructor.
    frame_pool& frames() { return *_pool; }
    std::byte* data(frame_addr addr) { return _area + addr; }

    // File descriptors to wait on (POLLIN) when the shard goes idle.
    virtual std::span<const int> wait_fds() const = 0;
    virtual io_stats stats(port_id port) const = 0;
    virtual std::size_t port_count() const = 0;

protected:
    void bind_memory(frame_pool& pool, std::byte* area)
    {
        _pool = &pool;
        _area = area;
    }

private:
    frame_pool* _pool = nullptr;
    std::byte* _area = nullptr;
};

} // namespace babe::engine
