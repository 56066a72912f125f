// SPDX-License-Identifier: Apache-2.0
// dsr_agent: the simulator's node runs the real babe::dsr::node, one to one.
// Built only when the DSR core library is (see sim/CMakeLists.txt); the
// factory below picks it for scenarios with `agent: dsr` (the default).
#include "sim/agent.hh"

#ifdef BABE_SIM_HAVE_DSR
#include "dsr/node.hh"
#endif

namespace babe::sim {

std::unique_ptr<agent> make_direct_agent(dsr::addr self, bool feedback);

#ifdef BABE_SIM_HAVE_DSR
namespace {

class dsr_agent final : public agent {
public:
    dsr_agent(const dsr::config& cfg, dsr::addr self, std::uint64_t seed) : _node(cfg, self, seed) {}

    void handle_packet(time_point now, dsr::addr prev_hop, std::span<const std::byte> pkt,
                       std::optional<dsr::packet_handle> h, bool overheard) override
    {
        _node.handle_packet(now, 0, prev_hop, pkt, h, overheard);
    }
    void send(time_point now, dsr::packet_handle h, std::span<const std::byte> ip_packet,
              bool hop_recovery) override
    {
        _node.send(now, h, ip_packet, hop_recovery);
    }
    std::uint32_t hop_room(dsr::addr dst) const override { return _node.hop_room(dst); }
    void handle_link_feedback(time_point now, dsr::addr next_hop, dsr::link_status status) override
    {
        _node.handle_link_feedback(now, next_hop, status);
    }
    void handle_timeout(time_point now) override { _node.handle_timeout(now); }
    std::optional<time_point> poll_timeout() const override { return _node.poll_timeout(); }
    std::optional<dsr::transmit> poll_transmit(time_point now, std::span<std::byte> out) override
    {
        return _node.poll_transmit(now, out);
    }
    std::optional<dsr::event> poll_event() override { return _node.poll_event(); }

    void add_counters(std::map<std::string, std::uint64_t>& sum) const override
    {
        const auto& c = _node.stats();
#define BABE_SIM_ADD(name) sum[#name] += c.name;
        BABE_DSR_COUNTERS(BABE_SIM_ADD)
#undef BABE_SIM_ADD
    }

    const char* drop_label(dsr::drop_reason r) const override { return dsr::to_string(r); }

private:
    dsr::node _node;
};

} // namespace
#endif

bool have_dsr_core()
{
#ifdef BABE_SIM_HAVE_DSR
    return true;
#else
    return false;
#endif
}

std::unique_ptr<agent> make_agent(agent_kind kind, const scenario& sc, dsr::addr self,
                                  std::uint64_t seed)
{
    if (kind == agent_kind::direct)
        return make_direct_agent(self, sc.radio.link_feedback);
#ifdef BABE_SIM_HAVE_DSR
    return std::make_unique<dsr_agent>(sc.dsr, self, seed);
#else
    (void)seed;
    return nullptr;
#endif
}

} // namespace babe::sim
