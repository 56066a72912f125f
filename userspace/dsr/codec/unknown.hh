// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// What to do with a DSR option this node does not implement (RFC 4728 §6.1,
// IANA "DSR Protocol Options"): the top bit of the Option Type asks for a
// Route Error OPTION_NOT_SUPPORTED, the next two bits choose ignore (00),
// remove (01), mark (10) or drop the packet (11). classify_unknown_option()
// answers for one type; apply_unknown_options() applies the rule to every
// unknown option of a parsed header in place, for the protocol core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "babe/wire.h"
#include "dsr/codec/options.hh"

namespace babe::dsr::codec {

enum class unknown_action : std::uint8_t {
    ignore = BABE_DSR_ACT_IGNORE, // skip it (Opt Data Len), go on
    remove = BABE_DSR_ACT_REMOVE, // take it out, go on as if it was never there
    mark = BABE_DSR_ACT_MARK,     // set the top bit after Opt Data Len, go on
    drop = BABE_DSR_ACT_DROP,     // drop the packet
};

struct unknown_verdict {
    unknown_action action;
    bool report; // SHOULD send a Route Error OPTION_NOT_SUPPORTED
};

// The option types this codec implements (§6 and §7).
constexpr bool is_known_option(std::uint8_t type)
{
    switch (type) {
    case BABE_DSR_OPT_PADN:
    case BABE_DSR_OPT_RREQ:
    case BABE_DSR_OPT_RREP:
    case BABE_DSR_OPT_RERR:
    case BABE_DSR_OPT_ACK:
    case BABE_DSR_OPT_SRCRT:
    case BABE_DSR_OPT_TIMEOUT:
    case BABE_DSR_OPT_FLOWID:
    case BABE_DSR_OPT_ACK_REQ:
    case BABE_DSR_OPT_PAD1:
        return true;
    default:
        return false;
    }
}

// The §6.1 rule for an option type a node does not implement.
constexpr unknown_verdict classify_unknown_option(std::uint8_t type)
{
    return unknown_verdict{
        static_cast<unknown_action>((type & BABE_DSR_OPT_ACT_MASK) >> BABE_DSR_OPT_ACT_SHIFT),
        (type & BABE_DSR_OPT_UNK_REPORT) != 0};
}

struct unknown_outcome {
    // An unknown option says drop: the caller drops the packet (count it as
    // codec_error::unknown_option_drop); nothing was modified.
    bool drop = false;
    // The first unknown option whose type asks for a report: send a Route
    // Error OPTION_NOT_SUPPORTED naming it. Never set when the packet
    // carries a Route Request (§6.1: no such error in response to one).
    std::optional<std::uint8_t> report_type;
    unsigned ignored = 0;
    unsigned removed = 0;
    unsigned marked = 0;
};

// Apply §6.1 to every unknown option of `view`, parsed from the mutable
// bytes `dsr` (which start at the DSR Options header). Removal overwrites the
// option with a PadN of the same size: processing treats it as absent, and
// the header length, its 4-byte alignment and the payload stay where they
// are (so the IPv4 header needs no update). Marking sets the most
// significant bit of the first data byte (nothing to set when Opt Data Len
// is 0).
unknown_outcome apply_unknown_options(bytes_mut dsr, const dsr_view& view);

} // namespace babe::dsr::codec
