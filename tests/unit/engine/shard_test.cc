// SPDX-License-Identifier: Apache-2.0
// Engine shards over in-memory packet I/O and in-memory maps, with the real
// DSR core: a chain of four nodes where a packet from node 0's host reaches
// node 3's host through Route Discovery, the route lands in node 0's route
// map and neighbours are learned from frames; and, once the route is known,
// the steady state allocates nothing per packet.
#include "dataplane/memory_maps.hh"
#include "engine/shard.hh"
#include "mem_io.hh"
#include "lib/alloc_counter.hh"

#include "dsr/codec/codec.hh"

#include <gtest/gtest.h>
#include <arpa/inet.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace babe::engine {
namespace {

using testing::mem_io;

constexpr std::size_t nodes = 4;
constexpr port_id local_port = 0, left_port = 1, right_port = 2;

dsr::addr node_addr(std::size_t i) { return 0x0a000001u + static_cast<dsr::addr>(i); }
mac_addr port_mac(std::size_t i, port_id p) { return {0x02, 0, 0, 0, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(p)}; }
mac_addr host_mac(std::size_t i) { return {0x02, 0xee, 0, 0, static_cast<std::uint8_t>(i), 0}; }

// A UDP packet from node `from`'s host to node `to`, as the host routes it into babe0.
std::vector<std::byte> host_packet(std::size_t from, std::size_t to, const char* text,
                                   dsr::codec::ipv4_fields ip = dsr::codec::ipv4_fields{})
{
    std::size_t payload = std::strlen(text);
    std::vector<std::byte> f(14 + 20 + 8 + payload);
    auto m = port_mac(from, local_port);
    auto h = host_mac(from);
    std::memcpy(f.data(), m.data(), 6);
    std::memcpy(f.data() + 6, h.data(), 6);
    f[12] = std::byte{0x08};
    ip.protocol = 17;
    ip.source = dsr::codec::ipv4_addr{node_addr(from)};
    ip.destination = dsr::codec::ipv4_addr{node_addr(to)};
    auto n = dsr::codec::encode_ipv4_header(std::span(f).subspan(14), ip,
                                            static_cast<std::uint16_t>(20 + 8 + payload));
    EXPECT_TRUE(n);
    std::byte* udp = f.data() + 34;
    udp[0] = std::byte{0x13}, udp[1] = std::byte{0x88}; // 5000
    udp[2] = std::byte{0x13}, udp[3] = std::byte{0x89}; // 5001
    udp[4] = std::byte{0}, udp[5] = std::byte{static_cast<std::uint8_t>(8 + payload)};
    std::memcpy(udp + 8, text, payload);
    return f;
}

struct chain {
    std::vector<std::unique_ptr<mem_io>> io;
    std::vector<std::unique_ptr<dataplane::memory_maps>> maps;
    std::vector<std::unique_ptr<shard>> shards;
    std::vector<std::vector<std::byte>> first_to_host; // per node: the first frame delivered up
    std::vector<std::size_t> to_host;                   // per node: frames delivered up
    bool record = false;                                // keep the frames that enter the last node (allocates)
    std::vector<std::vector<std::byte>> into_last;
    time_point now = time_from_ns(1'000'000'000);

    explicit chain(shard_bus* bus0 = nullptr, void (*tweak)(shard_config&, std::size_t) = nullptr)
    {
        to_host.resize(nodes);
        first_to_host.resize(nodes);
        for (std::size_t i = 0; i < nodes; ++i) {
            io.push_back(std::make_unique<mem_io>(3));
            maps.push_back(std::make_unique<dataplane::memory_maps>());
            shard_config cfg;
            cfg.dsr = dsr::config{};
            cfg.dsr.try_passive_acks = 0; // point-to-point wires: nothing is overheard
            cfg.self = node_addr(i);
            cfg.seed = 7 + i;
            cfg.host_mac = host_mac(i);
            cfg.ports = {port_info{"babe0p", 100, port_mac(i, local_port), true},
                         port_info{"left", 101, port_mac(i, left_port), false},
                         port_info{"right", 102, port_mac(i, right_port), false}};
            if (tweak)
                tweak(cfg, i);
            shards.push_back(std::make_unique<shard>(cfg, *io.back(), *maps.back(), nullptr,
                                                     i == 0 ? bus0 : nullptr));
        }
    }

    // Every node takes a turn; frames cross the wires; time moves by `step`.
    void step(duration step = 1ms)
    {
        for (std::size_t i = 0; i < nodes; ++i)
            shards[i]->poll(now);
        for (std::size_t i = 0; i < nodes; ++i) {
            auto& sent = io[i]->sent();
            while (!sent.empty()) {
                const auto& f = sent.front();
                if (f.port == local_port) {
                    if (to_host[i]++ == 0)
                        first_to_host[i].assign(f.bytes().begin(), f.bytes().end());
                } else if (f.port == right_port && i + 1 < nodes) {
                    io[i + 1]->inject(left_port, f.bytes());
                    if (record && i + 1 == nodes - 1)
                        into_last.emplace_back(f.bytes().begin(), f.bytes().end());
                } else if (f.port == left_port && i > 0) {
                    io[i - 1]->inject(right_port, f.bytes());
                }
                sent.pop_front();
            }
        }
        now += step;
    }

    bool run_until_delivered(std::size_t node, std::size_t count, duration limit)
    {
        for (auto end = now + limit; now < end;) {
            step();
            if (to_host[node] >= count)
                return true;
        }
        return false;
    }
};

TEST(Shard, DiscoversARouteAndDeliversAcrossAChain)
{
    chain c;
    auto pkt = host_packet(0, 3, "hello over dsr");
    ASSERT_TRUE(c.io[0]->inject(local_port, pkt));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s)) << "no packet reached node 3's host";

    const auto& f = c.first_to_host[3];
    auto hm = host_mac(3);
    ASSERT_GE(f.size(), 14U + 28U);
    EXPECT_EQ(std::memcmp(f.data(), hm.data(), 6), 0) << "delivered to babe0's MAC";
    auto ip = dsr::codec::parse_ipv4(std::span(f).subspan(14));
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->protocol(), 17) << "DSR header stripped, protocol restored";
    EXPECT_EQ(ip->source().value, node_addr(0));
    EXPECT_EQ(ip->destination().value, node_addr(3));
    EXPECT_TRUE(ip->checksum_ok());
    EXPECT_EQ(std::memcmp(f.data() + 14 + 28, "hello over dsr", 14), 0);

    // The route is in node 0's route map: intermediates 10.0.0.2, 10.0.0.3.
    auto r = c.maps[0]->find_route(htonl(node_addr(3)));
    ASSERT_TRUE(r && *r);
    ASSERT_EQ((*r)->n_hops, 2);
    EXPECT_EQ(ntohl((*r)->hops[0]), node_addr(1));
    EXPECT_EQ(ntohl((*r)->hops[1]), node_addr(2));
    // Node 1 learned node 0 on its left port with node 0's right-port MAC.
    auto n = c.maps[1]->find_neighbour(htonl(node_addr(0)));
    ASSERT_TRUE(n && *n);
    auto m = port_mac(0, right_port);
    EXPECT_EQ(std::memcmp((*n)->mac, m.data(), 6), 0);
    EXPECT_EQ((*n)->ifindex, 101U);
    EXPECT_GE(c.shards[0]->counters().routes_installed, 1U);
    EXPECT_EQ(c.shards[0]->counters().no_headroom, 0U);
}

// The header delivered up is the received one rebuilt by hand as the engine
// did before it used the codec's writer: its first 20 bytes moved up to the
// payload, version/IHL 0x45, protocol restored, Total Length and checksum
// recomputed; every other field kept byte for byte.
TEST(Shard, DeliveredHeaderIsTheReceivedOneRebuilt)
{
    chain c;
    c.record = true;
    dsr::codec::ipv4_fields ip;
    ip.tos = 0xb8;
    ip.id = 0xbeef;
    ip.ttl = 33;
    auto pkt = host_packet(0, 3, "fields kept", ip);
    ASSERT_TRUE(c.io[0]->inject(local_port, pkt));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s)) << "no packet reached node 3's host";

    const std::vector<std::byte>* in = nullptr;
    for (const auto& f : c.into_last) {
        auto p = dsr::codec::parse_ipv4_dsr(std::span(f).subspan(14));
        if (p && p->dsr.next_header() == 17)
            in = &f;
    }
    ASSERT_NE(in, nullptr) << "the data packet never entered node 3";
    std::array<std::byte, 20> want;
    std::memcpy(want.data(), in->data() + 14, 20);
    want[0] = std::byte{0x45};
    want[9] = std::byte{17};
    const std::size_t total = 20 + 8 + std::strlen("fields kept");
    want[2] = std::byte{static_cast<std::uint8_t>(total >> 8)};
    want[3] = std::byte{static_cast<std::uint8_t>(total)};
    want[10] = want[11] = std::byte{0};
    std::uint16_t sum = dsr::codec::ipv4_header_checksum(want);
    want[10] = std::byte{static_cast<std::uint8_t>(sum >> 8)};
    want[11] = std::byte{static_cast<std::uint8_t>(sum)};

    const auto& out = c.first_to_host[3];
    ASSERT_EQ(out.size(), 14 + total);
    EXPECT_EQ(std::memcmp(out.data() + 14, want.data(), 20), 0);
    // The host's TOS and ID crossed the chain (the originator's DSR core
    // does not carry the flags over).
    EXPECT_EQ(out[14 + 1], std::byte{0xb8});
    EXPECT_EQ(out[14 + 4], std::byte{0xbe});
    EXPECT_TRUE(dsr::codec::parse_ipv4(std::span(out).subspan(14))->checksum_ok());
}

TEST(Shard, SteadyStateAllocatesNothingPerPacket)
{
    chain c;
    auto pkt = host_packet(0, 3, "warm up");
    ASSERT_TRUE(c.io[0]->inject(local_port, pkt));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    for (int i = 0; i < 50; ++i) // let acknowledgements and timers settle
        c.step();
    constexpr std::size_t packets = 200;
    std::size_t delivered_before = c.to_host[3];
    std::uint64_t before = babe::testing::allocations();
    for (std::size_t i = 0; i < packets; ++i) {
        c.io[0]->inject(local_port, pkt);
        c.step();
    }
    for (int i = 0; i < 20; ++i)
        c.step();
    std::uint64_t after = babe::testing::allocations();
    EXPECT_EQ(c.to_host[3] - delivered_before, packets);
    EXPECT_EQ(after - before, 0U) << "heap allocations on the packet path";
    for (const auto& io : c.io)
        EXPECT_EQ(io->sent_overflow(), 0U);
}

TEST(Shard, FramesComeBackWhenTheCoreReleasesOnTransmit)
{
    // The core hands a sent data packet's frame back with its transmit
    // (release_on_transmit): no frame may leak or be freed twice, through
    // discovery, the send buffer and 200 packets of steady state.
    chain c;
    std::vector<std::uint32_t> free_at_start;
    for (const auto& io : c.io)
        free_at_start.push_back(io->frames().free_frames());
    auto pkt = host_packet(0, 3, "counted");
    ASSERT_TRUE(c.io[0]->inject(local_port, pkt));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    for (std::size_t i = 0; i < 200; ++i) {
        c.io[0]->inject(local_port, pkt);
        c.step();
    }
    for (int i = 0; i < 200; ++i) // acknowledgements, timers, maintenance entries
        c.step();
    EXPECT_EQ(c.to_host[3], 201U);
    for (std::size_t i = 0; i < nodes; ++i)
        EXPECT_EQ(c.io[i]->frames().free_frames(), free_at_start[i]) << "node " << i << " lost or doubled frames";
    EXPECT_TRUE(c.shards[0]->core().cfg().release_on_transmit);
}

TEST(Shard, ReloadKeepsTheEnginesOwnCoreSettings)
{
    // SIGHUP hands the shard babed's DSR constants; the engine's own
    // settings (no link-layer feedback on Ethernet, release on transmit)
    // must survive it.
    chain c;
    dsr::config next{};
    next.maint_holdoff_time = 250ms;
    ASSERT_TRUE(c.shards[0]->reconfigure(next));
    EXPECT_EQ(c.shards[0]->core().cfg().maint_holdoff_time, 250ms);
    EXPECT_FALSE(c.shards[0]->core().cfg().use_link_feedback);
    EXPECT_TRUE(c.shards[0]->core().cfg().release_on_transmit);
}

TEST(Shard, PortDownRemovesItsNeighboursAndTheirRoutes)
{
    chain c;
    auto pkt = host_packet(0, 3, "before");
    ASSERT_TRUE(c.io[0]->inject(local_port, pkt));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    auto n = c.maps[1]->find_neighbour(htonl(node_addr(2)));
    ASSERT_TRUE(n && *n);

    c.shards[1]->port_down(c.now, right_port);
    n = c.maps[1]->find_neighbour(htonl(node_addr(2)));
    ASSERT_TRUE(n);
    EXPECT_FALSE(*n) << "the neighbour left the kernel's map";
    EXPECT_GE(c.shards[1]->core().stats().maint_failures, 1U);
    EXPECT_FALSE(c.shards[1]->core().find_route(node_addr(3)));
    // The next packet over the broken link makes node 1 tell the source
    // (Route Error, §8.3.4); node 0 drops the route from its map.
    ASSERT_TRUE(c.io[0]->inject(local_port, host_packet(0, 3, "after")));
    for (int i = 0; i < 50; ++i)
        c.step();
    EXPECT_GE(c.shards[1]->core().stats().rerr_sent, 1U);
    auto r = c.maps[0]->find_route(htonl(node_addr(3)));
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "the source's route over the broken link is gone";
}

// Records what a shard hands to its siblings.
struct recording_bus final : shard_bus {
    std::vector<std::vector<std::byte>> packets;
    std::vector<dsr::addr> prev;
    std::vector<dsr::addr> used;
    void replicate(port_id, dsr::addr p, std::span<const std::byte> ip) override
    {
        packets.emplace_back(ip.begin(), ip.end());
        prev.push_back(p);
    }
    void route_used(dsr::addr dst) override { used.push_back(dst); }
};

// Node 0 scans for XDP's "used" marks once a second; links live 2 s unless
// refreshed. Traffic that XDP sends on a route never reaches the core: the
// marks (set here as local egress sets them) are what keeps the route.
void short_lived_links(shard_config& cfg, std::size_t i)
{
    cfg.dsr.link_min_lifetime = 2s;
    if (i == 0)
        cfg.route_scan_interval = 1s;
}

TEST(Shard, RoutesXdpMarksUsedDoNotExpire)
{
    recording_bus bus;
    chain c(&bus, short_lived_links);
    ASSERT_TRUE(c.io[0]->inject(local_port, host_packet(0, 3, "to 3")));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    const auto dst = htonl(node_addr(3));
    // 10 s of traffic in the kernel: a mark every 100 ms.
    for (int t = 0; t < 1000; ++t) {
        if (t % 10 == 0) {
            ASSERT_TRUE(c.maps[0]->mark_route_used(dst));
        }
        c.step(10ms);
    }
    EXPECT_TRUE(c.shards[0]->core().find_route(node_addr(3))) << "the route in use expired in the core";
    auto r = c.maps[0]->find_route(dst);
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r) << "the route in use left the kernel's map";
    EXPECT_GE(c.shards[0]->counters().route_scans, 9U);
    EXPECT_GE(c.shards[0]->counters().routes_used, 8U);
    EXPECT_EQ(c.shards[0]->counters().routes_used_unlisted, 0U);
    ASSERT_FALSE(bus.used.empty()) << "the other shards were not told";
    EXPECT_EQ(bus.used.front(), node_addr(3));
    EXPECT_EQ(c.shards[0]->counters().routes_removed, 0U);

    // No more marks (the traffic stopped): the route expires, once its links
    // have gone unused as long as they had been seen alive (~10 s here).
    for (int t = 0; t < 1500; ++t)
        c.step(10ms);
    EXPECT_FALSE(c.shards[0]->core().find_route(node_addr(3)));
    r = c.maps[0]->find_route(dst);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r) << "an unused route stays in the kernel's map";
}

TEST(Shard, WithoutMarksARouteOutlivesNotItsLinks)
{
    chain c(nullptr, short_lived_links);
    ASSERT_TRUE(c.io[0]->inject(local_port, host_packet(0, 3, "to 3")));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    for (int t = 0; t < 1000; ++t)
        c.step(10ms);
    EXPECT_FALSE(c.shards[0]->core().find_route(node_addr(3)));
    EXPECT_EQ(c.shards[0]->counters().routes_used, 0U);
    EXPECT_GE(c.shards[0]->counters().routes_removed, 1U);
}

TEST(Shard, RepliesForThisNodeGoToTheSiblingShardsWhichLearnFromThem)
{
    recording_bus bus;
    chain c(&bus);
    ASSERT_TRUE(c.io[0]->inject(local_port, host_packet(0, 3, "to 3")));
    ASSERT_TRUE(c.run_until_delivered(3, 1, 5s));
    ASSERT_FALSE(bus.packets.empty()) << "the Route Reply was not replicated";
    // Only control for this node with no payload: the data never is.
    for (const auto& p : bus.packets) {
        auto pkt = dsr::codec::parse_ipv4_dsr(p);
        ASSERT_TRUE(pkt);
        EXPECT_EQ(pkt->ip.destination().value, node_addr(0));
        EXPECT_EQ(pkt->dsr.next_header(), BABE_NEXT_HEADER_NONE);
    }
    EXPECT_EQ(bus.prev.front(), node_addr(1));

    // A sibling shard of node 0 (its own core) learns the route from them.
    mem_io io(3);
    dataplane::memory_maps maps;
    shard_config cfg = c.shards[0]->config();
    shard sibling(cfg, io, maps);
    EXPECT_FALSE(sibling.core().find_route(node_addr(3)));
    for (std::size_t k = 0; k < bus.packets.size(); ++k)
        sibling.receive_replica(c.now, right_port, bus.prev[k], bus.packets[k]);
    auto r = sibling.core().find_route(node_addr(3));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hop_count, 2);
}

} // namespace
} // namespace babe::engine
