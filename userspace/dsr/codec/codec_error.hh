// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The typed errors of the RFC 4728 wire codec. Every malformed input the
// decoders see maps to one of these (never undefined behaviour), and every
// encoder failure too; to_string() gives a stable snake_case label suitable
// for logs and metric labels.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.hh"

namespace babe::dsr::codec {

enum class codec_error : std::uint8_t {
    // decoding: IPv4
    truncated,               // fewer bytes than a fixed header or a length field says
    bad_ip_version,          // IPv4 version field is not 4
    bad_ip_header_length,    // IHL < 5
    bad_ip_total_length,     // total length < header length or > the bytes given
    not_dsr,                 // IPv4 protocol is not 48
    // decoding: DSR Options / Flow State header
    flow_state_header,       // F bit set where a DSR Options header was expected
    not_flow_state_header,   // F bit clear where a Flow State header was expected
    bad_payload_length,      // Payload Length runs past the bytes given
    option_truncated,        // an option's header or data runs past Payload Length
    bad_option_length,       // Opt Data Len is not valid for the option type
    segs_left_beyond_route,  // Source Route Segments Left > number of addresses
    duplicate_option,        // RREQ, Ack Request or Timeout present more than once
    unknown_option_drop,     // unknown option whose type says: drop the packet
    // encoding
    buffer_too_small,        // the output span cannot hold what is being written
    too_many_addresses,      // the address list does not fit the option
    field_out_of_range,      // a value does not fit its bit field (salvage, segs left...)
};

std::string_view to_string(codec_error e) noexcept;

template <class T>
using codec_result = babe::result<T, codec_error>;

} // namespace babe::dsr::codec
