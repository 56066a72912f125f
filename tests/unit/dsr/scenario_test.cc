// SPDX-License-Identifier: Apache-2.0
// Multi-node scenarios of the DSR core on the in-memory harness: discovery
// across a chain, cached replies, route shortening, link break -> Route
// Error -> salvage -> rediscovery, unidirectional-link blacklisting, send
// buffer timeout and a bounded Route Request storm. Each test names the
// RFC 4728 section it exercises. Virtual time only: no timing thresholds.
#include <gtest/gtest.h>

#include <set>

#include "harness.hh"

namespace babe::dsr::testing {
namespace {

harness_options opts(std::size_t n, std::uint64_t seed = 1)
{
    harness_options o;
    o.nodes = n;
    o.seed = seed;
    return o;
}

void expect_clean(const harness& h)
{
    for (const auto& v : h.violations())
        ADD_FAILURE() << v;
}

// §3.3.1, §8.2.1, §8.2.4: a route found across five links; the reply
// reverses the recorded route; the first request is non-propagating (§3.3.3).
TEST(DsrScenario, DiscoveryAcrossSixNodeChain)
{
    harness h(opts(6));
    h.chain();
    const auto id = h.send(0, 5);
    h.run_for(2s);
    EXPECT_TRUE(h.delivered(id));
    auto r = h.at(0).find_route(node_addr(5));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->hop_count, 4);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(r->hops[i], node_addr(i + 1));
    const auto& s = h.at(0).stats();
    EXPECT_EQ(s.rreq_originated, 1u);
    EXPECT_EQ(s.rreq_retransmitted, 1u); // the flood after the TTL-1 request
    EXPECT_GE(s.rrep_received, 1u);
    EXPECT_EQ(s.discovery_done, 1u);
    EXPECT_EQ(h.count_events(0, event_kind::discovery_done), 1u);
    EXPECT_GE(h.count_events(0, event_kind::route_changed), 1u);
    EXPECT_EQ(h.at(5).stats().rrep_from_target, 1u);
    EXPECT_EQ(h.at(5).stats().data_delivered, 1u);
    for (std::size_t i = 1; i < 5; ++i)
        EXPECT_EQ(h.at(i).stats().data_forwarded, 1u) << i;
    // Later packets need no discovery.
    const auto id2 = h.send(0, 5);
    h.run_for(1s);
    EXPECT_TRUE(h.delivered(id2));
    EXPECT_EQ(h.at(0).stats().rreq_originated, 1u);
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §3.3.2, §8.2.3: an intermediate node answers from its cache and does not
// rebroadcast the request.
TEST(DsrScenario, CachedReply)
{
    harness h(opts(7));
    h.chain();
    h.set_bidi(5, 6, false); // the chain is 0..5
    h.send(0, 5);
    h.run_for(2s);
    h.set_bidi(1, 6, true); // node 6 arrives next to node 1 (it overheard nothing)
    ASSERT_TRUE(h.at(1).find_route(node_addr(5)));
    const auto before_fwd = h.at(2).stats().rreq_forwarded;
    const auto id = h.send(6, 5);
    h.run_for(2s);
    EXPECT_TRUE(h.delivered(id));
    EXPECT_GE(h.at(1).stats().rrep_from_cache, 1u);
    // The TTL-1 request was answered by node 1: nothing reached node 2.
    EXPECT_EQ(h.at(2).stats().rreq_forwarded, before_fwd);
    auto r = h.at(6).find_route(node_addr(5));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hop_count, 4); // 1 2 3 4
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §3.4.3, §4.4, §8.4?: a node that overhears a packet whose route lists it
// further on sends a gratuitous Route Reply; the source then uses the
// shorter route. The Gratuitous Reply Table holds further replies off.
TEST(DsrScenario, RouteShortening)
{
    harness h(opts(4));
    h.chain(); // 0-1-2-3
    h.send(0, 3);
    h.run_for(2s);
    auto r = h.at(0).find_route(node_addr(3));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->hop_count, 2);
    // Node 2 moves into range of node 0.
    h.set_bidi(0, 2, true);
    const auto id = h.send(0, 3);
    h.run_for(200ms);
    EXPECT_TRUE(h.delivered(id));
    EXPECT_EQ(h.at(2).stats().rrep_gratuitous, 1u);
    r = h.at(0).find_route(node_addr(3));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->hop_count, 1);
    EXPECT_EQ(r->hops[0], node_addr(2));
    const auto id2 = h.send(0, 3);
    h.run_for(200ms);
    EXPECT_TRUE(h.delivered(id2));
    auto hops = h.data_hops(id2);
    ASSERT_FALSE(hops.empty());
    EXPECT_EQ(hops[0], std::make_pair(node_addr(0), node_addr(2)));
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §4.4: within GratReplyHoldoff, one gratuitous reply per (source, overheard node).
TEST(DsrScenario, GratuitousReplyHoldoff)
{
    harness_options o = opts(4);
    o.cfg.route_shortening = true;
    harness h(o);
    h.chain();
    h.send(0, 3);
    h.run_for(2s);
    // Node 2 overhears node 0 but node 0 cannot use it (0 -> 2 only one way
    // for overhearing; 2 -> 0 makes the reply reach). Keep the link lossy
    // one way so the source keeps using the long route: block 0 from
    // learning by cutting 2 -> 0 after the first reply is sent.
    h.set_link(0, 2, true);
    for (int k = 0; k < 5; ++k)
        h.send(0, 3);
    h.run_for(100ms);
    EXPECT_EQ(h.at(2).stats().rrep_gratuitous, 1u);
    EXPECT_GE(h.at(2).stats().rrep_grat_held_off, 1u);
    expect_clean(h);
}

// §3.4.1, §8.3.4-8.3.6: the link 1-2 breaks under traffic: node 1 sends a
// Route Error to the source and salvages the packet on its other route.
TEST(DsrScenario, LinkBreakRouteErrorSalvage)
{
    harness h(opts(5));
    h.set_bidi(0, 1, true);
    h.set_bidi(1, 2, true);
    h.set_bidi(2, 3, true);
    h.set_bidi(1, 4, true);
    h.set_bidi(4, 3, true);
    h.send(0, 3);
    h.run_for(2s);
    auto r = h.at(0).find_route(node_addr(3));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->hop_count, 2);
    const std::size_t mid = r->hops[1] - node_addr(0); // 2 or 4
    const std::size_t other = mid == 2 ? 4 : 2;
    ASSERT_TRUE(h.at(1).find_route(node_addr(3)));
    h.set_bidi(1, mid, false);
    h.run_for(1s); // past MaintHoldoffTime
    const auto id = h.send(0, 3);
    h.run_for(2s);
    EXPECT_TRUE(h.delivered(id));
    EXPECT_EQ(h.at(1).stats().data_salvaged, 1u);
    EXPECT_EQ(h.at(1).stats().rerr_sent, 1u);
    EXPECT_EQ(h.at(0).stats().rerr_received, 1u);
    EXPECT_GE(h.count_events(1, event_kind::link_broken), 1u);
    auto hops = h.data_hops(id);
    ASSERT_FALSE(hops.empty());
    EXPECT_EQ(hops.back(), std::make_pair(node_addr(other), node_addr(3)));
    r = h.at(0).find_route(node_addr(3));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hops[1], node_addr(other));
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §3.4.4, §8.3.5, §3.3: after a break with no alternative known, the
// source rediscovers (the new request carries the last Route Error).
TEST(DsrScenario, LinkBreakThenRediscovery)
{
    harness h(opts(5));
    h.chain(); // 0-1-2-3, node 4 not yet linked
    h.set_bidi(3, 4, false);
    h.send(0, 3);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(3)));
    h.set_bidi(1, 2, false);
    h.set_bidi(1, 4, true);
    h.set_bidi(4, 3, true);
    h.run_for(1s);
    const auto lost = h.send(0, 3);
    h.run_for(500ms);
    EXPECT_TRUE(h.dropped(lost));
    EXPECT_EQ(h.drop_reason_of(lost), drop_reason::maint_failed);
    EXPECT_EQ(h.at(0).stats().rerr_received, 1u);
    EXPECT_FALSE(h.at(0).find_route(node_addr(3)));
    const auto id = h.send(0, 3);
    h.run_for(3s);
    EXPECT_TRUE(h.delivered(id));
    EXPECT_EQ(h.at(0).stats().rreq_originated, 2u);
    EXPECT_EQ(h.at(0).stats().rerr_piggybacked, 1u);
    auto r = h.at(0).find_route(node_addr(3));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->hops[1], node_addr(4));
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §4.6: node 1 hears node 0 but cannot reach it; its reply over that link
// fails, node 0 is blacklisted, and the route forms over node 2 instead.
TEST(DsrScenario, UnidirectionalLinkBlacklist)
{
    harness h(opts(3));
    h.set_link(0, 1, true);  // 1 hears 0
    h.set_link(1, 0, false); // 0 does not hear 1
    h.set_bidi(0, 2, true);
    h.set_bidi(2, 1, true);
    const auto id = h.send(0, 1);
    h.run_for(5s);
    EXPECT_TRUE(h.delivered(id));
    EXPECT_TRUE(h.at(1).blacklisted(node_addr(0)));
    EXPECT_GE(h.at(1).stats().blacklist_added, 1u);
    EXPECT_GE(h.at(1).stats().rreq_blacklisted, 1u);
    auto r = h.at(0).find_route(node_addr(1));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->hop_count, 1);
    EXPECT_EQ(r->hops[0], node_addr(2));
    // Bidirectionality shown later clears the entry.
    h.set_link(1, 0, true);
    h.run_for(h.at(1).cfg().blacklist_timeout + 1s);
    // Node 0 asks again: node 1 hears the request from its now questionable
    // neighbour, processes it, and its direct reply gets through.
    h.at(0).start_discovery(h.now(), node_addr(1));
    h.run_for(2s);
    EXPECT_FALSE(h.at(1).blacklisted(node_addr(0)));
    EXPECT_GE(h.at(1).stats().blacklist_cleared, 1u);
    expect_clean(h);
}

// §4.2: a packet with no route waits SendBufferTimeout, then is dropped.
TEST(DsrScenario, SendBufferTimeout)
{
    harness h(opts(3));
    h.set_bidi(0, 1, true); // node 2 unreachable
    const auto id = h.send(0, 2);
    h.run_for(29s);
    EXPECT_FALSE(h.dropped(id));
    EXPECT_EQ(h.at(0).sizes().send_buffer, 1u);
    h.run_for(2s);
    EXPECT_TRUE(h.dropped(id));
    EXPECT_EQ(h.drop_reason_of(id), drop_reason::send_buffer_timeout);
    EXPECT_EQ(h.at(0).stats().send_buffer_timeouts, 1u);
    EXPECT_EQ(h.at(0).sizes().send_buffer, 0u);
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §4.3, §8.2.2 and flood protection: in a dense 30-node graph a discovery
// costs at most one rebroadcast per node per request, and a node flooding
// requests is rate-limited by its neighbours.
TEST(DsrScenario, RequestStormBounded)
{
    harness h(opts(30, 7));
    std::uint64_t x = 12345;
    for (std::size_t i = 0; i < 30; ++i)
        for (std::size_t j = i + 1; j < 30; ++j) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            if ((x >> 33) % 100 < 40)
                h.set_bidi(i, j, true);
        }
    h.set_bidi(0, 29, false);
    const auto id = h.send(0, 29);
    h.run_for(3s);
    EXPECT_TRUE(h.delivered(id));
    const auto requests = h.at(0).stats().rreq_originated + h.at(0).stats().rreq_retransmitted;
    EXPECT_LE(h.rreq_frames(), requests * 30);
    for (std::size_t i = 1; i < 30; ++i)
        EXPECT_LE(h.at(i).stats().rreq_forwarded, requests) << i;

    // A storm: node 0 asks for 300 distinct targets in one instant.
    for (std::uint32_t k = 0; k < 300; ++k)
        h.at(0).start_discovery(h.now(), 0x0b000000u + k);
    h.run_for(200ms);
    std::uint64_t limited = 0;
    for (std::size_t i = 1; i < 30; ++i) {
        limited += h.at(i).stats().rreq_rate_limited;
        // burst 10 + 20/s: few forwarded in 200 ms, whatever the storm.
        EXPECT_LE(h.at(i).stats().rreq_forwarded, requests + 10 + 5) << i;
    }
    EXPECT_GT(limited, 0u);
    EXPECT_EQ(h.at(0).stats().discovery_table_overflows, 300u - h.at(0).cfg().discovery_table_size);
    expect_clean(h);
}

} // namespace
} // namespace babe::dsr::testing

namespace babe::dsr::testing {
namespace {

// §8.3.3: a probe of its own (an Acknowledgement Request, no payload) for a
// link whose traffic the kernel forwards: answered while the link is up,
// declared broken after MaxMaintRexmt unanswered retransmissions once it is
// silently down (frames lost both ways, as a radio link fails).
TEST(DsrScenario, NeighbourProbeConfirmsThenDetectsSilentFailure)
{
    harness_options o = opts(3);
    o.promiscuous = false;
    o.link_feedback = false;
    harness h(o);
    h.chain();
    h.send(0, 2);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));

    h.at(0).probe_neighbour(h.now(), node_addr(1));
    h.at(0).probe_neighbour(h.now(), node_addr(1)); // one outstanding at a time
    h.run_for(1s);
    EXPECT_EQ(h.at(0).stats().maint_probes, 1u);
    EXPECT_GE(h.at(0).stats().ack_received, 1u);
    EXPECT_EQ(h.count_events(0, event_kind::link_broken), 0u);

    h.set_bidi(0, 1, false);
    h.at(0).probe_neighbour(h.now(), node_addr(1));
    h.run_for(5s);
    EXPECT_EQ(h.at(0).stats().maint_probes, 2u);
    EXPECT_EQ(h.at(0).stats().maint_failures, 1u);
    EXPECT_EQ(h.count_events(0, event_kind::link_broken), 1u);
    EXPECT_FALSE(h.at(0).find_route(node_addr(2))) << "routes over the broken link are gone";
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §8.3.4: a link known lost (carrier down) fails at once: link_broken,
// routes over it removed, no retransmissions first.
TEST(DsrScenario, NeighbourLostFailsTheLinkAtOnce)
{
    harness_options o = opts(3);
    harness h(o);
    h.chain();
    h.send(0, 2);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));
    h.set_bidi(0, 1, false);
    h.at(0).neighbour_lost(h.now(), node_addr(1));
    h.run_for(10ms); // the harness drains events as it runs
    EXPECT_EQ(h.count_events(0, event_kind::link_broken), 1u);
    EXPECT_FALSE(h.at(0).find_route(node_addr(2)));
    EXPECT_EQ(h.at(0).stats().maint_retransmits, 0u);
    expect_clean(h);
}

// SIGHUP: new timers apply to a running node; bounds stay; a bad
// configuration is refused whole.
TEST(DsrScenario, ReconfigureAppliesTimersAndKeepsState)
{
    harness_options o = opts(2);
    harness h(o);
    h.chain();
    h.send(0, 1);
    h.run_for(1s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(1)));

    config next = h.at(0).cfg();
    next.max_request_rexmt = 1;
    next.send_buffer_size = 1; // a bound: ignored
    ASSERT_TRUE(h.at(0).reconfigure(next));
    EXPECT_EQ(h.at(0).cfg().max_request_rexmt, 1u);
    EXPECT_EQ(h.at(0).cfg().send_buffer_size, default_config().send_buffer_size);
    EXPECT_TRUE(h.at(0).find_route(node_addr(1))) << "the cache survives";

    config bad = h.at(0).cfg();
    bad.request_period = 0ms;
    bad.max_request_rexmt = 7;
    EXPECT_FALSE(h.at(0).reconfigure(bad));
    EXPECT_EQ(h.at(0).cfg().max_request_rexmt, 1u);

    // With one retransmission allowed, a discovery for a missing node gives
    // up after two requests.
    h.at(0).start_discovery(h.now(), node_addr(1) + 10);
    h.run_for(60s);
    EXPECT_EQ(h.at(0).stats().discovery_failed, 1u);
    EXPECT_LE(h.at(0).stats().rreq_retransmitted, 1u);
    expect_clean(h);
}

// babectl discover: a discovery for a destination already cached still
// runs and completes when the (unchanged) route comes back (§8.2.1).
TEST(DsrScenario, DiscoveryOfACachedDestinationCompletes)
{
    harness h(opts(3));
    h.chain();
    h.send(0, 2);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));
    const auto done = h.count_events(0, event_kind::discovery_done);
    h.at(0).start_discovery(h.now(), node_addr(2));
    h.run_for(2s);
    EXPECT_EQ(h.count_events(0, event_kind::discovery_done), done + 1);
    expect_clean(h);
}

// babectl flush: the cache empties and the reported routes are withdrawn.
TEST(DsrScenario, FlushRoutesEmptiesTheCache)
{
    harness h(opts(3));
    h.chain();
    h.send(0, 2);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));
    EXPECT_GT(h.at(0).flush_routes(h.now()), 0u);
    h.run_for(10ms);
    EXPECT_FALSE(h.at(0).find_route(node_addr(2)));
    EXPECT_GE(h.count_events(0, event_kind::route_removed), 1u);
    expect_clean(h);
}

// Hop-by-hop recovery (config hop_reliable_next_header): a five-node
// chain, 10 % loss on every link both ways, no overhearing, no link-layer
// feedback. Packets of that Next Header carry an Acknowledgement Request on
// every hop and each hop retransmits them: all arrive, each exactly once
// (receivers drop retransmissions they already have), and no link is taken
// for broken although some packets need more than MaxMaintRexmt tries.
// The same traffic as UDP is maintained the RFC way (one Ack Request per
// MaintHoldoffTime) and loses what one try per hop loses.
harness_options lossy_chain_opts(std::uint8_t reliable_nh)
{
    harness_options o = opts(5, 7);
    o.promiscuous = false;
    o.link_feedback = false;
    o.heard_evidence = true; // as babed's kernel stamps: every frame heard confirms the link
    o.cfg.use_link_feedback = false;
    o.cfg.hop_reliable_next_header = reliable_nh;
    o.cfg.ack_redundancy = 4;
    o.cfg.maint_ack_timeout = 20ms;
    o.cfg.maint_holdoff_time = 100ms;
    o.cfg.rexmt_buffer_size = 256;
    return o;
}

// Sends n packets of `protocol` 0 -> 4 once a route is known; returns how
// many distinct ones arrived and how many deliveries there were.
std::pair<std::size_t, std::uint64_t> lossy_chain_run(harness& h, std::uint8_t protocol, std::size_t n)
{
    h.chain();
    for (std::size_t i = 0; i + 1 < h.size(); ++i)
        h.set_bidi(i, i + 1, true, 0.10);
    for (int k = 0; k < 20 && !h.at(0).find_route(node_addr(4)); ++k) {
        h.send(0, 4);
        h.run_for(500ms);
    }
    EXPECT_TRUE(h.at(0).find_route(node_addr(4)));
    const auto before = h.deliveries();
    std::set<std::uint64_t> ids;
    for (std::size_t k = 0; k < n; ++k) {
        ids.insert(h.send(0, 4, 200, protocol));
        h.run_for(2ms);
    }
    h.run_for(5s);
    std::size_t arrived = 0;
    for (auto id : ids)
        arrived += h.delivered(id);
    return {arrived, h.deliveries() - before};
}

TEST(DsrScenario, HopRecoveryDeliversEveryPacketOnceOverLossyLinks)
{
    constexpr std::size_t n = 1000;
    harness h(lossy_chain_opts(253));
    const auto [arrived, deliveries] = lossy_chain_run(h, 253, n);
    EXPECT_EQ(arrived, n);
    EXPECT_EQ(deliveries, n) << "each exactly once";
    std::uint64_t dups = 0, sent = 0, redundant = 0, samples = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        const auto& s = h.at(i).stats();
        EXPECT_EQ(s.maint_failures, 0u) << i;
        EXPECT_EQ(s.hop_rexmt_exhausted, 0u) << i;
        EXPECT_EQ(h.count_events(i, event_kind::link_broken), 0u) << i;
        dups += s.hop_duplicates;
        sent += s.hop_reliable_sent;
        redundant += s.acks_redundant;
        samples += s.ack_rtt_samples;
    }
    // Lost Acks are mostly made good by the next Ack (ack_redundancy); the
    // retransmissions that still happen for them are dropped by receivers.
    EXPECT_GT(dups, 0u);
    EXPECT_GT(sent, 4 * n) << "every hop sends each packet at least once, some more";
    EXPECT_GT(redundant, 0u);
    EXPECT_GT(samples, 0u);
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);

    harness plain(lossy_chain_opts(253));
    // (The RFC way delivers duplicates too: with no overhearing, a packet
    // waits for a passive ack first and then goes again with a request.)
    const std::size_t plain_arrived = lossy_chain_run(plain, 17, n).first;
    EXPECT_LT(plain_arrived, n * 9 / 10) << "without it, a packet crosses four lossy links once";
    for (std::size_t i = 0; i < plain.size(); ++i) {
        EXPECT_EQ(plain.at(i).stats().hop_reliable_sent, 0u) << "only the configured Next Header";
    }
}

// ack_redundancy: with Acks lost on the way back (20 %), repeating the ids
// asked before in each Ack makes most retransmissions unnecessary.
TEST(DsrScenario, RedundantAcksSaveRetransmissions)
{
    auto run = [](std::uint32_t redundancy) {
        harness_options o = lossy_chain_opts(253);
        o.cfg.ack_redundancy = redundancy;
        harness h(o);
        h.chain();
        h.send(0, 4);
        h.run_for(1s);
        EXPECT_TRUE(h.at(0).find_route(node_addr(4)));
        for (std::size_t i = 0; i + 1 < h.size(); ++i)
            h.set_link(i + 1, i, true, 0.20);
        const auto before = h.deliveries();
        for (int k = 0; k < 500; ++k) {
            h.send(0, 4, 200, 253);
            h.run_for(2ms);
        }
        h.run_for(3s);
        std::uint64_t rexmt = 0;
        for (std::size_t i = 0; i < h.size(); ++i)
            rexmt += h.at(i).stats().maint_retransmits;
        EXPECT_EQ(h.deliveries() - before, 500u);
        expect_clean(h);
        return rexmt;
    };
    const auto one = run(1), four = run(4);
    EXPECT_GT(one, 100u);
    EXPECT_LT(four * 4, one);
}

// The Ack wait follows each neighbour's measured round trip (SRTT + 4
// RTTVAR, at least maint_ack_timeout): over 15 ms hops (30 ms round trips)
// a 20 ms wait retransmits every packet. The first packets teach the round
// trip: the late Ack of a first transmission still confirms it and is a
// sample.
TEST(DsrScenario, AckTimeoutFollowsTheNeighboursRoundTrip)
{
    auto run = [](duration max_wait) {
        harness_options o = lossy_chain_opts(253);
        o.nodes = 3;
        o.hop_delay = 15ms;
        o.cfg.max_ack_timeout = max_wait;
        harness h(o);
        h.chain();
        h.send(0, 2);
        h.run_for(2s);
        EXPECT_TRUE(h.at(0).find_route(node_addr(2)));
        for (int k = 0; k < 200; ++k) {
            h.send(0, 2, 200, 253);
            h.run_for(5ms);
        }
        h.run_for(3s);
        return std::make_pair(h.at(0).stats().maint_retransmits, h.count_events(0, event_kind::link_broken));
    };
    const auto adaptive = run(2s);
    const auto fixed = run(20ms); // the wait pinned at maint_ack_timeout
    EXPECT_LT(adaptive.first * 10, fixed.first) << "only before the first round trips are measured";
    EXPECT_EQ(adaptive.second, 0u);
    EXPECT_EQ(fixed.second, 0u);
    EXPECT_GT(fixed.first, 150u);
}

// hop_window: at most that many hop-recovered packets await an Ack per
// next hop; node::hop_room tells a sender how many more fit, and what
// comes beyond goes without recovery (counted).
TEST(DsrScenario, HopWindowBoundsWhatAwaitsAnAck)
{
    harness_options o = lossy_chain_opts(253);
    o.nodes = 3;
    o.cfg.hop_window = 8;
    harness h(o);
    h.chain();
    h.send(0, 2);
    h.run_for(1s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));
    EXPECT_EQ(h.at(0).hop_room(node_addr(2)), 8u);
    const auto before = h.deliveries();
    for (int k = 0; k < 5; ++k)
        h.send(0, 2, 200, 253);
    EXPECT_EQ(h.at(0).hop_room(node_addr(2)), 3u);
    for (int k = 0; k < 5; ++k)
        h.send(0, 2, 200, 253);
    EXPECT_EQ(h.at(0).hop_room(node_addr(2)), 0u);
    EXPECT_EQ(h.at(0).stats().hop_window_full, 2u);
    const auto plain = h.send(0, 2, 200, 253, false); // asked to go without: not in the window
    EXPECT_EQ(h.at(0).stats().hop_window_full, 2u);
    h.run_for(1s);
    EXPECT_EQ(h.at(0).hop_room(node_addr(2)), 8u);
    EXPECT_TRUE(h.delivered(plain)) << (h.dropped(plain) ? to_string(h.drop_reason_of(plain)) : "not dropped");
    EXPECT_EQ(h.deliveries() - before, 11u);
    EXPECT_EQ(h.at(0).stats().hop_reliable_sent, 8u);
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

// §8.3: past a full maintenance buffer (RexmtBufferSize) a packet goes
// unwatched; a frame of it lost in the air is then released, not
// salvaged. The harness accounts for each such packet, and there are no
// more of them than overflows.
TEST(DsrScenario, PacketsPastAFullMaintenanceBufferAreAccountedFor)
{
    harness_options o = opts(3, 5);
    o.cfg.rexmt_buffer_size = 2;
    harness h(o);
    h.chain();
    h.send(0, 2);
    h.run_for(2s);
    ASSERT_TRUE(h.at(0).find_route(node_addr(2)));
    h.set_bidi(0, 1, true, 0.3);
    h.set_bidi(1, 2, true, 0.3);
    for (int k = 0; k < 20; ++k)
        h.send(0, 2);
    h.run_for(60s);
    std::uint64_t overflow = 0;
    for (std::size_t i = 0; i < 3; ++i)
        overflow += h.at(i).stats().maint_buffer_overflows;
    EXPECT_GT(overflow, 0u);
    EXPECT_GT(h.lost_unmaintained_count(), 0u);
    EXPECT_LE(h.lost_unmaintained_count(), overflow);
    for (auto id : h.sent_ids())
        EXPECT_TRUE(h.delivered(id) || h.dropped(id) || h.lost_unmaintained(id)) << id;
    EXPECT_EQ(h.outstanding_handles(), 0u);
    expect_clean(h);
}

} // namespace
} // namespace babe::dsr::testing
