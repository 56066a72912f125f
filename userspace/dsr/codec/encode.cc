// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Encoders of the DSR Options header, its options and the Flow State header
// (see encode.hh). Every write is preceded by a size check against `out`.
#include "dsr/codec/encode.hh"

#include <algorithm>

namespace babe::dsr::codec {

namespace {

// Type, Opt Data Len and room for the data; returns the total size.
codec_result<std::size_t> begin_option(bytes_mut out, std::uint8_t type, std::size_t data_len)
{
    if (data_len > 255)
        return make_error(codec_error::too_many_addresses);
    if (out.size() < 2 + data_len)
        return make_error(codec_error::buffer_too_small);
    store_u8(out.data(), type);
    store_u8(out.data() + 1, static_cast<std::uint8_t>(data_len));
    return 2 + data_len;
}

void store_addrs(std::byte* p, addr_list addrs)
{
    for (ipv4_addr a : addrs) {
        store_addr(p, a);
        p += 4;
    }
}

} // namespace

codec_result<std::size_t> encode_dsr_header(bytes_mut out, std::uint8_t next_header,
                                            std::uint16_t payload_len)
{
    if (out.size() < dsr_header_len)
        return make_error(codec_error::buffer_too_small);
    store_u8(out.data(), next_header);
    store_u8(out.data() + 1, 0);
    store_be16(out.data() + 2, payload_len);
    return dsr_header_len;
}

codec_result<std::size_t> encode_flow_state_header(bytes_mut out, std::uint8_t next_header,
                                                   std::uint8_t hop_count, std::uint16_t flow_id)
{
    if (hop_count > BABE_DSR_FLOW_HOP_COUNT_MASK)
        return make_error(codec_error::field_out_of_range);
    if (out.size() < flow_state_header_len)
        return make_error(codec_error::buffer_too_small);
    store_u8(out.data(), next_header);
    store_u8(out.data() + 1, BABE_DSR_HDR_F | hop_count);
    store_be16(out.data() + 2, flow_id);
    return flow_state_header_len;
}

codec_result<std::size_t> encode_pad1(bytes_mut out)
{
    if (out.empty())
        return make_error(codec_error::buffer_too_small);
    store_u8(out.data(), BABE_DSR_OPT_PAD1);
    return std::size_t{1};
}

codec_result<std::size_t> encode_padn(bytes_mut out, std::uint8_t data_len)
{
    auto r = begin_option(out, BABE_DSR_OPT_PADN, data_len);
    if (r)
        std::fill_n(out.begin() + 2, data_len, std::byte{0});
    return r;
}

codec_result<std::size_t> encode_padding(bytes_mut out, std::size_t n)
{
    if (n == 0)
        return std::size_t{0};
    if (n == 1)
        return encode_pad1(out);
    if (n - 2 > 255)
        return make_error(codec_error::field_out_of_range);
    return encode_padn(out, static_cast<std::uint8_t>(n - 2));
}

codec_result<std::size_t> encode_rreq(bytes_mut out, std::uint16_t id, ipv4_addr target,
                                      addr_list addrs)
{
    if (addrs.size() > max_rreq_addresses)
        return make_error(codec_error::too_many_addresses);
    auto r = begin_option(out, BABE_DSR_OPT_RREQ, BABE_DSR_RREQ_FIXED_DATA + 4 * addrs.size());
    if (!r)
        return r;
    store_be16(out.data() + 2, id);
    store_addr(out.data() + 4, target);
    store_addrs(out.data() + 8, addrs);
    return r;
}

codec_result<std::size_t> encode_rrep(bytes_mut out, bool last_hop_external, addr_list addrs)
{
    if (addrs.empty())
        return make_error(codec_error::field_out_of_range);
    if (addrs.size() > max_rrep_addresses)
        return make_error(codec_error::too_many_addresses);
    auto r = begin_option(out, BABE_DSR_OPT_RREP, BABE_DSR_RREP_FIXED_DATA + 4 * addrs.size());
    if (!r)
        return r;
    store_u8(out.data() + 2, last_hop_external ? BABE_DSR_RREP_L : 0);
    store_addrs(out.data() + 3, addrs);
    return r;
}

codec_result<std::size_t> encode_rerr(bytes_mut out, std::uint8_t err_type, std::uint8_t salvage,
                                      ipv4_addr source, ipv4_addr destination,
                                      bytes_view type_specific)
{
    if (salvage > BABE_DSR_MAX_SALVAGE_COUNT)
        return make_error(codec_error::field_out_of_range);
    if (type_specific.size() > 255 - BABE_DSR_RERR_FIXED_DATA)
        return make_error(codec_error::field_out_of_range);
    auto r = begin_option(out, BABE_DSR_OPT_RERR, BABE_DSR_RERR_FIXED_DATA + type_specific.size());
    if (!r)
        return r;
    store_u8(out.data() + 2, err_type);
    store_u8(out.data() + 3, salvage);
    store_addr(out.data() + 4, source);
    store_addr(out.data() + 8, destination);
    std::copy(type_specific.begin(), type_specific.end(), out.begin() + 12);
    return r;
}

codec_result<std::size_t> encode_rerr_node_unreachable(bytes_mut out, std::uint8_t salvage,
                                                       ipv4_addr source, ipv4_addr destination,
                                                       ipv4_addr unreachable)
{
    std::byte info[4];
    store_addr(info, unreachable);
    return encode_rerr(out, BABE_DSR_ERR_NODE_UNREACHABLE, salvage, source, destination, info);
}

codec_result<std::size_t> encode_rerr_flow_state_not_supported(bytes_mut out,
                                                               std::uint8_t salvage,
                                                               ipv4_addr source,
                                                               ipv4_addr destination)
{
    return encode_rerr(out, BABE_DSR_ERR_FLOW_STATE_NOT_SUPPORTED, salvage, source, destination,
                       {});
}

codec_result<std::size_t> encode_rerr_option_not_supported(bytes_mut out, std::uint8_t salvage,
                                                           ipv4_addr source,
                                                           ipv4_addr destination,
                                                           std::uint8_t unsupported_type)
{
    const std::byte info[1] = {std::byte{unsupported_type}};
    return encode_rerr(out, BABE_DSR_ERR_OPTION_NOT_SUPPORTED, salvage, source, destination, info);
}

codec_result<std::size_t> encode_rerr_unknown_flow(bytes_mut out, std::uint8_t salvage,
                                                   ipv4_addr source, ipv4_addr destination,
                                                   ipv4_addr original_destination,
                                                   std::uint16_t flow_id)
{
    std::byte info[6];
    store_addr(info, original_destination);
    store_be16(info + 4, flow_id);
    return encode_rerr(out, BABE_DSR_ERR_UNKNOWN_FLOW, salvage, source, destination, info);
}

codec_result<std::size_t> encode_rerr_default_flow_unknown(bytes_mut out, std::uint8_t salvage,
                                                           ipv4_addr source,
                                                           ipv4_addr destination,
                                                           ipv4_addr original_destination)
{
    std::byte info[4];
    store_addr(info, original_destination);
    return encode_rerr(out, BABE_DSR_ERR_DEFAULT_FLOW_UNKNOWN, salvage, source, destination, info);
}

codec_result<std::size_t> encode_ack_req(bytes_mut out, std::uint16_t id,
                                         std::optional<ipv4_addr> previous_hop)
{
    auto r = begin_option(out, BABE_DSR_OPT_ACK_REQ,
                          previous_hop ? 6 : BABE_DSR_ACK_REQ_DATA);
    if (!r)
        return r;
    store_be16(out.data() + 2, id);
    if (previous_hop)
        store_addr(out.data() + 4, *previous_hop);
    return r;
}

codec_result<std::size_t> encode_ack(bytes_mut out, std::uint16_t id, ipv4_addr source,
                                     ipv4_addr destination)
{
    auto r = begin_option(out, BABE_DSR_OPT_ACK, BABE_DSR_ACK_DATA);
    if (!r)
        return r;
    store_be16(out.data() + 2, id);
    store_addr(out.data() + 4, source);
    store_addr(out.data() + 8, destination);
    return r;
}

codec_result<std::size_t> encode_srcrt(bytes_mut out, const srcrt_fields& f, addr_list addrs)
{
    if (addrs.size() > max_srcrt_addresses)
        return make_error(codec_error::too_many_addresses);
    const std::size_t segs = f.segments_left.value_or(static_cast<std::uint8_t>(addrs.size()));
    if (segs > addrs.size())
        return make_error(codec_error::segs_left_beyond_route);
    if (f.salvage > BABE_DSR_MAX_SALVAGE_COUNT)
        return make_error(codec_error::field_out_of_range);
    auto r = begin_option(out, BABE_DSR_OPT_SRCRT, BABE_DSR_SRCRT_FIXED_DATA + 4 * addrs.size());
    if (!r)
        return r;
    std::uint16_t fs = static_cast<std::uint16_t>(segs) |
                       static_cast<std::uint16_t>(f.salvage << BABE_DSR_SRCRT_SALVAGE_SHIFT);
    if (f.first_hop_external)
        fs |= BABE_DSR_SRCRT_F;
    if (f.last_hop_external)
        fs |= BABE_DSR_SRCRT_L;
    store_be16(out.data() + 2, fs);
    store_addrs(out.data() + 4, addrs);
    return r;
}

codec_result<std::size_t> encode_timeout(bytes_mut out, std::uint16_t timeout_s)
{
    auto r = begin_option(out, BABE_DSR_OPT_TIMEOUT, 2);
    if (r)
        store_be16(out.data() + 2, timeout_s);
    return r;
}

codec_result<std::size_t> encode_flowid(bytes_mut out, std::uint16_t flow_id,
                                        ipv4_addr destination)
{
    auto r = begin_option(out, BABE_DSR_OPT_FLOWID, 6);
    if (!r)
        return r;
    store_be16(out.data() + 2, flow_id);
    store_addr(out.data() + 4, destination);
    return r;
}

codec_result<std::size_t> encode_raw_option(bytes_mut out, std::uint8_t type, bytes_view data)
{
    if (type == BABE_DSR_OPT_PAD1) {
        if (!data.empty())
            return make_error(codec_error::field_out_of_range);
        return encode_pad1(out);
    }
    if (data.size() > 255)
        return make_error(codec_error::field_out_of_range);
    auto r = begin_option(out, type, data.size());
    if (r)
        std::copy(data.begin(), data.end(), out.begin() + 2);
    return r;
}

dsr_builder::dsr_builder(bytes_mut out, std::uint8_t next_header) : _out(out)
{
    auto r = encode_dsr_header(out, next_header, 0);
    if (r)
        _len = *r;
    else
        _error = r.error();
}

dsr_builder& dsr_builder::pad1()
{
    return add([](bytes_mut o) { return encode_pad1(o); });
}

dsr_builder& dsr_builder::padn(std::uint8_t data_len)
{
    return add([&](bytes_mut o) { return encode_padn(o, data_len); });
}

dsr_builder& dsr_builder::rreq(std::uint16_t id, ipv4_addr target, addr_list addrs)
{
    return add([&](bytes_mut o) { return encode_rreq(o, id, target, addrs); });
}

dsr_builder& dsr_builder::rrep(bool last_hop_external, addr_list addrs)
{
    return add([&](bytes_mut o) { return encode_rrep(o, last_hop_external, addrs); });
}

dsr_builder& dsr_builder::rerr(std::uint8_t err_type, std::uint8_t salvage, ipv4_addr source,
                               ipv4_addr destination, bytes_view type_specific)
{
    return add([&](bytes_mut o) {
        return encode_rerr(o, err_type, salvage, source, destination, type_specific);
    });
}

dsr_builder& dsr_builder::rerr_node_unreachable(std::uint8_t salvage, ipv4_addr source,
                                                ipv4_addr destination, ipv4_addr unreachable)
{
    return add([&](bytes_mut o) {
        return encode_rerr_node_unreachable(o, salvage, source, destination, unreachable);
    });
}

dsr_builder& dsr_builder::rerr_option_not_supported(std::uint8_t salvage, ipv4_addr source,
                                                    ipv4_addr destination,
                                                    std::uint8_t unsupported_type)
{
    return add([&](bytes_mut o) {
        return encode_rerr_option_not_supported(o, salvage, source, destination,
                                                unsupported_type);
    });
}

dsr_builder& dsr_builder::ack_req(std::uint16_t id, std::optional<ipv4_addr> previous_hop)
{
    return add([&](bytes_mut o) { return encode_ack_req(o, id, previous_hop); });
}

dsr_builder& dsr_builder::ack(std::uint16_t id, ipv4_addr source, ipv4_addr destination)
{
    return add([&](bytes_mut o) { return encode_ack(o, id, source, destination); });
}

dsr_builder& dsr_builder::srcrt(const srcrt_fields& f, addr_list addrs)
{
    return add([&](bytes_mut o) { return encode_srcrt(o, f, addrs); });
}

dsr_builder& dsr_builder::timeout(std::uint16_t timeout_s)
{
    return add([&](bytes_mut o) { return encode_timeout(o, timeout_s); });
}

dsr_builder& dsr_builder::flowid(std::uint16_t flow_id, ipv4_addr destination)
{
    return add([&](bytes_mut o) { return encode_flowid(o, flow_id, destination); });
}

dsr_builder& dsr_builder::raw_option(std::uint8_t type, bytes_view data)
{
    return add([&](bytes_mut o) { return encode_raw_option(o, type, data); });
}

codec_result<std::size_t> dsr_builder::finish(bool pad_to_4)
{
    if (_error)
        return make_error(*_error);
    if (pad_to_4) {
        const std::size_t pad = (4 - _len % 4) % 4;
        auto r = encode_padding(_out.subspan(_len), pad);
        if (!r)
            return make_error(r.error());
        _len += *r;
    }
    const std::size_t payload = _len - dsr_header_len;
    if (payload > 0xffff)
        return make_error(codec_error::field_out_of_range);
    store_be16(_out.data() + 2, static_cast<std::uint16_t>(payload));
    return _len;
}

} // namespace babe::dsr::codec
