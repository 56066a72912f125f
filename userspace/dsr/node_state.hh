// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// What every concern of a DSR node shares: its configuration and address,
// counters, randomness, the route cache and the neighbours it learns from,
// the blacklist of unidirectional links (§4.6), the event ring, and the IP
// ids of the packets it originates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/prng.hh"
#include "dsr/blacklist.hh"
#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/event_ring.hh"
#include "dsr/neighbour_table.hh"
#include "dsr/packet.hh"
#include "dsr/route_cache.hh"

namespace babe::dsr {

struct node_state {
    node_state(const config& c, addr self_addr, std::uint64_t seed)
        : cfg(c), self(self_addr), rng(seed), cache(cfg, self, stats), unidirectional(cfg, stats),
          neighbours(cfg, stats), events(cfg.event_queue_size,
                                         std::size_t(cfg.event_queue_size) + cfg.send_buffer_size +
                                             cfg.rexmt_buffer_size + cfg.tx_queue_size,
                                         stats)
    {
    }

    config cfg; // every table reads timers and flags through a reference to it
    addr self;
    counters stats;
    prng rng;
    route_cache cache;
    blacklist unidirectional; // neighbours heard but not reaching us (§4.6)
    neighbour_table neighbours;
    event_ring events;
    std::uint16_t next_ip_id = 0;
    time_point last_input{}; // the `now` of the latest input (table sizes)

    // A packet of this node's own to `dst`, with a fresh IP id.
    packet_record originate(addr dst, std::uint8_t ttl)
    {
        packet_record rec;
        rec.src = self;
        rec.dst = dst;
        rec.ttl = ttl;
        rec.ip_id = next_ip_id++;
        return rec;
    }

    // Learn `path` into the cache; its first `first_hand` links were crossed
    // just now (route_cache::learn).
    void learn(time_point now, std::span<const addr> path,
               std::size_t first_hand = static_cast<std::size_t>(-1))
    {
        cache.learn(now, path, cfg.assume_bidirectional, &unidirectional, first_hand);
    }

    // The link toward neighbour n.
    link_id link_to(addr n) const
    {
        const auto* e = neighbours.find(n);
        return e ? e->link : cfg.default_link;
    }
};

} // namespace babe::dsr
