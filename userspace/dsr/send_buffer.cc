// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The §4.2 Send Buffer: see send_buffer.hh.
#include "dsr/send_buffer.hh"

namespace babe::dsr {

send_buffer::send_buffer(const config& cfg) : _cfg(cfg), _entries(cfg.send_buffer_size) {}

void send_buffer::push(time_point now, const packet_record& rec,
                       std::optional<packet_record>* evicted)
{
    entry* slot = nullptr;
    entry* oldest = nullptr;
    for (auto& e : _entries) {
        if (!e.used) {
            slot = &e;
            break;
        }
        if (!oldest || e.seq < oldest->seq)
            oldest = &e;
    }
    if (!slot) {
        *evicted = oldest->rec;
        slot = oldest;
        --_used;
    }
    slot->rec = rec;
    slot->enqueued = now;
    slot->seq = _seq++;
    slot->used = true;
    ++_used;
}

bool send_buffer::contains_dst(addr dst) const
{
    if (_used == 0)
        return false;
    for (const auto& e : _entries)
        if (e.used && e.rec.dst == dst)
            return true;
    return false;
}

std::optional<time_point> send_buffer::next_deadline() const
{
    std::optional<time_point> t;
    if (_used == 0)
        return t;
    for (const auto& e : _entries)
        if (e.used && (!t || e.enqueued + _cfg.send_buffer_timeout < *t))
            t = e.enqueued + _cfg.send_buffer_timeout;
    return t;
}

} // namespace babe::dsr
