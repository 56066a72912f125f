// SPDX-License-Identifier: Apache-2.0
// babe-dpctl's map commands against memory_maps with fake interfaces: what
// each command writes (byte order, hop order, MACs, flags), what `show` and
// `stats --json` print, and that bad input is an invalid_argument error that
// leaves the maps untouched.
#include "dataplane/dpctl_commands.hh"
#include "dataplane/memory_maps.hh"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace babe::dataplane;

be32 addr(const char* text) { return parse_ipv4(text).value(); }

class dpctl_commands : public ::testing::Test {
protected:
    void SetUp() override
    {
        _env.maps = &_maps;
        _env.ifindex_of = [](const std::string& name) -> dp_result<std::uint32_t> {
            if (name == "mesh-r")
                return 7U;
            if (name == "babe0")
                return 3U;
            return make_dp_error(errc::no_interface, "no interface " + name);
        };
        _env.mac_of = [](const std::string&) -> dp_result<mac_addr> {
            return mac_addr{0x02, 0, 0, 0, 0, 0x07};
        };
    }

    dp_result<void> run(std::vector<std::string> args)
    {
        _env.out.clear();
        return run_map_command(_env, args);
    }

    memory_maps _maps;
    dpctl_env _env;
};

TEST_F(dpctl_commands, route_add_lists_intermediate_hops_in_order)
{
    ASSERT_TRUE(run({"route", "add", "10.77.0.5", "via", "10.77.0.2,10.77.0.3,10.77.0.4",
                     "generation", "9"}));
    auto r = _maps.find_route(addr("10.77.0.5")).value();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->n_hops, 3);
    EXPECT_EQ(r->hops[0], addr("10.77.0.2"));
    EXPECT_EQ(r->hops[2], addr("10.77.0.4"));
    EXPECT_EQ(r->generation, 9U);
    ASSERT_TRUE(run({"route", "add", "10.77.0.2"}));
    EXPECT_EQ(_maps.find_route(addr("10.77.0.2")).value()->n_hops, 0);
    ASSERT_TRUE(run({"route", "show"}));
    EXPECT_NE(_env.out.find("10.77.0.5 via 10.77.0.2,10.77.0.3,10.77.0.4 generation 9"),
              std::string::npos)
        << _env.out;
    EXPECT_NE(_env.out.find("10.77.0.2 direct"), std::string::npos) << _env.out;
    ASSERT_TRUE(run({"route", "del", "10.77.0.2"}));
    EXPECT_FALSE(_maps.find_route(addr("10.77.0.2")).value().has_value());
}

TEST_F(dpctl_commands, bad_routes_are_rejected_and_write_nothing)
{
    EXPECT_EQ(run({"route", "add", "10.77.0.5", "via", "10.77.0.x"}).error().code,
              errc::invalid_argument);
    EXPECT_EQ(run({"route", "add", "nonsense"}).error().code, errc::invalid_argument);
    EXPECT_EQ(run({"route", "add", "10.77.0.5", "generation", "-1"}).error().code,
              errc::invalid_argument);
    std::string many;
    for (int i = 0; i <= BABE_MAX_ROUTE_HOPS; ++i) {
        if (i)
            many.push_back(',');
        many.append("10.0.0.").append(std::to_string(i + 1));
    }
    EXPECT_EQ(run({"route", "add", "10.77.0.5", "via", many}).error().code,
              errc::invalid_argument);
    EXPECT_EQ(run({"route", "frobnicate", "10.77.0.5"}).error().code, errc::invalid_argument);
    EXPECT_TRUE(_maps.list_routes().value().empty());
}

TEST_F(dpctl_commands, neigh_add_takes_ifindex_and_our_mac_from_the_device)
{
    ASSERT_TRUE(run({"neigh", "add", "10.77.0.2", "dev", "mesh-r", "lladdr",
                     "aa:bb:cc:dd:ee:ff"}));
    auto n = _maps.find_neighbour(addr("10.77.0.2")).value();
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->ifindex, 7U);
    EXPECT_EQ(n->mac[0], 0xaa);
    EXPECT_EQ(n->mac[5], 0xff);
    EXPECT_EQ(n->src_mac[5], 0x07);
    EXPECT_EQ(n->last_heard_ns, 0U);
    auto missing = run({"neigh", "add", "10.77.0.3", "dev", "nope0", "lladdr",
                        "aa:bb:cc:dd:ee:ff"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, errc::no_interface);
    EXPECT_EQ(run({"neigh", "add", "10.77.0.3", "dev", "mesh-r"}).error().code,
              errc::invalid_argument);
    ASSERT_TRUE(run({"neigh", "show"}));
    EXPECT_NE(_env.out.find("10.77.0.2 ifindex 7 lladdr aa:bb:cc:dd:ee:ff"), std::string::npos);
}

TEST_F(dpctl_commands, config_and_ports)
{
    ASSERT_TRUE(run({"config", "self", "10.77.0.1", "prefix", "10.77.0.0/24", "local", "babe0"}));
    auto c = _maps.read_config().value();
    EXPECT_EQ(c.self_addr, addr("10.77.0.1"));
    EXPECT_EQ(c.mesh_prefix, addr("10.77.0.0"));
    EXPECT_EQ(c.mesh_prefix_len, 24);
    EXPECT_EQ(c.local_ifindex, 3U);
    EXPECT_EQ(c.local_mac[5], 0x07);
    EXPECT_EQ(c.flags, BABE_CONFIG_F_ENABLED);
    ASSERT_TRUE(run({"config", "self", "10.77.0.1", "prefix", "10.77.0.0/24", "disabled"}));
    EXPECT_EQ(_maps.read_config().value().flags, 0);
    EXPECT_FALSE(run({"config", "self", "10.77.0.1", "prefix", "10.77.0.0/33"}));
    EXPECT_FALSE(run({"config", "self", "10.77.0.1", "prefix", "10.77.0.0"}));

    ASSERT_TRUE(run({"port", "add", "mesh-r"}));
    EXPECT_EQ(_maps.list_tx_ports().value(), std::vector<std::uint32_t>{7});
    ASSERT_TRUE(run({"port", "del", "mesh-r"}));
    EXPECT_TRUE(_maps.list_tx_ports().value().empty());
}

TEST_F(dpctl_commands, stats_json_has_every_counter_by_label)
{
    _maps.add_stat(BABE_STAT_TRANSIT, 98);
    _maps.add_stat(BABE_STAT_DROP_NO_ROOM, 60);
    ASSERT_TRUE(run({"stats", "--json"}));
    EXPECT_NE(_env.out.find("\"transit\":{\"packets\":1,\"bytes\":98}"), std::string::npos)
        << _env.out;
    EXPECT_NE(_env.out.find("\"drop_no_room\":{\"packets\":1,\"bytes\":60}"), std::string::npos);
    EXPECT_NE(_env.out.find("\"deliver\":{\"packets\":0,\"bytes\":0}"), std::string::npos);
    ASSERT_TRUE(run({"stats"}));
    EXPECT_NE(_env.out.find("transit"), std::string::npos);
    EXPECT_EQ(_env.out.find("deliver"), std::string::npos) << "zero counters are not listed";
    ASSERT_TRUE(run({"stats", "clear"}));
    EXPECT_EQ(_maps.read_stats().value()[BABE_STAT_TRANSIT].packets, 0U);
    EXPECT_TRUE(is_map_command("stats"));
    EXPECT_FALSE(is_map_command("attach"));
    EXPECT_EQ(run({"bogus"}).error().code, errc::invalid_argument);
}

} // namespace
