// SPDX-License-Identifier: Apache-2.0
// The engine's reliable-transport path allocates nothing per segment in
// steady state: two engine shards over in-memory packet I/O and in-memory
// maps, each with a transport_service, carry two streams at once (node 0 to
// node 1 and node 1 to node 0) through client sockets (socketpairs), with
// ACK/SACK processing, retransmissions of segments dropped on the wire, and
// a stalled TX ring on one node: its RTO fires while the segment to resend
// is still in the ring (the one copy: into a fresh frame), the peer's RTO
// and tail loss probe fire too, and the RTO is undone once the stalled
// originals arrive. Allocations are counted only around the steady-state
// loop, after warm-up.
#include "dataplane/memory_maps.hh"
#include "engine/shard.hh"
#include "engine/transport_service.hh"
#include "lib/alloc_counter.hh"
#include "mem_io.hh"

#include "dsr/codec/codec.hh"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace babe::engine {
namespace {

using testing::mem_io;

constexpr std::size_t nodes = 2;
constexpr port_id local_port = 0, mesh_port = 1;

dsr::addr node_addr(std::size_t i)
{
    return 0x0a000001u + static_cast<dsr::addr>(i);
}
mac_addr port_mac(std::size_t i, port_id p)
{
    return {0x02, 0, 0, 0, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(p)};
}
mac_addr host_mac(std::size_t i)
{
    return {0x02, 0xee, 0, 0, static_cast<std::uint8_t>(i), 0};
}

std::uint8_t pattern(int stream, std::uint64_t k)
{
    return static_cast<std::uint8_t>(k * 7 + k / 251 + static_cast<std::uint64_t>(stream));
}

// The babectl send side of a stream: length-prefixed chunks of patterned bytes.
struct writer {
    int fd = -1;
    int stream = 0;
    static constexpr std::uint32_t chunk = 12000;
    std::uint64_t data = 0;     // data bytes generated
    std::uint32_t in_chunk = 0; // position in the current [len][chunk]
    std::array<std::uint8_t, 65536> buf{};
    std::size_t have = 0;

    void feed()
    {
        while (have < buf.size()) {
            if (in_chunk < 4) {
                std::uint8_t h[4] = {0, 0, static_cast<std::uint8_t>(chunk >> 8),
                                     static_cast<std::uint8_t>(chunk)};
                buf[have++] = h[in_chunk++];
            } else {
                buf[have++] = pattern(stream, data++);
                if (++in_chunk == 4 + chunk)
                    in_chunk = 0;
            }
        }
        while (have > 0) {
            ssize_t n = ::send(fd, buf.data(), have, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n <= 0)
                break;
            std::memmove(buf.data(), buf.data() + n, have - static_cast<std::size_t>(n));
            have -= static_cast<std::size_t>(n);
        }
    }
};

// The babectl recv side: one JSON line, then length-prefixed pieces, checked.
struct reader {
    int fd = -1;
    int stream = 0;
    bool line_done = false;
    std::uint32_t hdr_have = 0, piece_left = 0;
    std::array<std::uint8_t, 4> hdr{};
    std::uint64_t data = 0;
    std::uint64_t bad = 0;
    bool ended = false;
    std::array<std::uint8_t, 65536> buf{};

    void drain()
    {
        for (;;) {
            ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n <= 0)
                return;
            for (ssize_t i = 0; i < n; ++i) {
                std::uint8_t b = buf[static_cast<std::size_t>(i)];
                if (!line_done) {
                    line_done = b == '\n';
                } else if (piece_left == 0) {
                    hdr[hdr_have++] = b;
                    if (hdr_have == 4) {
                        hdr_have = 0;
                        piece_left = (std::uint32_t{hdr[0]} << 24) | (std::uint32_t{hdr[1]} << 16) |
                                     (std::uint32_t{hdr[2]} << 8) | hdr[3];
                        if (piece_left == 0)
                            ended = true;
                    }
                } else {
                    bad += b != pattern(stream, data++) ? 1 : 0;
                    --piece_left;
                }
            }
        }
    }
};

struct pair_of_nodes {
    std::vector<std::unique_ptr<mem_io>> io;
    std::vector<std::unique_ptr<dataplane::memory_maps>> maps;
    std::vector<std::unique_ptr<shard>> shards;
    std::vector<std::unique_ptr<transport_service>> ts;
    time_point now = time_from_ns(1'000'000'000);
    std::array<std::uint64_t, nodes>
        drop_at{}; // per direction (by sender): drop the data frame with this number
    std::array<std::uint64_t, nodes> data_frames{};
    std::array<std::uint64_t, nodes> dropped{};
    bool record = false;                         // keep node 0's mesh frames (allocates)
    std::vector<std::vector<std::byte>> sent_by_0;

    pair_of_nodes()
    {
        for (std::size_t i = 0; i < nodes; ++i) {
            io.push_back(std::make_unique<mem_io>(2, 4096));
            maps.push_back(std::make_unique<dataplane::memory_maps>());
            shard_config cfg;
            cfg.dsr = dsr::config{};
            cfg.dsr.try_passive_acks = 0;
            cfg.self = node_addr(i);
            cfg.seed = 11 + i;
            cfg.host_mac = host_mac(i);
            cfg.ports = {port_info{"babe0p", 100, port_mac(i, local_port), true},
                         port_info{"mesh", 101, port_mac(i, mesh_port), false}};
            shards.push_back(std::make_unique<shard>(cfg, *io.back(), *maps.back()));
            transport_service_config tc;
            tc.core.max_send_chunks = 512;
            tc.core.max_segments = 1024;
            tc.core.max_ooo_segments = 256;
            tc.core.event_reserve = 512;
            tc.frame_reserve = 256;
            tc.max_queued_per_session = 256;
            ts.push_back(
                std::make_unique<transport_service>(tc, node_addr(i), 100 + i, *shards.back()));
            shards.back()->set_transport(ts.back().get());
        }
    }

    void step(duration d = 1ms)
    {
        for (std::size_t i = 0; i < nodes; ++i)
            shards[i]->poll(now);
        for (std::size_t i = 0; i < nodes; ++i) {
            auto& sent = io[i]->sent();
            while (!sent.empty()) {
                const auto& f = sent.front();
                if (f.port == mesh_port) {
                    if (record && i == 0)
                        sent_by_0.emplace_back(f.bytes().begin(), f.bytes().end());
                    bool drop = false;
                    if (f.len > 1000 && ++data_frames[i] == drop_at[i]) {
                        drop = true;
                        ++dropped[i];
                    }
                    if (!drop)
                        io[1 - i]->inject(mesh_port, f.bytes());
                }
                sent.pop_front();
            }
        }
        now += d;
    }
};

// The stream's lines, one per session event (what the reader skips).
struct line_text final : stream_text {
    std::string connected(ipv4, std::uint16_t) const override { return "connected\n"; }
    std::string accepted(ipv4, std::uint16_t) const override { return "accepted\n"; }
    std::string sent(std::uint64_t) const override { return "sent\n"; }
    std::string received(std::uint64_t) const override { return "received\n"; }
    std::string failed(std::string_view code, std::string_view) const override
    {
        return std::string(code) + "\n";
    }
};

int make_pair(int (&sv)[2])
{
    return ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
}

TEST(TransportService, SteadyStateAllocatesNothingPerSegment)
{
    pair_of_nodes p;
    const line_text text;
    constexpr std::uint16_t port_a = 7000, port_b = 7001;
    // Stream 0: node 0 sends to node 1 (port_a); stream 1: node 1 to node 0 (port_b).
    int a_send[2], a_recv[2], b_send[2], b_recv[2];
    ASSERT_EQ(make_pair(a_send), 0);
    ASSERT_EQ(make_pair(a_recv), 0);
    ASSERT_EQ(make_pair(b_send), 0);
    ASSERT_EQ(make_pair(b_recv), 0);
    p.ts[1]->open(p.now, stream_request{false, 0, port_a, &text}, a_recv[1]);
    p.ts[0]->open(p.now, stream_request{false, 0, port_b, &text}, b_recv[1]);
    p.ts[0]->open(p.now, stream_request{true, node_addr(1), port_a, &text}, a_send[1]);
    p.ts[1]->open(p.now, stream_request{true, node_addr(0), port_b, &text}, b_send[1]);

    writer wa, wb;
    wa.fd = a_send[0], wa.stream = 0;
    wb.fd = b_send[0], wb.stream = 1;
    reader ra, rb;
    ra.fd = a_recv[0], ra.stream = 0;
    rb.fd = b_recv[0], rb.stream = 1;
    auto turn = [&] {
        wa.feed();
        wb.feed();
        p.step();
        ra.drain();
        rb.drain();
    };

    // Warm-up: Route Discovery, handshakes, slow start, and one loss each
    // way (so the retransmission and SACK paths have run once).
    p.drop_at = {200, 200};
    for (int i = 0; i < 1500; ++i)
        turn();
    ASSERT_EQ(p.dropped[0], 1U);
    ASSERT_EQ(p.dropped[1], 1U);
    ASSERT_GT(ra.data, 1'000'000U) << "stream 0 did not get going";
    ASSERT_GT(rb.data, 1'000'000U) << "stream 1 did not get going";

    // Steady state: both streams keep moving, with more losses each way.
    const auto c0 = p.ts[0]->core().stats();
    const auto c1 = p.ts[1]->core().stats();
    const auto s0 = p.ts[0]->counters();
    const std::uint64_t ra0 = ra.data, rb0 = rb.data;
    p.drop_at = {p.data_frames[0] + 500, p.data_frames[1] + 700};
    // Node 0's TX ring stalls for longer than an RTO (min_rto 200 ms, one
    // turn is 1 ms), well after the two losses were repaired.
    constexpr int stall_from = 1000, stall_turns = 300, turns = 2500;
    transport::counters m0{}, m1{};
    std::uint64_t ra_stall = 0;
    std::uint64_t before = babe::testing::allocations();
    for (int i = 0; i < turns; ++i) {
        if (i == stall_from) {
            m0 = p.ts[0]->core().stats();
            m1 = p.ts[1]->core().stats();
            p.io[0]->pause_tx(true);
        }
        if (i == stall_from + stall_turns) {
            p.io[0]->pause_tx(false);
            ra_stall = ra.data;
        }
        turn();
        for (std::size_t d = 0; d < nodes; ++d)
            if (p.dropped[d] == 2 && p.data_frames[d] > p.drop_at[d])
                p.drop_at[d] = p.data_frames[d] + 600; // and a second loss in the loop, later
    }
    std::uint64_t after = babe::testing::allocations();
    const auto d0 = p.ts[0]->core().stats();
    const auto d1 = p.ts[1]->core().stats();
    const auto e0 = p.ts[0]->counters();

    EXPECT_EQ(after - before, 0U) << "heap allocations on the transport path in steady state";
    EXPECT_EQ(p.dropped[0], 3U); // one in warm-up, two in the loop
    EXPECT_EQ(p.dropped[1], 3U);
    EXPECT_GT(ra.data - ra0, 1'000'000U);
    EXPECT_GT(rb.data - rb0, 1'000'000U);
    EXPECT_EQ(ra.bad, 0U);
    EXPECT_EQ(rb.bad, 0U);
    EXPECT_FALSE(ra.ended);
    EXPECT_FALSE(rb.ended);
    // Both ends acknowledged, declared the lost segments lost from SACK
    // evidence and retransmitted them (two losses each way in the loop).
    EXPECT_EQ(m0.fast_retransmits - c0.fast_retransmits, 2U);
    EXPECT_EQ(m1.fast_retransmits - c1.fast_retransmits, 2U);
    // The stall: node 0's RTO resent the first unacknowledged segment while
    // its frame was still in the stalled ring (copied), node 1 (hearing
    // nothing) probed and timed out too; the streams went on afterwards.
    EXPECT_GT(d0.rto_expirations, m0.rto_expirations);
    EXPECT_GT(d1.rto_expirations, m1.rto_expirations);
    EXPECT_GT(d1.tail_loss_probes, m1.tail_loss_probes);
    EXPECT_GT(e0.retransmit_copies, s0.retransmit_copies);
    EXPECT_GT(d0.spurious_rto_undos, m0.spurious_rto_undos);
    EXPECT_GT(ra.data, ra_stall + 500'000U);
    EXPECT_GT(d0.data_bytes_retransmitted, c0.data_bytes_retransmitted);
    EXPECT_GT(d1.data_bytes_retransmitted, c1.data_bytes_retransmitted);
    EXPECT_GT(d0.segments_received, c0.segments_received);
    EXPECT_GT(d1.segments_received, c1.segments_received);
    EXPECT_EQ(p.ts[0]->counters().sessions_failed + p.ts[1]->counters().sessions_failed, 0U);
    for (const auto& io : p.io)
        EXPECT_EQ(io->sent_overflow(), 0U);
    for (int fd : {a_send[0], a_recv[0], b_send[0], b_recv[0]})
        ::close(fd);
}

// The IPv4 header of a segment on the wire, byte for byte (checksum
// included), as it was when the transport service wrote its header by hand:
// the service's TOS 0, ID counting from 1, TTL 64 and addresses, in the
// header the DSR core writes when it inserts its own (protocol 48, Total
// Length grown, no DF: the core does not carry the flags over).
TEST(TransportService, SegmentHeadersAreByteForByteTheHandWrittenOnes)
{
    pair_of_nodes p;
    p.record = true;
    const line_text text;
    constexpr std::uint16_t port = 7000;
    int recv[2], send[2];
    ASSERT_EQ(make_pair(recv), 0);
    ASSERT_EQ(make_pair(send), 0);
    p.ts[1]->open(p.now, stream_request{false, 0, port, &text}, recv[1]);
    p.ts[0]->open(p.now, stream_request{true, node_addr(1), port, &text}, send[1]);
    const char msg[] = "\0\0\0\5hello";
    ASSERT_EQ(::write(send[0], msg, sizeof msg - 1), static_cast<ssize_t>(sizeof msg - 1));
    for (int i = 0; i < 300; ++i)
        p.step();

    std::uint16_t id = 0;
    for (const auto& f : p.sent_by_0) {
        auto pkt = dsr::codec::parse_ipv4_dsr(std::span(f).subspan(14));
        if (!pkt || pkt->dsr.next_header() != BABE_NEXT_HEADER_TRANSPORT)
            continue;
        ++id;
        const std::uint16_t total = pkt->ip.total_len();
        std::array<std::uint8_t, 20> want{0x45, 0, std::uint8_t(total >> 8), std::uint8_t(total),
                                          std::uint8_t(id >> 8), std::uint8_t(id), 0, 0, 64, 48, 0, 0,
                                          10, 0, 0, 1, 10, 0, 0, 2};
        std::uint16_t sum = dsr::codec::ipv4_header_checksum(std::as_bytes(std::span(want)));
        want[10] = std::uint8_t(sum >> 8);
        want[11] = std::uint8_t(sum);
        EXPECT_EQ(std::memcmp(f.data() + 14, want.data(), 20), 0) << "segment " << id;
    }
    EXPECT_GE(id, 2U) << "the handshake and the data went out";
    for (int fd : {recv[0], recv[1], send[0], send[1]})
        ::close(fd);
}

} // namespace
} // namespace babe::engine
