// SPDX-License-Identifier: Apache-2.0
// Golden-byte tests of the DSR wire codec: for every option of RFC 4728 §6
// and §7, bytes written by hand from the RFC's field diagrams are decoded
// and checked field by field, and the encoder must reproduce them exactly.
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <vector>

#include "dsr/codec/codec.hh"

using namespace babe::dsr::codec;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v)
{
    std::vector<std::byte> out;
    for (int x : v)
        out.push_back(std::byte(x));
    return out;
}

constexpr ipv4_addr A(int d) { return ipv4_addr::from_octets(10, 0, 0, std::uint8_t(d)); }

// A DSR Options header (next header UDP) holding exactly `opts`. The bytes
// live until the end of the test program, so views of them stay valid.
const std::vector<std::byte>& with_header(const std::vector<std::byte>& opts)
{
    static std::deque<std::vector<std::byte>> arena;
    std::vector<std::byte> h = bytes({17, 0, int(opts.size() >> 8), int(opts.size() & 0xff)});
    h.insert(h.end(), opts.begin(), opts.end());
    return arena.emplace_back(std::move(h));
}

// Decode the single option of `opt` wrapped in a header; it must be a View.
template <class View>
View only_option(const std::vector<std::byte>& hdr)
{
    auto d = parse_dsr(hdr);
    EXPECT_TRUE(d.has_value()) << (d ? "" : to_string(d.error()));
    std::vector<option> all;
    for (const option& o : d->options())
        all.push_back(o);
    EXPECT_EQ(all.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<View>(all.at(0)));
    return std::get<View>(all.at(0));
}

template <class F>
std::vector<std::byte> encoded(F&& f)
{
    std::array<std::byte, 300> buf{};
    auto r = f(bytes_mut(buf));
    EXPECT_TRUE(r.has_value()) << (r ? "" : to_string(r.error()));
    return std::vector<std::byte>(buf.begin(), buf.begin() + (r ? *r : 0));
}

} // namespace

TEST(codec_golden, wire_constants)
{
    EXPECT_EQ(BABE_IPPROTO_DSR, 48);
    EXPECT_EQ(BABE_DSR_OPT_RREQ, 1);
    EXPECT_EQ(BABE_DSR_OPT_RREP, 2);
    EXPECT_EQ(BABE_DSR_OPT_RERR, 3);
    EXPECT_EQ(BABE_DSR_OPT_ACK_REQ, 160);
    EXPECT_EQ(BABE_DSR_OPT_ACK, 32);
    EXPECT_EQ(BABE_DSR_OPT_SRCRT, 96);
    EXPECT_EQ(BABE_DSR_OPT_PAD1, 224);
    EXPECT_EQ(BABE_DSR_OPT_PADN, 0);
    EXPECT_EQ(BABE_DSR_OPT_TIMEOUT, 128);
    EXPECT_EQ(BABE_DSR_OPT_FLOWID, 129);
}

TEST(codec_golden, dsr_options_header)
{
    // Next Header 6 (TCP), F = 0, Reserved 0, Payload Length 4, then PadN len 2.
    const auto b = bytes({6, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0xde, 0xad});
    auto d = parse_dsr(b);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->next_header(), 6);
    EXPECT_EQ(d->payload_len(), 4);
    EXPECT_EQ(d->header_len(), 8u);
    EXPECT_EQ(d->rest().size(), 2u);
    EXPECT_EQ(d->rest()[0], std::byte{0xde});
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_dsr_header(o, 6, 4); }),
              bytes({6, 0, 0, 4}));
    // Reserved bits are ignored on reception.
    auto r = bytes({6, 0x7f, 0x00, 0x00});
    ASSERT_TRUE(parse_dsr(r));
    EXPECT_EQ(parse_dsr(r)->reserved(), 0x7f);
}

TEST(codec_golden, flow_state_header)
{
    // Next Header 17, F = 1, Hop Count 5, Flow Identifier 0x1234 (§7.1).
    const auto b = bytes({17, 0x85, 0x12, 0x34});
    EXPECT_TRUE(is_flow_state_header(b));
    auto f = parse_flow_state(b);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->next_header(), 17);
    EXPECT_EQ(f->hop_count(), 5);
    EXPECT_EQ(f->flow_id(), 0x1234);
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_flow_state_header(o, 17, 5, 0x1234); }), b);
    EXPECT_EQ(parse_dsr(b).error(), codec_error::flow_state_header);
    EXPECT_EQ(parse_flow_state(bytes({17, 0x05, 0, 0})).error(),
              codec_error::not_flow_state_header);
    std::array<std::byte, 4> buf;
    EXPECT_EQ(encode_flow_state_header(buf, 17, 128, 1).error(), codec_error::field_out_of_range);
}

TEST(codec_golden, route_request)
{
    // §6.2: Type 1, Opt Data Len 6 + 4n, Identification, Target, Address[1..n].
    const auto opt = bytes({0x01, 0x0e, 0x12, 0x34, 10, 0, 0, 9, 10, 0, 0, 2, 10, 0, 0, 3});
    auto v = only_option<rreq_view>(with_header(opt));
    EXPECT_EQ(v.id(), 0x1234);
    EXPECT_EQ(v.target(), A(9));
    ASSERT_EQ(v.addresses().size(), 2u);
    EXPECT_EQ(v.addresses()[0], A(2));
    EXPECT_EQ(v.addresses()[1], A(3));
    EXPECT_EQ(v.offset(), 4u);
    const std::array addrs{A(2), A(3)};
    EXPECT_EQ(encoded([&](bytes_mut o) { return encode_rreq(o, 0x1234, A(9), addrs); }), opt);
    // No address recorded yet: Opt Data Len 6.
    const auto empty = bytes({0x01, 0x06, 0x00, 0x01, 10, 0, 0, 9});
    EXPECT_EQ(only_option<rreq_view>(with_header(empty)).addresses().size(), 0u);
    EXPECT_EQ(encoded([&](bytes_mut o) { return encode_rreq(o, 1, A(9), {}); }), empty);
}

TEST(codec_golden, route_reply)
{
    // §6.3: Type 2, Opt Data Len 1 + 4n, L|Reserved, Address[1..n] from offset 3.
    const auto opt = bytes({0x02, 0x09, 0x80, 10, 0, 0, 2, 10, 0, 0, 9});
    auto v = only_option<rrep_view>(with_header(opt));
    EXPECT_TRUE(v.last_hop_external());
    ASSERT_EQ(v.addresses().size(), 2u);
    EXPECT_EQ(v.addresses()[0], A(2));
    EXPECT_EQ(v.addresses().back(), A(9));
    const std::array addrs{A(2), A(9)};
    EXPECT_EQ(encoded([&](bytes_mut o) { return encode_rrep(o, true, addrs); }), opt);
    const auto no_l = bytes({0x02, 0x05, 0x00, 10, 0, 0, 9});
    EXPECT_FALSE(only_option<rrep_view>(with_header(no_l)).last_hop_external());
}

TEST(codec_golden, route_error_node_unreachable)
{
    // §6.4 + §6.4.1: Type 3, Len 14, Error Type 1, Reservd|Salvage (3),
    // Error Source, Error Destination, Unreachable Node Address.
    const auto opt = bytes({0x03, 0x0e, 0x01, 0x03, 10, 0, 0, 2, 10, 0, 0, 1, 10, 0, 0, 3});
    auto v = only_option<rerr_view>(with_header(opt));
    EXPECT_EQ(v.error_type(), BABE_DSR_ERR_NODE_UNREACHABLE);
    EXPECT_EQ(v.salvage(), 3);
    EXPECT_EQ(v.source(), A(2));
    EXPECT_EQ(v.destination(), A(1));
    EXPECT_EQ(v.unreachable_node(), A(3));
    EXPECT_FALSE(v.unsupported_option());
    EXPECT_EQ(encoded([](bytes_mut o) {
                  return encode_rerr_node_unreachable(o, 3, A(2), A(1), A(3));
              }),
              opt);
    // Reserved bits (high nibble) are ignored.
    auto r = opt;
    r[3] = std::byte{0xf3};
    EXPECT_EQ(only_option<rerr_view>(with_header(r)).salvage(), 3);
}

TEST(codec_golden, route_error_flow_state_not_supported)
{
    // §6.4.2: no type-specific information, Len 10.
    const auto opt = bytes({0x03, 0x0a, 0x02, 0x0f, 10, 0, 0, 4, 10, 0, 0, 5});
    auto v = only_option<rerr_view>(with_header(opt));
    EXPECT_EQ(v.error_type(), BABE_DSR_ERR_FLOW_STATE_NOT_SUPPORTED);
    EXPECT_EQ(v.salvage(), 15);
    EXPECT_TRUE(v.type_specific().empty());
    EXPECT_EQ(encoded([](bytes_mut o) {
                  return encode_rerr_flow_state_not_supported(o, 15, A(4), A(5));
              }),
              opt);
}

TEST(codec_golden, route_error_option_not_supported)
{
    // §6.4.3: one byte, the unsupported option type; Len 11.
    const auto opt = bytes({0x03, 0x0b, 0x03, 0x00, 10, 0, 0, 4, 10, 0, 0, 5, 0xa5});
    auto v = only_option<rerr_view>(with_header(opt));
    EXPECT_EQ(v.error_type(), BABE_DSR_ERR_OPTION_NOT_SUPPORTED);
    EXPECT_EQ(v.unsupported_option(), 0xa5);
    EXPECT_FALSE(v.unreachable_node());
    EXPECT_EQ(encoded([](bytes_mut o) {
                  return encode_rerr_option_not_supported(o, 0, A(4), A(5), 0xa5);
              }),
              opt);
}

TEST(codec_golden, route_error_flow_types)
{
    // §7.3.1 Unknown Flow: Original IP Destination, Flow ID; Len 16.
    const auto uf = bytes({0x03, 0x10, 0x81, 0x00, 10, 0, 0, 4, 10, 0, 0, 5, 10, 0, 0, 9,
                           0xbe, 0xef});
    auto v = only_option<rerr_view>(with_header(uf));
    EXPECT_EQ(v.original_destination(), A(9));
    EXPECT_EQ(v.flow_id(), 0xbeef);
    EXPECT_EQ(encoded([](bytes_mut o) {
                  return encode_rerr_unknown_flow(o, 0, A(4), A(5), A(9), 0xbeef);
              }),
              uf);
    // §7.3.2 Default Flow Unknown: Original IP Destination; Len 14.
    const auto df = bytes({0x03, 0x0e, 0x82, 0x00, 10, 0, 0, 4, 10, 0, 0, 5, 10, 0, 0, 9});
    auto w = only_option<rerr_view>(with_header(df));
    EXPECT_EQ(w.original_destination(), A(9));
    EXPECT_FALSE(w.flow_id());
    EXPECT_EQ(encoded([](bytes_mut o) {
                  return encode_rerr_default_flow_unknown(o, 0, A(4), A(5), A(9));
              }),
              df);
}

TEST(codec_golden, ack_request)
{
    // §6.5: Type 160, Len 2, Identification.
    const auto opt = bytes({0xa0, 0x02, 0xab, 0xcd});
    auto v = only_option<ack_req_view>(with_header(opt));
    EXPECT_EQ(v.id(), 0xabcd);
    EXPECT_FALSE(v.previous_hop());
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_ack_req(o, 0xabcd); }), opt);
    // §7.4.1: Len 6 adds the ACK Request Source Address.
    const auto ext = bytes({0xa0, 0x06, 0xab, 0xcd, 10, 0, 0, 7});
    EXPECT_EQ(only_option<ack_req_view>(with_header(ext)).previous_hop(), A(7));
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_ack_req(o, 0xabcd, A(7)); }), ext);
}

TEST(codec_golden, ack)
{
    // §6.6: Type 32, Len 10, Identification, ACK Source, ACK Destination.
    const auto opt = bytes({0x20, 0x0a, 0x00, 0x07, 10, 0, 0, 3, 10, 0, 0, 2});
    auto v = only_option<ack_view>(with_header(opt));
    EXPECT_EQ(v.id(), 7);
    EXPECT_EQ(v.source(), A(3));
    EXPECT_EQ(v.destination(), A(2));
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_ack(o, 7, A(3), A(2)); }), opt);
}

TEST(codec_golden, source_route)
{
    // §6.7: Type 96, Len 2 + 4n; bytes 2-3 = F|L|Reservd(4)|Salvage(4)|Segs Left(6).
    // F=1 L=0 Salvage=5 SegsLeft=2 -> 1 0 0000 0101 000010 = 0x8142.
    const auto opt = bytes({0x60, 0x0a, 0x81, 0x42, 10, 0, 0, 2, 10, 0, 0, 3});
    auto v = only_option<srcrt_view>(with_header(opt));
    EXPECT_TRUE(v.first_hop_external());
    EXPECT_FALSE(v.last_hop_external());
    EXPECT_EQ(v.salvage(), 5);
    EXPECT_EQ(v.segments_left(), 2);
    ASSERT_EQ(v.addresses().size(), 2u);
    EXPECT_EQ(v.addresses()[0], A(2));
    EXPECT_EQ(v.addresses()[1], A(3));
    const std::array addrs{A(2), A(3)};
    const srcrt_fields f{.first_hop_external = true,
                         .last_hop_external = false,
                         .salvage = 5,
                         .segments_left = {}};
    EXPECT_EQ(encoded([&](bytes_mut o) { return encode_srcrt(o, f, addrs); }), opt);
    // L=1, Salvage 15, Segs Left 1, reserved bits set (ignored): 0x7fc1.
    const auto l = bytes({0x60, 0x0a, 0x7f, 0xc1, 10, 0, 0, 2, 10, 0, 0, 3});
    auto w = only_option<srcrt_view>(with_header(l));
    EXPECT_FALSE(w.first_hop_external());
    EXPECT_TRUE(w.last_hop_external());
    EXPECT_EQ(w.salvage(), 15);
    EXPECT_EQ(w.segments_left(), 1);
    // Segments Left beyond the route.
    const auto bad = bytes({0x60, 0x06, 0x00, 0x02, 10, 0, 0, 2});
    EXPECT_EQ(parse_dsr(with_header(bad)).error(), codec_error::segs_left_beyond_route);
}

TEST(codec_golden, source_route_in_place_edits)
{
    auto h = with_header(bytes({0x60, 0x0a, 0x00, 0x02, 10, 0, 0, 2, 10, 0, 0, 3}));
    auto d = parse_dsr(h);
    ASSERT_TRUE(d);
    auto s = d->find<srcrt_view>();
    ASSERT_TRUE(s);
    ASSERT_TRUE(set_segments_left(h, *s, 1));
    ASSERT_TRUE(set_salvage(h, *s, 15));
    EXPECT_EQ(h[6], std::byte{0x03});
    EXPECT_EQ(h[7], std::byte{0xc1});
    EXPECT_EQ(set_segments_left(h, *s, 3).error(), codec_error::segs_left_beyond_route);
    EXPECT_EQ(set_salvage(h, *s, 16).error(), codec_error::field_out_of_range);
}

TEST(codec_golden, pad1_and_padn)
{
    // §6.8 Pad1 is the single byte 224; §6.9 PadN: Type 0, Len, zeros.
    const auto opts = bytes({0xe0, 0x00, 0x01, 0x00});
    auto d = parse_dsr(with_header(opts));
    ASSERT_TRUE(d);
    std::vector<option> all(d->options().begin(), d->options().end());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<pad1_view>(all[0]));
    ASSERT_TRUE(std::holds_alternative<padn_view>(all[1]));
    EXPECT_EQ(std::get<padn_view>(all[1]).data_len(), 1);
    EXPECT_EQ(std::get<padn_view>(all[1]).offset(), 5u);
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_pad1(o); }), bytes({0xe0}));
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_padn(o, 1); }), bytes({0x00, 0x01, 0x00}));
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_padding(o, 0); }), bytes({}));
    EXPECT_EQ(encoded([](bytes_mut o) { return encode_padding(o, 2); }), bytes({0x00, 0x00}));
}

TEST(codec_golden, timeout_and_flowid)
{
    // §7.2.1 Timeout: Type 128, Len 2, seconds; §7.2.2: Type 129, Len 6.
    const auto opts = bytes({0x80, 0x02, 0x00, 0x1e, 0x81, 0x06, 0x00, 0x05, 10, 0, 0, 9});
    auto d = parse_dsr(with_header(opts));
    ASSERT_TRUE(d);
    auto t = d->find<timeout_view>();
    auto f = d->find<flowid_view>();
    ASSERT_TRUE(t && f);
    EXPECT_EQ(t->timeout_s(), 30);
    EXPECT_EQ(f->flow_id(), 5);
    EXPECT_EQ(f->destination(), A(9));
    std::array<std::byte, 12> buf;
    ASSERT_EQ(*encode_timeout(buf, 30), 4u);
    ASSERT_EQ(*encode_flowid(bytes_mut(buf).subspan(4), 5, A(9)), 8u);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), opts.begin()));
}

TEST(codec_golden, builder_pads_and_sets_payload_length)
{
    std::array<std::byte, 64> buf{};
    const std::array route{A(2)};
    dsr_builder b(buf, 17);
    b.srcrt({}, route).ack_req(9);
    auto n = b.finish();
    ASSERT_TRUE(n) << to_string(n.error());
    // 4 + (2+2+4) + (2+2) = 16: already a multiple of 4, no padding.
    EXPECT_EQ(*n, 16u);
    EXPECT_EQ(std::vector<std::byte>(buf.begin(), buf.begin() + 16),
              bytes({17, 0, 0, 12, 0x60, 0x06, 0x00, 0x01, 10, 0, 0, 2, 0xa0, 0x02, 0x00, 0x09}));
    // RREP with one address is 7 bytes: 4 + 7 = 11, padded with a Pad1.
    dsr_builder c(buf, 59);
    const std::array t{A(9)};
    auto m = c.rrep(false, t).finish();
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, 12u);
    EXPECT_EQ(std::vector<std::byte>(buf.begin(), buf.begin() + 12),
              bytes({59, 0, 0, 8, 0x02, 0x05, 0x00, 10, 0, 0, 9, 0xe0}));
    auto back = parse_dsr(bytes_view(buf).first(12));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->find<rrep_view>()->addresses()[0], A(9));
    // Two bytes short of a multiple of 4: PadN with no data.
    dsr_builder p(buf, 17);
    ASSERT_EQ(*p.ack_req(1).finish(), 8u);
    EXPECT_EQ(std::vector<std::byte>(buf.begin(), buf.begin() + 8),
              bytes({17, 0, 0, 4, 0xa0, 0x02, 0x00, 0x01}));
    dsr_builder q(buf, 17);
    ASSERT_EQ(*q.pad1().pad1().finish(), 8u);
    EXPECT_EQ(std::vector<std::byte>(buf.begin(), buf.begin() + 8),
              bytes({17, 0, 0, 4, 0xe0, 0xe0, 0x00, 0x00}));
    // Errors are sticky and reported by finish().
    std::array<std::byte, 10> small;
    dsr_builder s(small, 17);
    EXPECT_EQ(s.ack(1, A(1), A(2)).pad1().finish().error(), codec_error::buffer_too_small);
}

TEST(codec_golden, unknown_option_rules)
{
    // §6.1: top bit = report, next two bits = action.
    EXPECT_EQ(classify_unknown_option(0x05).action, unknown_action::ignore);
    EXPECT_FALSE(classify_unknown_option(0x05).report);
    EXPECT_EQ(classify_unknown_option(0x25).action, unknown_action::remove);
    EXPECT_EQ(classify_unknown_option(0x45).action, unknown_action::mark);
    EXPECT_EQ(classify_unknown_option(0x65).action, unknown_action::drop);
    EXPECT_TRUE(classify_unknown_option(0xe5).report);
    // The RFC's own types say what a node not knowing them does: Ack Request
    // (160) remove + report, Source Route (96) drop, Pad1 (224) drop + report.
    EXPECT_EQ(classify_unknown_option(160).action, unknown_action::remove);
    EXPECT_TRUE(classify_unknown_option(160).report);
    EXPECT_EQ(classify_unknown_option(96).action, unknown_action::drop);
    EXPECT_EQ(classify_unknown_option(32).action, unknown_action::remove);
    EXPECT_EQ(classify_unknown_option(224).action, unknown_action::drop);
    EXPECT_TRUE(classify_unknown_option(224).report);
    EXPECT_TRUE(is_known_option(129));
    EXPECT_FALSE(is_known_option(0x05));
}

TEST(codec_golden, apply_unknown_options)
{
    // ignore (0x05), remove+report (0xa6), mark (0x47), then an Ack.
    auto h = with_header(bytes({0x05, 0x01, 0x11, 0xa6, 0x02, 0x22, 0x33, 0x47, 0x01, 0x01,
                                0x20, 0x0a, 0, 1, 10, 0, 0, 3, 10, 0, 0, 2}));
    auto d = parse_dsr(h);
    ASSERT_TRUE(d);
    auto out = apply_unknown_options(h, *d);
    EXPECT_FALSE(out.drop);
    EXPECT_EQ(out.report_type, 0xa6);
    EXPECT_EQ(out.ignored, 1u);
    EXPECT_EQ(out.removed, 1u);
    EXPECT_EQ(out.marked, 1u);
    EXPECT_EQ(with_header(bytes({0x05, 0x01, 0x11, 0x00, 0x02, 0x00, 0x00, 0x47, 0x01, 0x81,
                                 0x20, 0x0a, 0, 1, 10, 0, 0, 3, 10, 0, 0, 2})),
              h);
    ASSERT_TRUE(parse_dsr(h));
    EXPECT_TRUE(parse_dsr(h)->find<ack_view>());
    // A drop type leaves the packet untouched.
    auto g = with_header(bytes({0xa6, 0x00, 0x65, 0x00}));
    const auto before = g;
    auto o2 = apply_unknown_options(g, *parse_dsr(g));
    EXPECT_TRUE(o2.drop);
    EXPECT_EQ(g, before);
    // No Route Error in response to a packet carrying a Route Request.
    auto q = with_header(bytes({0x01, 0x06, 0, 1, 10, 0, 0, 9, 0xc5, 0x00}));
    auto o3 = apply_unknown_options(q, *parse_dsr(q));
    EXPECT_FALSE(o3.report_type);
}

TEST(codec_golden, malformed_options)
{
    // RREQ length not 6 + 4n.
    EXPECT_EQ(parse_dsr(with_header(bytes({0x01, 0x07, 0, 1, 10, 0, 0, 9, 0}))).error(),
              codec_error::bad_option_length);
    // RREP without any address.
    EXPECT_EQ(parse_dsr(with_header(bytes({0x02, 0x01, 0x00}))).error(),
              codec_error::bad_option_length);
    // Route Error too short for NODE_UNREACHABLE.
    EXPECT_EQ(parse_dsr(with_header(bytes({0x03, 0x0a, 0x01, 0, 10, 0, 0, 2, 10, 0, 0, 1})))
                  .error(),
              codec_error::bad_option_length);
    // Ack shorter than 10.
    EXPECT_EQ(parse_dsr(with_header(bytes({0x20, 0x02, 0, 1}))).error(),
              codec_error::bad_option_length);
    // Option data running past Payload Length.
    EXPECT_EQ(parse_dsr(with_header(bytes({0xa0, 0x04, 0, 1}))).error(),
              codec_error::option_truncated);
    // A lone type byte (not Pad1) at the end.
    EXPECT_EQ(parse_dsr(with_header(bytes({0xa0}))).error(), codec_error::option_truncated);
    // Payload Length past the bytes given.
    EXPECT_EQ(parse_dsr(bytes({17, 0, 0, 8, 0, 0})).error(), codec_error::bad_payload_length);
    EXPECT_EQ(parse_dsr(bytes({17, 0, 0})).error(), codec_error::truncated);
    // Two Route Requests.
    EXPECT_EQ(parse_dsr(with_header(bytes({0x01, 0x06, 0, 1, 10, 0, 0, 9, 0x01, 0x06, 0, 2, 10,
                                           0, 0, 9})))
                  .error(),
              codec_error::duplicate_option);
}

// A received header rebuilt from its fields is the same 20 bytes, whatever
// its flags and fragment bits (the engine rebuilds delivered packets so).
TEST(codec_golden, ipv4_header_rebuilt_from_its_fields)
{
    for (std::uint16_t ff : {0x0000, 0x4000, 0x2000, 0x8000, 0x20b9, 0xffff}) {
        auto h = bytes({0x45, 0xb8, 0x05, 0xdc, 0xbe, 0xef, 0x00, 0x00, 0x21, 0x30, 0x00, 0x00,
                        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x04});
        store_be16(h.data() + 6, ff);
        store_be16(h.data() + 10, ipv4_header_checksum(h));
        std::array<std::byte, 20> out;
        write_ipv4_header(out.data(), fields_of(ipv4_view(h)), 0x05dc);
        EXPECT_TRUE(std::equal(out.begin(), out.end(), h.begin())) << std::hex << ff;
    }
}

// The previous hop (RFC 4728 §8.1.4, §8.2.2): before the receiver in the
// Source Route, else the Route Request's last recorded address, else the
// IP source; a Source Route decides when both are present.
TEST(codec_golden, previous_hop)
{
    const ipv4_addr src = ipv4_addr::from_octets(10, 0, 0, 1);
    // Source Route to 10.0.0.2, 10.0.0.3 with Segments Left 2, 1, 0.
    auto srcrt_bytes = [](std::uint8_t sl) {
        return bytes({BABE_DSR_OPT_SRCRT, 10, 0x00, sl, 10, 0, 0, 2, 10, 0, 0, 3});
    };
    auto view = [](const std::vector<std::byte>& b) { return std::optional<srcrt_view>(srcrt_view(b, 0)); };
    const auto s2 = srcrt_bytes(2), s1 = srcrt_bytes(1), s0 = srcrt_bytes(0), s3 = srcrt_bytes(3);
    EXPECT_EQ(previous_hop(src, view(s2), std::nullopt), src);
    EXPECT_EQ(previous_hop(src, view(s1), std::nullopt), ipv4_addr::from_octets(10, 0, 0, 2));
    EXPECT_EQ(previous_hop(src, view(s0), std::nullopt), ipv4_addr::from_octets(10, 0, 0, 3));
    EXPECT_EQ(previous_hop(src, view(s3), std::nullopt), ipv4_addr{});
    EXPECT_EQ(previous_hop(src, std::nullopt, std::nullopt), src);
    // Route Request (id 7, target 10.0.0.9), with no address recorded, then one.
    const auto r0 = bytes({BABE_DSR_OPT_RREQ, 6, 0, 7, 10, 0, 0, 9});
    const auto r1 = bytes({BABE_DSR_OPT_RREQ, 10, 0, 7, 10, 0, 0, 9, 10, 0, 0, 5});
    EXPECT_EQ(previous_hop(src, std::nullopt, rreq_view(r0, 0)), src);
    EXPECT_EQ(previous_hop(src, std::nullopt, rreq_view(r1, 0)), ipv4_addr::from_octets(10, 0, 0, 5));
    EXPECT_EQ(previous_hop(src, view(s1), rreq_view(r1, 0)), ipv4_addr::from_octets(10, 0, 0, 2));
}

TEST(codec_golden, ipv4_header_and_checksum)
{
    // A classic worked example: 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7.
    const auto h = bytes({0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
                          0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7});
    EXPECT_EQ(ipv4_header_checksum(h), 0xb861);
    std::array<std::byte, 20> out;
    ipv4_fields f{.tos = 0, .id = 0, .dont_fragment = true, .ttl = 64, .protocol = 17,
                  .source = ipv4_addr::from_octets(192, 168, 0, 1),
                  .destination = ipv4_addr::from_octets(192, 168, 0, 199)};
    ASSERT_EQ(*encode_ipv4_header(out, f, 0x73), 20u);
    auto expect = h;
    expect[10] = std::byte{0xb8};
    expect[11] = std::byte{0x61};
    EXPECT_TRUE(std::equal(out.begin(), out.end(), expect.begin()));

    std::vector<std::byte> pkt(expect);
    pkt.resize(0x73);
    auto v = parse_ipv4(pkt);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->checksum_ok());
    EXPECT_EQ(v->ttl(), 64);
    EXPECT_EQ(v->protocol(), 17);
    EXPECT_EQ(v->payload().size(), 0x73u - 20);
    EXPECT_EQ(parse_ipv4_dsr(pkt).error(), codec_error::not_dsr);

    // Incremental updates agree with a full recomputation.
    ASSERT_TRUE(ipv4_decrement_ttl(pkt));
    ASSERT_TRUE(ipv4_set_protocol(pkt, 48));
    ASSERT_TRUE(ipv4_set_total_len(pkt, 0x60));
    auto w = bytes_view(pkt).first(20);
    EXPECT_EQ(ipv4_header_checksum(w), 0);
    std::vector<std::byte> copy(w.begin(), w.end());
    copy[10] = copy[11] = std::byte{0};
    EXPECT_EQ(ipv4_header_checksum(copy), load_be16(w.data() + 10));
}

TEST(codec_golden, ipv4_malformed)
{
    auto h = bytes({0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 48, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    EXPECT_TRUE(parse_ipv4(h));
    auto v6 = h;
    v6[0] = std::byte{0x65};
    EXPECT_EQ(parse_ipv4(v6).error(), codec_error::bad_ip_version);
    auto ihl = h;
    ihl[0] = std::byte{0x44};
    EXPECT_EQ(parse_ipv4(ihl).error(), codec_error::bad_ip_header_length);
    auto longer = h;
    longer[0] = std::byte{0x46};
    EXPECT_EQ(parse_ipv4(longer).error(), codec_error::truncated);
    auto tl = h;
    tl[3] = std::byte{0x15};
    EXPECT_EQ(parse_ipv4(tl).error(), codec_error::bad_ip_total_length);
    EXPECT_EQ(parse_ipv4(bytes_view(h).first(19)).error(), codec_error::truncated);
    // Protocol 48 with no room for the DSR header.
    EXPECT_EQ(parse_ipv4_dsr(h).error(), codec_error::truncated);
}

TEST(codec_golden, error_labels)
{
    EXPECT_EQ(to_string(codec_error::truncated), "truncated");
    EXPECT_EQ(to_string(codec_error::segs_left_beyond_route), "segs_left_beyond_route");
    EXPECT_EQ(to_string(codec_error::unknown_option_drop), "unknown_option_drop");
}
