// SPDX-License-Identifier: Apache-2.0
// The configuration of babed, the node daemon: what /etc/babe/babe.yaml may
// say, with defaults, bounds and validation. The node's addresses and
// interfaces, the XDP mode and pin path, the shard count, every RFC 4728
// constant of the DSR core (dsr::config), the metrics and control endpoints
// and the log level. Read through the strict schema of yaml_reader.hh, so an
// unknown key or a bad value is an error naming file, line and key. The same
// key table renders the effective configuration (`babectl config show`) and
// decides what a SIGHUP reload may change without a restart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <babe/maps.h>

#include "config/yaml_reader.hh"
#include "dsr/config.hh"

namespace babe::config {

inline constexpr const char* default_config_path = "/etc/babe/babe.yaml";
inline constexpr const char* default_control_socket = "/run/babe/babe.sock";
// Loopback only; the port lies outside 9100-9999 (node_exporter and friends).
inline constexpr const char* default_metrics_listen = "127.0.0.1:8477";

// The DSR core's defaults (link_min_lifetime too: the engine keeps the routes
// XDP uses alive through touch_route, from the kernel's "used" marks), except:
// - maint_holdoff_time = 100 ms (RFC 250 ms) and maint_ack_timeout = 20 ms
//   (the core's 500 ms): the engine confirms next hops from the kernel's
//   "heard" stamps at no cost and probes a next hop only when it carries
//   traffic and has been quiet for the holdoff, so these two bound how long
//   a silently failed link goes unnoticed (holdoff + 3 probe timeouts with
//   MaxMaintRexmt 2) and cost nothing on an idle mesh (babe.yaml(5)).
inline dsr::config babed_dsr_defaults()
{
    dsr::config c = dsr::default_config();
    c.maint_holdoff_time = 100ms;
    c.maint_ack_timeout = 20ms;
    // The reliable transport's segments are recovered on every hop (the
    // first link no longer carries every end-to-end retransmission); Acks
    // repeat the ids asked before, and each hop keeps up to 256 packets.
    c.hop_reliable_next_header = BABE_NEXT_HEADER_TRANSPORT;
    c.ack_redundancy = 4;
    c.rexmt_buffer_size = 256;
    return c;
}

struct babed_config {
    // node / mesh
    std::uint32_t node_address = 0;           // host byte order
    std::vector<std::string> mesh_interfaces; // at least one
    std::uint32_t mesh_prefix = 0;            // host byte order, masked
    int mesh_prefix_len = 0;

    // local: the veth pair the host routes the mesh prefix into
    std::string local_interface = "babe0";    // host side: node address /32, mesh route
    std::string local_peer = "babe0p";        // peer side: babe_local_egress runs here
    std::uint32_t local_mtu = 1400;           // bytes; leaves room for a DSR header

    // data plane
    std::string xdp_mode = "auto";            // auto | native | generic
    std::string pin_path = "/sys/fs/bpf/babe";
    std::uint32_t shards = 0;                 // 0 = one per online CPU
    // Packet I/O: afxdp (XDP programs + AF_XDP sockets), afpacket (no XDP:
    // raw AF_PACKET sockets, the whole data path in the engine), auto (afxdp,
    // or afpacket when XDP cannot be attached or AF_XDP sockets not opened).
    std::string backend = "auto";
    // The time slice each shard thread asks the scheduler for (µs; EEVDF
    // custom slices, Linux >= 6.12, which clamps it to 100..100000): a woken
    // shard with a short slice preempts the running task. 0: the kernel's.
    std::uint32_t sched_slice_us = 100;
    // The CPUs the shards are pinned to, as a list ("0-3,6"): shard k runs
    // on the k-th CPU of the list (round robin). "": shard k on CPU k.
    std::string shard_cpus;

    // the DSR core, every RFC 4728 §9 constant included
    dsr::config dsr = babed_dsr_defaults();

    // endpoints
    std::string metrics_listen = default_metrics_listen; // "" disables
    std::string control_socket = default_control_socket;
    std::string control_group;                // group owning the socket ("" = root's)
    std::uint32_t control_max_clients = 16;
    std::uint32_t monitor_queue = 256;        // events queued per monitor subscriber

    std::string log_level = "info";           // trace debug info warn error critical off

    std::string source;                       // the file it was read from (not a key)
};

// Reads and validates `path`, applying "key=value" overrides. Throws
// config_exception (what(): "FILE:LINE: KEY: message") on the first problem:
// unknown key, bad value, missing required key (node.address,
// mesh.interfaces, mesh.prefix), node address outside the mesh prefix,
// inconsistent DSR bounds.
babed_config load_babed_config(const std::string& path,
                               const std::vector<std::string>& overrides = {});
// The same from text (`name` stands for the file name in errors).
babed_config parse_babed_config(const std::string& text, const std::string& name,
                                const std::vector<std::string>& overrides = {});

// A CPU list ("0-3,6": CPUs and inclusive ranges, each below 1024), in
// order, or nullopt when it does not parse. "" gives an empty list.
std::optional<std::vector<unsigned>> parse_cpu_list(const std::string& text);

// Every key with its effective value as text, in schema order.
std::vector<std::pair<std::string, std::string>> show_babed_config(const babed_config& c);

// The keys whose change needs a restart of babed (addresses, interfaces,
// pin path, shards, control socket); everything else a SIGHUP applies.
bool needs_restart(const std::string& key);

// What a reload from `current` to `next` does: `applied` is the config to
// run with (next, with restart-only keys kept at their current values),
// `changed` the keys that change now, `need_restart` those left unchanged
// until a restart.
struct reload_plan {
    babed_config applied;
    std::vector<std::string> changed;
    std::vector<std::string> need_restart;
};
reload_plan plan_reload(const babed_config& current, const babed_config& next);

} // namespace babe::config
