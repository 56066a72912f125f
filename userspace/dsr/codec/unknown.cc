// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// apply_unknown_options(): RFC 4728 §6.1 in place (see unknown.hh).
#include "dsr/codec/unknown.hh"

#include <algorithm>

namespace babe::dsr::codec {

unknown_outcome apply_unknown_options(bytes_mut dsr, const dsr_view& view)
{
    unknown_outcome out;
    bool has_rreq = false;
    // First pass: decide; a drop leaves the packet untouched.
    for (const option& o : view.options()) {
        has_rreq |= std::holds_alternative<rreq_view>(o);
        const unknown_view* u = std::get_if<unknown_view>(&o);
        if (!u)
            continue;
        const unknown_verdict v = classify_unknown_option(u->type());
        if (v.report && !out.report_type)
            out.report_type = u->type();
        if (v.action == unknown_action::drop)
            out.drop = true;
    }
    if (has_rreq)
        out.report_type.reset();
    if (out.drop)
        return out;
    for (const option& o : view.options()) {
        const unknown_view* u = std::get_if<unknown_view>(&o);
        if (!u)
            continue;
        const std::size_t at = u->offset();
        const std::size_t size = u->bytes().size();
        if (at + size > dsr.size())
            continue; // not the buffer the view was parsed from: touch nothing
        switch (classify_unknown_option(u->type()).action) {
        case unknown_action::ignore:
            ++out.ignored;
            break;
        case unknown_action::remove:
            dsr[at] = std::byte{BABE_DSR_OPT_PADN};
            std::fill(dsr.begin() + at + 2, dsr.begin() + at + size, std::byte{0});
            ++out.removed;
            break;
        case unknown_action::mark:
            if (size > 2)
                dsr[at + 2] |= std::byte{BABE_DSR_OPT_MARK_BIT};
            ++out.marked;
            break;
        case unknown_action::drop:
            break;
        }
    }
    return out;
}

} // namespace babe::dsr::codec
