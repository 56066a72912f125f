// SPDX-License-Identifier: Apache-2.0
// One engine shard: the per-core loop body that joins a packet_io backend,
// the sans-IO DSR core and the data plane's maps. Each turn receives a burst
// of frames (misses and control packets the XDP programs sent up, or every
// DSR frame with the AF_PACKET fallback), feeds them to the core by handle
// (the frame is the buffer: no copy), writes the frames the core asks for
// (control packets into fresh frames, data packets by prepending the new
// headers in the frame's headroom), and turns the core's events into map
// writes (routes, neighbours) so the next packets stay in the kernel. All
// state is owned by the shard's thread; nothing here blocks or allocates per
// packet (shard_test counts allocations).
#pragma once

#include "dataplane/map_access.hh"
#include "dsr/node.hh"
#include "engine/neighbour_table.hh"
#include "engine/packet_io.hh"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace babe::engine {

// The most ports (mesh interfaces and babe0's peer) an engine serves.
inline constexpr std::size_t max_ports = 32;

struct port_info {
    std::string name;
    std::uint32_t ifindex = 0;
    mac_addr mac{};      // our MAC on this port
    bool local = false;  // the babe0 peer (host traffic), not a mesh link
};

struct shard_config {
    dsr::config dsr;
    dsr::addr self = dsr::no_addr;
    std::uint64_t seed = 1;
    std::vector<port_info> ports;          // indexed by port_id (= DSR link_id for mesh ports)
    mac_addr host_mac{};                   // babe0's MAC: destination of frames delivered up
    duration heard_poll_interval = 50ms;   // how often kernel last-heard stamps are read
    duration heard_poll_busy_interval = 10ms; // the same while a neighbour carries traffic
    // XDP marks the routes it sends packets on (babe_route.used_epoch); every
    // route_scan_interval this shard advances the epoch, finds the routes
    // marked in the one that ended and calls touch_route for them on its own
    // core and, through the bus, on the others' (0: no scan; the engine
    // turns it on for shard 0 in XDP mode).
    duration route_scan_interval = 0s;
    std::uint32_t route_scan_capacity = 4096; // used routes listed per scan (the rest counted)
    std::uint32_t neighbour_capacity = 1024; // power of two
};

// Counters of the shard itself (the core has its own: node().stats()), in
// the order `babectl stats` and /metrics list them (engine_<name>).
#define BABE_SHARD_COUNTERS(X)                                                                     \
    X(rx_frames)                                                                                   \
    X(rx_short)             /* shorter than Ethernet + IPv4 */                                     \
    X(rx_not_ipv4)                                                                                 \
    X(tx_control)                                                                                  \
    X(tx_data)                                                                                     \
    X(tx_backpressure)      /* the backend refused a frame (ring full) */                          \
    X(no_frame)             /* no free frame for a control packet */                               \
    X(no_headroom)          /* new headers did not fit before the payload */                       \
    X(unknown_mac)          /* unicast to a neighbour whose MAC is unknown: broadcast */           \
    X(delivered_local)      /* packets handed up to the host through babe0 */                      \
    X(neighbours_learned)                                                                          \
    X(neighbours_full)                                                                             \
    X(map_write_errors)                                                                            \
    X(routes_installed)                                                                            \
    X(routes_removed)                                                                              \
    X(probes)               /* Ack Request probes of quiet neighbours carrying traffic */          \
    X(route_scans)          /* scans of the routes map for XDP's "used" marks */                   \
    X(routes_used)          /* routes found used by XDP (touched in every core) */                 \
    X(routes_used_unlisted) /* found used beyond route_scan_capacity (not touched) */              \
    X(transport_rx)         /* transport segments handed to the transport */                       \
    X(transport_no_hook)    /* transport segments dropped: no transport attached */

struct shard_counters {
#define BABE_SHARD_COUNTER_FIELD(name) std::uint64_t name = 0;
    BABE_SHARD_COUNTERS(BABE_SHARD_COUNTER_FIELD)
#undef BABE_SHARD_COUNTER_FIELD
};

// Receives every event of the core after the shard has acted on it (control
// socket, monitor, metrics). Called on the shard's thread: must not block.
class event_sink {
public:
    virtual ~event_sink() = default;
    virtual void on_event(const dsr::event& e) = 0;
};

// How a shard reaches its sibling shards (engine.cc): DSR control packets
// addressed to this node (Route Reply, Route Error, Acknowledgement, with no
// payload) are copied to every other shard's core, so that a reply or an
// acknowledgement that RSS steered to another queue still completes the
// discovery or maintenance of the shard that started it. Called on the
// shard's thread; must not block (a full ring is counted backpressure).
class shard_bus {
public:
    virtual ~shard_bus() = default;
    virtual void replicate(port_id port, dsr::addr prev_hop, std::span<const std::byte> ip_packet) = 0;
    // XDP sent packets on the route to `dst` (found by shard 0's scan): the
    // other shards' cores keep it alive too (node::touch_route).
    virtual void route_used(dsr::addr /*dst*/) {}
};

// The reliable transport's attachment to a shard (engine/transport_service.hh
// on the owner shard; a forwarder to the owner on the others): DSR payloads
// for this node with Next Header BABE_NEXT_HEADER_TRANSPORT go to it with
// their frame, and it gets a turn in every poll() and a say in the deadline.
class transport_hook {
public:
    virtual ~transport_hook() = default;
    // A segment from `from` in `frame` (one reference, now the hook's):
    // `seg` points into the frame's bytes.
    virtual void segment(time_point now, dsr::addr from, frame_addr frame, std::span<const std::byte> seg) = 0;
    // Route Discovery for `dst` failed on this shard's core.
    virtual void unreachable(time_point /*now*/, dsr::addr /*dst*/) {}
    // Timers, sockets and transmissions; returns the work done.
    virtual std::size_t poll(time_point /*now*/) { return 0; }
    virtual std::optional<time_point> deadline() const { return std::nullopt; }
};

class shard {
public:
    shard(const shard_config& cfg, packet_io& io, dataplane::map_access& maps,
          event_sink* sink = nullptr, shard_bus* bus = nullptr);

    // One turn: receive a burst, feed the core, run due timers, transmit.
    // Returns the number of frames and events handled (0 = idle turn).
    std::size_t poll(time_point now);
    // When poll() next has timer work to do.
    std::optional<time_point> next_deadline() const;

    // A control packet another shard received (see shard_bus): the core
    // learns from it as if it had arrived here. No handle: no payload.
    void receive_replica(time_point now, port_id port, dsr::addr prev_hop,
                         std::span<const std::byte> ip_packet);
    // Another shard's Route Maintenance gave up on `neighbour`.
    void remote_neighbour_lost(time_point now, dsr::addr neighbour);

    // A mesh port lost its carrier: every neighbour learned on it is gone
    // (§8.3.4 at once, no retransmissions) and leaves the kernel's map.
    void port_down(time_point now, port_id port);
    // The carrier is back: probe the neighbours last seen on the port, so a
    // restored link is confirmed and used again without waiting for traffic.
    void port_up(time_point now, port_id port);

    // Attach the transport (null: segments for this node are dropped, counted).
    void set_transport(transport_hook* t) { _transport = t; }
    // A locally originated IPv4 packet at ip_start (ip_len bytes) in one of
    // this shard's frames (one reference, the core's from now on): into the
    // DSR core as if babe0 had sent it. ip_start must leave headroom for the
    // Ethernet and DSR headers before its payload.
    void originate(time_point now, frame_addr ip_start, std::uint32_t ip_len, bool hop_recovery = true);
    packet_io& io() { return _io; }

    // SIGHUP: new DSR constants for the running core, with the engine's own
    // settings kept (no link-layer feedback, release on transmit).
    bool reconfigure(const dsr::config& next);

    dsr::node& core() { return _node; }
    const dsr::node& core() const { return _node; }
    const shard_counters& counters() const { return _counters; }
    const shard_config& config() const { return _cfg; }
    neighbour_table& neighbours() { return _neighbours; }

private:
    struct frame_meta {
        frame_addr addr = 0; // Ethernet header
        std::uint32_t len = 0;
        port_id port = 0;
    };

    void receive_frame(time_point now, const rx_frame& f);
    void learn_neighbour(dsr::addr ip, port_id port, const std::uint8_t* mac);
    void poll_heard(time_point now);
    void scan_used_routes(time_point now);
    std::size_t drain(time_point now);
    void send_control(const dsr::transmit& t);
    void send_data(const dsr::transmit& t);
    void handle_event(const dsr::event& e);
    void deliver_local(const dsr::event& e);
    void deliver_transport(const dsr::event& e);
    // Where a unicast to next_hop goes: the neighbour's port and MAC if known.
    port_id port_for(dsr::addr next_hop, port_id fallback, const std::uint8_t*& mac);
    void write_eth(std::byte* at, const std::uint8_t* dst, port_id port);

    shard_config _cfg;
    packet_io& _io;
    dataplane::map_access& _maps;
    event_sink* _sink;
    shard_bus* _bus;
    transport_hook* _transport = nullptr;
    dsr::node _node;
    neighbour_table _neighbours;
    std::unique_ptr<frame_meta[]> _meta; // by frame index = packet_handle id
    std::vector<port_id> _mesh_ports;
    std::optional<port_id> _local_port;
    time_point _next_heard_poll{};
    time_point _next_route_scan{};
    std::vector<dataplane::be32> _used_routes; // scan_used_routes' list (allocated once)
    std::int64_t _now_ns = 0; // the time of the call being handled (for event handling)
    std::uint32_t _route_generation = 0;
    static constexpr std::size_t rx_burst_backpressure = 8;
    bool _backpressure = false; // the last turn had a transmission refused
    shard_counters _counters;
    alignas(64) std::array<std::byte, 2048> _out{};
    dsr::transmit _tx; // drain()'s current transmission (filled in place by the core)
    // A turn's received frames: a member, so that no turn clears 1 KiB of
    // descriptors it is about to overwrite (that memset was a fifth of the
    // turn's own cost).
    std::array<rx_frame, 64> _burst;
};

} // namespace babe::engine
