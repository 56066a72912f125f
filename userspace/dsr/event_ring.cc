// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The emitters of the node's events (event_ring.hh) that are not per packet.
#include "dsr/event_ring.hh"

namespace babe::dsr {

void event_ring::route_changed(addr dst, const route& r)
{
    if (event* e = slot(false)) {
        e->kind = event_kind::route_changed;
        e->dst = dst;
        e->path = r;
    }
}

void event_ring::route_removed(addr dst)
{
    if (event* e = slot(false)) {
        e->kind = event_kind::route_removed;
        e->dst = dst;
    }
}

void event_ring::link_broken(addr from, addr to)
{
    if (event* e = slot(false)) {
        e->kind = event_kind::link_broken;
        e->from = from;
        e->to = to;
    }
}

void event_ring::delivered(std::optional<packet_handle> h, std::uint32_t payload_offset,
                           std::uint8_t protocol, addr src)
{
    if (event* e = slot(h.has_value())) {
        e->kind = event_kind::delivered;
        e->handle = h;
        e->payload_offset = payload_offset;
        e->protocol = protocol;
        e->src = src;
    }
}

void event_ring::discovery_done(addr dst, duration latency)
{
    if (event* e = slot(false)) {
        e->kind = event_kind::discovery_done;
        e->dst = dst;
        e->latency = latency;
    }
}

void event_ring::discovery_failed(addr dst, duration latency)
{
    if (event* e = slot(false)) {
        e->kind = event_kind::discovery_failed;
        e->dst = dst;
        e->latency = latency;
    }
}

} // namespace babe::dsr
