// SPDX-License-Identifier: Apache-2.0
// Fixed-size byte slots addressed by a 32-bit id: the simulator's stand-in
// for UMEM frames. Packets handed to a DSR core live in one pool (the id is
// the packet_handle), frames on MAC queues and on the air in another. Slots
// come in chunks that never move, and freed ids are reused LIFO, so a run in
// steady state allocates nothing and the reuse order is deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace babe::sim {

class buffer_pool {
public:
    static constexpr std::uint32_t chunk_slots = 1024;

    explicit buffer_pool(std::uint32_t slot_bytes) : _slot(slot_bytes) {}

    std::uint32_t slot_bytes() const { return _slot; }

    std::uint32_t alloc()
    {
        if (_free.empty())
            grow();
        std::uint32_t id = _free.back();
        _free.pop_back();
        ++_in_use;
        return id;
    }

    void free(std::uint32_t id)
    {
        _free.push_back(id);
        --_in_use;
    }

    std::byte* data(std::uint32_t id)
    {
        return _chunks[id / chunk_slots].get() + std::size_t(id % chunk_slots) * _slot;
    }
    std::span<std::byte> slot(std::uint32_t id) { return {data(id), _slot}; }

    std::uint32_t capacity() const { return static_cast<std::uint32_t>(_chunks.size()) * chunk_slots; }
    std::uint32_t in_use() const { return _in_use; }
    std::size_t bytes_reserved() const { return std::size_t(capacity()) * _slot; }

private:
    void grow()
    {
        std::uint32_t base = capacity();
        _chunks.push_back(std::make_unique<std::byte[]>(std::size_t(chunk_slots) * _slot));
        _free.reserve(_free.size() + chunk_slots);
        for (std::uint32_t i = chunk_slots; i-- > 0;)
            _free.push_back(base + i);
    }

    std::uint32_t _slot;
    std::uint32_t _in_use = 0;
    std::vector<std::unique_ptr<std::byte[]>> _chunks;
    std::vector<std::uint32_t> _free;
};

} // namespace babe::sim
