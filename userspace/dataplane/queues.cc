// SPDX-License-Identifier: Apache-2.0
#include "dataplane/queues.hh"

#include "core/unique_fd.hh"

#include <babe/maps.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace babe::dataplane {

std::size_t rx_queue_count(const std::string& ifname)
{
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& d :
         std::filesystem::directory_iterator("/sys/class/net/" + ifname + "/queues", ec))
        if (d.path().filename().string().rfind("rx-", 0) == 0)
            ++n;
    return n ? n : 1;
}

std::size_t xsk_shard_count(std::uint32_t shards, const std::vector<std::string>& mesh_interfaces)
{
    std::size_t n = shards ? shards : std::max(1u, std::thread::hardware_concurrency());
    for (const auto& name : mesh_interfaces)
        n = std::min(n, rx_queue_count(name));
    return std::clamp<std::size_t>(n, 1, BABE_XSK_QUEUES_PER_IF);
}

int set_queue_count(const std::string& ifname, std::uint32_t queues)
{
    unique_fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return -errno;
    ethtool_channels ch{};
    ch.cmd = ETHTOOL_GCHANNELS;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ifr.ifr_data = reinterpret_cast<char*>(&ch);
    if (::ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0)
        return -errno;
    ch.cmd = ETHTOOL_SCHANNELS;
    ch.rx_count = queues;
    ch.tx_count = queues;
    ch.combined_count = 0;
    if (::ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0)
        return -errno;
    return 0;
}

} // namespace babe::dataplane
