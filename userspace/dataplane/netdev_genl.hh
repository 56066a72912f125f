// SPDX-License-Identifier: Apache-2.0
// The few constants of the kernel's `netdev` generic-netlink family that
// Babe reads (an interface's XDP features), from the Linux uapi header
// include/uapi/linux/netdev.h as of Linux 6.3, where the family appeared.
// Debian 12's linux-libc-dev (6.1) has no such header, and its libbpf 1.1
// no feature_flags in bpf_xdp_query: the values are ABI and never change.
#pragma once

#include <cstdint>

namespace babe::dataplane::netdev_genl {

inline constexpr const char* family_name = "netdev";
inline constexpr const char* mcgrp_mgmt = "mgmt"; // dev-add/del/change notifications

// enum netdev_xdp_act (bits of xdp-features)
inline constexpr std::uint64_t xdp_act_basic = 1;
inline constexpr std::uint64_t xdp_act_redirect = 2;
inline constexpr std::uint64_t xdp_act_ndo_xmit = 4; // can be a native redirect target
inline constexpr std::uint64_t xdp_act_xsk_zerocopy = 8;

// attributes of a dev object
inline constexpr std::uint16_t a_dev_ifindex = 1;      // u32
inline constexpr std::uint16_t a_dev_xdp_features = 3; // u64, netdev_xdp_act bits

// commands
inline constexpr std::uint8_t cmd_dev_get = 1;
inline constexpr std::uint8_t cmd_dev_add_ntf = 2;
inline constexpr std::uint8_t cmd_dev_del_ntf = 3;
inline constexpr std::uint8_t cmd_dev_change_ntf = 4;

} // namespace babe::dataplane::netdev_genl
