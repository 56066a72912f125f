// SPDX-License-Identifier: Apache-2.0
// OS helpers of the data plane: bpffs, netns, interfaces, address parsing.
#include "dataplane/system.hh"

#include "core/ipv4.hh"
#include "core/unique_fd.hh"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace babe::dataplane {

namespace fs = std::filesystem;

bool is_on_bpffs(const std::string& path)
{
    struct statfs st{};
    return statfs(path.c_str(), &st) == 0 && st.f_type == static_cast<long>(BPF_FS_MAGIC);
}

dp_result<void> prepare_pin_path(const std::string& pin_path, bool mount_if_missing)
{
    if (pin_path.empty() || pin_path[0] != '/')
        return make_dp_error(errc::invalid_argument,
                             fmt::format("pin path '{}' must be absolute", pin_path));
    // The nearest existing ancestor decides which filesystem the pins land on.
    fs::path p{pin_path};
    std::error_code ec;
    while (!fs::exists(p, ec) && p.has_parent_path() && p != p.parent_path())
        p = p.parent_path();
    if (!is_on_bpffs(p.string()) && mount_if_missing &&
        pin_path.rfind("/sys/fs/bpf", 0) == 0) {
        std::error_code mk;
        fs::create_directories("/sys/fs/bpf", mk);
        if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
            return make_dp_error(errc_from_errno(errno) == errc::no_privileges
                                     ? errc::no_privileges
                                     : errc::no_bpffs,
                                 fmt::format("cannot mount bpffs on /sys/fs/bpf: {}",
                                             std::strerror(errno)));
        p = fs::path{"/sys/fs/bpf"};
    }
    if (!is_on_bpffs(p.string()))
        return make_dp_error(
            errc::no_bpffs,
            fmt::format("pin path {} is not on a bpffs mount ({} is not bpffs): mount one "
                        "with `mount -t bpf bpf /sys/fs/bpf`; under `ip netns exec` /sys is "
                        "remounted without it: use --netns instead, or --mount-bpffs",
                        pin_path, p.string()));
    fs::create_directories(pin_path, ec);
    if (ec)
        return make_dp_error(errc_from_errno(ec.value()),
                             fmt::format("cannot create {}: {}", pin_path, ec.message()));
    return {};
}

dp_result<void> enter_netns(const std::string& name)
{
    std::string path = name.find('/') == std::string::npos ? "/run/netns/" + name : name;
    unique_fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return make_dp_error(errno == ENOENT ? errc::no_netns : errc_from_errno(errno),
                             fmt::format("network namespace {}: {}", path,
                                         std::strerror(errno)));
    int rc = setns(fd.get(), CLONE_NEWNET);
    int err = errno;
    if (rc != 0)
        return make_dp_error(errc_from_errno(err),
                             fmt::format("setns {}: {}", path, std::strerror(err)));
    return {};
}

dp_result<std::uint32_t> find_ifindex(const std::string& ifname)
{
    unsigned idx = if_nametoindex(ifname.c_str());
    if (idx == 0)
        return make_dp_error(errc::no_interface,
                             fmt::format("no interface {} in this network namespace",
                                         ifname));
    return static_cast<std::uint32_t>(idx);
}

dp_result<mac_addr> find_mac(const std::string& ifname)
{
    if (ifname.size() >= IFNAMSIZ)
        return make_dp_error(errc::no_interface, fmt::format("interface name {} too long", ifname));
    unique_fd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return make_dp_error(errc::system, fmt::format("socket: {}", std::strerror(errno)));
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
    int rc = ioctl(fd.get(), SIOCGIFHWADDR, &ifr);
    int err = errno;
    if (rc != 0)
        return make_dp_error(err == ENODEV ? errc::no_interface : errc_from_errno(err),
                             fmt::format("MAC of {}: {}", ifname, std::strerror(err)));
    mac_addr mac{};
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

dp_result<be32> parse_ipv4(std::string_view text)
{
    auto a = ipv4_address::parse(text);
    if (!a)
        return make_dp_error(errc::invalid_argument,
                             fmt::format("not an IPv4 address: '{}'", text));
    return a->network();
}

dp_result<mac_addr> parse_mac(std::string_view text)
{
    mac_addr mac{};
    if (text.size() != 17)
        return make_dp_error(errc::invalid_argument,
                             fmt::format("not a MAC address: '{}'", std::string{text}));
    for (std::size_t i = 0; i < 6; ++i) {
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9')
                return c - '0';
            if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
            if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
            return -1;
        };
        int hi = hex(text[i * 3]);
        int lo = hex(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':'))
            return make_dp_error(errc::invalid_argument,
                                 fmt::format("not a MAC address: '{}'", std::string{text}));
        mac[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return mac;
}

std::string format_mac(const std::uint8_t* mac)
{
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2],
                       mac[3], mac[4], mac[5]);
}

} // namespace babe::dataplane
