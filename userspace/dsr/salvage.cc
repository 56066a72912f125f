// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Salvaging (RFC 4728 §8.3.6): see salvage.hh.
#include "dsr/salvage.hh"

#include <algorithm>

#include "dsr/forwarding.hh"
#include "dsr/maintenance.hh"

namespace babe::dsr {

namespace {
bool is_data(const packet_record& rec)
{
    return rec.next_header != ipproto_none || rec.payload_len > 0;
}
} // namespace

void salvage::salvage_packet(time_point now, packet_record rec)
{
    if (!is_data(rec)) {
        _state.events.released(rec.handle);
        return;
    }
    if (rec.salvage >= _state.cfg.max_salvage_count) {
        ++_state.stats.salvage_limit;
        _state.events.dropped(rec.handle, drop_reason::salvage_limit);
        return;
    }
    auto r = _state.cache.find(rec.dst);
    // A salvage route through the packet's own source would be a loop.
    if (r && std::find(r->hops.begin(), r->hops.begin() + r->hop_count, rec.src) !=
                 r->hops.begin() + r->hop_count)
        r.reset();
    if (!r) {
        _state.events.dropped(rec.handle, drop_reason::maint_failed);
        return;
    }
    ++_state.stats.data_salvaged;
    rec.set_source_route(*r);
    rec.salvage = static_cast<std::uint8_t>(rec.salvage + 1);
    _maintenance.send(now, rec, r->next_hop());
}

void salvage::reroute_own(time_point now, packet_record rec)
{
    if (!is_data(rec)) {
        _state.events.released(rec.handle);
        return;
    }
    if (auto r = _state.cache.find(rec.dst)) {
        _forwarding.send_on_route(now, rec, *r);
        return;
    }
    _forwarding.buffer(now, rec);
}

} // namespace babe::dsr
