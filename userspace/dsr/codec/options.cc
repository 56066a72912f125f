// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Decoding of the DSR Options header, its options and the Flow State header
// (see options.hh). All bounds checks of the codec's decoders live here.
#include "dsr/codec/options.hh"

namespace babe::dsr::codec {

std::optional<ipv4_addr> rerr_view::unreachable_node() const
{
    if (error_type() != BABE_DSR_ERR_NODE_UNREACHABLE)
        return std::nullopt;
    return load_addr(at(12));
}

std::optional<std::uint8_t> rerr_view::unsupported_option() const
{
    if (error_type() != BABE_DSR_ERR_OPTION_NOT_SUPPORTED)
        return std::nullopt;
    return load_u8(at(12));
}

std::optional<ipv4_addr> rerr_view::original_destination() const
{
    if (error_type() != BABE_DSR_ERR_UNKNOWN_FLOW &&
        error_type() != BABE_DSR_ERR_DEFAULT_FLOW_UNKNOWN)
        return std::nullopt;
    return load_addr(at(12));
}

std::optional<std::uint16_t> rerr_view::flow_id() const
{
    if (error_type() != BABE_DSR_ERR_UNKNOWN_FLOW)
        return std::nullopt;
    return load_be16(at(16));
}

std::optional<ipv4_addr> ack_req_view::previous_hop() const
{
    if (data_len() < 6)
        return std::nullopt;
    return load_addr(at(4));
}

namespace {

// Bytes of type-specific information a Route Error of this type must carry.
std::size_t rerr_info_len(std::uint8_t err_type)
{
    switch (err_type) {
    case BABE_DSR_ERR_NODE_UNREACHABLE: return 4;
    case BABE_DSR_ERR_FLOW_STATE_NOT_SUPPORTED: return 0;
    case BABE_DSR_ERR_OPTION_NOT_SUPPORTED: return 1;
    case BABE_DSR_ERR_UNKNOWN_FLOW: return 6;
    case BABE_DSR_ERR_DEFAULT_FLOW_UNKNOWN: return 4;
    default: return 0; // reserved types: only the fixed part is known
    }
}

} // namespace

codec_result<option> decode_option(bytes_view options, std::size_t pos, std::size_t* next,
                                   std::size_t options_offset)
{
    if (pos >= options.size())
        return make_error(codec_error::option_truncated);
    const std::uint8_t type = load_u8(options.data() + pos);
    const std::size_t offset = options_offset + pos;
    if (type == BABE_DSR_OPT_PAD1) {
        *next = pos + 1;
        return option{pad1_view(options.subspan(pos, 1), offset)};
    }
    if (options.size() - pos < 2)
        return make_error(codec_error::option_truncated);
    const std::size_t len = load_u8(options.data() + pos + 1);
    if (options.size() - pos - 2 < len)
        return make_error(codec_error::option_truncated);
    const bytes_view b = options.subspan(pos, 2 + len);
    *next = pos + 2 + len;

    switch (type) {
    case BABE_DSR_OPT_PADN:
        return option{padn_view(b, offset)};
    case BABE_DSR_OPT_RREQ:
        if (len < BABE_DSR_RREQ_FIXED_DATA || (len - BABE_DSR_RREQ_FIXED_DATA) % 4 != 0)
            return make_error(codec_error::bad_option_length);
        return option{rreq_view(b, offset)};
    case BABE_DSR_OPT_RREP:
        // At least Address[n], the target.
        if (len < BABE_DSR_RREP_FIXED_DATA + 4 || (len - BABE_DSR_RREP_FIXED_DATA) % 4 != 0)
            return make_error(codec_error::bad_option_length);
        return option{rrep_view(b, offset)};
    case BABE_DSR_OPT_RERR: {
        if (len < BABE_DSR_RERR_FIXED_DATA)
            return make_error(codec_error::bad_option_length);
        const std::uint8_t err_type = load_u8(b.data() + 2);
        if (len < BABE_DSR_RERR_FIXED_DATA + rerr_info_len(err_type))
            return make_error(codec_error::bad_option_length);
        return option{rerr_view(b, offset)};
    }
    case BABE_DSR_OPT_ACK_REQ:
        if (len < BABE_DSR_ACK_REQ_DATA)
            return make_error(codec_error::bad_option_length);
        return option{ack_req_view(b, offset)};
    case BABE_DSR_OPT_ACK:
        if (len < BABE_DSR_ACK_DATA)
            return make_error(codec_error::bad_option_length);
        return option{ack_view(b, offset)};
    case BABE_DSR_OPT_SRCRT: {
        if (len < BABE_DSR_SRCRT_FIXED_DATA || (len - BABE_DSR_SRCRT_FIXED_DATA) % 4 != 0)
            return make_error(codec_error::bad_option_length);
        const srcrt_view v(b, offset);
        if (v.segments_left() > v.addresses().size())
            return make_error(codec_error::segs_left_beyond_route);
        return option{v};
    }
    case BABE_DSR_OPT_TIMEOUT:
        if (len < 2)
            return make_error(codec_error::bad_option_length);
        return option{timeout_view(b, offset)};
    case BABE_DSR_OPT_FLOWID:
        if (len < 6)
            return make_error(codec_error::bad_option_length);
        return option{flowid_view(b, offset)};
    default:
        return option{unknown_view(b, offset)};
    }
}

option option_range::iterator::operator*() const
{
    std::size_t next = 0;
    // The header was checked by parse_dsr: this cannot fail.
    return decode_option(_options, _pos, &next).value();
}

option_range::iterator& option_range::iterator::operator++()
{
    const std::uint8_t type = load_u8(_options.data() + _pos);
    if (type == BABE_DSR_OPT_PAD1)
        _pos += 1;
    else
        _pos += 2 + load_u8(_options.data() + _pos + 1);
    return *this;
}

codec_result<dsr_view> parse_dsr(bytes_view b)
{
    if (b.size() < dsr_header_len)
        return make_error(codec_error::truncated);
    if ((load_u8(b.data() + 1) & BABE_DSR_HDR_F) != 0)
        return make_error(codec_error::flow_state_header);
    const std::size_t payload_len = load_be16(b.data() + 2);
    if (b.size() - dsr_header_len < payload_len)
        return make_error(codec_error::bad_payload_length);
    const bytes_view header = b.first(dsr_header_len + payload_len);
    const bytes_view options = header.subspan(dsr_header_len);

    unsigned rreqs = 0, ack_reqs = 0, timeouts = 0;
    std::size_t pos = 0;
    while (pos < options.size()) {
        std::size_t next = 0;
        auto o = decode_option(options, pos, &next);
        if (!o)
            return make_error(o.error());
        rreqs += std::holds_alternative<rreq_view>(*o);
        ack_reqs += std::holds_alternative<ack_req_view>(*o);
        timeouts += std::holds_alternative<timeout_view>(*o);
        pos = next;
    }
    // RFC 4728 §6.2, §6.5, §7.2.1: MUST NOT appear more than once.
    if (rreqs > 1 || ack_reqs > 1 || timeouts > 1)
        return make_error(codec_error::duplicate_option);
    return dsr_view(header, b.subspan(header.size()));
}

codec_result<flow_state_view> parse_flow_state(bytes_view b)
{
    if (b.size() < flow_state_header_len)
        return make_error(codec_error::truncated);
    if ((load_u8(b.data() + 1) & BABE_DSR_HDR_F) == 0)
        return make_error(codec_error::not_flow_state_header);
    return flow_state_view(b.first(flow_state_header_len), b.subspan(flow_state_header_len));
}

namespace {

codec_result<void> store_flags_segs(bytes_mut dsr, const srcrt_view& v, std::uint16_t value)
{
    if (v.offset() + 4 > dsr.size())
        return make_error(codec_error::buffer_too_small);
    store_be16(dsr.data() + v.offset() + 2, value);
    return {};
}

} // namespace

codec_result<void> set_segments_left(bytes_mut dsr, const srcrt_view& v, std::uint8_t segs)
{
    if (segs > v.addresses().size())
        return make_error(codec_error::segs_left_beyond_route);
    const std::uint16_t fs = (v.flags_segs() & ~BABE_DSR_SRCRT_SEGS_MASK) | segs;
    return store_flags_segs(dsr, v, static_cast<std::uint16_t>(fs));
}

codec_result<void> set_salvage(bytes_mut dsr, const srcrt_view& v, std::uint8_t salvage)
{
    if (salvage > BABE_DSR_MAX_SALVAGE_COUNT)
        return make_error(codec_error::field_out_of_range);
    const std::uint16_t fs = (v.flags_segs() & ~BABE_DSR_SRCRT_SALVAGE_MASK) |
                             (salvage << BABE_DSR_SRCRT_SALVAGE_SHIFT);
    return store_flags_segs(dsr, v, static_cast<std::uint16_t>(fs));
}

} // namespace babe::dsr::codec
