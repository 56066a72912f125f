// SPDX-License-Identifier: Apache-2.0
// An in-memory multi-node network for testing the DSR core: N nodes
// (addresses 10.0.0.1 ...), a directed link graph with per-link loss, a fixed
// per-hop delay, promiscuous overhearing and link-layer feedback, all driven
// by a virtual clock and a seeded generator, so every run replays exactly.
// The harness plays the caller of node.hh: it owns packet buffers, honours
// the handle contract (and checks it: every handle comes back exactly once),
// and checks on every transmitted frame that source routes have no loops and
// that each Route Reply a node originates lists a real path of the graph.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/handle_ledger.hh"
#include "dsr/node.hh"

namespace babe::dsr::testing {

inline addr node_addr(std::size_t i) { return 0x0a000001u + static_cast<addr>(i); }

struct harness_options {
    std::size_t nodes = 2;
    config cfg = default_config();
    std::uint64_t seed = 1;
    duration hop_delay = 1ms;
    bool promiscuous = true;     // neighbours overhear unicast frames
    bool link_feedback = true;   // 802.11-style unicast acks to the sender (off: the
                                 // nodes are configured with use_link_feedback = false)
    bool heard_evidence = false; // call handle_heard on every reception
};

class harness {
public:
    explicit harness(const harness_options& o);

    // Topology: a directed link i -> j (i's frames reach j), with loss in [0, 1].
    void set_link(std::size_t i, std::size_t j, bool up, double loss = 0.0);
    void set_bidi(std::size_t i, std::size_t j, bool up, double loss = 0.0);
    void chain();           // 0 - 1 - 2 - ... - n-1
    bool link_up(std::size_t i, std::size_t j) const;

    // Application traffic: a UDP-like packet with a unique id from i to node j.
    // `protocol` is the IP protocol, the DSR Next Header once inside.
    std::uint64_t send(std::size_t from, std::size_t to, std::size_t payload = 64,
                       std::uint8_t protocol = 17, bool hop_recovery = true);
    // Run the network until `until` (virtual time).
    void run_until(time_point until);
    void run_for(duration d) { run_until(_now + d); }
    time_point now() const { return _now; }

    node& at(std::size_t i) { return *_nodes[i]; }
    std::size_t size() const { return _nodes.size(); }

    // ---- observations ----
    bool delivered(std::uint64_t id) const { return _delivered.count(id) != 0; }
    std::uint64_t deliveries() const { return _deliveries; } // duplicates included
    bool dropped(std::uint64_t id) const { return _dropped.count(id) != 0; }
    drop_reason drop_reason_of(std::uint64_t id) const;
    std::size_t outstanding_handles() const; // handles given to nodes and not yet returned
    std::uint64_t frames_sent() const { return _frames; }
    std::uint64_t rreq_frames() const { return _rreq_frames; }
    std::uint64_t rrep_frames() const { return _rrep_frames; }
    std::uint64_t rerr_frames() const { return _rerr_frames; }
    std::uint64_t data_frames() const { return _data_frames; }
    // Checker failures (loops, replies over non-links, handle contract); empty = fine.
    const std::vector<std::string>& violations() const { return _violations; }
    std::vector<event> events_of(std::size_t i) const { return _events[i]; }
    std::uint64_t count_events(std::size_t i, event_kind k) const;
    // The hops data packet `id` was transmitted over, in order (from, to).
    std::vector<std::pair<addr, addr>> data_hops(std::uint64_t id) const;
    std::vector<std::uint64_t> sent_ids() const { return _sent_ids; }
    // Data packet `id` came back released although its last frame was lost
    // in the air: it had been sent without a maintenance entry (what a full
    // maintenance buffer does), so nobody was left to notice the loss.
    bool lost_unmaintained(std::uint64_t id) const { return _lost_unmaintained.count(id) != 0; }
    std::size_t lost_unmaintained_count() const { return _lost_unmaintained.size(); }

private:
    struct frame {
        time_point at;
        std::uint64_t seq;
        std::size_t to;
        std::size_t from;
        bool overheard;
        std::vector<std::byte> bytes;
    };
    struct feedback {
        time_point at;
        std::size_t node;
        addr next_hop;
        bool ok;
    };
    struct link_state {
        bool up = false;
        double loss = 0;
    };

    void drain(std::size_t i);
    void on_transmit(std::size_t i, const transmit& t, std::span<const std::byte> hdr);
    void check_frame(std::size_t i, std::span<const std::byte> f);
    std::uint32_t new_handle(std::size_t node, std::vector<std::byte> bytes);
    std::uint64_t payload_id(std::span<const std::byte> ip_packet, std::size_t offset) const;
    double uniform();
    int index_of(addr a) const;

    harness_options _o;
    std::vector<std::unique_ptr<node>> _nodes;
    std::vector<std::vector<link_state>> _links;
    std::map<std::uint32_t, std::vector<std::byte>> _buffers; // by handle: the bytes
    handle_ledger _ledger;                                    // by handle: the node holding it
    std::vector<std::vector<event>> _events;
    std::vector<frame> _frames_in_flight;
    std::vector<feedback> _feedback;
    std::uint64_t _seq = 0;
    std::uint32_t _next_handle = 1;
    std::uint64_t _next_id = 1;
    time_point _now{};
    std::uint64_t _rng;
    std::set<std::uint64_t> _delivered;
    std::uint64_t _deliveries = 0;
    std::map<std::uint64_t, drop_reason> _dropped;
    std::map<std::uint64_t, std::vector<std::pair<addr, addr>>> _hops;
    std::vector<std::uint64_t> _sent_ids;
    std::map<std::uint32_t, bool> _last_send_arrived; // by handle: its latest unicast frame got there
    std::set<std::uint64_t> _lost_unmaintained;
    std::vector<std::string> _violations;
    std::uint64_t _frames = 0, _rreq_frames = 0, _rrep_frames = 0, _rerr_frames = 0,
                  _data_frames = 0;
    std::vector<std::byte> _out;
};

} // namespace babe::dsr::testing
