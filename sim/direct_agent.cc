// SPDX-License-Identifier: Apache-2.0
// direct_agent: a node that sends every packet straight to its destination
// as one link-layer hop, with no routing protocol. It keeps the handle
// contract (released on link success, dropped on failure, delivered at the
// destination), so the simulator's radio, MAC, faults, conservation checker,
// pcap and JSON can be tested without the DSR core.
#include <babe/wire.h>

#include <cstring>
#include <deque>

#include "sim/agent.hh"

namespace babe::sim {

namespace {

std::uint32_t load_be32(const std::byte* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

class direct_agent final : public agent {
public:
    direct_agent(dsr::addr self, bool feedback) : _self(self), _feedback(feedback) {}

    void handle_packet(time_point, dsr::addr, std::span<const std::byte> pkt,
                       std::optional<dsr::packet_handle> h, bool overheard) override
    {
        if (overheard || !h)
            return;
        dsr::event e;
        e.handle = h;
        if (pkt.size() >= 20 && load_be32(pkt.data() + 16) == _self) {
            e.kind = dsr::event_kind::delivered;
            e.payload_offset = (std::to_integer<unsigned>(pkt[0]) & 0xf) * 4;
            e.protocol = std::to_integer<std::uint8_t>(pkt[9]);
            e.src = load_be32(pkt.data() + 12);
        } else {
            e.kind = dsr::event_kind::dropped;
            e.reason = dsr::drop_reason::not_for_us;
        }
        _events.push_back(e);
    }

    std::uint32_t hop_room(dsr::addr) const override { return 0xffffffffu; }

    void send(time_point, dsr::packet_handle h, std::span<const std::byte> pkt, bool) override
    {
        dsr::transmit t;
        t.next_hop = pkt.size() >= 20 ? load_be32(pkt.data() + 16) : dsr::broadcast;
        t.length = 0;
        t.handle = h;
        t.payload_offset = 0;
        t.want_link_feedback = _feedback;
        _tx.push_back(t);
    }

    void handle_link_feedback(time_point, dsr::addr next_hop, dsr::link_status status) override
    {
        const bool delivered = status == dsr::link_status::delivered;
        for (auto it = _waiting.begin(); it != _waiting.end(); ++it) {
            if (it->first != next_hop)
                continue;
            dsr::event e;
            e.handle = it->second;
            e.kind = delivered ? dsr::event_kind::released : dsr::event_kind::dropped;
            e.reason = delivered ? dsr::drop_reason::none : dsr::drop_reason::maint_failed;
            _events.push_back(e);
            _waiting.erase(it);
            return;
        }
    }

    void handle_timeout(time_point) override {}
    std::optional<time_point> poll_timeout() const override { return std::nullopt; }

    std::optional<dsr::transmit> poll_transmit(time_point, std::span<std::byte>) override
    {
        if (_tx.empty())
            return std::nullopt;
        auto t = _tx.front();
        _tx.pop_front();
        if (_feedback) {
            _waiting.emplace_back(t.next_hop, *t.handle);
        } else {
            dsr::event e;
            e.kind = dsr::event_kind::released;
            e.handle = t.handle;
            _events.push_back(e);
        }
        ++_sent;
        return t;
    }

    std::optional<dsr::event> poll_event() override
    {
        if (_events.empty())
            return std::nullopt;
        auto e = _events.front();
        _events.pop_front();
        return e;
    }

    void add_counters(std::map<std::string, std::uint64_t>& sum) const override
    {
        sum["direct_sent"] += _sent;
    }

    const char* drop_label(dsr::drop_reason r) const override
    {
        return r == dsr::drop_reason::maint_failed ? "link_failed" : "not_for_us";
    }

private:
    dsr::addr _self;
    bool _feedback;
    std::uint64_t _sent = 0;
    std::deque<dsr::transmit> _tx;
    std::deque<std::pair<dsr::addr, dsr::packet_handle>> _waiting;
    std::deque<dsr::event> _events;
};

} // namespace

std::unique_ptr<agent> make_direct_agent(dsr::addr self, bool feedback)
{
    return std::make_unique<direct_agent>(self, feedback);
}

} // namespace babe::sim
