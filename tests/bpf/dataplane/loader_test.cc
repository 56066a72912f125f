// SPDX-License-Identifier: Apache-2.0
// The XDP loader against the real kernel: maps pinned by one loader are
// reused (with their entries) by the next, links survive the loader and get
// the new program in place, detach removes them, per-CPU stats are summed,
// and the error cases (missing interface, no bpffs, unsupported mode) come
// back as typed errors with a message naming the culprit. Runs in a private
// network namespace with its own veth pair; pins under a per-process path.
#include "dataplane/bpf_maps.hh"
#include "dataplane/loader.hh"
#include "dataplane/system.hh"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

using namespace babe::dataplane;

std::uint32_t prog_id_of_fd(int fd)
{
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        return 0;
    return info.id;
}

std::uint32_t attached_prog_id(const std::string& ifname)
{
    __u32 id = 0;
    unsigned ifindex = if_nametoindex(ifname.c_str());
    if (ifindex == 0 || bpf_xdp_query_id(static_cast<int>(ifindex), 0, &id) != 0)
        return 0;
    return id;
}

be32 addr(const char* text) { return parse_ipv4(text).value(); }

class loader_test : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        // A private network namespace: the veth pair and the attachments die with
    // us. Its loopback device has no native XDP: the unsupported-mode case.
        ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET)";
        ASSERT_EQ(std::system("ip link set lo up && ip link add dpt0 type veth peer name dpt1 "
                              "&& ip link set dpt0 up && ip link set dpt1 up"),
                  0);
    }

    void SetUp() override
    {
        if (!is_on_bpffs("/sys/fs/bpf"))
            GTEST_SKIP() << "no bpffs on /sys/fs/bpf";
        _pin = "/sys/fs/bpf/babe-loader-test-" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
        (void)remove_pins(_pin);
    }

    void TearDown() override
    {
        if (!_pin.empty())
            (void)remove_pins(_pin);
    }

    loader_options options() const
    {
        loader_options o;
        o.pin_path = _pin;
        return o;
    }

    std::string _pin;
};

TEST_F(loader_test, pinned_maps_keep_entries_across_two_loaders)
{
    {
        auto first = xdp_loader::load(options());
        ASSERT_TRUE(first) << describe(first.error()) << first.error().log;
        EXPECT_FALSE(first.value()->reused_maps());
        auto route = make_route({addr("10.0.0.2"), addr("10.0.0.3")}, 7);
        ASSERT_TRUE(route);
        ASSERT_TRUE(first.value()->maps().put_route(addr("10.0.0.9"), route.value()));
        babe_neighbour n{};
        n.ifindex = if_nametoindex("dpt0");
        n.mac[5] = 0x42;
        ASSERT_TRUE(first.value()->maps().put_neighbour(addr("10.0.0.2"), n));
        babe_config c{};
        c.self_addr = addr("10.0.0.1");
        c.flags = BABE_CONFIG_F_ENABLED;
        ASSERT_TRUE(first.value()->maps().write_config(c));
    }
    for (const char* name : {"routes", "neighbours", "tx_ports", "xsks", "stats", "config"})
        EXPECT_TRUE(std::filesystem::exists(_pin + "/" + name)) << name;

    auto second = xdp_loader::load(options());
    ASSERT_TRUE(second) << describe(second.error());
    EXPECT_TRUE(second.value()->reused_maps());
    auto found = second.value()->maps().find_route(addr("10.0.0.9"));
    ASSERT_TRUE(found);
    ASSERT_TRUE(found.value().has_value());
    EXPECT_EQ(found.value()->n_hops, 2);
    EXPECT_EQ(found.value()->generation, 7U);
    EXPECT_EQ(found.value()->hops[1], addr("10.0.0.3"));
    auto nb = second.value()->maps().find_neighbour(addr("10.0.0.2"));
    ASSERT_TRUE(nb && nb.value().has_value());
    EXPECT_EQ(nb.value()->mac[5], 0x42);
    auto cfg = second.value()->maps().read_config();
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg.value().self_addr, addr("10.0.0.1"));

    // babe-dpctl's path: the same entries through the pins alone.
    auto pinned = bpf_maps::open_pinned(_pin);
    ASSERT_TRUE(pinned) << describe(pinned.error());
    auto routes = pinned.value()->list_routes();
    ASSERT_TRUE(routes);
    ASSERT_EQ(routes.value().size(), 1U);
    EXPECT_EQ(routes.value()[0].first, addr("10.0.0.9"));
}

// babed logs where its start-up goes from these figures: both programs, in
// load order, with the kernel's instruction counts. The verified count also
// guards the option walk against the verifier state explosion it once had
// (52617 instructions verified for babe_mesh_ingress, ~25 ms per load; 5949
// since every loop-carried access is volatile, bpf/lib/dsr.h; 27767 with the
// packet capture's tail, bpf/lib/capture.h: a flag read and a call checked
// once per path that ends the program, linear, not the walk multiplying).
TEST_F(loader_test, load_reports_each_programs_verifier_figures)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    const auto& t = l.value()->timing();
    ASSERT_EQ(t.programs.size(), 2U);
    bool ingress = false, egress = false;
    for (const auto& p : t.programs) {
        std::string name = p.name;
        ingress |= name == "babe_mesh_ingress";
        egress |= name == "babe_local_egress";
        EXPECT_GT(p.insns, 0U) << name;
        EXPECT_GT(p.verified_insns, 0U) << name;
        EXPECT_GE(p.verify_ms, 0.0) << name;
        if (name == "babe_mesh_ingress") {
            EXPECT_LT(p.verified_insns, 40000U) << "the option walk's states multiply again";
        }
    }
    EXPECT_TRUE(ingress);
    EXPECT_TRUE(egress);
    EXPECT_GE(t.total_ms, t.open_ms + t.reuse_ms);
}

TEST_F(loader_test, link_outlives_the_loader_is_updated_in_place_and_detached)
{
    std::uint32_t first_prog = 0;
    std::uint32_t link_id = 0;
    {
        auto first = xdp_loader::load(options());
        ASSERT_TRUE(first) << describe(first.error()) << first.error().log;
        auto a = first.value()->attach(xdp_role::mesh_ingress, "dpt0", xdp_mode::automatic);
        ASSERT_TRUE(a) << describe(a.error());
        EXPECT_FALSE(a.value().updated);
        EXPECT_NE(a.value().link_id, 0U);
        link_id = a.value().link_id;
        first_prog = prog_id_of_fd(first.value()->prog_fd(xdp_role::mesh_ingress));
        EXPECT_EQ(attached_prog_id("dpt0"), first_prog);
    }
    // No process holds the program now: the pinned link keeps it attached.
    EXPECT_EQ(attached_prog_id("dpt0"), first_prog);
    EXPECT_TRUE(std::filesystem::exists(link_pin(_pin, "dpt0")));

    auto second = xdp_loader::load(options());
    ASSERT_TRUE(second) << describe(second.error());
    auto b = second.value()->attach(xdp_role::mesh_ingress, "dpt0", xdp_mode::automatic);
    ASSERT_TRUE(b) << describe(b.error());
    EXPECT_TRUE(b.value().updated);
    EXPECT_EQ(b.value().link_id, link_id);
    std::uint32_t second_prog = prog_id_of_fd(second.value()->prog_fd(xdp_role::mesh_ingress));
    EXPECT_NE(second_prog, first_prog);
    EXPECT_EQ(attached_prog_id("dpt0"), second_prog);

    // The other role on the other end, then a listing of both.
    auto c = second.value()->attach(xdp_role::local_egress, "dpt1", xdp_mode::native);
    ASSERT_TRUE(c) << describe(c.error());
    auto links = list_links(_pin);
    ASSERT_TRUE(links);
    EXPECT_EQ(links.value().size(), 2U);

    ASSERT_TRUE(detach(_pin, "dpt0"));
    EXPECT_EQ(attached_prog_id("dpt0"), 0U);
    EXPECT_FALSE(std::filesystem::exists(link_pin(_pin, "dpt0")));
    auto again = detach(_pin, "dpt0");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, errc::not_found);

    ASSERT_TRUE(remove_pins(_pin));
    EXPECT_EQ(attached_prog_id("dpt1"), 0U);
    EXPECT_FALSE(std::filesystem::exists(_pin));
}

TEST_F(loader_test, missing_interface_is_a_typed_error_naming_it)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    auto a = l.value()->attach(xdp_role::mesh_ingress, "no-such-if0", xdp_mode::automatic);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, errc::no_interface);
    EXPECT_NE(a.error().message.find("no-such-if0"), std::string::npos) << a.error().message;
}

TEST_F(loader_test, native_mode_on_loopback_is_mode_unsupported)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    auto a = l.value()->attach(xdp_role::mesh_ingress, "lo", xdp_mode::native);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, errc::mode_unsupported) << describe(a.error());
    EXPECT_EQ(attached_prog_id("lo"), 0U);
    // Generic mode works on any device.
    auto g = l.value()->attach(xdp_role::mesh_ingress, "lo", xdp_mode::generic);
    ASSERT_TRUE(g) << describe(g.error());
    EXPECT_NE(attached_prog_id("lo"), 0U);
}

TEST_F(loader_test, interface_with_a_foreign_xdp_program_is_busy)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    int ifindex = static_cast<int>(if_nametoindex("dpt1"));
    // Attached the old way (netlink, no link): the loader must not take over.
    ASSERT_EQ(bpf_xdp_attach(ifindex, l.value()->prog_fd(xdp_role::local_egress), 0, nullptr), 0);
    auto a = l.value()->attach(xdp_role::mesh_ingress, "dpt1", xdp_mode::automatic);
    EXPECT_EQ(bpf_xdp_detach(ifindex, 0, nullptr), 0);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, errc::busy) << describe(a.error());
    EXPECT_FALSE(std::filesystem::exists(link_pin(_pin, "dpt1")));
}

TEST_F(loader_test, pin_path_without_bpffs_is_no_bpffs)
{
    for (std::string bad : {std::string{"/tmp/babe-loader-test-"} + std::to_string(getpid()),
                            std::string{"/nonexistent/babe"}}) {
        loader_options o;
        o.pin_path = bad;
        auto l = xdp_loader::load(o);
        ASSERT_FALSE(l) << bad;
        EXPECT_EQ(l.error().code, errc::no_bpffs) << describe(l.error());
        EXPECT_NE(l.error().message.find(bad), std::string::npos) << l.error().message;
        EXPECT_FALSE(std::filesystem::exists(bad));
    }
    auto pinned = bpf_maps::open_pinned("/sys/fs/bpf/babe-loader-test-absent");
    ASSERT_FALSE(pinned);
    EXPECT_EQ(pinned.error().code, errc::not_found);
}

TEST_F(loader_test, stats_are_summed_over_cpus_and_cleared)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    auto maps = bpf_maps::open_pinned(_pin);
    ASSERT_TRUE(maps) << describe(maps.error());
    int ncpus = libbpf_num_possible_cpus();
    ASSERT_GT(ncpus, 0);
    // `stats` has an entry per possible CPU plus the shared entry 0.
    bpf_map_info info{};
    __u32 len = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(maps.value()->stats_fd(), &info, &len), 0);
    ASSERT_EQ(info.max_entries, static_cast<__u32>(ncpus) + 1);
    for (std::uint32_t k = 0; k <= static_cast<std::uint32_t>(ncpus); ++k) {
        babe_stats_cpu v{};
        v.transit = {k + 1, 100 * (k + 1)};
        v.drop_ttl_expired = {1, 60};
        ASSERT_EQ(bpf_map_update_elem(maps.value()->stats_fd(), &k, &v, BPF_ANY), 0);
    }
    auto s = l.value()->maps().read_stats();
    ASSERT_TRUE(s);
    std::uint64_t n = static_cast<std::uint64_t>(ncpus) + 1; // entries
    EXPECT_EQ(s.value()[BABE_STAT_TRANSIT].packets, n * (n + 1) / 2);
    EXPECT_EQ(s.value()[BABE_STAT_TRANSIT].bytes, 100 * n * (n + 1) / 2);
    EXPECT_EQ(s.value()[BABE_STAT_DROP_TTL_EXPIRED].packets, n);
    EXPECT_EQ(s.value()[BABE_STAT_DROP_TTL_EXPIRED].bytes, 60 * n);
    EXPECT_EQ(s.value()[BABE_STAT_DELIVER].packets, 0U);
    ASSERT_TRUE(l.value()->maps().clear_stats());
    auto z = maps.value()->read_stats();
    ASSERT_TRUE(z);
    EXPECT_EQ(z.value()[BABE_STAT_TRANSIT].packets, 0U);
}

TEST_F(loader_test, tx_ports_and_neighbours_round_trip)
{
    auto l = xdp_loader::load(options());
    ASSERT_TRUE(l) << describe(l.error());
    map_access& m = l.value()->maps();
    std::uint32_t ifindex = if_nametoindex("dpt0");
    ASSERT_TRUE(m.put_tx_port(ifindex));
    auto ports = m.list_tx_ports();
    ASSERT_TRUE(ports);
    ASSERT_EQ(ports.value().size(), 1U);
    EXPECT_EQ(ports.value()[0], ifindex);
    ASSERT_TRUE(m.erase_tx_port(ifindex));
    EXPECT_TRUE(m.list_tx_ports().value().empty());

    EXPECT_FALSE(m.find_neighbour(addr("10.9.9.9")).value().has_value());
    auto gone = m.erase_route(addr("10.9.9.9"));
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, errc::not_found);
    babe_route too_long{};
    too_long.n_hops = BABE_MAX_ROUTE_HOPS + 1;
    auto bad = m.put_route(addr("10.9.9.9"), too_long);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, errc::invalid_argument);
}

} // namespace
