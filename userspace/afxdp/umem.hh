// SPDX-License-Identifier: Apache-2.0
// A shard's AF_XDP packet memory: one UMEM area of fixed-size frames, the
// free-frame stack, and the fill/completion ring pairs of every socket that
// shares it. Frames are the packet buffers of the whole engine: a packet
// parked in the send buffer or the maintenance buffer stays in its frame and
// is referred to by address (ARCHITECTURE.md §4). Owned by one thread.
#pragma once

#include "core/frame_pool.hh"

#include <xdp/xsk.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace babe::afxdp {

using frame_addr = std::uint64_t; // byte offset of a frame in the UMEM area

struct umem_config {
    std::uint32_t frame_count = 4096;
    std::uint32_t frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE; // 4096
    std::uint32_t headroom = 64;  // room to prepend a DSR header without a copy
    std::uint32_t ring_size = 2048; // fill/completion ring entries, per socket
};

class umem {
public:
    // Maps the area and registers it; throws std::system_error on failure.
    explicit umem(const umem_config& cfg);
    ~umem();
    umem(const umem&) = delete;
    umem& operator=(const umem&) = delete;

    xsk_umem* raw() { return _umem; }
    const umem_config& config() const { return _cfg; }

    // Frames with reference counts (core/frame_pool.hh); an address inside a
    // frame names the frame.
    frame_pool& frames() { return _frames; }
    bool alloc(frame_addr& out) { return _frames.alloc(out); }
    void retain(frame_addr a) { _frames.retain(a); }
    void release(frame_addr a) { _frames.release(a); }
    std::uint32_t free_frames() const { return _frames.free_frames(); }

    std::byte* data(frame_addr a) { return static_cast<std::byte*>(xsk_umem__get_data(_area, a)); }
    std::span<std::byte> frame(frame_addr a, std::uint32_t len) { return {data(a), len}; }

private:
    umem_config _cfg;
    void* _area = nullptr;      // the frames: 2 MiB aligned inside _map
    std::size_t _area_size = 0;
    void* _map = nullptr;       // the mapping (one huge page larger)
    std::size_t _map_size = 0;
    xsk_umem* _umem = nullptr;
    frame_pool _frames;
    friend class socket;
    // The ring pair handed to xsk_umem__create (used by the first socket).
    xsk_ring_prod _fill0{};
    xsk_ring_cons _comp0{};
    bool _rings0_taken = false;
};

} // namespace babe::afxdp
