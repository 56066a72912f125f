// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The Route Request Table of RFC 4728 §4.3, in its two halves:
//   - request_table: for each of up to RequestTableSize initiators, a FIFO of
//     the last RequestTableIds (Identification, Target) pairs seen, so that a
//     node forwards or answers each Route Request once (§8.2.2). When full,
//     the least recently used initiator is evicted (counted).
//   - discovery_table: this node's own discoveries, per target: TTL and time
//     of the last request, consecutive requests, the current backoff period
//     (RequestPeriod doubling up to MaxRequestPeriod), the next deadline.
#pragma once

#include <optional>
#include <vector>

#include "core/ring.hh"
#include "core/u32_index.hh"
#include "dsr/config.hh"
#include "dsr/counters.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class request_table {
public:
    request_table(const config& cfg, counters& stats);

    // True when (initiator, id, target) was seen; otherwise records it.
    bool check_and_record(time_point now, addr initiator, std::uint16_t id, addr target);
    bool seen(addr initiator, std::uint16_t id, addr target) const;
    std::size_t size() const;

private:
    struct pair_entry {
        std::uint16_t id = 0;
        addr target = no_addr;
    };
    struct initiator_entry {
        addr initiator = no_addr;
        bool used = false;
        time_point last_used{};
        ring<pair_entry> ids; // the latest (id, target) pairs, over its slice of _ids
    };

    const config& _cfg;
    counters& _stats;
    std::vector<initiator_entry> _initiators;
    std::vector<pair_entry> _ids; // request_table_ids per initiator: the rings' storage
    u32_index _index;             // initiator -> slot
};

class discovery_table {
public:
    struct entry {
        addr target = no_addr;
        bool used = false;
        time_point first{};       // first request: for the latency event
        time_point last{};        // last request sent
        time_point deadline{};    // when the next request is due
        std::uint32_t count = 0;  // requests sent so far
        std::uint8_t ttl = 0;     // hop limit of the last request
        duration period{};        // current backoff
    };

    discovery_table(const config& cfg, counters& stats);

    entry* find(addr target);
    // A new entry (nullptr when the table is full: counted).
    entry* create(addr target);
    void erase(entry* e)
    {
        _used -= e->used;
        *e = entry{};
    }
    std::optional<time_point> next_deadline() const;
    std::vector<entry>& entries() { return _entries; }
    std::size_t size() const { return _used; }

private:
    counters& _stats;
    std::vector<entry> _entries;
    std::size_t _used = 0;
};

// Flood protection: a token bucket per Route Request initiator.
class rate_limiter {
public:
    rate_limiter(const config& cfg, counters& stats);
    // True when a request from `initiator` may be processed now.
    bool allow(time_point now, addr initiator);

private:
    struct bucket {
        addr initiator = no_addr;
        bool used = false;
        double tokens = 0;
        time_point last{};
    };
    const config& _cfg;
    counters& _stats;
    std::vector<bucket> _buckets;
    u32_index _index; // initiator -> bucket
};

} // namespace babe::dsr
