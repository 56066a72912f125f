// SPDX-License-Identifier: Apache-2.0
// The simulated world with the one-hop direct agent (no routing): radio
// range, carrier sense and collisions, queue overflow, link-layer retries,
// faults, the books (every data packet delivered or dropped with a reason),
// determinism of JSON and pcap, and checkers catching agents that break
// the handle contract.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sim/scenario.hh"
#include "sim/sweep.hh"
#include "sim/world.hh"

using namespace babe::sim;

namespace {

run_result run_text(const std::string& yaml, std::uint64_t seed = 1, const run_options& opt = {},
                    const std::vector<std::string>& sets = {})
{
    auto sc = load_scenario_text("agent: direct\n" + yaml, "test.yaml", sets);
    world w(sc, seed, opt);
    return w.run();
}

std::string pair_yaml(double spacing, const std::string& extra = "")
{
    return "duration_s: 10\nnodes: 2\narea: {x_m: 500, y_m: 1}\n"
           "mobility: {model: chain, spacing_m: " +
           std::to_string(spacing) +
           "}\ntraffic:\n  sources: 0\n  flows: [{src: 0, dst: 1, rate_pps: 10, start_s: 0.5}]\n" + extra;
}

void expect_books_balance(const run_result& r)
{
    EXPECT_FALSE(r.failure) << *r.failure;
    EXPECT_EQ(r.data_sent, r.data_delivered + r.data_dropped + r.data_in_flight);
    std::uint64_t reasons = 0;
    for (const auto& [k, v] : r.drop_reasons)
        reasons += v;
    EXPECT_EQ(reasons, r.data_dropped);
}

std::string file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST(world, one_hop_in_range_delivers_everything)
{
    auto r = run_text(pair_yaml(100));
    expect_books_balance(r);
    EXPECT_EQ(r.data_sent, 95u); // 0.5 s .. 10 s at 10/s
    EXPECT_EQ(r.data_delivered, r.data_sent);
    EXPECT_DOUBLE_EQ(r.pdr, 1.0);
    EXPECT_DOUBLE_EQ(r.mean_hops, 1.0);
    EXPECT_DOUBLE_EQ(r.mean_extra_hops, 0.0);
    EXPECT_EQ(r.mac_retries, 0u);
    EXPECT_GT(r.mean_delay_s, 0.0);
    EXPECT_LT(r.mean_delay_s, 0.01);
}

TEST(world, out_of_range_nothing_arrives_and_retries_are_exhausted)
{
    auto r = run_text(pair_yaml(300));
    expect_books_balance(r);
    EXPECT_EQ(r.data_delivered, 0u);
    EXPECT_EQ(r.mac_retry_failures, r.data_sent - r.data_in_flight);
    EXPECT_EQ(r.mac_retries, 7 * r.mac_retry_failures);
    EXPECT_GT(r.drop_reasons.at("link_failed"), 0u);
}

TEST(world, without_link_feedback_a_lost_frame_is_dropped_on_air)
{
    auto r = run_text(pair_yaml(300, "radio: {link_feedback: false}\n"));
    expect_books_balance(r);
    EXPECT_EQ(r.data_delivered, 0u);
    EXPECT_EQ(r.mac_retries, 0u);
    EXPECT_EQ(r.drop_reasons.at("lost_on_air"), r.data_dropped);
    EXPECT_GT(r.data_dropped, 0u);
}

TEST(world, range_is_a_unit_disk)
{
    auto in = run_text(pair_yaml(100, "radio: {range_m: 100}\n"));
    auto out = run_text(pair_yaml(100.001, "radio: {range_m: 100}\n"));
    EXPECT_EQ(in.pdr, 1.0);
    EXPECT_EQ(out.data_delivered, 0u);
}

TEST(world, full_interface_queue_drops_with_a_reason)
{
    // 1400-byte packets at 1000/s are ~11 Mb/s into a 2 Mb/s radio.
    auto r = run_text("duration_s: 2\nnodes: 2\nmobility: {model: chain, spacing_m: 50}\n"
                      "traffic:\n  sources: 0\n  flows: [{src: 0, dst: 1, rate_pps: 1000, size_b: 1400}]\n");
    expect_books_balance(r);
    EXPECT_GT(r.mac_queue_drops, 0u);
    // the direct agent keeps a handle until link feedback, which a frame the
    // queue refused never gets: those count in flight, the rest as ifq_full
    EXPECT_GT(r.drop_reasons.at("ifq_full"), 0u);
    EXPECT_LE(r.drop_reasons.at("ifq_full"), r.mac_queue_drops);
    EXPECT_GT(r.data_delivered, 100u);
    // the radio never carries more than its bitrate
    EXPECT_LE(r.mac_airtime_s, 2.0 + 0.01);
}

TEST(world, hidden_terminals_collide_and_retries_recover)
{
    // 0 and 2 cannot hear each other (400 m) but both reach 1 (200 m).
    std::string yaml = "duration_s: 10\nnodes: 3\nmobility: {model: chain, spacing_m: 200}\n"
                       "traffic:\n  sources: 0\n  flows:\n"
                       "    - {src: 0, dst: 1, rate_pps: 100, size_b: 1000}\n"
                       "    - {src: 2, dst: 1, rate_pps: 100, size_b: 1000}\n";
    auto r = run_text(yaml);
    expect_books_balance(r);
    EXPECT_GT(r.mac_collisions, 0u);
    EXPECT_GT(r.mac_retries, 0u);
    auto off = run_text(yaml, 1, {}, {"radio.link_feedback=false"});
    expect_books_balance(off);
    EXPECT_GT(off.mac_collisions, 0u);
    EXPECT_LT(off.pdr, r.pdr);
    // with a 550 m carrier-sense range 0 and 2 sense each other: far fewer collisions
    auto cs = run_text(yaml, 1, {}, {"radio.carrier_sense_m=550"});
    expect_books_balance(cs);
    EXPECT_LT(cs.mac_collisions * 5, r.mac_collisions);
    EXPECT_GE(cs.pdr, r.pdr);
    // neighbours in range sense each other: 0 and 1 alone never collide
    auto pair = run_text(pair_yaml(100, ""), 1, {}, {"traffic.flows=[{src: 0, dst: 1, rate_pps: 100, size_b: 1000}, {src: 1, dst: 0, rate_pps: 100, size_b: 1000}]"});
    expect_books_balance(pair);
    EXPECT_LT(pair.mac_collisions, pair.mac_transmissions / 10);
}

TEST(world, crash_drops_what_the_node_held_and_restart_recovers)
{
    auto r = run_text(pair_yaml(100, "faults: [{kind: crash, node: 1, at_s: 3, until_s: 6}]\n"));
    expect_books_balance(r);
    EXPECT_GT(r.data_delivered, 50u);
    EXPECT_GT(r.data_dropped, 20u);
    auto r0 = run_text(pair_yaml(100, "faults: [{kind: crash, node: 0, at_s: 3, until_s: 6}]\n"));
    expect_books_balance(r0);
    EXPECT_LT(r0.data_sent, 70u); // a crashed source sends nothing
}

TEST(world, link_down_partition_and_loss_burst_block_delivery)
{
    for (const char* f : {"faults: [{kind: link_down, a: 0, b: 1, at_s: 2, until_s: 8}]\n",
                          "faults: [{kind: partition, at_s: 2, until_s: 8, nodes: [0]}]\n",
                          "faults: [{kind: partition, at_s: 2, until_s: 8, x_m: 50}]\n",
                          "faults: [{kind: loss_burst, at_s: 2, until_s: 8, loss: 1}]\n"}) {
        auto r = run_text(pair_yaml(100, f));
        expect_books_balance(r);
        EXPECT_GT(r.data_delivered, 20u) << f;
        EXPECT_LT(r.data_delivered, 45u) << f;
        EXPECT_GT(r.mac_losses, 0u) << f;
    }
    auto lossy = run_text(pair_yaml(100, "radio: {loss: 0.5, link_feedback: false}\n"));
    expect_books_balance(lossy);
    EXPECT_GT(lossy.pdr, 0.3);
    EXPECT_LT(lossy.pdr, 0.7);
}

TEST(world, same_seed_same_bytes_other_seed_other_run)
{
    std::string path = std::string(BABE_SIM_SCENARIOS) + "/mobile.yaml";
    auto sc = load_scenario(path, {"agent=direct", "duration_s=20"});
    std::string pa = ::testing::TempDir() + "sim_det_a.pcap", pb = ::testing::TempDir() + "sim_det_b.pcap";
    auto a = world(sc, 5, run_options{pa, {}, {}}).run();
    auto b = world(sc, 5, run_options{pb, {}, {}}).run();
    auto c = world(sc, 6, run_options{}).run();
    auto ja = to_json(a), jb = to_json(b), jc = to_json(c);
    ja.erase("wall_s");
    jb.erase("wall_s");
    jc.erase("wall_s");
    EXPECT_EQ(ja.dump(), jb.dump());
    EXPECT_NE(ja.dump(), jc.dump());
    auto ba = file_bytes(pa), bb = file_bytes(pb);
    EXPECT_GT(ba.size(), 24u + 1000u);
    EXPECT_EQ(ba, bb);
    std::remove(pa.c_str());
    std::remove(pb.c_str());
}

namespace {

// Agents that break the handle contract in one way each.
class broken_agent : public agent {
public:
    enum kind { double_release, leak, release_unsent };
    explicit broken_agent(kind k) : _k(k) {}
    void handle_packet(babe::time_point, babe::dsr::addr, std::span<const std::byte>,
                       std::optional<babe::dsr::packet_handle> h, bool) override
    {
        if (h)
            release(*h);
    }
    std::uint32_t hop_room(babe::dsr::addr) const override { return 0xffffffffu; }
    void send(babe::time_point, babe::dsr::packet_handle h, std::span<const std::byte>, bool) override
    {
        if (_k == leak)
            return;
        if (_k == double_release) { // dropped (a valid end), then reported again
            drop(h);
            drop(h);
            return;
        }
        release(h);
    }
    void handle_link_feedback(babe::time_point, babe::dsr::addr, babe::dsr::link_status) override {}
    void handle_timeout(babe::time_point) override {}
    std::optional<babe::time_point> poll_timeout() const override { return std::nullopt; }
    std::optional<babe::dsr::transmit> poll_transmit(babe::time_point, std::span<std::byte>) override
    {
        return std::nullopt;
    }
    std::optional<babe::dsr::event> poll_event() override
    {
        if (_ev.empty())
            return std::nullopt;
        auto e = _ev.front();
        _ev.pop_front();
        return e;
    }
    void add_counters(std::map<std::string, std::uint64_t>&) const override {}
    const char* drop_label(babe::dsr::drop_reason) const override { return "broken"; }

private:
    void release(babe::dsr::packet_handle h)
    {
        babe::dsr::event e;
        e.kind = babe::dsr::event_kind::released;
        e.handle = h;
        _ev.push_back(e);
    }
    void drop(babe::dsr::packet_handle h)
    {
        babe::dsr::event e;
        e.kind = babe::dsr::event_kind::dropped;
        e.reason = babe::dsr::drop_reason::malformed;
        e.handle = h;
        _ev.push_back(e);
    }
    kind _k;
    std::deque<babe::dsr::event> _ev;
};

run_result run_broken(broken_agent::kind k)
{
    run_options opt;
    opt.agent_factory = [k](std::uint32_t, babe::dsr::addr, std::uint64_t) {
        return std::make_unique<broken_agent>(k);
    };
    return run_text(pair_yaml(100, "checker_leak_s: 5\n"), 1, opt);
}

} // namespace

TEST(world, checkers_catch_broken_handle_contracts)
{
    auto d = run_broken(broken_agent::double_release);
    ASSERT_TRUE(d.failure);
    EXPECT_NE(d.failure->find("a second return"), std::string::npos) << *d.failure;
    EXPECT_NE(d.failure->find("handle"), std::string::npos) << *d.failure;
    auto l = run_broken(broken_agent::leak);
    ASSERT_TRUE(l.failure);
    EXPECT_NE(l.failure->find("leaked handle"), std::string::npos) << *l.failure;
    auto u = run_broken(broken_agent::release_unsent);
    ASSERT_TRUE(u.failure);
    EXPECT_NE(u.failure->find("vanished"), std::string::npos) << *u.failure;
}

TEST(world, sweep_writes_runs_and_summary)
{
    std::string dir = ::testing::TempDir() + "sim_sweep";
    sweep_options o;
    o.scenario_path = std::string(BABE_SIM_SCENARIOS) + "/chain.yaml";
    o.param = "mobility.spacing_m";
    o.values = {"100", "300"};
    o.seeds = 2;
    o.overrides = {"agent=direct", "duration_s=5", "traffic.flows=[{src: 0, dst: 1, rate_pps: 4}]"};
    o.out_dir = dir;
    o.jobs = 2;
    o.plot = false;
    ASSERT_EQ(run_sweep(o), 0);
    std::ifstream runs(dir + "/runs.csv");
    std::string line;
    int rows = 0;
    while (std::getline(runs, line))
        ++rows;
    EXPECT_EQ(rows, 1 + 4);
    std::ifstream sum(dir + "/summary.csv");
    std::getline(sum, line); // header
    std::getline(sum, line);
    EXPECT_EQ(line.rfind("100,2,1.0000,1.0000,1.0000", 0), 0u) << line;
    std::getline(sum, line);
    EXPECT_EQ(line.rfind("300,2,0.0000", 0), 0u) << line;
}
