// SPDX-License-Identifier: Apache-2.0
// babe_mesh_ingress hands control traffic to the engine through the XSKMAP:
// on a real veth pair between two namespaces, a Route Request sent into one
// end must arrive, byte for byte, on an AF_XDP socket (userspace/afxdp)
// bound to the other end's queue, registered in `xsks` at the slot that
// `xsk_slots` gives the interface; a plain IPv4 packet must not.
#include "afxdp/socket.hh"
#include "lib/netns.hh"
#include "xdp_harness.hh"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

namespace babe::test {
namespace {

using babe::testing::netns_set;
using babe::testing::scoped_netns;
using babe::testing::sh;

mac read_mac(const std::string& ifname)
{
    std::ifstream f("/sys/class/net/" + ifname + "/address");
    std::string s;
    f >> s;
    mac m{};
    unsigned v[6] = {};
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6)
        for (int i = 0; i < 6; ++i)
            m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v[i]);
    return m;
}

// Sends one raw frame out of ifname (in the calling thread's namespace).
void send_raw(const std::string& ifname, const bytes& frame)
{
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    sll.sll_halen = ETH_ALEN;
    ASSERT_EQ(sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)),
              static_cast<ssize_t>(frame.size()));
    close(fd);
}

// Waits up to ~2 s for frames; returns the first one's bytes (empty if none).
bytes receive_one(afxdp::socket& sock, afxdp::umem& mem, int tries = 40)
{
    std::array<afxdp::rx_frame, 8> frames{};
    pollfd p{sock.fd(), POLLIN, 0};
    for (int i = 0; i < tries; ++i) {
        poll(&p, 1, 50);
        std::size_t got = sock.receive(frames);
        if (got == 0)
            continue;
        auto* d = reinterpret_cast<const std::uint8_t*>(mem.data(frames[0].addr));
        bytes out(d, d + frames[0].len);
        for (std::size_t k = 0; k < got; ++k)
            mem.release(frames[k].addr);
        sock.reap();
        return out;
    }
    return {};
}

TEST(XdpXsk, RouteRequestReachesBoundSocket)
{
    netns_set ns;
    ns.add("babe-xdpx-a");
    ns.add("babe-xdpx-b");
    sh("ip link add xxa netns babe-xdpx-a type veth peer name xxb netns babe-xdpx-b");
    sh("ip -n babe-xdpx-a link set xxa up");
    sh("ip -n babe-xdpx-b link set xxb up");

    xdp_harness h;
    std::unique_ptr<afxdp::umem> mem;
    std::unique_ptr<afxdp::socket> sock;
    mac b_mac{};
    {
        scoped_netns in_b("babe-xdpx-b");
        ASSERT_TRUE(h.load());
        auto ifindex = if_nametoindex("xxb");
        ASSERT_GT(ifindex, 0U);
        b_mac = read_mac("xxb");
        // Give xxb the slot block starting at 8 (not 0: the lookup must matter).
        std::uint32_t first = BABE_XSK_QUEUES_PER_IF;
        ASSERT_EQ(bpf_map_update_elem(bpf_map__fd(h.skel()->maps.xsk_slots), &ifindex, &first, BPF_ANY), 0);
        ASSERT_EQ(bpf_xdp_attach(static_cast<int>(ifindex), h.ingress_fd(), 0, nullptr), 0);
        mem = std::make_unique<afxdp::umem>(afxdp::umem_config{.frame_count = 256, .ring_size = 64});
        sock = std::make_unique<afxdp::socket>(
            *mem, afxdp::socket_config{.ifname = "xxb", .queue = 0, .ring_size = 64});
        sock->register_in(bpf_map__fd(h.skel()->maps.xsks), first + 0);
    }
    auto before = h.all_stats();

    // A Route Request from A for E, flooded (broadcast IPv4 and Ethernet).
    const mac bcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    bytes rreq = dsr_frame(bcast, node_mac(1), {.src = addr(0, 1), .dst = htonl(0xffffffff)},
                           BABE_NEXT_HEADER_NONE, rreq_option(7, addr(0, 5), {}), {});
    {
        scoped_netns in_a("babe-xdpx-a");
        send_raw("xxa", rreq);
    }
    bytes got = receive_one(*sock, *mem);
    ASSERT_FALSE(got.empty()) << "the Route Request did not reach the AF_XDP socket";
    EXPECT_EQ(got, rreq) << "the engine gets the frame unchanged";
    auto after = h.all_stats();
    EXPECT_EQ(after[BABE_STAT_TO_ENGINE] - before[BABE_STAT_TO_ENGINE], 1U);
    EXPECT_EQ(after[BABE_STAT_ENGINE_CONTROL] - before[BABE_STAT_ENGINE_CONTROL], 1U);
    EXPECT_EQ(after[BABE_STAT_NO_XSK] - before[BABE_STAT_NO_XSK], 0U);

    // Plain IPv4 (not DSR) is passed to the stack, never to the socket.
    bytes udp = ip_frame(b_mac, node_mac(1), {.src = addr(0, 1), .dst = addr(0, 2)}, udp_payload());
    {
        scoped_netns in_a("babe-xdpx-a");
        send_raw("xxa", udp);
    }
    EXPECT_TRUE(receive_one(*sock, *mem, 6).empty()) << "a non-DSR packet reached the socket";
    auto last = h.all_stats();
    EXPECT_GE(last[BABE_STAT_PASS_OTHER] - after[BABE_STAT_PASS_OTHER], 1U);
    EXPECT_GE(sock->stats().rx_packets, 1U);
    EXPECT_EQ(sock->stats().rx_invalid_descs, 0U);
}

}  // namespace
}  // namespace babe::test
