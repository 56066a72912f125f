// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The one classification pass over a received packet: see packet_context.hh.
#include "dsr/packet_context.hh"

#include <variant>

namespace babe::dsr {

addr_vec copy_addrs(const codec::address_range& r)
{
    addr_vec v;
    for (auto x : r)
        if (!v.push(x.value))
            break;
    return v;
}

bool plausible(std::span<const addr> p)
{
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == no_addr || p[i] == broadcast)
            return false;
        for (std::size_t j = i + 1; j < p.size(); ++j)
            if (p[i] == p[j])
                return false;
    }
    return true;
}

bool reversed_route(std::span<const addr> forward_intermediates, addr dst, route& out)
{
    if (forward_intermediates.size() > max_route_hops)
        return false;
    out = route{};
    out.dst = dst;
    out.hop_count = static_cast<std::uint8_t>(forward_intermediates.size());
    for (std::size_t i = 0; i < forward_intermediates.size(); ++i)
        out.hops[i] = forward_intermediates[forward_intermediates.size() - 1 - i];
    return true;
}

namespace {

void read_options(packet_context& ctx)
{
    for (const codec::option& o : ctx.dsr.options()) {
        if (auto* v = std::get_if<codec::rreq_view>(&o))
            ctx.rreq = *v;
        else if (auto* v = std::get_if<codec::srcrt_view>(&o))
            ctx.srcrt = *v;
        else if (auto* v = std::get_if<codec::ack_req_view>(&o))
            ctx.ack_req = *v;
        else if (auto* v = std::get_if<codec::ack_view>(&o)) {
            if (ctx.n_ack < ctx.acks.size())
                ctx.acks[ctx.n_ack++] = *v;
        } else if (std::holds_alternative<codec::pad1_view>(o) ||
                   std::holds_alternative<codec::padn_view>(o)) {
        } else {
            if (auto* v = std::get_if<codec::rrep_view>(&o); v && !ctx.rrep)
                ctx.rrep = *v;
            if (auto* v = std::get_if<codec::rerr_view>(&o); v && ctx.n_rerr < ctx.rerrs.size())
                ctx.rerrs[ctx.n_rerr++] = *v;
            const codec::bytes_view raw = std::visit([](const auto& x) { return x.bytes(); }, o);
            ctx.carry_overflow |= !ctx.carried.append_extra(raw);
        }
    }
}

void fill_path(packet_context& ctx)
{
    ctx.payload_offset = ctx.ip.header_len() + ctx.dsr.header_len();
    ctx.payload_len = ctx.ip.total_len() - ctx.payload_offset;
    ctx.salvaged = ctx.srcrt && ctx.srcrt->salvage() > 0;
    ctx.path_len = 0;
    ctx.path[ctx.path_len++] = ctx.src;
    for (std::size_t i = 0; i < ctx.hops.n; ++i)
        ctx.path[ctx.path_len++] = ctx.hops.a[i];
    ctx.path[ctx.path_len++] = ctx.dst;
    ctx.crossed =
        (ctx.srcrt ? ctx.hops.n - ctx.segs + 1 : ctx.path_len - 1) - (ctx.salvaged ? 1 : 0);
}

} // namespace

classify_error classify(std::span<const std::byte> pkt, packet_context& ctx)
{
    auto parsed = codec::parse_ipv4_dsr(pkt);
    if (!parsed) {
        switch (parsed.error()) {
        case codec::codec_error::unknown_option_drop:
            return classify_error::unknown_option;
        case codec::codec_error::segs_left_beyond_route:
            return classify_error::bad_segments_left;
        default:
            return classify_error::malformed;
        }
    }
    return classify(*parsed, ctx);
}

classify_error classify(const codec::ipv4_dsr_view& parsed, packet_context& ctx)
{
    ctx.ip = parsed.ip;
    ctx.dsr = parsed.dsr;
    ctx.src = ctx.ip.source().value;
    ctx.dst = ctx.ip.destination().value;
    read_options(ctx);
    if (ctx.srcrt) {
        ctx.hops = copy_addrs(ctx.srcrt->addresses());
        ctx.segs = ctx.srcrt->segments_left();
        if (ctx.hops.n > max_route_hops)
            return classify_error::route_too_long;
    }
    if (ctx.prev_hop == no_addr) // the caller did not say
        ctx.prev_hop = codec::previous_hop(ctx.ip.source(), ctx.srcrt, ctx.rreq).value;
    fill_path(ctx);
    return classify_error::none;
}

} // namespace babe::dsr
