// SPDX-License-Identifier: Apache-2.0
// The shard bus (see bus.hh).
#include "engine/bus.hh"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace babe::engine {

bus::bus(std::size_t shards) : _n(shards), _counters(shards)
{
    for (std::size_t k = 0; k < _n * _n; ++k) {
        _to.push_back(std::make_unique<ring_t>(ring_slots));
        _back.push_back(std::make_unique<ring_t>(ring_slots));
    }
    for (std::size_t k = 0; k < _n; ++k) {
        _slabs.push_back(std::make_unique<slab_pool>(std::array<std::uint32_t, 4>{256, 128, 64, 64}));
        _wake.emplace_back(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!_wake.back()) // those made so far close with _wake
            throw std::system_error(errno, std::generic_category(), "shard bus: eventfd");
    }
}

bus::~bus() = default;

bool bus::post(std::size_t from, std::size_t to_shard, bus_msg m, std::span<const std::byte> payload, bool wake_it)
{
    auto& c = _counters[from];
    if (carries_payload(m.kind)) {
        auto h = payload.size() <= 0xffff ? _slabs[from]->alloc(payload.size()) : std::nullopt;
        if (!h) {
            ++c.no_slab;
            return false;
        }
        std::memcpy(_slabs[from]->data(*h).data(), payload.data(), payload.size());
        m.slab = *h;
        m.len = static_cast<std::uint16_t>(payload.size());
    }
    if (!to(from, to_shard).try_push(m)) {
        ++c.full;
        if (carries_payload(m.kind))
            _slabs[from]->free(m.slab);
        return false;
    }
    ++c.sent;
    if (wake_it)
        wake(to_shard);
    return true;
}

void bus::wake(std::size_t shard)
{
    std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(_wake[shard].get(), &one, sizeof(one));
}

} // namespace babe::engine
