// SPDX-License-Identifier: Apache-2.0
// afpacket_io's backpressure on a real AF_PACKET socket: a veth whose qdisc
// holds what it is given (tbf at 8 kbit/s) lets the socket's send buffer
// fill; transmit() then refuses frames (counted tx_ring_full) and keeps the
// ones it queued; once the bottleneck goes, the next flushes send every
// frame transmit() accepted, in full, none lost and none left in use.
#include "engine/afpacket_io.hh"
#include "lib/netns.hh"

#include <gtest/gtest.h>

#include <cstring>

namespace babe::engine {
namespace {

using babe::testing::netns_set;
using babe::testing::scoped_netns;
using babe::testing::sh;

constexpr const char* ns = "babe-afp-bp";

// A 1000-byte broadcast IPv4 frame (protocol 48) in a fresh frame.
bool queue_frame(afpacket_io& io, frame_addr& at)
{
    if (!io.frames().alloc(at))
        return false;
    at += 256;
    std::byte* f = io.data(at);
    std::memset(f, 0, 1000);
    std::memset(f, 0xff, 6);
    f[6] = std::byte{0x02};
    f[12] = std::byte{0x08};
    f[14] = std::byte{0x45};
    f[14 + 9] = std::byte{48};
    return true;
}

TEST(AfPacketIo, FullSendBufferRefusesAndKeepsFrames)
{
    netns_set nets;
    nets.add(ns);
    sh(std::string("ip -n ") + ns + " link add bpa type veth peer name bpb");
    sh(std::string("ip -n ") + ns + " link set bpa up");
    sh(std::string("ip -n ") + ns + " link set bpb up");
    sh(std::string("ip netns exec ") + ns + " tc qdisc add dev bpa root tbf rate 8kbit burst 1600 limit 10000000");
    scoped_netns in(ns);

    afpacket_io io({afpacket_port{"bpa", false}}, 1024, 2048, 256);
    const std::uint32_t frames = io.frames().free_frames();
    std::uint64_t accepted = 0, refused = 0;
    // Bounded: the send buffer (a few hundred KiB) fills long before 4000
    // frames of 1000 bytes.
    for (int i = 0; i < 4000 && refused == 0; ++i) {
        frame_addr at = 0;
        ASSERT_TRUE(queue_frame(io, at)) << "the pool ran dry: frames were not released";
        if (io.transmit(0, at, 1000)) {
            ++accepted;
        } else {
            ++refused;
            io.frames().release(at); // refused: still the caller's
        }
        if (i % 8 == 7)
            io.flush();
    }
    ASSERT_EQ(refused, 1U) << "the socket never said it would block";
    auto st = io.stats(0);
    EXPECT_EQ(st.tx_ring_full, 1U);
    EXPECT_EQ(st.tx_invalid, 0U);
    EXPECT_LT(st.tx_packets, accepted); // some accepted frames wait in the queue
    const std::uint64_t waiting = accepted - st.tx_packets;
    EXPECT_EQ(frames - io.frames().free_frames(), waiting); // held, not lost
    io.flush();
    EXPECT_EQ(io.stats(0).tx_packets, st.tx_packets); // still full: nothing more went

    // The bottleneck goes (its queued packets are freed): the frames waiting
    // leave with the next flush.
    sh(std::string("tc qdisc del dev bpa root"));
    io.flush();
    st = io.stats(0);
    EXPECT_EQ(st.tx_packets, accepted);
    EXPECT_EQ(io.frames().free_frames(), frames);
    frame_addr at = 0;
    ASSERT_TRUE(queue_frame(io, at));
    EXPECT_TRUE(io.transmit(0, at, 1000));
    io.flush();
    EXPECT_EQ(io.stats(0).tx_packets, accepted + 1);
    EXPECT_EQ(io.stats(0).tx_ring_full, 1U);
}

} // namespace
} // namespace babe::engine
