// SPDX-License-Identifier: Apache-2.0
// Property tests of the DSR wire codec (rapidcheck): any sequence of options
// built with dsr_builder decodes back to the same fields; cutting a header at
// any byte offset yields the exact typed error the cut implies (or a valid
// shorter header when the cut falls on an option boundary); arbitrary bytes
// never crash the decoder and what it accepts re-encodes to the same bytes;
// incremental checksum updates agree with a full recomputation.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <variant>
#include <vector>

#include "dsr/codec/codec.hh"

using namespace babe::dsr::codec;

namespace {

// One option with its fields, as the test generates it.
struct spec_rreq { std::uint16_t id; ipv4_addr target; std::vector<ipv4_addr> addrs; };
struct spec_rrep { bool l; std::vector<ipv4_addr> addrs; };
struct spec_rerr { std::uint8_t type; std::uint8_t salvage; ipv4_addr src, dst;
                   std::vector<std::byte> info; };
struct spec_ack_req { std::uint16_t id; std::optional<ipv4_addr> prev; };
struct spec_ack { std::uint16_t id; ipv4_addr src, dst; };
struct spec_srcrt { bool f, l; std::uint8_t salvage, segs; std::vector<ipv4_addr> addrs; };
struct spec_pad1 {};
struct spec_padn { std::uint8_t len; };
struct spec_timeout { std::uint16_t s; };
struct spec_flowid { std::uint16_t id; ipv4_addr dst; };
struct spec_unknown { std::uint8_t type; std::vector<std::byte> data; };
using spec = std::variant<spec_rreq, spec_rrep, spec_rerr, spec_ack_req, spec_ack, spec_srcrt,
                          spec_pad1, spec_padn, spec_timeout, spec_flowid, spec_unknown>;

rc::Gen<ipv4_addr> gen_addr()
{
    return rc::gen::map(rc::gen::arbitrary<std::uint32_t>(),
                        [](std::uint32_t v) { return ipv4_addr{v}; });
}

rc::Gen<std::vector<ipv4_addr>> gen_addrs(std::size_t min, std::size_t max)
{
    return rc::gen::mapcat(rc::gen::inRange(min, max + 1), [](std::size_t n) {
        return rc::gen::container<std::vector<ipv4_addr>>(n, gen_addr());
    });
}

rc::Gen<std::vector<std::byte>> gen_bytes(std::size_t min, std::size_t max)
{
    return rc::gen::mapcat(rc::gen::inRange(min, max + 1), [](std::size_t n) {
        return rc::gen::container<std::vector<std::byte>>(
            n, rc::gen::map(rc::gen::arbitrary<std::uint8_t>(),
                            [](std::uint8_t b) { return std::byte{b}; }));
    });
}

rc::Gen<std::uint8_t> gen_unknown_type()
{
    return rc::gen::suchThat(rc::gen::arbitrary<std::uint8_t>(),
                             [](std::uint8_t t) { return !is_known_option(t); });
}

// Route Error type-specific info that satisfies the decoder for its type.
rc::Gen<spec_rerr> gen_rerr()
{
    return rc::gen::mapcat(rc::gen::element<std::uint8_t>(1, 2, 3, 129, 130, 7),
                           [](std::uint8_t type) {
        const std::size_t need = type == 1 ? 4 : type == 3 ? 1 : type == 129 ? 6
                                 : type == 130 ? 4 : 0;
        return rc::gen::build<spec_rerr>(
            rc::gen::set(&spec_rerr::type, rc::gen::just(type)),
            rc::gen::set(&spec_rerr::salvage, rc::gen::inRange<std::uint8_t>(0, 16)),
            rc::gen::set(&spec_rerr::src, gen_addr()), rc::gen::set(&spec_rerr::dst, gen_addr()),
            rc::gen::set(&spec_rerr::info, gen_bytes(need, need + 8)));
    });
}

rc::Gen<spec_srcrt> gen_srcrt()
{
    return rc::gen::mapcat(gen_addrs(0, 20), [](std::vector<ipv4_addr> a) {
        const auto n = static_cast<std::uint8_t>(a.size());
        return rc::gen::build<spec_srcrt>(
            rc::gen::set(&spec_srcrt::f), rc::gen::set(&spec_srcrt::l),
            rc::gen::set(&spec_srcrt::salvage, rc::gen::inRange<std::uint8_t>(0, 16)),
            rc::gen::set(&spec_srcrt::segs, rc::gen::inRange<std::uint8_t>(0, n + 1)),
            rc::gen::set(&spec_srcrt::addrs, rc::gen::just(a)));
    });
}

rc::Gen<spec> gen_spec()
{
    return rc::gen::oneOf(
        rc::gen::cast<spec>(rc::gen::build<spec_rreq>(
            rc::gen::set(&spec_rreq::id), rc::gen::set(&spec_rreq::target, gen_addr()),
            rc::gen::set(&spec_rreq::addrs, gen_addrs(0, 20)))),
        rc::gen::cast<spec>(rc::gen::build<spec_rrep>(
            rc::gen::set(&spec_rrep::l), rc::gen::set(&spec_rrep::addrs, gen_addrs(1, 20)))),
        rc::gen::cast<spec>(gen_rerr()),
        rc::gen::cast<spec>(rc::gen::build<spec_ack_req>(
            rc::gen::set(&spec_ack_req::id),
            rc::gen::set(&spec_ack_req::prev,
                         rc::gen::map(rc::gen::maybe(gen_addr()), [](rc::Maybe<ipv4_addr> m) {
                             return m ? std::optional<ipv4_addr>(*m) : std::nullopt;
                         })))),
        rc::gen::cast<spec>(rc::gen::build<spec_ack>(rc::gen::set(&spec_ack::id),
                                                     rc::gen::set(&spec_ack::src, gen_addr()),
                                                     rc::gen::set(&spec_ack::dst, gen_addr()))),
        rc::gen::cast<spec>(gen_srcrt()), rc::gen::cast<spec>(rc::gen::just(spec_pad1{})),
        rc::gen::cast<spec>(rc::gen::build<spec_padn>(
            rc::gen::set(&spec_padn::len, rc::gen::inRange<std::uint8_t>(0, 12)))),
        rc::gen::cast<spec>(rc::gen::build<spec_timeout>(rc::gen::set(&spec_timeout::s))),
        rc::gen::cast<spec>(rc::gen::build<spec_flowid>(
            rc::gen::set(&spec_flowid::id), rc::gen::set(&spec_flowid::dst, gen_addr()))),
        rc::gen::cast<spec>(rc::gen::build<spec_unknown>(
            rc::gen::set(&spec_unknown::type, gen_unknown_type()),
            rc::gen::set(&spec_unknown::data, gen_bytes(0, 12)))));
}

// Options that may appear only once are kept to their first occurrence.
std::vector<spec> dedupe(std::vector<spec> in)
{
    std::vector<spec> out;
    bool rreq = false, ack_req = false, timeout = false;
    for (auto& s : in) {
        bool* seen = std::holds_alternative<spec_rreq>(s)      ? &rreq
                     : std::holds_alternative<spec_ack_req>(s) ? &ack_req
                     : std::holds_alternative<spec_timeout>(s) ? &timeout
                                                               : nullptr;
        if (seen) {
            if (*seen)
                continue;
            *seen = true;
        }
        out.push_back(std::move(s));
    }
    return out;
}

void add(dsr_builder& b, const spec& s)
{
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, spec_rreq>)
                b.rreq(x.id, x.target, x.addrs);
            else if constexpr (std::is_same_v<T, spec_rrep>)
                b.rrep(x.l, x.addrs);
            else if constexpr (std::is_same_v<T, spec_rerr>)
                b.rerr(x.type, x.salvage, x.src, x.dst, x.info);
            else if constexpr (std::is_same_v<T, spec_ack_req>)
                b.ack_req(x.id, x.prev);
            else if constexpr (std::is_same_v<T, spec_ack>)
                b.ack(x.id, x.src, x.dst);
            else if constexpr (std::is_same_v<T, spec_srcrt>)
                b.srcrt({.first_hop_external = x.f,
                         .last_hop_external = x.l,
                         .salvage = x.salvage,
                         .segments_left = x.segs},
                        x.addrs);
            else if constexpr (std::is_same_v<T, spec_pad1>)
                b.pad1();
            else if constexpr (std::is_same_v<T, spec_padn>)
                b.padn(x.len);
            else if constexpr (std::is_same_v<T, spec_timeout>)
                b.timeout(x.s);
            else if constexpr (std::is_same_v<T, spec_flowid>)
                b.flowid(x.id, x.dst);
            else
                b.raw_option(x.type, x.data);
        },
        s);
}

std::vector<ipv4_addr> collect(address_range r) { return {r.begin(), r.end()}; }

// The decoded option `o` carries exactly the fields of `s`.
void check_same(const spec& s, const option& o)
{
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, spec_rreq>) {
                const auto& v = std::get<rreq_view>(o);
                RC_ASSERT(v.id() == x.id);
                RC_ASSERT(v.target() == x.target);
                RC_ASSERT(collect(v.addresses()) == x.addrs);
            } else if constexpr (std::is_same_v<T, spec_rrep>) {
                const auto& v = std::get<rrep_view>(o);
                RC_ASSERT(v.last_hop_external() == x.l);
                RC_ASSERT(collect(v.addresses()) == x.addrs);
            } else if constexpr (std::is_same_v<T, spec_rerr>) {
                const auto& v = std::get<rerr_view>(o);
                RC_ASSERT(v.error_type() == x.type);
                RC_ASSERT(v.salvage() == x.salvage);
                RC_ASSERT(v.source() == x.src);
                RC_ASSERT(v.destination() == x.dst);
                RC_ASSERT(std::equal(v.type_specific().begin(), v.type_specific().end(),
                                     x.info.begin(), x.info.end()));
                if (x.type == 1)
                    RC_ASSERT(v.unreachable_node() == load_addr(x.info.data()));
                if (x.type == 3)
                    RC_ASSERT(v.unsupported_option() == load_u8(x.info.data()));
            } else if constexpr (std::is_same_v<T, spec_ack_req>) {
                const auto& v = std::get<ack_req_view>(o);
                RC_ASSERT(v.id() == x.id);
                RC_ASSERT(v.previous_hop() == x.prev);
            } else if constexpr (std::is_same_v<T, spec_ack>) {
                const auto& v = std::get<ack_view>(o);
                RC_ASSERT(v.id() == x.id);
                RC_ASSERT(v.source() == x.src);
                RC_ASSERT(v.destination() == x.dst);
            } else if constexpr (std::is_same_v<T, spec_srcrt>) {
                const auto& v = std::get<srcrt_view>(o);
                RC_ASSERT(v.first_hop_external() == x.f);
                RC_ASSERT(v.last_hop_external() == x.l);
                RC_ASSERT(v.salvage() == x.salvage);
                RC_ASSERT(v.segments_left() == x.segs);
                RC_ASSERT(collect(v.addresses()) == x.addrs);
            } else if constexpr (std::is_same_v<T, spec_pad1>) {
                RC_ASSERT(std::holds_alternative<pad1_view>(o));
            } else if constexpr (std::is_same_v<T, spec_padn>) {
                RC_ASSERT(std::get<padn_view>(o).data_len() == x.len);
            } else if constexpr (std::is_same_v<T, spec_timeout>) {
                RC_ASSERT(std::get<timeout_view>(o).timeout_s() == x.s);
            } else if constexpr (std::is_same_v<T, spec_flowid>) {
                RC_ASSERT(std::get<flowid_view>(o).flow_id() == x.id);
                RC_ASSERT(std::get<flowid_view>(o).destination() == x.dst);
            } else {
                const auto& v = std::get<unknown_view>(o);
                RC_ASSERT(v.type() == x.type);
                RC_ASSERT(std::equal(v.data().begin(), v.data().end(), x.data.begin(),
                                     x.data.end()));
            }
        },
        s);
}

// Build a header of `specs` into buf (no padding); returns its length.
std::size_t build(std::vector<std::byte>& buf, const std::vector<spec>& specs, bool pad)
{
    buf.assign(4 + 300 * specs.size() + 4, std::byte{0xee});
    dsr_builder b(buf, 17);
    for (const auto& s : specs)
        add(b, s);
    auto n = b.finish(pad);
    RC_ASSERT(n.has_value());
    return *n;
}

} // namespace

RC_GTEST_PROP(codec_property, builder_round_trip, ())
{
    const auto specs = dedupe(*rc::gen::container<std::vector<spec>>(gen_spec()));
    std::vector<std::byte> buf;
    const std::size_t n = build(buf, specs, true);
    RC_ASSERT(n % 4 == 0);
    auto d = parse_dsr(bytes_view(buf).first(n));
    RC_ASSERT(d.has_value());
    RC_ASSERT(d->payload_len() == n - 4);
    RC_ASSERT(d->next_header() == 17);
    std::vector<option> got(d->options().begin(), d->options().end());
    RC_ASSERT(got.size() >= specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i)
        check_same(specs[i], got[i]);
    // Whatever follows is padding only.
    for (std::size_t i = specs.size(); i < got.size(); ++i)
        RC_ASSERT(std::holds_alternative<pad1_view>(got[i]) ||
                  std::holds_alternative<padn_view>(got[i]));
}

// Cut a header after k bytes. With Payload Length left as is, the decoder
// must say bad_payload_length (or truncated inside the fixed part); with
// Payload Length set to the cut, it must accept exactly the cuts that fall
// on option boundaries and say option_truncated for every other one.
RC_GTEST_PROP(codec_property, truncation_at_every_offset, ())
{
    const auto specs = dedupe(*rc::gen::nonEmpty(rc::gen::container<std::vector<spec>>(gen_spec())));
    std::vector<std::byte> buf;
    const std::size_t n = build(buf, specs, false);
    std::vector<std::size_t> boundaries{4};
    {
        auto d = parse_dsr(bytes_view(buf).first(n));
        RC_ASSERT(d.has_value());
        for (const option& o : d->options())
            std::visit([&](const auto& v) { boundaries.push_back(v.offset() + v.bytes().size()); },
                       o);
    }
    for (std::size_t k = 0; k < n; ++k) {
        const bytes_view cut = bytes_view(buf).first(k);
        auto as_is = parse_dsr(cut);
        RC_ASSERT(!as_is.has_value());
        RC_ASSERT(as_is.error() == (k < 4 ? codec_error::truncated : codec_error::bad_payload_length));
        if (k < 4)
            continue;
        std::vector<std::byte> fixed(cut.begin(), cut.end());
        store_be16(fixed.data() + 2, static_cast<std::uint16_t>(k - 4));
        auto r = parse_dsr(fixed);
        const bool boundary = std::find(boundaries.begin(), boundaries.end(), k) != boundaries.end();
        if (boundary) {
            RC_ASSERT(r.has_value());
        } else {
            RC_ASSERT(!r.has_value());
            RC_ASSERT(r.error() == codec_error::option_truncated);
        }
    }
}

// A full IPv4 + DSR packet cut anywhere is rejected with a typed error.
RC_GTEST_PROP(codec_property, ipv4_truncation_at_every_offset, ())
{
    const auto specs = dedupe(*rc::gen::container<std::vector<spec>>(gen_spec()));
    std::vector<std::byte> dsr;
    const std::size_t n = build(dsr, specs, true);
    std::vector<std::byte> pkt(20 + n + 8, std::byte{0x5a});
    ipv4_fields f{.tos = 0, .id = 1, .dont_fragment = false, .ttl = 9, .protocol = 48,
                  .source = *gen_addr(), .destination = *gen_addr()};
    RC_ASSERT(encode_ipv4_header(pkt, f, static_cast<std::uint16_t>(pkt.size())).has_value());
    std::copy(dsr.begin(), dsr.begin() + n, pkt.begin() + 20);
    auto whole = parse_ipv4_dsr(pkt);
    RC_ASSERT(whole.has_value());
    RC_ASSERT(whole->ip.checksum_ok());
    RC_ASSERT(whole->dsr.rest().size() == 8u);
    for (std::size_t k = 0; k < pkt.size(); ++k) {
        auto r = parse_ipv4_dsr(bytes_view(pkt).first(k));
        RC_ASSERT(!r.has_value());
        RC_ASSERT(r.error() == (k < 20 ? codec_error::truncated : codec_error::bad_ip_total_length));
    }
}

// Arbitrary bytes: never a crash; what decodes re-encodes to the same bytes.
RC_GTEST_PROP(codec_property, arbitrary_bytes_reencode, ())
{
    auto raw = *gen_bytes(0, 96);
    if (raw.size() >= 4) {
        raw[1] &= std::byte{0x7f};
        if (*rc::gen::arbitrary<bool>())
            store_be16(raw.data() + 2, static_cast<std::uint16_t>(raw.size() - 4));
    }
    auto d = parse_dsr(raw);
    if (!d)
        return;
    std::vector<std::byte> out(raw.size());
    std::size_t at = 0;
    for (const option& o : d->options()) {
        const bytes_view ob = std::visit([](const auto& v) { return v.bytes(); }, o);
        auto w = encode_raw_option(bytes_mut(out).subspan(at), load_u8(ob.data()),
                                   ob.size() > 1 ? ob.subspan(2) : bytes_view{});
        RC_ASSERT(w.has_value());
        at += *w;
    }
    RC_ASSERT(at == d->payload_len());
    RC_ASSERT(std::equal(out.begin(), out.begin() + at, d->options_bytes().begin()));
}

RC_GTEST_PROP(codec_property, incremental_checksum_matches_full, ())
{
    std::array<std::byte, 20> h;
    ipv4_fields f{.tos = *rc::gen::arbitrary<std::uint8_t>(),
                  .id = *rc::gen::arbitrary<std::uint16_t>(),
                  .dont_fragment = *rc::gen::arbitrary<bool>(),
                  .ttl = *rc::gen::inRange<std::uint8_t>(1, 255),
                  .protocol = *rc::gen::arbitrary<std::uint8_t>(),
                  .source = *gen_addr(),
                  .destination = *gen_addr()};
    const auto len = *rc::gen::inRange<std::uint16_t>(20, 65535);
    RC_ASSERT(encode_ipv4_header(h, f, len).has_value());
    RC_ASSERT(ipv4_header_checksum(h) == 0);
    RC_ASSERT(ipv4_decrement_ttl(h).has_value());
    RC_ASSERT(ipv4_set_protocol(h, *rc::gen::arbitrary<std::uint8_t>()).has_value());
    RC_ASSERT(ipv4_set_total_len(h, *rc::gen::inRange<std::uint16_t>(20, 65535)).has_value());
    RC_ASSERT(ipv4_header_checksum(h) == 0);
    auto v = parse_ipv4(bytes_view(h));
    if (v)
        RC_ASSERT(v->ttl() == f.ttl - 1);
}

RC_GTEST_PROP(codec_property, unknown_rule_follows_type_bits, ())
{
    const std::uint8_t t = *gen_unknown_type();
    const auto data = *gen_bytes(0, 8);
    std::vector<std::byte> buf(64);
    dsr_builder b(buf, 17);
    b.raw_option(t, data);
    const std::size_t n = *b.finish();
    auto d = parse_dsr(bytes_view(buf).first(n));
    RC_ASSERT(d.has_value());
    const auto before = std::vector<std::byte>(buf.begin(), buf.begin() + n);
    auto out = apply_unknown_options(bytes_mut(buf).first(n), *d);
    const unsigned act = (t >> 5) & 3;
    RC_ASSERT(out.drop == (act == 3));
    RC_ASSERT(out.report_type.has_value() == ((t & 0x80) != 0));
    RC_ASSERT(out.ignored == (act == 0 ? 1u : 0u));
    RC_ASSERT(out.removed == (act == 1 ? 1u : 0u));
    RC_ASSERT(out.marked == (act == 2 ? 1u : 0u));
    if (act == 0 || act == 3)
        RC_ASSERT(std::equal(before.begin(), before.end(), buf.begin()));
    auto after = parse_dsr(bytes_view(buf).first(n));
    RC_ASSERT(after.has_value());
    if (act == 1) {
        // Gone: only padding left.
        for (const option& o : after->options())
            RC_ASSERT(!std::holds_alternative<unknown_view>(o));
    }
    if (act == 2 && !data.empty())
        RC_ASSERT((buf[6] & std::byte{0x80}) == std::byte{0x80});
}
