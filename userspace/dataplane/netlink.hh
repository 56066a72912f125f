// SPDX-License-Identifier: Apache-2.0
// One rtnetlink request (NETLINK_ROUTE), built with libmnl and sent on its
// own socket, the kernel's acknowledgement awaited. babe0's set-up
// (daemon/local_link) and interface IPv4 settings (ipv4_conf) use it; both
// need CAP_NET_ADMIN only, not a writable /proc/sys.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <array>
#include <cstdint>

namespace babe::dataplane {

// One rtnetlink request, built with libmnl and sent on its own socket; the
// kernel's acknowledgement is awaited (NLM_F_ACK).
class nl_request {
public:
    nl_request(std::uint16_t type, std::uint16_t flags) : _nlh(mnl_nlmsg_put_header(_buf.data()))
    {
        _nlh->nlmsg_type = type;
        _nlh->nlmsg_flags = static_cast<std::uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
        _nlh->nlmsg_seq = 1;
    }
    template <class T>
    T* put_header()
    {
        return static_cast<T*>(mnl_nlmsg_put_extra_header(_nlh, sizeof(T)));
    }
    nlmsghdr* nlh() { return _nlh; }

    // 0 or a negative errno.
    int talk();

private:
    std::array<char, 8192> _buf{}; // MNL_SOCKET_BUFFER_SIZE is not a constant
    nlmsghdr* _nlh;
};

} // namespace babe::dataplane
