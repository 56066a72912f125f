// SPDX-License-Identifier: Apache-2.0
// babe0 through rtnetlink (libmnl; see local_link.hh): create or reuse the
// veth pair, set MTU, ARP off, up, the node address and the mesh route.
#include "daemon/local_link.hh"

#include "core/ipv4.hh"
#include "core/sysctl.hh"
#include "core/unique_fd.hh"
#include "dataplane/ipv4_conf.hh"
#include "dataplane/netlink.hh"
#include "dataplane/queues.hh"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <array>

namespace babe::daemon {

namespace {

using dataplane::nl_request;

void check(int rc, const std::string& what)
{
    if (rc < 0)
        throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(-rc)));
}

void set_link(std::uint32_t ifindex, unsigned flags, unsigned change, std::uint32_t mtu)
{
    nl_request m(RTM_NEWLINK, 0);
    auto* ifi = m.put_header<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(ifindex);
    ifi->ifi_flags = flags;
    ifi->ifi_change = change;
    if (mtu)
        mnl_attr_put_u32(m.nlh(), IFLA_MTU, mtu);
    check(m.talk(), fmt::format("setting up interface {}", ifindex));
}

// `queues` RX/TX queues on both ends: the engine runs one shard per queue
// (dataplane/queues.hh), and a frame sent out of babe0 arrives on babe0p's
// queue of the index its flow picked.
void create_veth(const std::string& name, const std::string& peer, std::uint32_t mtu,
                 std::uint32_t queues)
{
    nl_request m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    m.put_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
    nlmsghdr* nlh = m.nlh();
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, queues);
    mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, queues);
    auto* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    auto* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    auto* peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    // VETH_INFO_PEER carries an ifinfomsg of its own before the attributes.
    static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)))->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer.c_str());
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, queues);
    mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, queues);
    mnl_attr_nest_end(nlh, peer_nest);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    check(m.talk(), fmt::format("creating veth pair {} <-> {}", name, peer));
}

void add_address(std::uint32_t ifindex, std::uint32_t addr_host)
{
    nl_request m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
    auto* ifa = m.put_header<ifaddrmsg>();
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 32;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = ifindex;
    std::uint32_t a = htonl(addr_host);
    mnl_attr_put(m.nlh(), IFA_LOCAL, 4, &a);
    mnl_attr_put(m.nlh(), IFA_ADDRESS, 4, &a);
    check(m.talk(), fmt::format("adding {}/32", ipv4_address::from_host(addr_host).to_string()));
}

void add_route(std::uint32_t ifindex, std::uint32_t prefix_host, int len, std::uint32_t src_host)
{
    nl_request m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    auto* rt = m.put_header<rtmsg>();
    rt->rtm_family = AF_INET;
    rt->rtm_dst_len = static_cast<unsigned char>(len);
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_STATIC;
    rt->rtm_scope = RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
    std::uint32_t dst = htonl(prefix_host), src = htonl(src_host);
    mnl_attr_put(m.nlh(), RTA_DST, 4, &dst);
    mnl_attr_put_u32(m.nlh(), RTA_OIF, ifindex);
    mnl_attr_put(m.nlh(), RTA_PREFSRC, 4, &src);
    check(m.talk(), fmt::format("routing {}/{} into interface {}",
                                  ipv4_address::from_host(prefix_host).to_string(), len, ifindex));
}

std::array<std::uint8_t, 6> read_mac(const std::string& ifname)
{
    std::array<std::uint8_t, 6> mac{};
    unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return mac;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), SIOCGIFHWADDR, &ifr) == 0)
        std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    return mac;
}

// Loose reverse-path filtering on `ifname`: the kernel applies max(all,
// iface), so 0 or 2 in effect is fine as it is (nothing written), and
// strict (1) is loosened by writing 2 on the interface: through /proc/sys,
// or through rtnetlink where /proc/sys is read-only (a container with
// CAP_NET_ADMIN). When both fail, the warning names the key to set.
void loosen_rp_filter(const std::string& ifname)
{
    auto all = sysctl::read_int(sysctl::ipv4_conf("all", "rp_filter")).value_or(0);
    if (!sysctl::read_int(sysctl::ipv4_conf(ifname, "rp_filter")))
        return; // no such interface: the engine names it when it attaches
    auto r = dataplane::ensure_ipv4_conf(
        ifname, dataplane::ipv4_setting::rp_filter, [all](int cur) { return std::max(all, cur) != 1; }, 2);
    using how = dataplane::ipv4_conf_result::how;
    if (r.what == how::netlink)
        spdlog::info("{}: {}=2 set through rtnetlink (/proc/sys is read-only)", ifname, r.key);
    else if (r.what == how::failed)
        spdlog::warn("{}: reverse-path filtering is strict ({}={}, net.ipv4.conf.all.rp_filter={}) and cannot "
                     "be loosened ({}): mesh traffic may be dropped; set {}=2",
                     ifname, r.key, r.before ? std::to_string(*r.before) : "unreadable", all, r.error, r.key);
}

void delete_link(std::uint32_t ifindex)
{
    nl_request m(RTM_DELLINK, 0);
    auto* ifi = m.put_header<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = static_cast<int>(ifindex);
    check(m.talk(), fmt::format("deleting interface {}", ifindex));
}

// A reused pair (an earlier run, other mesh interfaces or engine.shards)
// brought to `queues` queues; false when the kernel refuses (more queues
// than the pair was created with, or no ethtool channels on veth before
// Linux 5.14). Shrinking goes babe0 first, growing babe0p first: veth
// refuses to give babe0 more TX queues than babe0p, whose XDP program
// stays attached across a restart, has RX queues.
bool fit_queues(const config::babed_config& cfg, std::uint32_t queues)
{
    auto have = dataplane::rx_queue_count(cfg.local_peer);
    if (have == queues)
        return true;
    const std::string& first = have > queues ? cfg.local_interface : cfg.local_peer;
    const std::string& second = have > queues ? cfg.local_peer : cfg.local_interface;
    int rc = dataplane::set_queue_count(first, queues);
    if (rc == 0)
        rc = dataplane::set_queue_count(second, queues);
    if (rc == 0) {
        spdlog::info("{}: {} queue(s) instead of {}, one per engine shard", cfg.local_interface, queues, have);
        return true;
    }
    spdlog::warn("{}: cannot change its {} queue(s) to {} ({}): created again", cfg.local_interface, have, queues,
                 std::strerror(-rc));
    return false;
}

} // namespace

local_link setup_local_link(const config::babed_config& cfg)
{
    local_link l;
    auto local = ::if_nametoindex(cfg.local_interface.c_str());
    auto peer = ::if_nametoindex(cfg.local_peer.c_str());
    if (local && !peer)
        throw std::runtime_error(fmt::format("{} exists but its peer {} does not: remove it (ip link del {})",
                                             cfg.local_interface, cfg.local_peer, cfg.local_interface));
    // As many queues as the engine will bind AF_XDP shards: a frame on a
    // queue without a socket would be dropped (xdp_no_xsk).
    auto queues = static_cast<std::uint32_t>(dataplane::xsk_shard_count(cfg.shards, cfg.mesh_interfaces));
    if (local && peer && !fit_queues(cfg, queues)) {
        delete_link(local); // takes its peer with it
        local = peer = 0;
    }
    if (!local) {
        if (peer)
            throw std::runtime_error(fmt::format("{} exists without {}: remove it (ip link del {})", cfg.local_peer,
                                                 cfg.local_interface, cfg.local_peer));
        create_veth(cfg.local_interface, cfg.local_peer, cfg.local_mtu, queues);
        l.created = true;
        local = ::if_nametoindex(cfg.local_interface.c_str());
        peer = ::if_nametoindex(cfg.local_peer.c_str());
        if (!local || !peer)
            throw std::runtime_error("the veth pair vanished right after its creation");
    }
    set_link(local, IFF_UP | IFF_NOARP, IFF_UP | IFF_NOARP, cfg.local_mtu);
    set_link(peer, IFF_UP, IFF_UP, cfg.local_mtu);
    add_address(local, cfg.node_address);
    add_route(local, cfg.mesh_prefix, cfg.mesh_prefix_len, cfg.node_address);
    loosen_rp_filter(cfg.local_interface);
    for (const auto& i : cfg.mesh_interfaces)
        loosen_rp_filter(i);
    l.local_ifindex = local;
    l.peer_ifindex = peer;
    l.local_mac = read_mac(cfg.local_interface);
    return l;
}

} // namespace babe::daemon
