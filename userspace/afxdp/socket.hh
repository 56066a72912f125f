// SPDX-License-Identifier: Apache-2.0
// One AF_XDP socket on (interface, queue), sharing its shard's UMEM, created
// with libxdp's program loading inhibited: Babe's own XDP program and XSKMAP
// decide what reaches it (the socket only inserts itself into that map).
// Burst receive and transmit over the rings; frames move by address, never
// copied. Owned by one thread.
#pragma once

#include "afxdp/umem.hh"

#include <linux/if_xdp.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace babe::afxdp {

enum class bind_mode { automatic, copy, zero_copy };

struct socket_config {
    std::string ifname;
    std::uint32_t queue = 0;
    std::uint32_t ring_size = 2048; // rx and tx descriptors
    bind_mode mode = bind_mode::automatic;
    bool need_wakeup = true;
};

struct rx_frame {
    frame_addr addr;
    std::uint32_t len;
};

// Kernel-side ring statistics (XDP_STATISTICS) plus our own counters.
struct socket_stats {
    std::uint64_t rx_packets = 0;
    std::uint64_t tx_packets = 0;
    std::uint64_t tx_ring_full = 0;      // tx refused: ring full (backpressure)
    std::uint64_t fill_starved = 0;      // refill wanted frames the UMEM did not have
    std::uint64_t rx_dropped = 0;        // kernel: dropped for other reasons
    std::uint64_t rx_invalid_descs = 0;  // kernel
    std::uint64_t tx_invalid_descs = 0;  // kernel
    std::uint64_t rx_ring_full = 0;      // kernel
    std::uint64_t rx_fill_ring_empty = 0; // kernel
    std::uint64_t tx_ring_empty = 0;     // kernel
};

class socket {
public:
    // Throws std::system_error with the interface and queue in the message.
    socket(umem& mem, const socket_config& cfg);
    ~socket();
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    int fd() const;
    bool zero_copy() const { return _zero_copy; }
    const socket_config& config() const { return _cfg; }

    // Put this socket into an XSKMAP at `slot` (by default its queue index).
    void register_in(int xskmap_fd, std::optional<std::uint32_t> slot = std::nullopt);

    // Receive up to out.size() frames; returns how many. The frames now
    // belong to the caller (release them to the UMEM or transmit them).
    std::size_t receive(std::span<rx_frame> out);

    // Queue a frame for transmission; false when the TX ring is full even
    // after a kick (the frame still belongs to the caller). flush() kicks
    // the kernel; transmit() kicks by itself every kick_batch frames (copy
    // mode sends that many per kick).
    bool transmit(frame_addr addr, std::uint32_t len);
    void flush();
    // The end of a loop turn. more_coming: the turn received frames and the
    // loop turns again at once; then fewer than coalesce_min queued frames
    // wait for the next turn (one turn at most), which kicks them with its
    // own. Under load one kick (and one wake-up of the next hop's NAPI)
    // carries more frames; when traffic stops, the next (empty) turn sends
    // what is left. Returns the frames kicked.
    std::uint32_t flush(bool more_coming);
    static constexpr std::uint32_t coalesce_min = 16;

    // Return completed TX frames and top up the fill ring from the UMEM.
    void reap();

    socket_stats stats() const;

private:
    void refill();
    void kick(); // sendto(): the kernel takes what the TX ring holds
    bool tx_ring_holds_descs() const;
    static constexpr std::uint32_t kick_batch = 32;

    umem& _umem;
    socket_config _cfg;
    xsk_socket* _xsk = nullptr;
    xsk_ring_cons _rx{};
    xsk_ring_prod _tx{};
    xsk_ring_prod* _fill = nullptr;
    xsk_ring_cons* _comp = nullptr;
    xsk_ring_prod _fill_own{};
    xsk_ring_cons _comp_own{};
    std::uint32_t _tx_pending = 0;  // submitted, not yet kicked
    bool _kicked_full = false;      // kicked on a full TX ring since the last reap()
    bool _zero_copy = false;        // bound in zero-copy mode (XDP_OPTIONS)
    bool _deferred = false;         // the last turn's flush(true) left frames queued
    std::uint32_t _tx_outstanding = 0; // submitted, not yet completed
    mutable socket_stats _stats;
};

} // namespace babe::afxdp
