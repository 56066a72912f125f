// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §8.3 maintenance buffer: see maint_buffer.hh.
#include "dsr/maint_buffer.hh"

namespace babe::dsr {

maint_buffer::maint_buffer(const config& cfg)
    : _entries(cfg.rexmt_buffer_size), _hop_next(cfg.rexmt_buffer_size, no_addr)
{
}

std::uint32_t maint_buffer::hop_reliable_to(addr nh) const
{
    std::uint32_t n = 0;
    for (addr a : _hop_next)
        n += a == nh;
    return n;
}

maint_buffer::entry* maint_buffer::acquire()
{
    for (auto& e : _entries) {
        if (e.st == state::free) {
            const std::uint32_t gen = e.gen + 1;
            e = entry{};
            e.gen = gen;
            e.st = state::queued;
            ++_in_use;
            return &e;
        }
    }
    return nullptr;
}

std::optional<time_point> maint_buffer::next_deadline() const
{
    std::optional<time_point> t;
    if (_in_use == 0)
        return t;
    for (const auto& e : _entries)
        if (e.st == state::waiting && (!t || e.deadline < *t))
            t = e.deadline;
    return t;
}

std::size_t maint_buffer::size() const { return _in_use; }

} // namespace babe::dsr
