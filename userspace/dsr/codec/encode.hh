// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Encoding of the DSR Options header, every option of RFC 4728 §6 and §7 and
// the DSR Flow State header into a caller-provided buffer. Each encode_*
// writes at the start of `out` and returns the number of bytes written, or
// buffer_too_small / too_many_addresses / field_out_of_range; nothing
// allocates. dsr_builder chains them: it writes the fixed header, appends
// options and, in finish(), pads to a multiple of 4 bytes (§6: required when
// a header follows) and fills in Payload Length.
//
//     std::array<std::byte, 64> buf;
//     dsr_builder b(buf, IPPROTO_UDP);
//     b.srcrt({}, route).ack_req(7);
//     auto len = b.finish(); // 4 + Payload Length, or the first error
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "babe/wire.h"
#include "dsr/codec/bytes.hh"
#include "dsr/codec/codec_error.hh"
#include "dsr/codec/options.hh"

namespace babe::dsr::codec {

using addr_list = std::span<const ipv4_addr>;

// Fixed part of the DSR Options header (F = 0).
codec_result<std::size_t> encode_dsr_header(bytes_mut out, std::uint8_t next_header,
                                            std::uint16_t payload_len);
// DSR Flow State header (§7.1, F = 1); hop_count <= 127.
codec_result<std::size_t> encode_flow_state_header(bytes_mut out, std::uint8_t next_header,
                                                   std::uint8_t hop_count, std::uint16_t flow_id);

codec_result<std::size_t> encode_pad1(bytes_mut out);
// PadN with `data_len` zero bytes (2 + data_len in all).
codec_result<std::size_t> encode_padn(bytes_mut out, std::uint8_t data_len);
// Padding of exactly `n` bytes: nothing, Pad1, or one PadN.
codec_result<std::size_t> encode_padding(bytes_mut out, std::size_t n);

// Route Request: addrs are the nodes recorded so far (never the initiator).
codec_result<std::size_t> encode_rreq(bytes_mut out, std::uint16_t id, ipv4_addr target,
                                      addr_list addrs);
// Route Reply: addrs = Address[1..n], the last one being the target (n >= 1).
codec_result<std::size_t> encode_rrep(bytes_mut out, bool last_hop_external, addr_list addrs);

// Route Error with raw type-specific information (any error type).
codec_result<std::size_t> encode_rerr(bytes_mut out, std::uint8_t err_type, std::uint8_t salvage,
                                      ipv4_addr source, ipv4_addr destination,
                                      bytes_view type_specific);
codec_result<std::size_t> encode_rerr_node_unreachable(bytes_mut out, std::uint8_t salvage,
                                                       ipv4_addr source, ipv4_addr destination,
                                                       ipv4_addr unreachable);
codec_result<std::size_t> encode_rerr_flow_state_not_supported(bytes_mut out,
                                                               std::uint8_t salvage,
                                                               ipv4_addr source,
                                                               ipv4_addr destination);
codec_result<std::size_t> encode_rerr_option_not_supported(bytes_mut out, std::uint8_t salvage,
                                                           ipv4_addr source,
                                                           ipv4_addr destination,
                                                           std::uint8_t unsupported_type);
codec_result<std::size_t> encode_rerr_unknown_flow(bytes_mut out, std::uint8_t salvage,
                                                   ipv4_addr source, ipv4_addr destination,
                                                   ipv4_addr original_destination,
                                                   std::uint16_t flow_id);
codec_result<std::size_t> encode_rerr_default_flow_unknown(bytes_mut out, std::uint8_t salvage,
                                                           ipv4_addr source,
                                                           ipv4_addr destination,
                                                           ipv4_addr original_destination);

// Acknowledgement Request; with previous_hop, the §7.4.1 extension (len 6).
codec_result<std::size_t> encode_ack_req(bytes_mut out, std::uint16_t id,
                                         std::optional<ipv4_addr> previous_hop = std::nullopt);
codec_result<std::size_t> encode_ack(bytes_mut out, std::uint16_t id, ipv4_addr source,
                                     ipv4_addr destination);

struct srcrt_fields {
    bool first_hop_external = false;
    bool last_hop_external = false;
    std::uint8_t salvage = 0;                   // <= 15
    std::optional<std::uint8_t> segments_left; // default: the number of addresses
};
// DSR Source Route: addrs are the intermediate nodes only.
codec_result<std::size_t> encode_srcrt(bytes_mut out, const srcrt_fields& f, addr_list addrs);

codec_result<std::size_t> encode_timeout(bytes_mut out, std::uint16_t timeout_s);
codec_result<std::size_t> encode_flowid(bytes_mut out, std::uint16_t flow_id,
                                        ipv4_addr destination);
// Any option from its type and data (tests, unknown types, forwarding).
codec_result<std::size_t> encode_raw_option(bytes_mut out, std::uint8_t type, bytes_view data);

// Writes a DSR Options header and its options into `out`. Errors are sticky:
// after the first one every call does nothing and finish() returns it.
class dsr_builder {
public:
    dsr_builder(bytes_mut out, std::uint8_t next_header);

    dsr_builder& pad1();
    dsr_builder& padn(std::uint8_t data_len);
    dsr_builder& rreq(std::uint16_t id, ipv4_addr target, addr_list addrs);
    dsr_builder& rrep(bool last_hop_external, addr_list addrs);
    dsr_builder& rerr(std::uint8_t err_type, std::uint8_t salvage, ipv4_addr source,
                      ipv4_addr destination, bytes_view type_specific);
    dsr_builder& rerr_node_unreachable(std::uint8_t salvage, ipv4_addr source,
                                       ipv4_addr destination, ipv4_addr unreachable);
    dsr_builder& rerr_option_not_supported(std::uint8_t salvage, ipv4_addr source,
                                           ipv4_addr destination, std::uint8_t unsupported_type);
    dsr_builder& ack_req(std::uint16_t id, std::optional<ipv4_addr> previous_hop = std::nullopt);
    dsr_builder& ack(std::uint16_t id, ipv4_addr source, ipv4_addr destination);
    dsr_builder& srcrt(const srcrt_fields& f, addr_list addrs);
    dsr_builder& timeout(std::uint16_t timeout_s);
    dsr_builder& flowid(std::uint16_t flow_id, ipv4_addr destination);
    dsr_builder& raw_option(std::uint8_t type, bytes_view data);

    // Call any encode_* that has the shape (bytes_mut) -> codec_result<size_t>.
    template <class Encode>
    dsr_builder& add(Encode&& encode)
    {
        if (_error)
            return *this;
        auto r = encode(_out.subspan(_len));
        if (!r)
            _error = r.error();
        else
            _len += *r;
        return *this;
    }

    // Pad (when pad_to_4) and write Payload Length: returns 4 + Payload Length.
    codec_result<std::size_t> finish(bool pad_to_4 = true);
    // Bytes written so far (fixed header included).
    std::size_t size() const { return _len; }

private:
    bytes_mut _out;
    std::size_t _len = 0;
    std::optional<codec_error> _error;
};

} // namespace babe::dsr::codec
