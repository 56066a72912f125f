// SPDX-License-Identifier: Apache-2.0
// Interface IPv4 settings through /proc/sys or rtnetlink (see ipv4_conf.hh).
#include "dataplane/ipv4_conf.hh"

#include "core/sysctl.hh"
#include "dataplane/netlink.hh"

#include <linux/if_link.h>
#include <linux/ip.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace babe::dataplane {

namespace {

const char* name_of(ipv4_setting s) { return s == ipv4_setting::rp_filter ? "rp_filter" : "forwarding"; }

int devconf_id(ipv4_setting s)
{
    return s == ipv4_setting::rp_filter ? IPV4_DEVCONF_RP_FILTER : IPV4_DEVCONF_FORWARDING;
}

} // namespace

int set_ipv4_conf_netlink(const std::string& ifname, ipv4_setting s, int value)
{
    auto ifindex = ::if_nametoindex(ifname.c_str());
    if (!ifindex)
        return -ENODEV;
    nl_request m(RTM_NEWLINK, 0);
    auto* ifi = m.put_header<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(ifindex);
    nlmsghdr* nlh = m.nlh();
    auto* spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    auto* inet = mnl_attr_nest_start(nlh, AF_INET);
    auto* conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
    mnl_attr_put_u32(nlh, static_cast<std::uint16_t>(devconf_id(s)), static_cast<std::uint32_t>(value));
    mnl_attr_nest_end(nlh, conf);
    mnl_attr_nest_end(nlh, inet);
    mnl_attr_nest_end(nlh, spec);
    return m.talk();
}

ipv4_conf_result ensure_ipv4_conf(const std::string& ifname, ipv4_setting s,
                                  const std::function<bool(int)>& acceptable, int wanted)
{
    auto k = sysctl::ipv4_conf(ifname, name_of(s));
    ipv4_conf_result r;
    r.key = k.name;
    auto w = sysctl::ensure(k, acceptable, wanted);
    r.before = w.before;
    if (w.what == sysctl::outcome::already_set) {
        r.what = ipv4_conf_result::how::already_set;
        return r;
    }
    if (w.what == sysctl::outcome::written) {
        r.what = ipv4_conf_result::how::proc_sys;
        return r;
    }
    int rc = set_ipv4_conf_netlink(ifname, s, wanted);
    if (rc == 0 && sysctl::read_int(k) == wanted) {
        r.what = ipv4_conf_result::how::netlink;
        return r;
    }
    r.error = "/proc/sys: " + w.error + "; rtnetlink: " + (rc ? std::strerror(-rc) : "value did not change");
    return r;
}

} // namespace babe::dataplane
