// SPDX-License-Identifier: Apache-2.0
// Scenario tests of the transport core in the two-endpoint harness (virtual
// clock, seeded link model): clean transfer, loss/duplication/reordering,
// corruption, sequence wraparound, message boundaries, a slow reader (flow
// control), partitions short and long, a restart of the receiver, a restart
// of the sender (silent, or reconnecting from the same port), refused
// connections, malformed input, the loss-differentiation comparison
// (goodput with and without the rule under 1-5 % random loss), and babed's
// settings (19 % loss with duplication, reordering and a partition; a queue
// still causes congestion events; a receiver restart resets the sender).
#include <gtest/gtest.h>

#include <cstdio>
#include <tuple>

#include "harness.hh"

namespace babe::transport::testing {
namespace {

harness_options base(std::uint64_t seed = 1)
{
    harness_options o;
    o.seed = seed;
    o.cfg.idle_timeout = 20s;
    o.cfg.time_wait = 1s;
    o.cfg.max_rto = 4s;
    return o;
}

void expect_clean(harness& h)
{
    h.check_outcome();
    for (const auto& v : h.violations())
        ADD_FAILURE() << v;
    EXPECT_EQ(h.outstanding(0), 0u);
    EXPECT_EQ(h.outstanding(1), 0u);
}

TEST(TransportScenario, CleanTransfer)
{
    auto o = base();
    o.total_bytes = 500000;
    harness h(o);
    h.run(60s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_EQ(h.received(), o.total_bytes);
    EXPECT_EQ(h.a().stats().data_bytes_retransmitted, 0u);
    EXPECT_EQ(h.a().stats().data_bytes_sent, o.total_bytes);
    EXPECT_EQ(h.a().connections(), 0u); // TIME-WAIT over
    expect_clean(h);
}

TEST(TransportScenario, LossDuplicationReordering)
{
    auto o = base(7);
    o.total_bytes = 300000;
    o.ab = link_params{.delay = 10ms, .loss = 0.05, .dup = 0.05, .reorder = 0.2};
    o.ba = link_params{.delay = 10ms, .loss = 0.05, .dup = 0.05, .reorder = 0.2};
    harness h(o);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_GT(h.a().stats().fast_retransmits, 0u);
    EXPECT_GT(h.b().stats().ooo_held, 0u);
    EXPECT_GT(h.b().stats().duplicates, 0u);
    expect_clean(h);
}

TEST(TransportScenario, CorruptionIsCaughtByTheChecksum)
{
    auto o = base(3);
    o.total_bytes = 200000;
    o.ab = link_params{.delay = 5ms, .corrupt = 0.05};
    o.ba = link_params{.delay = 5ms, .corrupt = 0.05};
    harness h(o);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_GT(h.b().stats().malformed + h.a().stats().malformed, 0u);
    expect_clean(h);
}

TEST(TransportScenario, SequenceWraparound)
{
    auto o = base(4);
    o.cfg.fixed_isn = 0xffffffffu - 50000;
    o.total_bytes = 200000;
    o.ab = link_params{.delay = 5ms, .loss = 0.03, .reorder = 0.1};
    harness h(o);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    expect_clean(h);
}

TEST(TransportScenario, MessageBoundaries)
{
    auto o = base(5);
    o.message_mode = true;
    o.total_bytes = 100000;
    o.max_chunk = 5000; // messages span several segments
    o.ab = link_params{.delay = 5ms, .loss = 0.03, .reorder = 0.1};
    harness h(o);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_GT(h.messages_seen(), 10u);
    expect_clean(h);
}

TEST(TransportScenario, SlowReaderIsFlowControlled)
{
    auto o = base(6);
    o.cfg.recv_window = 16000;
    o.total_bytes = 200000;
    o.read_per_ms = 200; // 200 kB/s reader
    harness h(o);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_EQ(h.b().stats().out_of_window, 0u);
    // 200 kB at 200 bytes/ms cannot finish in under a second of virtual time.
    EXPECT_GE(h.sender_done_at(), time_point{} + 900ms);
    expect_clean(h);
}

TEST(TransportScenario, ShortPartitionHeals)
{
    auto o = base(8);
    o.total_bytes = 300000;
    harness h(o);
    h.partition(time_point{} + 50ms, time_point{} + 3s);
    h.run(120s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_GT(h.a().stats().rto_expirations, 0u);
    expect_clean(h);
}

TEST(TransportScenario, LongPartitionTimesOut)
{
    auto o = base(9);
    o.total_bytes = 300000;
    harness h(o);
    h.partition(time_point{} + 50ms, time_point{} + 1000s);
    h.run(200s);
    EXPECT_FALSE(h.sender_closed());
    EXPECT_EQ(h.sender_error_kind(), event_kind::timed_out);
    EXPECT_LT(h.received(), o.total_bytes);
    expect_clean(h);
}

TEST(TransportScenario, ReceiverRestartResetsTheSender)
{
    auto o = base(10);
    o.total_bytes = 2000000;
    o.ab = link_params{.delay = 10ms, .rate = 1000000};
    harness h(o);
    h.run(300ms, false);
    ASSERT_GT(h.received(), 0u);
    ASSERT_LT(h.received(), o.total_bytes);
    h.restart_b();
    h.run(60s);
    EXPECT_EQ(h.sender_error_kind(), event_kind::reset);
    EXPECT_GT(h.b().stats().no_connection, 0u);
    h.check_outcome();
    for (const auto& v : h.violations())
        ADD_FAILURE() << v;
    EXPECT_EQ(h.outstanding(0), 0u);
}

// A sender restart (its babed crashes mid-transfer): the receiver keeps
// every byte it got in order and then learns of it (reset or timeout);
// never a FIN after a short stream, never a corrupt byte. With or without
// loss, duplication and reordering on the way, over several seeds.
void sender_restart(bool reconnect, bool lossy)
{
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << (reconnect ? " reconnect" : " silent")
                     << (lossy ? " lossy" : ""));
        auto o = base(seed);
        o.total_bytes = 2000000;
        o.ab = link_params{.delay = 5ms, .rate = 1000000, .queue_bytes = 100000};
        o.ba = link_params{.delay = 5ms};
        if (lossy) {
            o.ab = link_params{.delay = 5ms,
                               .loss = 0.05,
                               .dup = 0.02,
                               .reorder = 0.1,
                               .rate = 1000000,
                               .queue_bytes = 100000};
            o.ba = link_params{.delay = 5ms, .loss = 0.05, .dup = 0.02, .reorder = 0.1};
        }
        harness h(o);
        // Crash the sender once about a third of the stream arrived.
        for (int i = 0; i < 400 && h.received() < o.total_bytes / 3; ++i)
            h.run(10ms, false);
        ASSERT_GT(h.received(), 0u);
        ASSERT_LT(h.received(), o.total_bytes);
        h.restart_a(reconnect);
        h.run(60s);
        const auto streams = h.receive_streams();
        ASSERT_EQ(streams.size(), reconnect ? 2u : 1u);
        // The interrupted stream: a prefix, then a clear error.
        EXPECT_LT(streams[0].received, o.total_bytes);
        EXPECT_FALSE(streams[0].eof);
        ASSERT_TRUE(streams[0].error.has_value());
        if (reconnect) {
            // The new SYN on the old ports tells B its peer restarted.
            EXPECT_EQ(*streams[0].error, event_kind::reset);
            EXPECT_EQ(streams[0].why, reason::peer_restarted);
            // The stream sent anew arrives whole.
            EXPECT_TRUE(streams[1].eof);
            EXPECT_EQ(streams[1].received, o.total_bytes);
            EXPECT_TRUE(h.sender_closed());
            h.check_outcome();
        } else {
            // B hears a RST (answering its ACKs) or times out idle.
            EXPECT_TRUE(*streams[0].error == event_kind::reset ||
                        *streams[0].error == event_kind::timed_out);
        }
        h.check_receiver_outcome();
        for (const auto& v : h.violations())
            ADD_FAILURE() << v;
        EXPECT_EQ(h.outstanding(0), 0u);
        EXPECT_EQ(h.outstanding(1), 0u);
    }
}

TEST(TransportScenario, SenderRestartAndReconnectResetsTheReceiversStream)
{
    sender_restart(true, false);
}
TEST(TransportScenario, SenderRestartAndReconnectUnderLoss)
{
    sender_restart(true, true);
}
TEST(TransportScenario, SilentSenderRestartEndsTheReceiverWithAnError)
{
    sender_restart(false, false);
}
TEST(TransportScenario, SilentSenderRestartUnderLoss)
{
    sender_restart(false, true);
}

// babed's settings (engine.cc transport_defaults): every loss episode with
// no queue on the path is random, an RTO with no queue keeps ssthresh.
harness_options engine_like(std::uint64_t seed)
{
    auto o = base(seed);
    o.cfg.ld_isolated_only = false;
    o.cfg.ld_rtt_slack = 20ms;
    o.cfg.ld_rto_keeps_ssthresh = true;
    o.cfg.max_send_chunks = 1024;
    o.cfg.max_segments = 1024;
    o.cfg.max_ooo_segments = 512;
    return o;
}

TEST(TransportScenario, EngineSettingsHeavyLossDuplicationReorderingPartition)
{
    // About 19 % loss each way (5 % on each of 4 hops), duplicates,
    // reordering and a partition: every byte in order, nothing silent.
    auto o = engine_like(11);
    o.total_bytes = 400000;
    o.ab = link_params{.delay = 5ms, .loss = 0.19, .dup = 0.03, .reorder = 0.1, .rate = 1000000};
    o.ba = link_params{.delay = 5ms, .loss = 0.19, .dup = 0.03, .reorder = 0.1};
    harness h(o);
    h.partition(time_point{} + 100ms, time_point{} + 1500ms);
    h.run(300s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_EQ(h.received(), o.total_bytes);
    EXPECT_GT(h.a().stats().random_losses, 0u);
    EXPECT_GT(h.a().stats().rto_expirations, 0u);
    expect_clean(h);
}

TEST(TransportScenario, EngineSettingsStillReactToAQueue)
{
    // No random loss, a 1 Mbit/s bottleneck with a small drop-tail queue:
    // the losses come with an inflated RTT, so they are congestion events.
    auto o = engine_like(12);
    o.total_bytes = 600000;
    o.ab = link_params{.delay = 10ms, .rate = 125000, .queue_bytes = 16000};
    harness h(o);
    h.run(300s);
    EXPECT_TRUE(h.sender_closed());
    EXPECT_GT(h.a().stats().congestion_events, 0u);
    expect_clean(h);
}

TEST(TransportScenario, EngineSettingsReceiverRestartResetsTheSender)
{
    auto o = engine_like(13);
    o.total_bytes = 2000000;
    o.ab = link_params{.delay = 10ms, .loss = 0.05, .rate = 1000000};
    harness h(o);
    h.run(300ms, false);
    ASSERT_LT(h.received(), o.total_bytes);
    h.restart_b();
    h.run(60s);
    EXPECT_EQ(h.sender_error_kind(), event_kind::reset);
    h.check_outcome();
    for (const auto& v : h.violations())
        ADD_FAILURE() << v;
    EXPECT_EQ(h.outstanding(0), 0u);
}

TEST(TransportScenario, ConnectToClosedPortIsRefused)
{
    config c;
    endpoint a(c, 1, 1), b(c, 2, 2);
    time_point now{};
    auto id = a.connect(now, 2, 9999);
    ASSERT_TRUE(id.has_value());
    std::array<std::byte, header_max> out{};
    std::vector<std::byte> frame;
    auto t = a.poll_transmit(now, out);
    ASSERT_TRUE(t.has_value());
    ASSERT_TRUE(b.handle_segment(now, 1, std::span<const std::byte>(out.data(), t->header_length),
                                 packet_handle{1}, 0));
    EXPECT_EQ(b.stats().no_listener, 1u);
    auto r = b.poll_transmit(now, out);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(a.handle_segment(now, 2, std::span<const std::byte>(out.data(), r->header_length),
                                 packet_handle{2}, 0));
    bool refused = false;
    while (auto e = a.poll_event())
        refused |= e->kind == event_kind::reset && e->why == reason::refused;
    EXPECT_TRUE(refused);
    EXPECT_EQ(a.connections(), 0u);
}

TEST(TransportScenario, MalformedSegmentsAreCountedAndHandedBack)
{
    config c;
    endpoint b(c, 2, 2);
    std::array<std::byte, 40> junk{};
    for (std::size_t n : {0, 5, 24, 40}) {
        ASSERT_TRUE(b.handle_segment(time_point{}, 1, std::span<const std::byte>(junk.data(), n),
                                     packet_handle{std::uint32_t(n)}, 0));
        auto e = b.poll_event();
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->kind, event_kind::dropped);
        EXPECT_EQ(e->handle, packet_handle{std::uint32_t(n)});
    }
    EXPECT_EQ(b.stats().malformed, 4u);
    EXPECT_EQ(b.handles_held(), 0u);
}

// Loss differentiation: goodput (bytes / virtual seconds until the sender's
// orderly close) over a 10 Mbit/s, 20 ms one-way link with a 64 kB drop-tail
// queue and p % random loss each way, with and without the rule. Prints the
// table docs/performance.md quotes.
struct ld_result {
    double goodput_mbps;
    std::uint64_t forgiven, congestion, queue_drops;
};
ld_result run_ld(double loss, bool ld, std::uint64_t seed)
{
    auto o = base(seed);
    o.cfg.loss_differentiation = ld;
    o.cfg.recv_window = 4u << 20;
    o.cfg.max_segments = 1024;
    o.total_bytes = 4000000;
    o.max_chunk = 16000;
    const link_params p{.delay = 20ms, .loss = loss, .rate = 1250000, .queue_bytes = 64000};
    o.ab = p;
    o.ba = link_params{.delay = 20ms, .loss = loss};
    harness h(o);
    h.run(600s);
    EXPECT_TRUE(h.sender_closed());
    h.check_outcome();
    EXPECT_TRUE(h.violations().empty());
    const double secs = double(to_ns(h.sender_done_at())) / 1e9;
    return {double(o.total_bytes) * 8 / secs / 1e6, h.a().stats().random_losses,
            h.a().stats().congestion_events, h.queue_drops()};
}

TEST(TransportLossDifferentiation, KeepsTheWindowUnderRandomLoss)
{
    double sum_on = 0, sum_off = 0;
    std::printf("loss%%  goodput_off  goodput_on  (Mbit/s; on: forgiven/congestion/queue drops)\n");
    for (double loss : {0.01, 0.02, 0.05}) {
        double on = 0, off = 0;
        std::uint64_t fg = 0, ce = 0, qd = 0;
        for (std::uint64_t seed : {1, 2, 3}) {
            const auto r_on = run_ld(loss, true, seed);
            const auto r_off = run_ld(loss, false, seed);
            on += r_on.goodput_mbps / 3;
            off += r_off.goodput_mbps / 3;
            fg += r_on.forgiven;
            ce += r_on.congestion;
            qd += r_on.queue_drops;
        }
        std::printf("%4.0f   %9.2f   %9.2f    %llu/%llu/%llu\n", loss * 100, off, on,
                    (unsigned long long)fg, (unsigned long long)ce, (unsigned long long)qd);
        sum_on += on;
        sum_off += off;
        EXPECT_GT(fg, 0u);
    }
    EXPECT_GT(sum_on, sum_off);
    // Real congestion still halves the window: with no random loss the
    // bottleneck queue overflows and the rule reduces.
    const auto clean = run_ld(0.0, true, 1);
    EXPECT_GT(clean.congestion, 0u);
    EXPECT_LE(clean.goodput_mbps, 10.0);
}

// Loss recovery (RACK + TLP, RTO resending the first segment only with
// F-RTO-like undo, pacing) against the recovery without them, with babed's
// settings over the bench-transport path's model: 20 Mbit/s, 100 frames of
// drop-tail queue, 1 ms each way, 18.5 % random loss each way (5 % on each
// of 4 hops). Goodput to the sender's close, mean of seeds 1-3.
struct recovery_result {
    double goodput_mbps = 0;
    std::uint64_t rtos = 0, retransmitted = 0, probes = 0, queue_drops = 0, spurious = 0;
};

recovery_result run_recovery(bool modern, bool paced, std::uint64_t seed)
{
    auto o = engine_like(seed);
    o.cfg.rack = modern;
    o.cfg.tail_loss_probe = modern;
    o.cfg.rto_first_only = modern;
    o.cfg.spurious_rto_undo = modern;
    o.cfg.pacing = paced;
    o.cfg.recv_window = 768 * 1024;
    o.total_bytes = 4000000;
    o.max_chunk = 16000;
    o.ab = link_params{.delay = 1ms, .loss = 0.185, .rate = 2500000, .queue_bytes = 100 * 1300};
    o.ba = link_params{.delay = 1ms, .loss = 0.185};
    harness h(o);
    h.run(600s);
    EXPECT_TRUE(h.sender_closed());
    h.check_outcome();
    EXPECT_TRUE(h.violations().empty());
    const auto& st = h.a().stats();
    const double secs = double(to_ns(h.sender_done_at())) / 1e9;
    return {double(o.total_bytes) * 8 / secs / 1e6,
            st.rto_expirations,
            st.data_bytes_retransmitted,
            st.tail_loss_probes,
            h.queue_drops(),
            h.b().stats().duplicates};
}

TEST(TransportRecovery, RackTlpAndPacingBeatTheOldRecoveryUnderHeavyLoss)
{
    std::printf(
        "recovery            goodput  RTOs  probes  retransmitted  queue drops  spurious  (Mbit/s; "
        "sums of 3 seeds)\n");
    double goodput[3] = {};
    int row = 0;
    for (auto [modern, paced, name] :
         {std::tuple{false, false, "old"}, std::tuple{true, false, "rack+tlp+rto"},
          std::tuple{true, true, "rack+tlp+rto+pacing"}}) {
        recovery_result sum;
        for (std::uint64_t seed : {1, 2, 3}) {
            const auto r = run_recovery(modern, paced, seed);
            sum.goodput_mbps += r.goodput_mbps / 3;
            sum.rtos += r.rtos;
            sum.probes += r.probes;
            sum.retransmitted += r.retransmitted;
            sum.queue_drops += r.queue_drops;
            sum.spurious += r.spurious;
        }
        std::printf("%-19s %7.2f  %4llu  %6llu  %13llu  %11llu  %8llu\n", name, sum.goodput_mbps,
                    (unsigned long long)sum.rtos, (unsigned long long)sum.probes,
                    (unsigned long long)sum.retransmitted, (unsigned long long)sum.queue_drops,
                    (unsigned long long)sum.spurious);
        goodput[row++] = sum.goodput_mbps;
    }
    EXPECT_GT(goodput[1], goodput[0]);
    EXPECT_GT(goodput[2], goodput[0]);
}

// min_reo_wnd (babed sets it when the DSR hops recover losses): a 1 MB/s
// path that delivers 5 % of segments up to 30 ms late but loses none. With the
// default rules (dupthresh, RACK's quarter-RTT window) the late segments
// are taken for lost and sent again; with a 60 ms floor on RACK's window and
// dupthresh off, nothing is retransmitted.
TEST(TransportScenario, MinReorderingWindowWaitsForLateSegments)
{
    auto run = [](duration min_reo) {
        auto o = base(3);
        o.total_bytes = 300000;
        o.cfg.min_reo_wnd = min_reo;
        o.ab = link_params{.delay = 5ms, .reorder = 0.05, .reorder_extra = 30ms, .rate = 1000000, .queue_bytes = 200000};
        o.ba = link_params{.delay = 5ms};
        harness h(o);
        h.run(60s);
        EXPECT_TRUE(h.sender_closed());
        EXPECT_EQ(h.received(), o.total_bytes);
        expect_clean(h);
        return h.a().stats().data_bytes_retransmitted;
    };
    EXPECT_GT(run(0ms), 0u);
    EXPECT_EQ(run(60ms), 0u);
}

} // namespace
} // namespace babe::transport::testing
