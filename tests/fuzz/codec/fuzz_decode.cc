// SPDX-License-Identifier: Apache-2.0
// libFuzzer target of the DSR wire decoder. An input starting with an IPv4
// version nibble is parsed as a whole IPv4 packet (parse_ipv4_dsr), anything
// else as a bare DSR Options or Flow State header. Beyond "no crash, no
// sanitizer report", every accepted header must satisfy the codec's
// invariants: options tile the header exactly, each re-encodes to the same
// bytes, Segments Left never exceeds the route, and applying the
// unknown-option rule leaves a header that still parses. A broken
// invariant aborts, which the fuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <variant>
#include <vector>

#include "dsr/codec/codec.hh"

using namespace babe::dsr::codec;

namespace {

void require(bool ok)
{
    if (!ok)
        std::abort();
}

void check_dsr(const dsr_view& d)
{
    std::size_t pos = dsr_header_len;
    std::byte out[256 + 2];
    for (const option& o : d.options()) {
        const bytes_view b = std::visit([](const auto& v) { return v.bytes(); }, o);
        const std::size_t off = std::visit([](const auto& v) { return v.offset(); }, o);
        require(off == pos);
        require(b.data() == d.bytes().data() + pos);
        pos += b.size();
        auto w = encode_raw_option(out, load_u8(b.data()),
                                   b.size() > 1 ? b.subspan(2) : bytes_view{});
        require(w.has_value() && *w == b.size() && std::memcmp(out, b.data(), b.size()) == 0);
        if (const auto* s = std::get_if<srcrt_view>(&o))
            require(s->segments_left() <= s->addresses().size());
        if (const auto* r = std::get_if<rreq_view>(&o)) {
            std::size_t n = 0;
            for (ipv4_addr a : r->addresses())
                n += a == r->addresses()[n] ? 1 : 0;
            require(n == r->addresses().size());
        }
        if (const auto* e = std::get_if<rerr_view>(&o)) {
            (void)e->unreachable_node();
            (void)e->unsupported_option();
            (void)e->original_destination();
            (void)e->flow_id();
            require(e->salvage() <= BABE_DSR_MAX_SALVAGE_COUNT);
        }
        if (const auto* a = std::get_if<ack_req_view>(&o))
            (void)a->previous_hop();
    }
    require(pos == d.header_len());

    // The §6.1 rule in place, on a copy: the result must still parse.
    std::vector<std::byte> copy(d.bytes().begin(), d.bytes().end());
    auto again = parse_dsr(copy);
    require(again.has_value());
    const unknown_outcome u = apply_unknown_options(copy, *again);
    auto after = parse_dsr(copy);
    require(after.has_value());
    if (!u.drop) {
        for (const option& o : after->options())
            if (const auto* x = std::get_if<unknown_view>(&o))
                require(classify_unknown_option(x->type()).action != unknown_action::remove);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const bytes_view in(reinterpret_cast<const std::byte*>(data), size);
    if (size > 0 && (data[0] >> 4) == 4) {
        auto p = parse_ipv4_dsr(in);
        if (p) {
            require(p->ip.total_len() <= size);
            require(p->ip.header_len() + p->dsr.header_len() + p->dsr.rest().size() ==
                    p->ip.total_len());
            (void)p->ip.checksum_ok();
            check_dsr(p->dsr);
            // The incremental checksum path on a copy of the header.
            std::vector<std::byte> h(p->ip.header().begin(), p->ip.header().end());
            const bool was_ok = ipv4_header_checksum(h) == 0;
            if (p->ip.ttl() > 0) {
                require(ipv4_decrement_ttl(h).has_value());
                require((ipv4_header_checksum(h) == 0) == was_ok);
            }
        }
        return 0;
    }
    if (is_flow_state_header(in)) {
        auto f = parse_flow_state(in);
        if (size < flow_state_header_len)
            require(!f.has_value() && f.error() == codec_error::truncated);
        else
            require(f.has_value() && f->hop_count() <= 127 && f->rest().size() == size - 4);
        return 0;
    }
    auto d = parse_dsr(in);
    if (d)
        check_dsr(*d);
    return 0;
}
