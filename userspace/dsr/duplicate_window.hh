// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Hop-by-hop recovery's duplicate detection: which IP ids of that class each
// source's packets had lately (a sender numbers its packets in sequence), as
// a window of the 1024 ids up to the newest, like IPsec's anti-replay
// window. A retransmission whose original got through is found here and
// dropped (after its Acknowledgement). Sources beyond the table's size
// replace the one heard least recently; an id older than the window passes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dsr/config.hh"
#include "dsr/types.hh"

namespace babe::dsr {

class duplicate_window {
public:
    explicit duplicate_window(const config& cfg) : _cfg(cfg), _sources(cfg.hop_dup_table_size) {}

    // True when `id` from `src` was seen (within hop_dup_window of the
    // source's last packet); records it otherwise.
    bool seen_before(time_point now, addr src, std::uint16_t id);

private:
    static constexpr std::int32_t span = 16 * 64;
    struct source {
        addr src = no_addr;
        std::uint16_t top = 0; // the newest id
        time_point last{};
        std::array<std::uint64_t, 16> bits{}; // bit k: id top - k was seen
    };
    // Slide w's window so that `id`, `ahead` past its top, becomes the top.
    static void advance(source& w, std::uint16_t id, std::int32_t ahead);

    const config& _cfg;
    std::vector<source> _sources;
};

} // namespace babe::dsr
