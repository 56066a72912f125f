// SPDX-License-Identifier: Apache-2.0
// An interface's RX/TX queues and the number of AF_XDP shards they allow.
// An AF_XDP socket takes only frames of the queue it is bound to, so every
// queue a frame can arrive on needs a socket: the engine runs one shard per
// queue that every port has, and babe0's pair must have exactly that many
// queues (a frame the host sends out of babe0 arrives on babe0p's queue of
// the same index, chosen per flow). daemon/local_link sizes babe0 with
// xsk_shard_count before the engine binds its sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace babe::dataplane {

// RX queues the kernel currently uses on `ifname` (/sys/class/net); 1 when
// unreadable.
std::size_t rx_queue_count(const std::string& ifname);

// The AF_XDP shard count: `shards` (engine.shards; 0 = one per online CPU)
// bounded by the RX queues of every mesh interface and by the XSKMAP's
// slots per interface; at least 1.
std::size_t xsk_shard_count(std::uint32_t shards, const std::vector<std::string>& mesh_interfaces);

// Sets the RX and TX queues the kernel uses on `ifname` (ethtool channels;
// veth has them since Linux 5.14, up to the count it was created with).
// 0 or a negative errno.
int set_queue_count(const std::string& ifname, std::uint32_t queues);

} // namespace babe::dataplane
