// SPDX-License-Identifier: Apache-2.0
// babe0 through rtnetlink (see local_link.hh): create or reuse the veth pair,
// set MTU, ARP off, up, the node address and the mesh route.
#include "daemon/local_link.hh"

#include "core/ipv4.hh"
#include "core/sysctl.hh"

#include <fmt/format.h>
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
#include <thread>
#include <stdexcept>
#include <vector>

namespace babe::daemon {

namespace {

// A netlink request built attribute by attribute.
class nl_msg {
public:
    nl_msg(std::uint16_t type, std::uint16_t flags)
    {
        _buf.resize(NLMSG_HDRLEN);
        hdr()->nlmsg_type = type;
        hdr()->nlmsg_flags = static_cast<std::uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
        hdr()->nlmsg_len = NLMSG_HDRLEN;
    }
    template <class T>
    T* put_struct(const T& v)
    {
        auto off = _buf.size();
        append(&v, sizeof v);
        return reinterpret_cast<T*>(_buf.data() + off);
    }
    void put_attr(std::uint16_t type, const void* data, std::size_t len)
    {
        rtattr a{};
        a.rta_type = type;
        a.rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
        append(&a, sizeof a);
        append(data, len);
    }
    void put_str(std::uint16_t type, const std::string& s) { put_attr(type, s.c_str(), s.size() + 1); }
    void put_u32(std::uint16_t type, std::uint32_t v) { put_attr(type, &v, sizeof v); }
    std::size_t begin_nest(std::uint16_t type)
    {
        auto off = _buf.size();
        rtattr a{};
        a.rta_type = type;
        append(&a, sizeof a);
        return off;
    }
    void end_nest(std::size_t off)
    {
        reinterpret_cast<rtattr*>(_buf.data() + off)->rta_len = static_cast<unsigned short>(_buf.size() - off);
    }
    nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(_buf.data()); }
    const std::vector<char>& bytes() { return _buf; }

private:
    void append(const void* p, std::size_t n)
    {
        auto off = _buf.size();
        _buf.resize(off + NLMSG_ALIGN(n));
        std::memcpy(_buf.data() + off, p, n);
        hdr()->nlmsg_len = static_cast<std::uint32_t>(_buf.size());
    }
    std::vector<char> _buf;
};

// Sends `m` and waits for its ack; returns 0 or a negative errno.
int nl_talk(nl_msg& m)
{
    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    m.hdr()->nlmsg_seq = 1;
    const auto& b = m.bytes();
    if (::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
        int e = errno;
        ::close(fd);
        return -e;
    }
    char buf[8192];
    for (;;) {
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            ::close(fd);
            return -e;
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                auto* err = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h));
                ::close(fd);
                return err->error;
            }
        }
    }
}

void check(int rc, const std::string& what)
{
    if (rc < 0)
        throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(-rc)));
}

void set_link(std::uint32_t ifindex, unsigned flags, unsigned change, std::uint32_t mtu)
{
    nl_msg m(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = static_cast<int>(ifindex);
    ifi.ifi_flags = flags;
    ifi.ifi_change = change;
    m.put_struct(ifi);
    if (mtu)
        m.put_u32(IFLA_MTU, mtu);
    check(nl_talk(m), fmt::format("setting up interface {}", ifindex));
}

// `queues` RX/TX queues on both ends: the engine runs one shard per queue,
// and XDP on a veth picks the receive queue by the sending CPU.
void create_veth(const std::string& name, const std::string& peer, std::uint32_t mtu,
                 std::uint32_t queues)
{
    nl_msg m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    m.put_struct(ifi);
    m.put_str(IFLA_IFNAME, name);
    m.put_u32(IFLA_MTU, mtu);
    m.put_u32(IFLA_NUM_TX_QUEUES, queues);
    m.put_u32(IFLA_NUM_RX_QUEUES, queues);
    auto linkinfo = m.begin_nest(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "veth");
    auto data = m.begin_nest(IFLA_INFO_DATA);
    auto peer_nest = m.begin_nest(VETH_INFO_PEER);
    ifinfomsg pi{};
    pi.ifi_family = AF_UNSPEC;
    m.put_struct(pi);
    m.put_str(IFLA_IFNAME, peer);
    m.put_u32(IFLA_MTU, mtu);
    m.put_u32(IFLA_NUM_TX_QUEUES, queues);
    m.put_u32(IFLA_NUM_RX_QUEUES, queues);
    m.end_nest(peer_nest);
    m.end_nest(data);
    m.end_nest(linkinfo);
    check(nl_talk(m), fmt::format("creating veth pair {} <-> {}", name, peer));
}

void add_address(std::uint32_t ifindex, std::uint32_t addr_host)
{
    nl_msg m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = 32;
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_index = ifindex;
    m.put_struct(ifa);
    std::uint32_t a = htonl(addr_host);
    m.put_attr(IFA_LOCAL, &a, 4);
    m.put_attr(IFA_ADDRESS, &a, 4);
    check(nl_talk(m), fmt::format("adding {}/32", ipv4_address::from_host(addr_host).to_string()));
}

void add_route(std::uint32_t ifindex, std::uint32_t prefix_host, int len, std::uint32_t src_host)
{
    nl_msg m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    rt.rtm_dst_len = static_cast<unsigned char>(len);
    rt.rtm_table = RT_TABLE_MAIN;
    rt.rtm_protocol = RTPROT_STATIC;
    rt.rtm_scope = RT_SCOPE_LINK;
    rt.rtm_type = RTN_UNICAST;
    m.put_struct(rt);
    std::uint32_t dst = htonl(prefix_host), src = htonl(src_host);
    m.put_attr(RTA_DST, &dst, 4);
    m.put_u32(RTA_OIF, ifindex);
    m.put_attr(RTA_PREFSRC, &src, 4);
    check(nl_talk(m), fmt::format("routing {}/{} into interface {}",
                                  ipv4_address::from_host(prefix_host).to_string(), len, ifindex));
}

std::array<std::uint8_t, 6> read_mac(const std::string& ifname)
{
    std::array<std::uint8_t, 6> mac{};
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mac;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
        std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    ::close(fd);
    return mac;
}

// Loose reverse-path filtering on `ifname`: the kernel applies max(all,
// iface), so 0 or 2 in effect is fine as it is (nothing written: /proc/sys
// may be read-only, as in a container whose init container set it), and
// strict (1) is loosened by writing 2 on the interface. When that write
// fails, the warning names the key to set.
void loosen_rp_filter(const std::string& ifname)
{
    auto all = sysctl::read_int(sysctl::ipv4_conf("all", "rp_filter")).value_or(0);
    auto k = sysctl::ipv4_conf(ifname, "rp_filter");
    if (!sysctl::read_int(k))
        return; // no such interface: the engine names it when it attaches
    auto r = sysctl::ensure(k, [all](int cur) { return std::max(all, cur) != 1; }, 2);
    if (r.what == sysctl::outcome::failed)
        spdlog::warn("{}: reverse-path filtering is strict ({}={}, net.ipv4.conf.all.rp_filter={}) and cannot "
                     "be loosened ({}): mesh traffic may be dropped; set {}=2",
                     ifname, k.name, r.before ? std::to_string(*r.before) : "unreadable", all, r.error, k.name);
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
    if (!local) {
        if (peer)
            throw std::runtime_error(fmt::format("{} exists without {}: remove it (ip link del {})", cfg.local_peer,
                                                 cfg.local_interface, cfg.local_peer));
        std::uint32_t queues = cfg.shards ? cfg.shards : std::max(1u, std::thread::hardware_concurrency());
        create_veth(cfg.local_interface, cfg.local_peer, cfg.local_mtu, std::min<std::uint32_t>(queues, 8));
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
