// SPDX-License-Identifier: Apache-2.0
// AF_XDP sockets on a real veth pair between two namespaces: UDP frames that
// our XDP program redirects arrive on the socket with their bytes intact, and
// frames the socket transmits (addresses and ports swapped, no copy: the same
// UMEM frame) reach a normal UDP socket on the other side.
#include "afxdp/socket.hh"
#include "babe_xsk_redirect.skel.h"
#include "lib/netns.hh"

#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

namespace {

using namespace babe;
using babe::testing::netns_set;
using babe::testing::scoped_netns;
using babe::testing::sh;

struct skel_deleter {
    void operator()(babe_xsk_redirect* s) const { babe_xsk_redirect::destroy(s); }
};

TEST(AfXdp, ReceivesRedirectedFramesAndTransmitsReplies)
{
    netns_set ns;
    ns.add("babe-xsk-a");
    ns.add("babe-xsk-b");
    sh("ip link add xa netns babe-xsk-a type veth peer name xb netns babe-xsk-b");
    sh("ip -n babe-xsk-a addr add 10.98.0.1/24 dev xa && ip -n babe-xsk-a link set xa up");
    sh("ip -n babe-xsk-b addr add 10.98.0.2/24 dev xb && ip -n babe-xsk-b link set xb up");

    std::unique_ptr<babe_xsk_redirect, skel_deleter> skel;
    std::unique_ptr<afxdp::umem> mem;
    std::unique_ptr<afxdp::socket> sock;
    {
        scoped_netns in_b("babe-xsk-b");
        skel.reset(babe_xsk_redirect::open_and_load());
        ASSERT_TRUE(skel);
        int ifindex = static_cast<int>(if_nametoindex("xb"));
        ASSERT_GT(ifindex, 0);
        ASSERT_EQ(bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.babe_xsk_redirect), 0, nullptr), 0);
        mem = std::make_unique<afxdp::umem>(afxdp::umem_config{.frame_count = 256, .ring_size = 64});
        sock = std::make_unique<afxdp::socket>(
            *mem, afxdp::socket_config{.ifname = "xb", .queue = 0, .ring_size = 64});
        sock->register_in(bpf_map__fd(skel->maps.xsk_redirect_xsks));
    }
    EXPECT_LT(mem->free_frames(), 256U) << "fill ring was not stocked";

    // One UDP socket in a sends from port 4001 and receives the echo.
    int reply_fd = -1;
    {
        scoped_netns in_a("babe-xsk-a");
        int tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        reply_fd = tx;
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_port = htons(4001);
        ASSERT_EQ(bind(tx, reinterpret_cast<sockaddr*>(&src), sizeof(src)), 0);
        timeval tv{2, 0};
        setsockopt(tx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_port = htons(5000);
        inet_pton(AF_INET, "10.98.0.2", &dst.sin_addr);
        const char msg[] = "babe-afxdp";
        for (int i = 0; i < 3; ++i) // the first may wait on ARP
            ASSERT_EQ(sendto(tx, msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)),
                      static_cast<ssize_t>(sizeof(msg)));
    }

    std::array<afxdp::rx_frame, 16> frames{};
    std::size_t got = 0;
    pollfd p{sock->fd(), POLLIN, 0};
    for (int tries = 0; tries < 40 && got == 0; ++tries) {
        poll(&p, 1, 50);
        got = sock->receive(frames);
    }
    ASSERT_GT(got, 0U) << "no frame reached the AF_XDP socket";
    auto f = frames[0];
    std::byte* d = mem->data(f.addr);
    auto* eth = reinterpret_cast<ethhdr*>(d);
    auto* ip = reinterpret_cast<iphdr*>(d + sizeof(ethhdr));
    auto* udp = reinterpret_cast<udphdr*>(d + sizeof(ethhdr) + sizeof(iphdr));
    ASSERT_EQ(ip->protocol, IPPROTO_UDP);
    EXPECT_EQ(ntohs(udp->dest), 5000);
    EXPECT_EQ(std::memcmp(d + sizeof(ethhdr) + sizeof(iphdr) + sizeof(udphdr), "babe-afxdp", 10), 0);

    // Echo in place: swap MACs, addresses and ports (the IPv4 checksum stays
    // valid). The sender's UDP checksum was left partial for offload on veth,
    // so clear it (no checksum is legal for UDP over IPv4).
    std::array<unsigned char, ETH_ALEN> mac{};
    std::memcpy(mac.data(), eth->h_source, ETH_ALEN);
    std::memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    std::memcpy(eth->h_dest, mac.data(), ETH_ALEN);
    std::swap(ip->saddr, ip->daddr);
    std::swap(udp->source, udp->dest);
    udp->check = 0;
    ASSERT_TRUE(sock->transmit(f.addr, f.len));
    sock->flush();
    for (std::size_t i = 1; i < got; ++i)
        mem->release(frames[i].addr);

    char buf[64] = {};
    ssize_t n = -1;
    {
        scoped_netns in_a("babe-xsk-a");
        n = recv(reply_fd, buf, sizeof(buf), 0);
    }
    for (int i = 0; i < 10; ++i)
        sock->reap();
    EXPECT_EQ(n, 11);
    EXPECT_STREQ(buf, "babe-afxdp");
    auto st = sock->stats();
    EXPECT_GE(st.rx_packets, 1U);
    EXPECT_EQ(st.tx_packets, 1U);
    EXPECT_EQ(st.rx_invalid_descs, 0U);
    close(reply_fd);
}

} // namespace
