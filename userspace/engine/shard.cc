// SPDX-License-Identifier: Apache-2.0
// The engine shard's loop body (see shard.hh).
#include "engine/shard.hh"

#include "dsr/codec/codec.hh"

#include <arpa/inet.h>
#include <sys/sdt.h>

#include <algorithm>
#include <cstring>

namespace babe::engine {

namespace {

constexpr std::size_t eth_len = 14;
constexpr std::size_t ipv4_len = 20;
constexpr std::uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

std::uint16_t load_be16(const std::byte* p)
{
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}

// The DSR hop the packet came from (codec::previous_hop, over the same last
// Source Route and Route Request the core reads). A Route Request also fires
// the rreq_received USDT probe here.
dsr::addr previous_hop(const dsr::codec::ipv4_dsr_view& p)
{
    std::optional<dsr::codec::srcrt_view> srcrt;
    std::optional<dsr::codec::rreq_view> rreq;
    for (const auto& o : p.dsr.options()) {
        if (const auto* r = std::get_if<dsr::codec::rreq_view>(&o))
            rreq = *r;
        else if (const auto* s = std::get_if<dsr::codec::srcrt_view>(&o))
            srcrt = *s;
    }
    const dsr::addr src = p.ip.source().value;
    const dsr::addr prev = dsr::codec::previous_hop(p.ip.source(), srcrt, rreq).value;
    if (rreq)
        DTRACE_PROBE4(babe, rreq_received, src, rreq->target().value, rreq->id(), prev);
    return prev;
}

struct rx_info {
    std::optional<dsr::codec::ipv4_dsr_view> parsed; // handed to the core, which does not parse it again
    dsr::addr prev = dsr::no_addr;
    bool replicate = false; // control for this node, no payload: every shard's core learns from it
};

rx_info inspect(std::span<const std::byte> ip_packet, dsr::addr self)
{
    auto pkt = dsr::codec::parse_ipv4_dsr(ip_packet);
    if (!pkt)
        return {};
    rx_info info;
    info.parsed = *pkt;
    if (pkt->ip.destination().value == self && pkt->dsr.next_header() == BABE_NEXT_HEADER_NONE) {
        for (const auto& o : pkt->dsr.options())
            if (std::holds_alternative<dsr::codec::rrep_view>(o) || std::holds_alternative<dsr::codec::rerr_view>(o) ||
                std::holds_alternative<dsr::codec::ack_view>(o))
                info.replicate = true;
    }
    info.prev = previous_hop(*pkt);
    return info;
}

} // namespace

namespace {
// Ethernet gives no per-frame link-layer acknowledgement: the engine never
// calls handle_link_feedback, so the core must not wait for one (§8.3.1);
// confirmation comes from "heard from" evidence and Ack Requests instead.
dsr::config engine_dsr_config(dsr::config c)
{
    c.use_link_feedback = false;
    // A data packet the core no longer needs comes back with its transmit:
    // the frame's reference passes to the TX ring without a retain and a
    // released event per packet.
    c.release_on_transmit = true;
    return c;
}
} // namespace

shard::shard(const shard_config& cfg, packet_io& io, dataplane::map_access& maps, event_sink* sink,
             shard_bus* bus)
    : _cfg(cfg), _io(io), _maps(maps), _sink(sink), _bus(bus), _node(engine_dsr_config(cfg.dsr), cfg.self, cfg.seed),
      _neighbours(cfg.neighbour_capacity),
      _meta(std::make_unique<frame_meta[]>(io.frames().count()))
{
    if (_cfg.route_scan_interval > duration::zero())
        _used_routes.resize(std::max<std::uint32_t>(1, _cfg.route_scan_capacity));
    for (std::size_t p = 0; p < cfg.ports.size(); ++p) {
        if (cfg.ports[p].local)
            _local_port = static_cast<port_id>(p);
        else
            _mesh_ports.push_back(static_cast<port_id>(p));
    }
}

bool shard::reconfigure(const dsr::config& next) { return _node.reconfigure(engine_dsr_config(next)); }

std::optional<time_point> shard::next_deadline() const
{
    auto t = _node.poll_timeout();
    if (_transport) {
        if (auto tt = _transport->deadline())
            t = t ? std::min(*t, *tt) : *tt;
    }
    if (!_used_routes.empty())
        t = t ? std::min(*t, _next_route_scan) : _next_route_scan;
    if (!_neighbours.size())
        return t;
    return t ? std::min(*t, _next_heard_poll) : _next_heard_poll;
}

std::size_t shard::poll(time_point now)
{
    _now_ns = to_ns(now);
    auto& burst = _burst;
    // While the backend refuses transmissions (the next hop's device pushes
    // back), take fewer frames: what stays in the kernel's RX ring is
    // dropped there at no cost, instead of after the core's work.
    const std::uint64_t refused = _counters.tx_backpressure;
    std::size_t n = _io.receive(std::span(burst.data(), _backpressure ? rx_burst_backpressure : burst.size()));
    // The kernel wrote these frames on another CPU: fetch the headers of the
    // next few while the core works on the current one (the first touch of
    // a frame was the engine's costliest instruction).
    constexpr std::size_t ahead = 4;
    for (std::size_t i = 0; i < n && i < ahead; ++i)
        __builtin_prefetch(_io.data(burst[i].addr));
    for (std::size_t i = 0; i < n; ++i) {
        if (i + ahead < n) {
            const std::byte* next = _io.data(burst[i + ahead].addr);
            __builtin_prefetch(next);
            __builtin_prefetch(next + 64);
            // A packet sent on gets its new headers in the line before
            // (the frame's headroom), last written when the frame was last
            // sent: fetched for writing now, not stalled on in send_data.
            __builtin_prefetch(next - 64, 1);
        }
        receive_frame(now, burst[i]);
    }
    if (now >= _next_heard_poll)
        poll_heard(now);
    if (!_used_routes.empty() && now >= _next_route_scan)
        scan_used_routes(now);
    if (auto t = _node.poll_timeout(); t && *t <= now)
        _node.handle_timeout(now);
    std::size_t work = n + drain(now);
    if (_transport) {
        // Segments delivered above are acknowledged in the same turn.
        if (std::size_t w = _transport->poll(now)) {
            work += w;
            work += drain(now);
        }
    }
    // Frames this turn queued go out now, or with the next turn's when this
    // one received some and queued only a few (packet_io::end_turn). Sending
    // frames left by the turn before is work too.
    work += _io.end_turn(n);
    _backpressure = _counters.tx_backpressure != refused;
    return work;
}

void shard::originate(time_point now, frame_addr ip_start, std::uint32_t ip_len, bool hop_recovery)
{
    _now_ns = to_ns(now);
    dsr::packet_handle h{_io.frames().index(ip_start)};
    _meta[h.id] = frame_meta{ip_start - eth_len, static_cast<std::uint32_t>(eth_len + ip_len),
                             _local_port.value_or(0)};
    _node.send(now, h, std::span<const std::byte>(_io.data(ip_start), ip_len), hop_recovery);
}

void shard::deliver_transport(const dsr::event& e)
{
    const frame_meta& m = _meta[e.handle->id];
    const std::byte* ip = _io.data(m.addr + eth_len);
    std::uint32_t ip_avail = m.len > eth_len ? m.len - static_cast<std::uint32_t>(eth_len) : 0;
    std::uint32_t total = ip_avail >= ipv4_len ? load_be16(ip + 2) : 0;
    if (!_transport || total > ip_avail || e.payload_offset > total) {
        ++_counters.transport_no_hook;
        _io.frames().release(m.addr);
        return;
    }
    ++_counters.transport_rx;
    _transport->segment(time_from_ns(_now_ns), e.src, m.addr,
                        std::span<const std::byte>(ip + e.payload_offset, total - e.payload_offset));
}

void shard::receive_frame(time_point now, const rx_frame& f)
{
    ++_counters.rx_frames;
    std::byte* bytes = _io.data(f.addr);
    if (f.len < eth_len + ipv4_len) {
        ++_counters.rx_short;
        _io.frames().release(f.addr);
        return;
    }
    if (load_be16(bytes + 12) != 0x0800) {
        ++_counters.rx_not_ipv4;
        _io.frames().release(f.addr);
        return;
    }
    dsr::packet_handle h{_io.frames().index(f.addr)};
    _meta[h.id] = frame_meta{f.addr, f.len, f.port};
    std::span<const std::byte> ip(bytes + eth_len, f.len - eth_len);
    if (_cfg.ports[f.port].local) {
        _node.send(now, h, ip);
        return;
    }
    const auto* src_mac = reinterpret_cast<const std::uint8_t*>(bytes + 6);
    const auto* dst_mac = reinterpret_cast<const std::uint8_t*>(bytes);
    rx_info info = inspect(ip, _cfg.self);
    dsr::addr prev = info.prev;
    if (info.replicate && _bus)
        _bus->replicate(f.port, prev, ip);
    if (prev != dsr::no_addr && prev != _cfg.self) {
        learn_neighbour(prev, f.port, src_mac);
        if (neighbour_entry* e = _neighbours.find(prev))
            e->engine_heard_ns = to_ns(now);
        // A frame from prev is "heard from" evidence for that link (§8.3.1);
        // in XDP mode the kernel's stamps add the frames that never came up.
        _node.handle_heard(now, prev, f.port);
    }
    bool to_us = std::memcmp(dst_mac, _cfg.ports[f.port].mac.data(), 6) == 0 ||
                 (dst_mac[0] & 1) != 0; // broadcast/multicast
    if (info.parsed)
        _node.handle_packet(now, f.port, prev, *info.parsed, h, !to_us);
    else
        _node.handle_packet(now, f.port, prev, ip, h, !to_us); // the core counts what the codec refuses
}

void shard::learn_neighbour(dsr::addr ip, port_id port, const std::uint8_t* mac)
{
    neighbour_entry* e = _neighbours.find(ip);
    if (!e) {
        e = _neighbours.upsert(ip);
        if (!e) {
            ++_counters.neighbours_full;
            return;
        }
        ++_counters.neighbours_learned;
    }
    if (e->in_map && e->port == port && std::memcmp(e->mac.data(), mac, 6) == 0)
        return;
    e->port = port;
    std::memcpy(e->mac.data(), mac, 6);
    babe_neighbour n{};
    n.ifindex = _cfg.ports[port].ifindex;
    std::memcpy(n.mac, mac, 6);
    std::memcpy(n.src_mac, _cfg.ports[port].mac.data(), 6);
    n.last_heard_ns = e->last_heard_ns;
    if (_maps.put_neighbour(htonl(ip), n)) {
        e->in_map = true;
        e->lost_ns = 0;
    }
    else
        ++_counters.map_write_errors;
}

// Route Maintenance for the traffic XDP forwards without the core (§8.3):
// the kernel stamps when it last heard from and last sent to each
// neighbour. New "heard" stamps confirm the link; a neighbour that carries
// traffic (sent to within MaintHoldoffTime) but has been quiet for longer
// than that is probed with an Acknowledgement Request. An idle neighbour is
// never probed, so an idle mesh sends nothing.
namespace {
constexpr std::int64_t recovery_window_ns = 60'000'000'000;
constexpr std::int64_t recovery_interval_ns = 1'000'000'000;
} // namespace

void shard::poll_heard(time_point now)
{
    const std::int64_t now_ns = to_ns(now);
    const std::int64_t holdoff = to_ns(_cfg.dsr.maint_holdoff_time);
    // A neighbour counts as carrying traffic while we sent to it within the
    // holdoff. One heard densely (its last two stamps less than half the
    // holdoff apart) counts for the holdoff plus two polls: then the poll
    // that first sees it quiet for longer than the holdoff still sees it as
    // used when the traffic stopped at the same moment as the link. Both
    // directions of a flow end together when a link dies: a node answering
    // the packets it receives gets nothing more to answer, and would
    // otherwise only probe once traffic found another way to it. When a
    // dense flow simply ends this costs one probe per neighbour; sparse
    // traffic (packets more than a holdoff apart) gets none.
    const std::int64_t dense_window = holdoff + 2 * to_ns(_cfg.heard_poll_busy_interval);
    bool busy = false;
    _neighbours.for_each([&](neighbour_entry& e) {
        if (!e.in_map) {
            // A link that broke silently gives no sign when it comes back:
            // probe the lost neighbour once a second for a minute, so a
            // restored link is found and used again (nothing is sent for
            // links that never broke: an idle mesh stays silent).
            if (e.lost_ns && now_ns - e.lost_ns < recovery_window_ns &&
                now_ns - e.probed_ns >= recovery_interval_ns) {
                e.probed_ns = now_ns;
                ++_counters.probes;
                _node.probe_neighbour(now, e.ip);
            }
            return;
        }
        auto n = _maps.find_neighbour(htonl(e.ip));
        if (!n || !*n)
            return;
        const babe_neighbour& k = **n;
        if (k.last_heard_ns > e.last_heard_ns) {
            e.dense = e.last_heard_ns && k.last_heard_ns - e.last_heard_ns < static_cast<std::uint64_t>(holdoff / 2);
            e.last_heard_ns = k.last_heard_ns;
            _node.handle_heard(now, e.ip, e.port);
        }
        const std::int64_t heard = std::max(static_cast<std::int64_t>(e.last_heard_ns), e.engine_heard_ns);
        const std::int64_t window = e.dense ? dense_window : holdoff;
        const bool sending = k.last_tx_ns && now_ns - static_cast<std::int64_t>(k.last_tx_ns) < window;
        busy |= sending;
        if (sending && now_ns - heard > holdoff) {
            ++_counters.probes;
            _node.probe_neighbour(now, e.ip);
        }
    });
    // While some neighbour carries traffic the stamps are read more often, so
    // that a link gone quiet is probed soon after the holdoff; an idle node
    // keeps the slow period.
    _next_heard_poll = now + (busy ? _cfg.heard_poll_busy_interval : _cfg.heard_poll_interval);
}

// The routes XDP sends on never reach the core, whose link cache would let
// them expire while they carry traffic (link lifetimes, docs/dsr-core.md).
// Local egress marks a route with the current epoch (at most one store per
// route per epoch); here the epoch advances, and the routes marked in the
// one that ended (or already in the new one) are touched in every core. No write to a route entry: a
// read-modify-write here could undo a route another shard just rewrote.
void shard::scan_used_routes(time_point now)
{
    _next_route_scan = now + _cfg.route_scan_interval;
    auto cfg = _maps.read_config();
    if (!cfg) {
        ++_counters.map_write_errors;
        return;
    }
    babe_config c = *cfg;
    const std::uint16_t ended = c.route_epoch;
    c.route_epoch = ended == 0xffff ? 1 : static_cast<std::uint16_t>(ended + 1); // never 0
    if (!_maps.write_config(c)) {
        ++_counters.map_write_errors;
        return;
    }
    ++_counters.route_scans;
    if (ended == 0)
        return; // XDP was not marking yet
    // Marked in the epoch that ended, or already in the new one: a busy
    // route's next packet after the write above replaces the old mark at
    // once, before this pass could read it.
    auto n = _maps.used_routes(ended, c.route_epoch, _used_routes);
    if (!n) {
        ++_counters.map_write_errors;
        return;
    }
    const std::size_t listed = std::min(*n, _used_routes.size());
    _counters.routes_used_unlisted += *n - listed;
    for (std::size_t i = 0; i < listed; ++i) {
        const dsr::addr dst = ntohl(_used_routes[i]);
        ++_counters.routes_used;
        _node.touch_route(now, dst);
        if (_bus)
            _bus->route_used(dst);
    }
}

void shard::receive_replica(time_point now, port_id port, dsr::addr prev_hop,
                            std::span<const std::byte> ip_packet)
{
    _now_ns = to_ns(now);
    _node.handle_packet(now, port, prev_hop, ip_packet, std::nullopt, false);
    drain(now);
    _io.flush();
}

void shard::remote_neighbour_lost(time_point now, dsr::addr neighbour)
{
    _now_ns = to_ns(now);
    if (neighbour_entry* e = _neighbours.find(neighbour); e && e->in_map) {
        if (_maps.erase_neighbour(htonl(neighbour)))
            e->in_map = false;
    }
    _node.neighbour_lost(now, neighbour);
    drain(now);
    _io.flush();
}

void shard::port_down(time_point now, port_id port)
{
    _now_ns = to_ns(now);
    _neighbours.for_each([&](neighbour_entry& e) {
        if (e.port != port)
            return;
        if (e.in_map) {
            if (_maps.erase_neighbour(htonl(e.ip)))
                e.in_map = false;
            else
                ++_counters.map_write_errors;
        }
        _node.neighbour_lost(now, e.ip);
    });
    drain(now);
    _io.flush();
}

void shard::port_up(time_point now, port_id port)
{
    _now_ns = to_ns(now);
    _neighbours.for_each([&](neighbour_entry& e) {
        if (e.port == port) {
            ++_counters.probes;
            _node.probe_neighbour(now, e.ip);
        }
    });
    drain(now);
    _io.flush();
}

std::size_t shard::drain(time_point now)
{
    std::size_t work = 0;
    for (;;) {
        bool any = false;
        while (_node.poll_transmit(now, _out, _tx)) {
            any = true;
            ++work;
            if (_tx.handle)
                send_data(_tx);
            else
                send_control(_tx);
        }
        while (auto e = _node.poll_event()) {
            any = true;
            ++work;
            handle_event(*e);
        }
        if (!any)
            return work;
    }
}

port_id shard::port_for(dsr::addr next_hop, port_id fallback, const std::uint8_t*& mac)
{
    if (next_hop == dsr::broadcast) {
        mac = broadcast_mac;
        return fallback;
    }
    if (const neighbour_entry* e = _neighbours.find(next_hop)) {
        mac = e->mac.data();
        return e->port;
    }
    ++_counters.unknown_mac;
    mac = broadcast_mac;
    return fallback;
}

void shard::write_eth(std::byte* at, const std::uint8_t* dst, port_id port)
{
    std::memcpy(at, dst, 6);
    std::memcpy(at + 6, _cfg.ports[port].mac.data(), 6);
    at[12] = std::byte{0x08};
    at[13] = std::byte{0x00};
}

void shard::send_control(const dsr::transmit& t)
{
    auto one = [&](port_id port, const std::uint8_t* mac) {
        frame_addr a = 0;
        if (!_io.frames().alloc(a)) {
            ++_counters.no_frame;
            return;
        }
        std::byte* p = _io.data(a);
        write_eth(p, mac, port);
        std::memcpy(p + eth_len, _out.data(), t.length);
        if (_io.transmit(port, a, static_cast<std::uint32_t>(eth_len + t.length))) {
            ++_counters.tx_control;
        } else {
            ++_counters.tx_backpressure;
            _io.frames().release(a);
        }
    };
    if (t.link == dsr::all_links) {
        // Only Route Requests are broadcast (§8.2.1).
        if (auto pkt = dsr::codec::parse_ipv4_dsr(std::span<const std::byte>(_out.data(), t.length))) {
            if (auto r = pkt->dsr.find<dsr::codec::rreq_view>())
                DTRACE_PROBE3(babe, rreq_sent, pkt->ip.source().value, r->target().value, r->id());
        }
        for (port_id p : _mesh_ports)
            one(p, broadcast_mac);
        return;
    }
    const std::uint8_t* mac = nullptr;
    port_id port = port_for(t.next_hop, t.link, mac);
    one(port, mac);
}

void shard::send_data(const dsr::transmit& t)
{
    const frame_meta& m = _meta[t.handle->id];
    frame_addr payload = m.addr + eth_len + t.payload_offset;
    std::uint32_t payload_len = m.len - static_cast<std::uint32_t>(eth_len + t.payload_offset);
    frame_addr start = payload - t.length - eth_len;
    if (m.len < eth_len + t.payload_offset || payload < t.length + eth_len ||
        start < _io.frames().base(m.addr)) {
        ++_counters.no_headroom;
        if (t.handle_released)
            _io.frames().release(m.addr);
        return;
    }
    const std::uint8_t* mac = nullptr;
    port_id port = port_for(t.next_hop, t.link == dsr::all_links ? m.port : t.link, mac);
    std::byte* p = _io.data(start);
    std::memcpy(p + eth_len, _out.data(), t.length);
    write_eth(p, mac, port);
    // The TX ring takes a reference: the core's own when it is done with the
    // packet (handle_released), else one more (the core may send it again).
    if (!t.handle_released)
        _io.frames().retain(m.addr);
    if (_io.transmit(port, start, static_cast<std::uint32_t>(eth_len + t.length + payload_len))) {
        ++_counters.tx_data;
    } else {
        ++_counters.tx_backpressure;
        _io.frames().release(m.addr);
    }
}

void shard::handle_event(const dsr::event& e)
{
    switch (e.kind) {
    case dsr::event_kind::route_changed: {
        // The route's first hop must be in the kernel's neighbour map, or XDP
        // sends every packet of the route up as a miss: a neighbour removed
        // when its link broke comes back with the first route through it.
        if (neighbour_entry* n = _neighbours.find(e.path.next_hop()); n && !n->in_map)
            learn_neighbour(n->ip, n->port, n->mac.data());
        babe_route r{};
        r.n_hops = e.path.hop_count;
        r.generation = ++_route_generation;
        for (std::size_t i = 0; i < e.path.hop_count; ++i)
            r.hops[i] = htonl(e.path.hops[i]);
        if (_maps.put_route(htonl(e.dst), r))
            ++_counters.routes_installed;
        else
            ++_counters.map_write_errors;
        break;
    }
    case dsr::event_kind::route_removed:
        if (_maps.erase_route(htonl(e.dst)))
            ++_counters.routes_removed;
        break;
    case dsr::event_kind::link_broken:
        // Stop the kernel forwarding to a broken next hop: transit packets for
        // it now come up as misses, and the core salvages them (§3.4.1).
        if (e.from == _cfg.self) {
            if (neighbour_entry* n = _neighbours.find(e.to)) {
                if (!n->lost_ns)
                    n->lost_ns = _now_ns;
                if (n->in_map) {
                    if (_maps.erase_neighbour(htonl(e.to)))
                        n->in_map = false;
                    else
                        ++_counters.map_write_errors;
                }
            }
        }
        break;
    case dsr::event_kind::discovery_failed:
        if (_transport)
            _transport->unreachable(time_from_ns(_now_ns), e.dst);
        break;
    case dsr::event_kind::delivered:
        if (e.handle && e.protocol == BABE_NEXT_HEADER_TRANSPORT) {
            deliver_transport(e);
            break;
        }
        if (e.handle) {
            deliver_local(e);
            break;
        }
        break;
    case dsr::event_kind::released:
    case dsr::event_kind::dropped:
        if (e.handle)
            _io.frames().release(_meta[e.handle->id].addr);
        break;
    default:
        break;
    }
    if (_sink)
        _sink->on_event(e);
}

void shard::deliver_local(const dsr::event& e)
{
    const frame_meta& m = _meta[e.handle->id];
    if (!_local_port || m.len < eth_len + e.payload_offset || e.payload_offset < ipv4_len) {
        _io.frames().release(m.addr);
        return;
    }
    // Rebuild a plain IPv4 packet in place: the original header's fields
    // (read before the write, which may overlap them) up against the
    // payload, protocol restored, no IP options, length and checksum fixed.
    std::byte* ip_orig = _io.data(m.addr + eth_len);
    std::uint32_t payload_len = m.len - static_cast<std::uint32_t>(eth_len + e.payload_offset);
    std::byte* ip = ip_orig + e.payload_offset - ipv4_len;
    dsr::codec::ipv4_fields f = dsr::codec::fields_of(dsr::codec::ipv4_view({ip_orig, ipv4_len}));
    f.protocol = e.protocol;
    std::uint16_t total = static_cast<std::uint16_t>(ipv4_len + payload_len);
    dsr::codec::write_ipv4_header(ip, f, total);
    std::byte* frame = ip - eth_len;
    write_eth(frame, _cfg.host_mac.data(), *_local_port);
    frame_addr start = m.addr + static_cast<frame_addr>(frame - _io.data(m.addr));
    if (_io.transmit(*_local_port, start, static_cast<std::uint32_t>(eth_len + total))) {
        ++_counters.delivered_local;
    } else {
        ++_counters.tx_backpressure;
        _io.frames().release(m.addr);
    }
}

} // namespace babe::engine
