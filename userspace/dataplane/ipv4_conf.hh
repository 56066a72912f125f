// SPDX-License-Identifier: Apache-2.0
// An interface's IPv4 setting (net.ipv4.conf.<if>.rp_filter, .forwarding)
// made acceptable: read from /proc/sys and left alone when it already is;
// otherwise written through /proc/sys, or, where /proc/sys is read-only (an
// unprivileged container), through rtnetlink (RTM_NEWLINK with
// IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF), which needs CAP_NET_ADMIN only.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace babe::dataplane {

enum class ipv4_setting { rp_filter, forwarding };

struct ipv4_conf_result {
    enum class how { already_set, proc_sys, netlink, failed } what = how::failed;
    std::optional<int> before; // nullopt: no such interface or unreadable
    std::string key;           // "net.ipv4.conf.m1.rp_filter"
    std::string error;         // failed: both ways' errors
};

ipv4_conf_result ensure_ipv4_conf(const std::string& ifname, ipv4_setting s,
                                  const std::function<bool(int)>& acceptable, int wanted);

// Only the rtnetlink write (tests; ensure_ipv4_conf's fallback): 0 or -errno.
int set_ipv4_conf_netlink(const std::string& ifname, ipv4_setting s, int value);

} // namespace babe::dataplane
