// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The maintenance buffer of RFC 4728 §8.3 (RexmtBufferSize packets): packets
// sent to a next hop whose receipt is not yet confirmed. An entry is
// "queued" while its transmission waits in the transmit queue and "waiting"
// once sent; only waiting entries are confirmed (passive ack, Acknowledgement,
// link-layer ack, "heard from" evidence) or time out. An entry owns its
// packet's handle until it is confirmed (released), salvaged or dropped.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "dsr/config.hh"
#include "dsr/packet.hh"

namespace babe::dsr {

class maint_buffer {
public:
    enum class state : std::uint8_t { free, queued, waiting };
    struct entry {
        state st = state::free;
        std::uint32_t gen = 0;     // bumps on reuse: stale tx items are recognised
        packet_record rec;         // as last sent (segs_left already for next hop)
        addr next_hop = no_addr;
        link_id link = 0;
        std::uint16_t ack_id = 0;  // when rec.ack_req_id is set
        std::uint16_t first_ack_id = 0; // the first Ack Request's id
        std::array<std::uint16_t, 3> prev_ack_ids{}; // the ids sent before ack_id, newest
                                        // first: an Ack for any of these, ack_id or
                                        // first_ack_id confirms the entry
        bool hop_reliable = false; // hop-by-hop recovery (config hop_reliable_next_header)
        std::uint8_t passive_tries = 0;
        std::uint8_t rexmt = 0;    // retransmissions with an Ack Request so far
        bool passive = false;      // this transmission waits for a passive ack
        bool awaits_link_feedback = false;      // this transmission waits for link-layer feedback
        time_point sent{};
        time_point first_sent{};   // first transmission with an Ack Request
        time_point deadline{};
    };

    explicit maint_buffer(const config& cfg);

    // A free entry (nullptr when RexmtBufferSize are in use).
    entry* acquire();
    void release(entry* e)
    {
        _in_use -= e->st != state::free;
        e->st = state::free;
        _hop_next[static_cast<std::size_t>(index_of(e))] = no_addr;
    }
    // Hop-by-hop recovery: e (in use) is such a packet for next hop nh.
    void mark_hop_reliable(entry* e, addr nh)
    {
        e->hop_reliable = true;
        _hop_next[static_cast<std::size_t>(index_of(e))] = nh;
    }
    // How many such packets for nh are in the buffer (a scan of one
    // address per entry, not of the entries).
    std::uint32_t hop_reliable_to(addr nh) const;
    entry& at(std::size_t i) { return _entries[i]; }
    std::int32_t index_of(const entry* e) const { return static_cast<std::int32_t>(e - _entries.data()); }
    std::vector<entry>& entries() { return _entries; }
    const std::vector<entry>& entries() const { return _entries; }
    std::optional<time_point> next_deadline() const;
    std::size_t size() const;

private:
    std::vector<entry> _entries;
    std::vector<addr> _hop_next; // per entry: its next hop while hop-recovered, else no_addr
    std::size_t _in_use = 0; // most nodes most of the time: none
};

} // namespace babe::dsr
