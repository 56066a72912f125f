// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The DSR node: the facade over the concerns of RFC 4728 that the engine,
// the simulator and the tests call. Each input is classified once
// (packet_context) and dispatched to the concern it belongs to: Route
// Discovery (discovery), Route Replies (replies), Route Maintenance
// (maintenance), salvaging (salvage), data on source reported (forwarding)
// and the reported reported (route_reporting); the transmitter holds what
// goes out. See node.hh for the API and call order, docs/dsr-core.md for
// what is implemented and the deviations.
#include "dsr/node.hh"

#include <limits>

#include "dsr/discovery.hh"
#include "dsr/forwarding.hh"
#include "dsr/maintenance.hh"
#include "dsr/node_state.hh"
#include "dsr/packet_context.hh"
#include "dsr/replies.hh"
#include "dsr/route_reporting.hh"
#include "dsr/salvage.hh"
#include "dsr/transmitter.hh"

namespace babe::dsr {

// The concerns refer to each other by reference, bound here before each is
// constructed (none calls another while being constructed).
struct node::impl {
    impl(const config& c, addr self, std::uint64_t seed)
        : state(c, self, seed), route_maintenance(state, output, salvaging, route_discovery),
          output(state, route_maintenance.buffer(), route_maintenance),
          route_replies(state, route_maintenance, output),
          salvaging(state, route_maintenance, data_path),
          data_path(state, route_maintenance, route_discovery, route_replies, reported),
          route_discovery(state, output, route_replies, data_path, reported),
          reported(state, route_discovery, data_path)
    {
        route_discovery.next_rreq_id = static_cast<std::uint16_t>(state.rng.next());
        route_maintenance.next_ack_id = static_cast<std::uint16_t>(state.rng.next());
        state.next_ip_id = static_cast<std::uint16_t>(state.rng.next());
    }

    node_state state;
    maintenance route_maintenance;
    transmitter output;
    replies route_replies;
    salvage salvaging;
    forwarding data_path;
    discovery route_discovery;
    route_reporting reported;
    std::optional<time_point> next_sweep; // of expired cache entries

    void handle_packet(time_point now, packet_context& ctx, classify_error classified);
    void overheard(time_point now, const packet_context& ctx);
    // After every input: the sweep timer armed, the reported reported settled.
    void after_input(time_point now)
    {
        arm_sweep(now);
        reported.settle(now);
    }
    void arm_sweep(time_point now)
    {
        if (!next_sweep && (state.cache.link_count() > 0 || state.cache.path_count() > 0))
            next_sweep = now + state.cfg.cache_sweep_interval;
    }
    void drop(const packet_context& ctx, std::uint64_t& counter, drop_reason why)
    {
        ++counter;
        state.events.dropped(ctx.handle, why);
    }
};

// ---------------------------------------------------------------- receive path

void node::impl::handle_packet(time_point now, packet_context& ctx, classify_error classified)
{
    counters& stats = state.stats;
    switch (classified) {
    case classify_error::none:
        break;
    case classify_error::malformed:
        return drop(ctx, stats.malformed, drop_reason::malformed);
    case classify_error::unknown_option:
        return drop(ctx, stats.unknown_option, drop_reason::unknown_option);
    case classify_error::route_too_long:
        return drop(ctx, stats.route_too_long, drop_reason::route_too_long);
    case classify_error::bad_segments_left:
        return drop(ctx, stats.bad_segments_left, drop_reason::bad_segments_left);
    }
    // Our own Route Request heard back from a neighbour that forwarded it
    // (§8.2.2: a node never processes a request it initiated).
    const bool own_request = ctx.rreq && ctx.src == state.self;
    if (ctx.prev_hop == state.self || ctx.src == no_addr || ctx.src == broadcast || own_request) {
        if (own_request)
            ++stats.rreq_own;
        state.events.released(ctx.handle);
        return;
    }
    state.neighbours.heard(now, ctx.prev_hop, ctx.in);
    if (ctx.srcrt && !ctx.route_plausible())
        return drop(ctx, stats.hostile, drop_reason::hostile);
    route_maintenance.take_route_errors(now, ctx);
    route_maintenance.take_acks(now, ctx);
    if (ctx.rreq && ctx.dst == broadcast) {
        if (ctx.carry_overflow)
            return drop(ctx, stats.hostile, drop_reason::hostile);
        return route_discovery.take_request(now, ctx);
    }
    if (ctx.overheard)
        return overheard(now, ctx);
    if (ctx.ack_req) {
        route_maintenance.answer_ack_request(now, ctx);
        // Hop-by-hop recovery: a retransmission of what already got here
        // was acknowledged again just now and goes no further.
        if (data_path.hop_duplicate(now, ctx)) {
            ++stats.hop_duplicates;
            state.events.released(ctx.handle);
            return;
        }
    }
    if (ctx.srcrt && ctx.segs > 0)
        return data_path.forward(now, ctx); // §8.1.4
    if (ctx.dst != state.self)
        return drop(ctx, stats.not_on_route, drop_reason::not_on_route);
    data_path.deliver(now, ctx); // §8.1.5
}

// A frame not addressed to us (promiscuous reception).
void node::impl::overheard(time_point now, const packet_context& ctx)
{
    route_maintenance.take_passive_ack(now, ctx);
    state.learn(now, ctx.learnable(), ctx.crossed);
    route_replies.overheard(now, ctx);
    state.events.released(ctx.handle);
}

// ---------------------------------------------------------------- node

node::node(const config& cfg, addr self, std::uint64_t seed) : _impl(new impl(cfg, self, seed)) {}
node::~node() = default;
node::node(node&&) noexcept = default;
node& node::operator=(node&&) noexcept = default;

namespace {
packet_context received(link_id in, addr prev_hop, std::optional<packet_handle> h, bool overheard)
{
    packet_context ctx;
    ctx.in = in;
    ctx.prev_hop = prev_hop;
    ctx.handle = h;
    ctx.overheard = overheard;
    return ctx;
}
} // namespace

void node::handle_packet(time_point now, link_id in, addr prev_hop, std::span<const std::byte> pkt,
                         std::optional<packet_handle> h, bool overheard)
{
    _impl->state.last_input = now;
    packet_context ctx = received(in, prev_hop, h, overheard);
    _impl->handle_packet(now, ctx, classify(pkt, ctx));
    _impl->after_input(now);
}

void node::handle_packet(time_point now, link_id in, addr prev_hop,
                         const codec::ipv4_dsr_view& parsed, std::optional<packet_handle> h,
                         bool overheard)
{
    _impl->state.last_input = now;
    packet_context ctx = received(in, prev_hop, h, overheard);
    _impl->handle_packet(now, ctx, classify(parsed, ctx));
    _impl->after_input(now);
}

void node::send(time_point now, packet_handle h, std::span<const std::byte> ip_packet,
                bool hop_recovery)
{
    _impl->state.last_input = now;
    _impl->data_path.originate(now, h, ip_packet, hop_recovery);
    _impl->after_input(now);
}

void node::handle_link_feedback(time_point now, addr next_hop, link_status status)
{
    impl& m = *_impl;
    if (!m.state.cfg.use_link_feedback)
        return;
    m.state.last_input = now;
    m.route_maintenance.link_feedback(now, next_hop, status);
    m.reported.settle(now);
}

void node::handle_heard(time_point now, addr neighbour, link_id in)
{
    _impl->state.last_input = now;
    _impl->route_maintenance.heard(now, neighbour, in);
    _impl->reported.settle(now);
}

void node::handle_timeout(time_point now)
{
    impl& m = *_impl;
    m.state.last_input = now;
    m.route_discovery.timeouts(now);   // §8.2.1
    m.data_path.timeouts(now);         // §4.2
    m.route_maintenance.timeouts(now); // §8.3.3
    if (m.next_sweep && *m.next_sweep <= now) {
        m.state.cache.sweep(now); // RouteCacheTimeout
        m.next_sweep.reset();
    }
    m.after_input(now);
}

bool node::touch_route(time_point now, addr dst)
{
    impl& m = *_impl;
    auto r = m.state.cache.find(dst);
    if (!r)
        return false;
    m.state.cache.touch(now, *r);
    m.arm_sweep(now);
    return true;
}

std::size_t node::flush_routes(time_point now)
{
    route_cache& cache = _impl->state.cache;
    const std::size_t before = cache.link_count() + cache.path_count();
    cache.clear();
    _impl->reported.settle(now); // installed reported go: route_removed events
    return before;
}

bool node::reconfigure(const config& next)
{
    // Bounds and structures were allocated at construction: they stay.
    config merged = _impl->state.cfg;
    static_cast<tunables&>(merged) = static_cast<const tunables&>(next);
    if (!validate_config(merged))
        return false;
    _impl->state.cfg = merged; // every table reads timers and flags through a reference to it
    return true;
}

void node::neighbour_lost(time_point now, addr neighbour)
{
    _impl->route_maintenance.link_failed(now, neighbour);
    _impl->reported.settle(now);
}

void node::probe_neighbour(time_point now, addr neighbour)
{
    _impl->route_maintenance.probe(now, neighbour);
    _impl->reported.settle(now);
}

void node::start_discovery(time_point now, addr target)
{
    _impl->route_discovery.start(now, target);
    _impl->reported.settle(now);
}

std::optional<time_point> node::poll_timeout() const
{
    const impl& m = *_impl;
    std::optional<time_point> t;
    auto take = [&](std::optional<time_point> x) {
        if (x && (!t || *x < *t))
            t = x;
    };
    take(m.output.next_due());
    take(m.route_discovery.next_deadline());
    take(m.data_path.next_deadline());
    take(m.route_maintenance.buffer().next_deadline());
    take(m.next_sweep);
    return t;
}

bool node::poll_transmit(time_point now, std::span<std::byte> out, transmit& t)
{
    return _impl->output.poll(now, out, t);
}

std::optional<event> node::poll_event()
{
    return _impl->state.events.poll();
}

const counters& node::stats() const
{
    return _impl->state.stats;
}
addr node::self() const
{
    return _impl->state.self;
}
const config& node::cfg() const
{
    return _impl->state.cfg;
}
std::optional<route> node::find_route(addr dst) const
{
    return static_cast<const route_cache&>(_impl->state.cache).find(dst);
}

std::uint32_t node::hop_room(addr dst) const
{
    const impl& m = *_impl;
    const config& cfg = m.state.cfg;
    if (cfg.hop_reliable_next_header == 0)
        return std::numeric_limits<std::uint32_t>::max();
    addr next_hop = m.reported.next_hop_to(dst);
    if (next_hop == no_addr) {
        auto r = find_route(dst);
        if (!r)
            return cfg.hop_window;
        next_hop = r->next_hop();
    }
    const std::uint32_t waiting = m.route_maintenance.buffer().hop_reliable_to(next_hop);
    return waiting >= cfg.hop_window ? 0 : cfg.hop_window - waiting;
}

std::size_t node::cached_links(std::span<std::pair<addr, addr>> out) const
{
    return _impl->state.cache.list_links(out);
}
bool node::blacklisted(addr neighbour) const
{
    return _impl->state.unidirectional.blocks(neighbour);
}

table_sizes node::sizes() const
{
    const impl& m = *_impl;
    table_sizes s;
    s.cache_links = m.state.cache.link_count();
    s.cache_paths = m.state.cache.path_count();
    s.installed_routes = m.reported.size();
    s.send_buffer = m.data_path.waiting();
    s.maint_buffer = m.route_maintenance.buffer().size();
    s.request_table = m.route_discovery.initiators_seen();
    s.discoveries = m.route_discovery.running();
    s.grat_replies = m.route_replies.gratuitous_held(m.state.last_input);
    s.blacklist = m.state.unidirectional.size();
    s.neighbours = m.state.neighbours.size();
    s.tx_queue = m.output.size();
    s.events = m.state.events.size();
    return s;
}

} // namespace babe::dsr
