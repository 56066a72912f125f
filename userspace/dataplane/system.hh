// SPDX-License-Identifier: Apache-2.0
// The operating-system facts the loader and babe-dpctl depend on, each with a
// typed error: bpffs present at a pin path (optionally mounting it, which is
// what a process started by `ip netns exec` needs since that command
// remounts /sys), entering a named network namespace (so that ifindexes and
// XDP attachments are the namespace's while the pins stay in the caller's
// bpffs), interface index and MAC lookups, IPv4 and MAC parsing.
#pragma once

#include "dataplane/error.hh"
#include "dataplane/map_access.hh"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace babe::dataplane {

using mac_addr = std::array<std::uint8_t, 6>;

// Checks that `pin_path` (or its nearest existing ancestor) is on bpffs and
// creates the pin directory. With mount_if_missing, mounts a bpffs instance
// on /sys/fs/bpf first when the pin path lies below it and none is mounted.
dp_result<void> prepare_pin_path(const std::string& pin_path, bool mount_if_missing);

// True when `path` itself is on a bpffs mount.
bool is_on_bpffs(const std::string& path);

// setns(CLONE_NEWNET) into /run/netns/<name> (or a path when it contains '/').
// Only the network namespace changes: the mount namespace, hence bpffs, stays.
dp_result<void> enter_netns(const std::string& name);

dp_result<std::uint32_t> find_ifindex(const std::string& ifname);
dp_result<mac_addr> find_mac(const std::string& ifname);

// core's ipv4_address::parse, in the maps' network order and with the error
// dpctl and the packet generator print.
dp_result<be32> parse_ipv4(std::string_view text);
dp_result<mac_addr> parse_mac(std::string_view text);
std::string format_mac(const std::uint8_t* mac);

} // namespace babe::dataplane
