// SPDX-License-Identifier: Apache-2.0
// The world's side of the scenario's transfers (see world.hh and
// sim/transport_agent.hh): a transport agent on each node that sends or
// receives one, its segments carried by the node's DSR core in packet slots
// like any other packet, the transfers' start events, the end-of-run check
// and the results. A run without transfers never reaches this file.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "sim/transport_agent.hh"
#include "sim/world.hh"
#include "transport/mesh_config.hh"

namespace babe::sim {

namespace {
std::int64_t ns_of(double s)
{
    return static_cast<std::int64_t>(std::llround(s * 1e9));
}

std::uint16_t load_be16(const std::byte* p)
{
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}
} // namespace

void world::setup_transfers()
{
    _books = std::make_unique<transfer_books>();
    _books->specs = _sc.transfers;
    _books->state.resize(_sc.transfers.size());
    _books->fail = [this](const std::string& what) { fail(what); };
    _books->corrupt = _opt.corrupt_transfer_byte;
    _tps.resize(_sc.nodes);
    _tp_blocked.assign(_sc.nodes, false);
    _seg_out.resize(max_frame_bytes);
    for (const auto& t : _sc.transfers)
        for (std::uint32_t n : {t.src, t.dst})
            if (!_tps[n])
                new_transport(n);
    for (std::uint32_t i = 0; i < _sc.transfers.size(); ++i)
        _q.push(ns_of(_sc.transfers[i].start_s), ev::transfer, i);
}

// Node n's transport, when it sends or receives a transfer: at the start and
// after a restart (a fresh endpoint listening again; what it sent is lost).
void world::new_transport(std::uint32_t n)
{
    std::uint32_t in = 0, out = 0;
    for (const auto& t : _sc.transfers) {
        in += t.dst == n ? 1 : 0;
        out += t.src == n ? 1 : 0;
    }
    if (in + out == 0)
        return;
    auto cfg = transport::mesh_config(_sc.hop_recovery && _sc.dsr.hop_reliable_next_header != 0);
    cfg.max_listeners = std::max(cfg.max_listeners, in);
    cfg.max_connections = std::max(cfg.max_connections, in + out);
    const std::uint64_t seed =
        derive_seed(_seed, stream::transport, n | (std::uint64_t(_nodes[n].restarts) << 32));
    _tps[n] = std::make_unique<transport_agent>(cfg, n, node_addr(n), seed, *_books);
    for (std::uint32_t i = 0; i < _sc.transfers.size(); ++i)
        if (_sc.transfers[i].dst == n)
            _tps[n]->listen(i);
}

void world::start_transfer(std::uint32_t t)
{
    const auto& spec = _sc.transfers[t];
    auto* x = _nodes[spec.src].alive ? tp(spec.src) : nullptr;
    if (!x) {
        auto& st = _books->state[t];
        st.ph = transfer_state::phase::failed;
        st.error = "the sending node is down at the start";
        st.end_ns = _now;
        return;
    }
    x->start(now_tp(), t, node_addr(spec.dst));
    mark(spec.src);
}

// Node n's transport: events to its applications, then its segments into
// the node's DSR core (in packet slots, as any packet), no more data
// segments than the hop window toward each receiver takes (babed's rule).
void world::pump_transport(std::uint32_t n)
{
    auto& x = *_tps[n];
    agent& a = *_nodes[n].core;
    for (bool sent = true; sent && !_failure;) {
        sent = false;
        x.pump(now_tp());
        std::uint32_t budget = 0xffffffffu;
        x.for_each_sending_peer(
            [&](std::uint32_t peer) { budget = std::min(budget, a.hop_room(peer)); });
        while (budget > 0 && !_failure) {
            auto s = x.poll(now_tp(), _seg_out);
            if (!s)
                break;
            std::uint32_t h = new_slot(n, slot_info{no_uid, s->length, 0, 0, true});
            std::memcpy(_packets.data(h), _seg_out.data(), s->length);
            a.send(now_tp(), dsr::packet_handle{h}, {_packets.data(h), s->length}, s->hop_recovery);
            if (s->data)
                --budget;
            sent = true;
        }
        _tp_blocked[n] = budget == 0;
    }
}

// The DSR core delivered a segment at node n: its bytes go to the node's
// transport (a copy: the slot goes back to the pool with the event).
void world::transport_segment(std::uint32_t n, const dsr::event& e)
{
    auto* x = tp(n);
    const auto& s = _slots[e.handle->id];
    const std::byte* ip = _packets.data(e.handle->id);
    const std::uint32_t total = s.len >= 20 ? std::min<std::uint32_t>(load_be16(ip + 2), s.len) : 0;
    if (!x || e.payload_offset > total)
        return; // nobody here speaks the transport: the segment is dropped
    x->handle_segment(now_tp(), e.src, {ip + e.payload_offset, total - e.payload_offset});
}

// The checker's end: a transfer still open at the end of the run neither
// completed nor reported an error.
void world::check_transfers()
{
    for (std::uint32_t i = 0; i < _books->state.size() && !_failure; ++i) {
        const auto& st = _books->state[i];
        const auto& t = _sc.transfers[i];
        if (st.ph == transfer_state::phase::completed || st.ph == transfer_state::phase::failed)
            continue;
        fail(fmt::format(
            "transfer {} (node {} -> {}, {} B from {:.3f}s) neither completed nor reported "
            "an error by the end of the run ({}, {} B delivered): a hung transfer",
            i, t.src, t.dst, t.bytes, t.start_s, to_string(st.ph), st.delivered));
    }
}

void world::transfer_results()
{
    transfers_result out;
    double goodput_sum = 0;
    for (std::uint32_t i = 0; i < _books->state.size(); ++i) {
        const auto& st = _books->state[i];
        const auto& t = _sc.transfers[i];
        transfer_result x;
        x.src = t.src;
        x.dst = t.dst;
        x.bytes = t.bytes;
        x.start_s = t.start_s;
        x.state = to_string(st.ph);
        x.error = st.error;
        x.delivered = st.delivered;
        const std::int64_t end = st.end_ns >= 0 ? st.end_ns : _now;
        x.duration_s = std::max(0.0, double(end - ns_of(t.start_s)) / 1e9);
        x.goodput_bps = x.duration_s > 0 ? double(st.delivered) * 8 / x.duration_s : 0;
        x.segments_retransmitted = st.segments_retransmitted;
        x.bytes_retransmitted = st.bytes_retransmitted;
        out.completed += st.ph == transfer_state::phase::completed ? 1 : 0;
        out.failed += st.ph == transfer_state::phase::failed ? 1 : 0;
        if (st.ph == transfer_state::phase::completed)
            goodput_sum += x.goodput_bps;
        out.bytes_requested += t.bytes;
        out.bytes_delivered += st.delivered;
        out.segments_retransmitted += st.segments_retransmitted;
        out.bytes_retransmitted += st.bytes_retransmitted;
        out.list.push_back(std::move(x));
    }
    out.mean_goodput_bps = out.completed ? goodput_sum / double(out.completed) : 0;
    out.hop_retransmissions = _hop_retx;
    out.frames = _tp_frames;
    out.frame_bytes = _tp_bytes;
    for (const auto& x : _tps)
        if (x) {
            const auto& c = x->stats();
#define BABE_SIM_ADD(name) out.transport_counters[#name] += c.name;
            BABE_TRANSPORT_COUNTERS(BABE_SIM_ADD)
#undef BABE_SIM_ADD
        }
    _r.transfers = std::move(out);
}

} // namespace babe::sim
