// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transmit queue and link-feedback records: see transmitter.hh.
#include "dsr/transmitter.hh"

#include "dsr/maintenance.hh"

namespace babe::dsr {

transmitter::transmitter(node_state& state, maint_buffer& maint_entries,
                         maintenance& route_maintenance)
    : _state(state), _maint_buffer(maint_entries), _maintenance(route_maintenance),
      _queue(state.cfg.tx_queue_size),
      _feedback(state.cfg.tx_queue_size + state.cfg.rexmt_buffer_size)
{
}

bool transmitter::queue(time_point due, const packet_record& rec, addr next_hop,
                        maint_buffer::entry* maint, bool no_ack_req)
{
    return push(due, rec, next_hop, maint, no_ack_req) != nullptr;
}

tx_item* transmitter::push(time_point due, const packet_record& rec, addr next_hop,
                           maint_buffer::entry* maint, bool no_ack_req)
{
    tx_item* it = _queue.push(due);
    if (!it) {
        ++_state.stats.tx_queue_overflows;
        if (maint) {
            _state.events.dropped(maint->rec.handle, drop_reason::tx_queue_full);
            _maint_buffer.release(maint);
        } else {
            _state.events.dropped(rec.handle, drop_reason::tx_queue_full);
        }
        return nullptr;
    }
    it->rec = rec;
    if (no_ack_req)
        it->rec.ack_req_id.reset();
    it->next_hop = next_hop;
    it->link = next_hop == broadcast ? all_links : _state.link_to(next_hop);
    it->want_feedback = next_hop != broadcast && _state.cfg.use_link_feedback;
    if (maint) {
        it->maint_slot = _maint_buffer.index_of(maint);
        it->maint_gen = maint->gen;
    }
    return it;
}

bool transmitter::queue_cached_reply(time_point due, const packet_record& rec, addr next_hop,
                                     addr initiator, addr target, std::uint8_t hops)
{
    tx_item* it = push(due, rec, next_hop, nullptr, false);
    if (!it)
        return false;
    it->cancellable = true;
    it->reply_initiator = initiator;
    it->reply_target = target;
    it->reply_hops = hops;
    return true;
}

void transmitter::cancel_longer_replies(addr initiator, addr target, std::size_t hops)
{
    _queue.for_each([&](tx_item& it) {
        if (it.cancellable && !it.cancelled && it.reply_initiator == initiator &&
            it.reply_target == target && hops < it.reply_hops) {
            it.cancelled = true;
            ++_state.stats.rrep_cache_suppressed;
        }
    });
}

std::size_t transmitter::replies_waiting()
{
    std::size_t n = 0;
    _queue.for_each([&](tx_item& it) { n += it.cancellable && !it.cancelled; });
    return n;
}

maint_buffer::entry* transmitter::entry_of(const tx_item& it, bool& stale)
{
    stale = false;
    if (it.maint_slot < 0)
        return nullptr;
    maint_buffer::entry* e = &_maint_buffer.at(static_cast<std::size_t>(it.maint_slot));
    stale = e->gen != it.maint_gen || e->st != maint_buffer::state::queued;
    return e;
}

void transmitter::refuse(tx_item& it, maint_buffer::entry* e)
{
    ++_state.stats.hostile;
    if (e) {
        _state.events.dropped(e->rec.handle, drop_reason::hostile);
        _maint_buffer.release(e);
    } else {
        _state.events.dropped(it.rec.handle, drop_reason::hostile);
    }
}

void transmitter::fill(transmit& t, const tx_item& it, std::size_t length)
{
    t.link = it.link;
    t.next_hop = it.next_hop;
    t.length = length;
    t.handle = it.rec.handle;
    t.payload_offset = it.rec.payload_offset;
    t.want_link_feedback = it.want_feedback;
    t.handle_released = false;
}

bool transmitter::poll(time_point now, std::span<std::byte> out, transmit& t)
{
    for (;;) {
        tx_item* it = _queue.front_due(now);
        if (!it)
            return false;
        bool stale = false;
        maint_buffer::entry* e = it->cancelled ? nullptr : entry_of(*it, stale);
        if (it->cancelled ||
            stale) { // a cancelled reply; or superseded (confirmed, failed or re-armed)
            _queue.pop_front();
            continue;
        }
        if (out.size() < header_size(it->rec)) {
            ++_state.stats.out_too_small;
            return false;
        }
        auto len = encode_packet(it->rec, out);
        if (!len) {
            refuse(*it, e);
            _queue.pop_front();
            continue;
        }
        fill(t, *it, *len);
        if (t.want_link_feedback)
            _feedback.push({t.next_hop, e ? _maint_buffer.index_of(e) : -1, e ? e->gen : 0, now});
        if (e)
            _maintenance.transmitted(now, *e);
        else if (_state.cfg.release_on_transmit && it->rec.handle)
            t.handle_released = true;
        else
            _state.events.released(it->rec.handle);
        _queue.pop_front();
        return true;
    }
}

} // namespace babe::dsr
