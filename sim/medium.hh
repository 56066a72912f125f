// SPDX-License-Identifier: Apache-2.0
// The radio medium and an 802.11-like MAC. A transmission reaches every live
// node within range (unit disk) of the sender at its start, and is sensed
// (and interferes) up to the carrier-sense range (= range unless set, as
// ns-2's 550 m for 250 m radios); it lasts preamble
// + (MAC header + frame) * 8 / bitrate. A node hearing any transmission
// defers (carrier sense); a node hearing two overlapping transmissions, or
// transmitting while one arrives, receives neither (collision). Each node
// has a drop-tail interface queue; before every transmission it waits DIFS +
// a random backoff of [0, CW] slots. Unicast frames are acknowledged
// (SIFS + ACK airtime) and retried with a doubling CW up to the retry limit;
// the outcome is reported to the host, which feeds it to the core as
// link-layer feedback. With link feedback off a unicast frame is sent once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/buffer_pool.hh"
#include "sim/event_queue.hh"
#include "sim/mobility.hh"
#include "sim/rng.hh"
#include "sim/scenario.hh"
#include "sim/spatial_grid.hh"

namespace babe::sim {

constexpr std::uint32_t no_node = 0xffffffffu;
constexpr std::uint32_t no_uid = 0xffffffffu;

// Bytes of the largest frame the simulator carries (IPv4 packet).
constexpr std::uint32_t max_frame_bytes = 2048;

enum class frame_outcome : std::uint8_t {
    received,          // unicast: the addressee got it (acknowledged when feedback is on)
    retries_exhausted, // unicast, feedback on: never acknowledged
    not_received,      // unicast, feedback off: the addressee did not get it
    broadcast,         // broadcast: sent (whoever heard it got it)
    queue_full,        // interface queue full: never sent
    purged,            // unicast, feedback on: taken off the queue, its link broke
    node_down,         // the sender crashed
};
const char* to_string(frame_outcome o);

struct frame_meta {
    std::uint32_t len = 0;
    std::uint32_t src = 0;       // sender node
    std::uint32_t dst = no_node; // addressee node, no_node for broadcast
    std::uint32_t next_hop_addr = 0;
    std::uint32_t uid = no_uid;  // data packet carried, if any
    std::uint16_t hops = 0;      // hops that data copy made before this one
    bool want_feedback = false;
    bool control = false;
};

// What the medium needs from the world around it.
class medium_host {
public:
    virtual ~medium_host() = default;
    virtual bool alive(std::uint32_t n) const = 0;
    // Faults: is the link a -> b forced down (partitions, link_down)?
    virtual bool link_blocked(std::uint32_t a, std::uint32_t b, vec2 pa, vec2 pb) const = 0;
    // Loss probability of one reception a -> b at this time.
    virtual double loss_probability(std::uint32_t a, std::uint32_t b) const = 0;
    virtual void on_air(std::uint32_t sender, std::uint32_t frame) = 0;
    virtual void on_receive(std::uint32_t node, std::uint32_t frame, bool overheard) = 0;
    virtual void on_frame_done(std::uint32_t sender, std::uint32_t frame, frame_outcome o) = 0;
    virtual void fail(const std::string& what) = 0; // a checker failed
};

struct medium_stats {
    std::uint64_t transmissions = 0;      // frames put on the air, retries included
    std::uint64_t airtime_ns = 0;
    std::uint64_t receptions = 0;         // clean receptions passed up (overheard included)
    std::uint64_t collisions = 0;         // receptions lost to overlap
    std::uint64_t losses = 0;             // receptions lost to loss probability / faults
    std::uint64_t retries = 0;
    std::uint64_t retry_failures = 0;
    std::uint64_t queue_drops = 0;
    std::uint64_t purged = 0;             // frames taken off a queue when their link broke
};

class medium {
public:
    medium(const scenario& sc, mobility& mob, event_queue& q, medium_host& host, std::uint64_t seed);

    // A frame to fill: its bytes (max_frame_bytes) and metadata.
    std::uint32_t new_frame();
    frame_meta& meta(std::uint32_t f) { return _meta[f]; }
    std::byte* bytes(std::uint32_t f) { return _frames.data(f); }

    // Queue a filled frame at its sender (meta.src). The medium owns it from
    // here and reports its end through on_frame_done exactly once.
    void enqueue(std::uint32_t frame);

    // Take every frame for `to` that asks for feedback off node n's queue
    // (not one on the air), each reported as purged, oldest first.
    void purge(std::uint32_t n, std::uint32_t to);

    // Handle a medium event (mac_backoff, tx_end, ack_end, rebin).
    void handle(const event& e);
    void crash(std::uint32_t node);

    // Every live node within range of `node` now (excluding itself).
    template <class F>
    void for_each_neighbour(std::uint32_t node, F&& f)
    {
        for_each_within(node, _range, std::forward<F>(f));
    }
    // Every live node within `radius` (<= carrier-sense range) of `node` now.
    template <class F>
    void for_each_within(std::uint32_t node, double radius, F&& f)
    {
        vec2 p = _mob.position(node, _now);
        double r2 = radius * radius;
        _grid.for_each_candidate(p, reach(radius), [&](std::uint32_t c) {
            if (c != node && _host.alive(c) && dist2(p, _mob.position(c, _now)) <= r2)
                f(c);
        });
    }

    // The positions the spatial grid was last built from (exact at that time).
    const std::vector<vec2>& binned_positions() const { return _positions; }
    std::int64_t last_rebin_ns() const { return _last_rebin; }
    const spatial_grid& grid() const { return _grid; }

    void set_now(std::int64_t t) { _now = t; }
    std::int64_t now() const { return _now; }
    const medium_stats& stats() const { return _stats; }
    std::size_t frames_in_use() const { return _frames.in_use(); }
    std::size_t memory_bytes() const;
    double range_m() const { return _range; }

private:
    enum class mac_state : std::uint8_t { idle, backoff, wait_idle, tx, ack_wait };
    struct mac {
        std::uint32_t head = 0, count = 0;
        std::uint32_t hearing = 0;     // transmissions in range on the air now
        std::uint32_t rx_tx = no_node; // transmission being received cleanly (if rx_clean)
        std::uint32_t gen = 0;         // backoff generation (stale events are ignored)
        std::uint16_t retries = 0;
        std::uint16_t cw = 0;
        mac_state state = mac_state::idle;
        bool rx_clean = false;
    };
    struct tx_record {
        std::uint32_t sender = 0;
        std::uint32_t frame = 0;
        std::int64_t start_ns = 0;
        vec2 sender_pos;
        std::vector<std::uint32_t> receivers; // capacity kept across reuse
    };

    double reach(double radius) const;
    static constexpr std::uint32_t sense_only = 0x80000000u; // receivers[]: sensed, not decodable
    std::uint32_t head_frame(std::uint32_t n) const { return _queue[std::size_t(n) * _qcap + _mac[n].head]; }
    void start_access(std::uint32_t n, std::int64_t after_ns);
    void start_tx(std::uint32_t n);
    void tx_end(std::uint32_t id);
    void finish(std::uint32_t n, frame_outcome o);
    void drop_frame(std::uint32_t sender, std::uint32_t frame, frame_outcome o);
    void rebin();
    void check_receivers(const tx_record& r);
    std::int64_t airtime_ns(std::uint32_t bytes) const;

    const scenario& _sc;
    mobility& _mob;
    event_queue& _q;
    medium_host& _host;
    rng _loss_rng, _mac_rng;
    spatial_grid _grid;
    buffer_pool _frames{max_frame_bytes};
    std::vector<frame_meta> _meta;
    std::vector<mac> _mac;
    std::vector<std::uint32_t> _queue; // per node ring of _qcap frame ids
    std::uint32_t _qcap;
    std::vector<tx_record> _tx;
    std::vector<std::uint32_t> _tx_free;
    std::vector<std::uint32_t> _ok;    // scratch: clean receivers of one transmission
    std::vector<vec2> _positions;      // scratch: rebin
    std::int64_t _now = 0;
    std::int64_t _last_rebin = 0;
    double _range, _range2, _cs;
    std::int64_t _slot_ns, _sifs_ns, _difs_ns, _ack_ns;
    bool _promiscuous;
    medium_stats _stats;
};

} // namespace babe::sim
