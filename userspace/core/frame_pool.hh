// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Fixed-size packet frames in one area, with a free stack and a reference
// count per frame. The AF_XDP UMEM and the AF_PACKET fallback both hand out
// frames from one of these: a packet parked in the send buffer, queued for
// transmission and awaiting an acknowledgement holds one reference for each,
// and the frame returns to the free stack when the last one is dropped.
// O(1), no allocation after construction, one owning thread.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace babe {

class frame_pool {
public:
    using addr_t = std::uint64_t; // byte offset of a frame (or of a byte inside it)

    frame_pool(std::uint32_t count, std::uint32_t frame_size)
        : _count(count), _frame_size(frame_size), _shift(static_cast<std::uint32_t>(std::countr_zero(frame_size))),
          _free(std::make_unique<std::uint32_t[]>(count)),
          _refs(std::make_unique<std::uint16_t[]>(count))
    {
        assert((frame_size & (frame_size - 1)) == 0 && "frame size must be a power of two");
        for (std::uint32_t i = 0; i < count; ++i)
            _free[i] = count - 1 - i; // pops yield 0, 1, 2, ...
        _free_top = count;
    }

    // A free frame with one reference; false when none is left.
    bool alloc(addr_t& out)
    {
        if (_free_top == 0)
            return false;
        std::uint32_t i = _free[--_free_top];
        _refs[i] = 1;
        out = static_cast<addr_t>(i) << _shift;
        return true;
    }
    void retain(addr_t a) { ++_refs[index(a)]; }
    // Drops one reference; the frame is free again when none is left.
    void release(addr_t a)
    {
        std::uint32_t i = index(a);
        assert(_refs[i] > 0 && "release of a free frame");
        if (--_refs[i] == 0)
            _free[_free_top++] = i;
    }
    std::uint16_t refs(addr_t a) const { return _refs[index(a)]; }

    // A shift, not a division: every retain and release takes an index (a
    // 64-bit divide was a fifth of reaping the completion ring).
    std::uint32_t index(addr_t a) const { return static_cast<std::uint32_t>(a >> _shift); }
    addr_t base(addr_t a) const { return a & ~static_cast<addr_t>(_frame_size - 1); }
    std::uint32_t free_frames() const { return _free_top; }
    std::uint32_t count() const { return _count; }
    std::uint32_t frame_size() const { return _frame_size; }

private:
    std::uint32_t _count;
    std::uint32_t _frame_size;
    std::uint32_t _shift; // log2(_frame_size)
    std::unique_ptr<std::uint32_t[]> _free;
    std::unique_ptr<std::uint16_t[]> _refs;
    std::uint32_t _free_top = 0;
};

} // namespace babe
