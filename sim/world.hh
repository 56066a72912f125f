// SPDX-License-Identifier: Apache-2.0
// One simulation run: N nodes, each running a routing agent (the real DSR
// core by default) over the simulated medium, with mobility, CBR traffic,
// bulk transfers over the transport core (world_transfers.cc) and scheduled
// faults, driven by one discrete-event loop on a virtual clock.
// The run is a pure function of (scenario, seed). Checkers run as the run
// goes (after every step that could break them): frames reach only nodes in
// range; source routes and route records never repeat a node; every handle
// given to a core comes back exactly once; every data packet ends delivered,
// dropped with a reason, or still in flight. The first failure stops the run
// and is reported with the seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/handle_ledger.hh"
#include "sim/agent.hh"
#include "sim/buffer_pool.hh"
#include "sim/capture.hh"
#include "sim/event_queue.hh"
#include "sim/medium.hh"
#include "sim/mobility.hh"
#include "sim/results.hh"
#include "sim/scenario.hh"

namespace babe::sim {

class transport_agent;
struct transfer_books;

struct run_options {
    std::string pcap_path; // empty: no capture
    // Tests: build each node's agent with this instead of the scenario's kind.
    std::function<std::unique_ptr<agent>(std::uint32_t node, dsr::addr self, std::uint64_t seed)>
        agent_factory;
    // Tests: the sender of transfer `first` writes a wrong byte at stream
    // offset `second` (the transfer checker must catch it).
    std::optional<std::pair<std::uint32_t, std::uint64_t>> corrupt_transfer_byte;
};

class world final : public medium_host {
public:
    // Throws std::runtime_error when the scenario cannot run (missing DSR core
    // in this build, unreadable positions file, pcap not writable).
    world(const scenario& sc, std::uint64_t seed, const run_options& opt = {});
    ~world() override;

    run_result run();

    // For tests: a node's agent (nullptr while crashed) and live counts.
    std::uint32_t packets_held() const { return _packets.in_use(); }

private:
    struct slot_info { // who holds the slot: _ledger
        std::uint32_t uid = no_uid;
        std::uint32_t len = 0;
        std::uint16_t hops = 0;
        std::uint8_t sends = 0;    // transmissions by its holder (saturating)
        bool transport = false;    // a transport segment
    };
    static_assert(sizeof(slot_info) == 12, "sim_memory_bytes of runs without transfers stays put");
    enum class data_state : std::uint8_t { in_flight, delivered, dropped };
    struct data_rec {
        std::int64_t sent_ns = 0;
        std::uint32_t src = 0, dst = 0;
        std::uint32_t live = 0;        // handles held by cores + frames queued or on the air
        std::uint16_t shortest = 0;    // hops at send time; 0xffff: no path
        data_state state = data_state::in_flight;
        std::uint8_t reason = 0;       // index into _reason_names; 0 none
    };
    struct flow {
        std::uint32_t src = 0, dst = 0, size_b = 0;
        std::int64_t interval_ns = 0, stop_ns = 0;
        std::uint32_t seq = 0;
    };
    struct node_state {
        std::unique_ptr<agent> core;
        std::int64_t timer_ns = -1;    // the node_timer event in the queue (-1 none)
        std::uint32_t restarts = 0;
        std::int64_t same_time_ns = -1; // stuck-timer guard
        std::uint32_t same_time_count = 0;
        std::uint16_t ip_id = 0;
        bool alive = true;
        bool dirty = false;            // outputs to drain
    };

    // medium_host
    bool alive(std::uint32_t n) const override { return _nodes[n].alive; }
    bool link_blocked(std::uint32_t a, std::uint32_t b, vec2 pa, vec2 pb) const override;
    double loss_probability(std::uint32_t a, std::uint32_t b) const override;
    void on_air(std::uint32_t sender, std::uint32_t frame) override;
    void on_receive(std::uint32_t node, std::uint32_t frame, bool overheard) override;
    void on_frame_done(std::uint32_t sender, std::uint32_t frame, frame_outcome o) override;
    void fail(const std::string& what) override;

    void dispatch(const event& e);
    void mark(std::uint32_t n);
    void drain_all();
    void drain(std::uint32_t n);
    bool drain_transmits(std::uint32_t n);
    void handle_core_event(std::uint32_t n, const dsr::event& e);
    std::uint32_t new_slot(std::uint32_t n, const slot_info& info);
    void take_back(std::uint32_t n, dsr::packet_handle h, const char* what);
    void schedule_timer(std::uint32_t n);
    void send_data(std::uint32_t flow_index);
    // transfers (sim/transport_agent.hh)
    void setup_transfers();
    void new_transport(std::uint32_t n);
    void start_transfer(std::uint32_t t);
    void pump_transport(std::uint32_t n);
    void transport_segment(std::uint32_t n, const dsr::event& e);
    void check_transfers();
    void transfer_results();
    transport_agent* tp(std::uint32_t n) { return _tps.empty() ? nullptr : _tps[n].get(); }
    void start_fault(std::uint32_t i);
    void end_fault(std::uint32_t i);
    void crash(std::uint32_t n);
    void restart(std::uint32_t n);
    void unref(std::uint32_t uid);
    void note_drop(std::uint32_t uid, const std::string& reason);
    std::uint8_t reason_index(const std::string& reason);
    std::uint16_t shortest_hops(std::uint32_t flow_index);
    std::uint32_t node_of(dsr::addr a) const;
    void check_frame(std::uint32_t sender, std::span<const std::byte> ip);
    time_point now_tp() const { return time_from_ns(_now); }
    std::int64_t now() const { return _now; }
    run_result finish_results(double wall_s);

    std::unique_ptr<agent> new_agent(std::uint32_t n, std::uint64_t seed);

    scenario _sc;
    std::uint64_t _seed;
    run_options _opt;
    std::int64_t _now = 0;
    std::int64_t _end_ns = 0;
    event_queue _q;
    mobility _mob;
    std::unique_ptr<medium> _medium;
    std::vector<node_state> _nodes;
    std::vector<std::uint32_t> _dirty;
    buffer_pool _packets{max_frame_bytes};
    std::vector<slot_info> _slots;
    handle_ledger _ledger;               // packet slot -> node whose core holds it
    std::vector<data_rec> _data;
    std::vector<flow> _flows;
    std::vector<double> _delays;
    double _hops_sum = 0, _extra_sum = 0;
    std::uint64_t _extra_n = 0;
    std::vector<std::string> _reason_names{""};

    // faults
    std::vector<std::uint32_t> _partition_active;           // fault indices
    std::vector<std::vector<bool>> _partition_side;         // per fault: membership
    std::vector<std::pair<std::uint32_t, std::uint32_t>> _links_down;
    std::vector<std::uint32_t> _bursts_active;
    std::vector<std::vector<bool>> _burst_nodes;
    std::vector<std::pair<std::uint64_t, double>> _link_loss; // sorted key (min<<32|max)

    // shortest-path cache per flow: BFS from the source, stopped at the
    // destination, redone once per spatial-grid snapshot
    struct bfs_entry {
        std::int64_t at_ns = -1;
        std::uint64_t fault_epoch = 0;
        std::uint16_t hops = 0;
    };
    std::vector<bfs_entry> _bfs;          // indexed by flow
    std::vector<std::uint16_t> _bfs_dist; // scratch, by node; reset through _bfs_queue
    // the snapshot's connectivity graph (CSR), built on first use per snapshot
    std::int64_t _adj_at_ns = -1;
    std::uint64_t _adj_fault_epoch = 0;
    std::uint64_t _fault_epoch = 1;       // bumped by every fault start/end
    std::vector<std::uint32_t> _adj_start, _adj;
    void build_adjacency();
    std::vector<std::uint32_t> _bfs_queue;

    // transfers (none: all empty, and every path is as without them)
    std::unique_ptr<transfer_books> _books;
    std::vector<std::unique_ptr<transport_agent>> _tps; // by node: its transport (endpoints only)
    std::vector<std::byte> _seg_out;      // a segment's IPv4 packet, scratch
    std::vector<bool> _tp_blocked;        // by node: its transport waits for room in the hop window
    std::uint64_t _hop_retx = 0, _tp_frames = 0, _tp_bytes = 0;

    std::vector<std::byte> _out;          // poll_transmit scratch
    capture _pcap;
    run_result _r;
    std::optional<std::string> _failure;
};

} // namespace babe::sim
