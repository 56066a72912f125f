// SPDX-License-Identifier: Apache-2.0
// What the running engine answers, as a plain C++ interface (part of the
// engine's API, api.hh): the engine implements `control_service`; the control
// server (control/server.hh) turns socket requests into calls on it, the
// metrics collector scrapes it, and tests use control/fake_service.hh. Plain
// structs of std types, no JSON: the wire protocol is control/'s business.
//
// Threads: callers call a control_service from their own threads. An engine
// whose state lives on its shard threads does not lock anything: it wraps
// its implementation in a mailbox_service (mailbox.hh), which posts each call
// into a bounded mailbox that the engine drains from its loop, so the
// implementation's methods only ever run on the engine's thread. Events go
// the other way through an event_hub (event_hub.hh) that the engine
// publishes into from any thread and that monitor clients subscribe to.
#pragma once

#include "core/unique_fd.hh"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace babe::engine {

class event_hub;

using ipv4 = std::uint32_t; // host byte order

struct status_info {
    std::string version;
    ipv4 node_address = 0;
    std::string mesh_prefix;                  // "a.b.c.d/len"
    std::vector<std::string> mesh_interfaces;
    std::string local_interface;
    std::string xdp_mode;                     // as attached: "native", "generic"
    std::uint32_t shards = 0;
    std::int64_t uptime_ms = 0;
    bool maps_reused = false;                 // started on maps pinned by an earlier run
    std::uint64_t routes = 0;                 // cached routes (all shards)
    std::uint64_t neighbours = 0;
    std::uint64_t discoveries_running = 0;
    std::uint64_t send_buffer = 0;            // packets waiting for a route
};

struct route_info {
    ipv4 dst = 0;
    std::vector<ipv4> hops;                   // intermediate nodes, in order; empty = neighbour
    std::int64_t age_ms = 0;                  // since it was learned or last confirmed
    std::int64_t expires_ms = -1;             // until RouteCacheTimeout; -1 = no expiry known
    bool installed = false;                   // present in the kernel's routes map
};

struct neighbour_info {
    ipv4 addr = 0;
    std::string iface;
    std::array<std::uint8_t, 6> mac{};
    std::int64_t last_heard_ms = -1;          // ago; -1 = never heard
};

enum class sample_type : std::uint8_t { counter, gauge };

struct sample_label {
    std::string name;
    std::string value;
};

// One figure of stats(), under two names. `name` is flat, for `babectl
// stats` ("dsr_rreq_originated", "engine_rx_frames", "io_m1_rx_packets",
// "xdp_drop_no_room_packets"...: the prefix says where it comes from). The
// typed sample is for /metrics: the family, its type, the labels, and the
// factor to the family's base unit (busy_ns counts ns: 1e-9 to seconds). A
// figure with no family is named only (the metrics collector maps such names
// by their prefix; the engine types every figure it gives).
struct counter {
    counter() = default;
    counter(std::string n, std::uint64_t v) : name(std::move(n)), value(v) {}
    counter(std::string n, std::uint64_t v, std::string f, sample_type t, std::vector<sample_label> l = {},
            double s = 1)
        : name(std::move(n)), value(v), family(std::move(f)), type(t), labels(std::move(l)), scale(s)
    {
    }

    std::string name;
    std::uint64_t value = 0;
    std::string family;                        // e.g. "babe_afxdp_rx_packets_total"; empty: untyped
    sample_type type = sample_type::counter;
    std::vector<sample_label> labels;          // e.g. {interface, mesh_q1}, {queue, 0}
    double scale = 1;
};

// A latency distribution the engine keeps (for /metrics): bucket upper
// bounds in seconds (ascending, +Inf implied), counts per bucket (not
// cumulative; one more than bounds: the last is +Inf), sum in seconds.
struct histogram_info {
    std::string name;                         // e.g. "discovery_seconds"
    std::string help;
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> counts;
    double sum = 0;
};

struct discover_result {
    bool ok = false;
    route_info route;                         // when ok
    std::int64_t latency_us = 0;              // from the request to the answer
    std::string reason;                       // when !ok: "timeout", "no route", "engine stopped"...
};

// What `babectl monitor` streams. Kinds are filterable by name.
enum class event_kind : std::uint8_t {
    route_added,
    route_changed,
    route_removed,
    link_broken,
    discovery_started,
    discovery_done,
    discovery_failed,
    rreq_sent,
    rreq_received,
    rrep_sent,
    rrep_received,
    rerr_sent,
    rerr_received,
    neighbour_added,
    neighbour_lost,
    drop,
};
inline constexpr int event_kind_count = 16;

const char* to_string(event_kind k);
std::optional<event_kind> parse_event_kind(const std::string& s);

struct event {
    event_kind kind = event_kind::route_added;
    std::int64_t time_ms = 0;                 // wall clock (ms since the epoch); 0 = stamp at publish
    ipv4 dst = 0;                             // route_*, discovery_*, rreq/rrep: target
    ipv4 from = 0, to = 0;                    // link_broken; rreq/rrep/rerr: sender / receiver
    std::vector<ipv4> hops;                   // route_added/changed, discovery_done, rrep
    std::int64_t latency_us = 0;              // discovery_done
    std::string detail;                       // drop reason, failure reason, interface...
};

// What a stream's client reads besides the data chunks: the engine says what
// happened (typed), the control layer says how it is written on the socket
// (control/stream_text.hh: JSON lines). Called on the engine's thread, once
// per session event (not per segment).
class stream_text {
public:
    virtual ~stream_text() = default;
    // send: connected to (peer, port); recv: a peer connected from (peer, port).
    virtual std::string connected(ipv4 peer, std::uint16_t port) const = 0;
    virtual std::string accepted(ipv4 peer, std::uint16_t port) const = 0;
    // The stream ended well: `bytes` acknowledged (send) or delivered (recv).
    virtual std::string sent(std::uint64_t bytes) const = 0;
    virtual std::string received(std::uint64_t bytes) const = 0;
    // The stream failed: a code (unreachable, reset, timed_out, refused,
    // aborted, busy) and a message for the user.
    virtual std::string failed(std::string_view code, std::string_view message) const = 0;
};

// babectl send / recv: a byte stream over the reliable transport.
struct stream_request {
    bool send = true;        // send: connect to (peer, port); recv: accept on port
    ipv4 peer = 0;
    std::uint16_t port = 0;
    const stream_text* text = nullptr; // how the session's lines are written; outlives the session
};

// The node as the control socket sees it. Every method but discover()
// answers synchronously; none may block for long (the control server calls
// them with a time limit when they run behind a mailbox_service).
class control_service {
public:
    virtual ~control_service() = default;

    virtual status_info status() = 0;
    virtual std::vector<route_info> routes() = 0;
    virtual std::vector<neighbour_info> neighbours() = 0;
    // DSR core counters (summed over shards) + engine counters + XDP counters.
    virtual std::vector<counter> stats() = 0;
    // Latency histograms (route discovery, repair); none by default.
    virtual std::vector<histogram_info> histograms() { return {}; }
    // Start a Route Discovery for `target` now (even with a route cached) and
    // call `done` exactly once when a route arrives or the discovery fails,
    // from any thread. The caller (the control server) applies its own
    // timeout and ignores a late answer.
    virtual void discover(ipv4 target, std::function<void(discover_result)> done) = 0;
    // Drop every cached route (DSR caches and the kernel's routes map).
    // Returns how many routes were dropped.
    virtual std::uint64_t flush() = 0;
    // Take over a client's socket `fd` for a transport stream: from then on
    // the implementation writes the data chunks and r.text's lines on it and
    // closes it. Owns `fd` in every case (closes it on failure) and throws
    // with a message for the client when it cannot take the stream.
    virtual void open_stream(const stream_request& /*r*/, int fd)
    {
        unique_fd owned(fd);
        throw std::runtime_error("this node has no reliable transport");
    }
    // Where events are published; monitor clients subscribe here. Must
    // outlive every call into the service.
    virtual event_hub& events() = 0;
};

} // namespace babe::engine
