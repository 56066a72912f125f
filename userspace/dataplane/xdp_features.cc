// SPDX-License-Identifier: Apache-2.0
// netdev_family over libmnl and plan_attach_mode (see xdp_features.hh).
#include "dataplane/xdp_features.hh"

#include "dataplane/netdev_genl.hh"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <sys/socket.h>

#include <array>
#include <utility>
#include <cerrno>
#include <cstring>

namespace babe::dataplane {

namespace {

constexpr std::size_t buffer_size = 8192;

mnl_socket* open_generic(int flags)
{
    mnl_socket* nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | flags);
    if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        mnl_socket_close(nl);
        return nullptr;
    }
    return nl;
}

nlmsghdr* put_request(char* buf, std::uint16_t type, std::uint8_t cmd, std::uint32_t seq)
{
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    g->cmd = cmd;
    g->version = 1;
    return nlh;
}

// Sends the request and runs cb on each answer until the ack; 0 or -errno.
int transact(mnl_socket* nl, nlmsghdr* nlh, char* buf, mnl_cb_t cb, void* data)
{
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    const std::uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
    for (;;) {
        auto n = mnl_socket_recvfrom(nl, buf, buffer_size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        int r = mnl_cb_run(buf, static_cast<std::size_t>(n), seq, portid, cb, data);
        if (r == MNL_CB_ERROR)
            return -errno;
        if (r == MNL_CB_STOP)
            return 0;
    }
}

struct family_info {
    std::uint16_t id = 0;
    std::uint32_t mgmt_group = 0;
};

// libmnl's attribute loops are C macros over void*: its parse callbacks instead.
int mcast_group_attr(const nlattr* a, void* data)
{
    auto& g = *static_cast<std::pair<const char*, std::uint32_t>*>(data);
    if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
        g.first = mnl_attr_get_str(a);
    else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
        g.second = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

int mcast_groups_attr(const nlattr* a, void* data)
{
    auto& out = *static_cast<family_info*>(data);
    std::pair<const char*, std::uint32_t> g{nullptr, 0};
    mnl_attr_parse_nested(a, mcast_group_attr, &g);
    if (g.first && std::strcmp(g.first, netdev_genl::mcgrp_mgmt) == 0)
        out.mgmt_group = g.second;
    return MNL_CB_OK;
}

int family_attr(const nlattr* a, void* data)
{
    auto& out = *static_cast<family_info*>(data);
    if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
        out.id = mnl_attr_get_u16(a);
    else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
        mnl_attr_parse_nested(a, mcast_groups_attr, data);
    return MNL_CB_OK;
}

int family_cb(const nlmsghdr* nlh, void* data) { return mnl_attr_parse(nlh, sizeof(genlmsghdr), family_attr, data); }

int dev_attr(const nlattr* a, void* data)
{
    auto& out = *static_cast<std::optional<std::uint64_t>*>(data);
    if (mnl_attr_get_type(a) == netdev_genl::a_dev_xdp_features && mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
        out = mnl_attr_get_u64(a);
    return MNL_CB_OK;
}

int dev_cb(const nlmsghdr* nlh, void* data) { return mnl_attr_parse(nlh, sizeof(genlmsghdr), dev_attr, data); }

} // namespace

struct netdev_family::sockets {
    mnl_socket* query = nullptr;
    mnl_socket* notify = nullptr;
    std::array<char, buffer_size> buf{};
    ~sockets()
    {
        if (query)
            mnl_socket_close(query);
        if (notify)
            mnl_socket_close(notify);
    }
};

netdev_family::~netdev_family() = default;

std::unique_ptr<netdev_family> netdev_family::open(std::string& why)
{
    std::unique_ptr<netdev_family> f{new netdev_family()};
    f->_s = std::make_unique<sockets>();
    f->_s->query = open_generic(0);
    if (!f->_s->query) {
        why = fmt::format("generic netlink: {}", std::strerror(errno));
        return nullptr;
    }
    char* buf = f->_s->buf.data();
    nlmsghdr* nlh = put_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, ++f->_seq);
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, netdev_genl::family_name);
    family_info info;
    if (int rc = transact(f->_s->query, nlh, buf, family_cb, &info); rc < 0 || info.id == 0) {
        why = rc == -ENOENT || rc == 0 ? "this kernel has no netdev generic-netlink family (Linux 6.3 or later has)"
                                       : fmt::format("netdev family: {}", std::strerror(-rc));
        return nullptr;
    }
    f->_family_id = info.id;
    f->_mgmt_group = info.mgmt_group;
    return f;
}

std::optional<std::uint64_t> netdev_family::xdp_features(std::uint32_t ifindex)
{
    char* buf = _s->buf.data();
    nlmsghdr* nlh = put_request(buf, _family_id, netdev_genl::cmd_dev_get, ++_seq);
    mnl_attr_put_u32(nlh, netdev_genl::a_dev_ifindex, ifindex);
    std::optional<std::uint64_t> features;
    if (transact(_s->query, nlh, buf, dev_cb, &features) < 0)
        return std::nullopt;
    return features;
}

bool netdev_family::subscribe()
{
    if (_s->notify)
        return true;
    if (_mgmt_group == 0)
        return false;
    _s->notify = open_generic(SOCK_NONBLOCK);
    if (!_s->notify)
        return false;
    int group = static_cast<int>(_mgmt_group);
    if (mnl_socket_setsockopt(_s->notify, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
        mnl_socket_close(_s->notify);
        _s->notify = nullptr;
        return false;
    }
    return true;
}

int netdev_family::notify_fd() const { return _s->notify ? mnl_socket_get_fd(_s->notify) : -1; }

bool netdev_family::drain_notifications()
{
    bool any = false;
    if (!_s->notify)
        return false;
    // Only that something changed matters: the caller queries again.
    while (mnl_socket_recvfrom(_s->notify, _s->buf.data(), _s->buf.size()) > 0)
        any = true;
    return any;
}

attach_plan plan_attach_mode(xdp_mode requested, const std::vector<redirect_target>& targets)
{
    attach_plan plan;
    plan.mode = requested;
    for (const auto& t : targets)
        if (t.xdp_features && !(*t.xdp_features & netdev_genl::xdp_act_ndo_xmit))
            plan.not_native_targets.push_back(t.ifname);
    if (plan.not_native_targets.empty() || requested == xdp_mode::generic)
        return plan;
    std::string names;
    for (const auto& n : plan.not_native_targets)
        names += (names.empty() ? "" : ", ") + n;
    const bool one = plan.not_native_targets.size() == 1;
    if (requested == xdp_mode::automatic) {
        plan.mode = xdp_mode::generic;
        plan.reason = fmt::format("generic XDP on every interface: {} {} no natively redirected frames (no "
                                  "ndo-xmit among the XDP features the kernel publishes: a veth whose peer runs "
                                  "no NAPI, a Wi-Fi driver), and any interface may redirect into {}",
                                  names, one ? "takes" : "take", one ? "it" : "them");
    } else {
        plan.warn = true;
        plan.reason = fmt::format("xdp.mode native: {} {} no natively redirected frames (no ndo-xmit among "
                                  "its XDP features): every frame XDP forwards there is dropped (counted as "
                                  "xdp_xmit_drops); xdp.mode auto would run generic",
                                  names, one ? "takes" : "take");
    }
    return plan;
}

} // namespace babe::dataplane
