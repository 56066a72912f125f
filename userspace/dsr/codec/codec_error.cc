// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Labels of codec_error (see codec_error.hh).
#include "dsr/codec/codec_error.hh"

namespace babe::dsr::codec {

std::string_view to_string(codec_error e) noexcept
{
    switch (e) {
    case codec_error::truncated: return "truncated";
    case codec_error::bad_ip_version: return "bad_ip_version";
    case codec_error::bad_ip_header_length: return "bad_ip_header_length";
    case codec_error::bad_ip_total_length: return "bad_ip_total_length";
    case codec_error::not_dsr: return "not_dsr";
    case codec_error::flow_state_header: return "flow_state_header";
    case codec_error::not_flow_state_header: return "not_flow_state_header";
    case codec_error::bad_payload_length: return "bad_payload_length";
    case codec_error::option_truncated: return "option_truncated";
    case codec_error::bad_option_length: return "bad_option_length";
    case codec_error::segs_left_beyond_route: return "segs_left_beyond_route";
    case codec_error::duplicate_option: return "duplicate_option";
    case codec_error::unknown_option_drop: return "unknown_option_drop";
    case codec_error::buffer_too_small: return "buffer_too_small";
    case codec_error::too_many_addresses: return "too_many_addresses";
    case codec_error::field_out_of_range: return "field_out_of_range";
    }
    return "unknown_codec_error";
}

} // namespace babe::dsr::codec
