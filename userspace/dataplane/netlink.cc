// SPDX-License-Identifier: Apache-2.0
// The request's exchange with the kernel (see netlink.hh).
#include "dataplane/netlink.hh"

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

namespace babe::dataplane {

int nl_request::talk()
{
    mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return -errno;
    int rc = 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 || mnl_socket_sendto(nl, _nlh, _nlh->nlmsg_len) < 0) {
        rc = -errno;
    } else {
        const unsigned portid = mnl_socket_get_portid(nl);
        for (;;) {
            auto n = mnl_socket_recvfrom(nl, _buf.data(), _buf.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = -errno;
                break;
            }
            // The ack is an NLMSG_ERROR (error 0 on success): libmnl's
            // callback turns it into -1 with errno set, or MNL_CB_STOP.
            int r = mnl_cb_run(_buf.data(), static_cast<std::size_t>(n), 1, portid, nullptr, nullptr);
            if (r == MNL_CB_ERROR) {
                rc = -errno;
                break;
            }
            if (r == MNL_CB_STOP)
                break;
        }
    }
    mnl_socket_close(nl);
    return rc;
}

} // namespace babe::dataplane
