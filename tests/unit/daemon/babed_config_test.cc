// SPDX-License-Identifier: Apache-2.0
// babed's configuration schema: required keys, defaults, located errors,
// cross-key checks, `config show` covering every key (its output reads back
// to the same config), and the reload plan splitting live keys from
// restart-only ones.
#include "config/babed_config.hh"

#include <gtest/gtest.h>

namespace babe::config {
namespace {

const char* base = "node:\n  address: 10.77.0.1\nmesh:\n  interfaces: [wlan0, wlan1]\n  prefix: 10.77.0.0/16\n";

error err(const std::string& text, const std::vector<std::string>& overrides = {})
{
    try {
        parse_babed_config(text, "t.yaml", overrides);
    } catch (const config_exception& e) {
        return e.err;
    }
    ADD_FAILURE() << "accepted: " << text;
    return {};
}

TEST(babed_config, minimal_file_gets_defaults)
{
    auto c = parse_babed_config(base, "t.yaml");
    EXPECT_EQ(c.node_address, 0x0a4d0001u);
    EXPECT_EQ(c.mesh_interfaces, (std::vector<std::string>{"wlan0", "wlan1"}));
    EXPECT_EQ(c.mesh_prefix, 0x0a4d0000u);
    EXPECT_EQ(c.mesh_prefix_len, 16);
    EXPECT_EQ(c.local_interface, "babe0");
    EXPECT_EQ(c.control_socket, "/run/babe/babe.sock");
    EXPECT_EQ(c.metrics_listen, "127.0.0.1:8477");
    EXPECT_EQ(c.dsr.request_period, std::chrono::milliseconds(500));
    EXPECT_EQ(c.dsr.max_request_rexmt, 16u);
    EXPECT_EQ(c.backend, "auto");
    EXPECT_EQ(c.sched_slice_us, 100u);
    // The core's adaptive link lifetime (the engine keeps the routes XDP
    // uses alive from the kernel's "used" marks); Route Maintenance tuned
    // for the kernel's "heard" stamps (babe.yaml(5)).
    EXPECT_EQ(c.dsr.link_min_lifetime, dsr::default_config().link_min_lifetime);
    EXPECT_EQ(c.dsr.link_min_lifetime, std::chrono::seconds(10));
    EXPECT_EQ(c.dsr.maint_holdoff_time, std::chrono::milliseconds(100));
    EXPECT_EQ(c.dsr.maint_ack_timeout, std::chrono::milliseconds(20));
    EXPECT_EQ(c.dsr.max_maint_rexmt, 2u);
    EXPECT_EQ(c.dsr.broken_link_holdoff, dsr::default_config().broken_link_holdoff);
    auto port = std::stoi(c.metrics_listen.substr(c.metrics_listen.rfind(':') + 1));
    EXPECT_TRUE(port < 9100 || port > 9999);
}

TEST(babed_config, values_and_overrides)
{
    auto c = parse_babed_config(std::string(base) + "dsr:\n  request_period_ms: 250\n  cache: path\nxdp:\n  mode: native\n"
                                                           "engine:\n  backend: afpacket\n",
                                "t.yaml", {"log.level=debug", "dsr.max_request_rexmt=3"});
    EXPECT_EQ(c.dsr.request_period, std::chrono::milliseconds(250));
    EXPECT_EQ(c.dsr.cache, dsr::cache_kind::path);
    EXPECT_EQ(c.xdp_mode, "native");
    EXPECT_EQ(c.backend, "afpacket");
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.dsr.max_request_rexmt, 3u);
    c = parse_babed_config(base, "t.yaml", {"dsr.broken_link_holdoff_ms=2500"});
    EXPECT_EQ(c.dsr.broken_link_holdoff, std::chrono::milliseconds(2500));
    c = parse_babed_config(base, "t.yaml", {"dsr.broken_link_holdoff_ms=0"});
    EXPECT_EQ(c.dsr.broken_link_holdoff, duration::zero());
}

TEST(babed_config, errors_name_file_line_and_key)
{
    auto e = err(std::string(base) + "dsr:\n  request_period: 5\n");
    EXPECT_EQ(e.what(), "t.yaml:7: dsr.request_period: unknown key");
    e = err(std::string(base) + "log:\n  level: loud\n");
    EXPECT_EQ(e.key, "log.level");
    EXPECT_EQ(e.line, 7);
    // Errors found after reading are located too: at the key they name, at
    // a key of its section, or at line 1 (found by fuzz_config_load).
    e = err("mesh:\n  interfaces: [a]\n  prefix: 10.0.0.0/8\n");
    EXPECT_EQ(e.what(), "t.yaml:1: node.address: required key is missing");
    e = err("node:\n  address: 10.0.0.1\nmesh:\n  interfaces: [a]\n");
    EXPECT_EQ(e.what(), "t.yaml:4: mesh.prefix: required key is missing");
    EXPECT_EQ(err("").what(), "t.yaml:1: node.address: required key is missing");
    e = err("node: {address: 10.1.0.1}\nmesh: {interfaces: [a], prefix: 10.77.0.0/16}\n");
    EXPECT_EQ(e.key, "node.address");
    EXPECT_EQ(e.line, 1);
    EXPECT_NE(e.message.find("outside mesh.prefix"), std::string::npos);
    EXPECT_EQ(err(std::string(base) + "local:\n  interface: babe0p\n").what(),
              "t.yaml:7: local.peer: must differ from local.interface");
    EXPECT_EQ(err(std::string(base) + "dsr:\n  request_period_ms: 20000\n").what(),
              "t.yaml:7: dsr.max_request_period_ms: is shorter than dsr.request_period_ms");
    e = err(std::string(base) + "dsr:\n  cache_sweep_interval_ms: 5\n  maint_ack_timeout_ms: 60000\n");
    EXPECT_EQ(e.key, "dsr");
    EXPECT_EQ(e.line, 7);
    EXPECT_EQ(err(std::string(base) + "local:\n  mtu: 1400\n  interface: wlan1\n").line, 4);
    e = err(std::string(base), {"dsr.max_request_period_ms=100", "dsr.request_period_ms=500"});
    EXPECT_EQ(e.what(), "--set: dsr.max_request_period_ms: is shorter than dsr.request_period_ms");
    e = err(std::string(base), {"dsr.max_request_period_ms=100", "dsr.request_period_ms=500"});
    EXPECT_EQ(e.key, "dsr.max_request_period_ms");
    EXPECT_EQ(err(std::string(base), {"mesh.interfaces=[babe0]"}).key, "mesh.interfaces");
    EXPECT_EQ(err(std::string(base), {"mesh.interfaces=[a, a]"}).key, "mesh.interfaces");
    EXPECT_EQ(err(std::string(base), {"metrics.listen=localhost:80"}).key, "metrics.listen");
    EXPECT_EQ(err(std::string(base), {"control.socket=relative.sock"}).key, "control.socket");
    EXPECT_EQ(err(std::string(base), {"local.interface=averyveryverylongname"}).key, "local.interface");
    EXPECT_EQ(err(std::string(base), {"dsr.max_salvage_count=16"}).key, "dsr.max_salvage_count");
    EXPECT_EQ(err(std::string(base), {"dsr.broken_link_holdoff_ms=-1"}).key, "dsr.broken_link_holdoff_ms");
    EXPECT_EQ(err(std::string(base), {"dsr.broken_link_holdoff_ms=3600001"}).key, "dsr.broken_link_holdoff_ms");
    EXPECT_EQ(err(std::string(base), {"dsr.link_feedback_timeout_ms=100"}).message, "unknown key");
    EXPECT_EQ(err(std::string(base), {"node.address=255.255.255.255"}).key, "node.address");
    EXPECT_EQ(err(std::string(base), {"mesh.prefix=10.0.0.0/4"}).key, "mesh.prefix");
    e = err(std::string(base) + "engine:\n  backend: pcap\n");
    EXPECT_EQ(e.what(), "t.yaml:7: engine.backend: 'pcap' is not one of: auto, afxdp, afpacket");
    EXPECT_TRUE(needs_restart("engine.backend"));
    e = err(std::string(base) + "engine:\n  sched_slice_us: 100001\n");
    EXPECT_EQ(e.key, "engine.sched_slice_us");
    EXPECT_EQ(e.line, 7);
    EXPECT_EQ(parse_babed_config(std::string(base) + "engine:\n  sched_slice_us: 0\n", "t.yaml").sched_slice_us, 0u);
    EXPECT_TRUE(needs_restart("engine.sched_slice_us"));
    e = err(std::string(base) + "engine:\n  cpus: 0-3,\n");
    EXPECT_EQ(e.key, "engine.cpus");
    EXPECT_EQ(e.line, 7);
    EXPECT_TRUE(needs_restart("engine.cpus"));
    EXPECT_EQ(err("node: [1, 2\n").line, 2); // YAML syntax error, located
}

TEST(babed_config, show_covers_every_key_and_reads_back)
{
    auto c = parse_babed_config(std::string(base) + "dsr:\n  request_period_ms: 250\n", "t.yaml");
    auto shown = show_babed_config(c);
    EXPECT_GT(shown.size(), 60u);
    std::vector<std::string> overrides;
    for (const auto& [k, v] : shown)
        overrides.push_back(k + "=" + (k == "mesh.interfaces" ? "[" + v + "]" : v.empty() ? "''" : v));
    // Every shown key is a readable key, and reading the shown values back
    // yields the same configuration.
    try {
        auto back = parse_babed_config(std::string(base), "t.yaml", overrides);
        EXPECT_EQ(show_babed_config(back), shown);
    } catch (const config_exception& e) {
        ADD_FAILURE() << e.err.what();
    }
}

TEST(babed_config, reload_plan_keeps_restart_only_keys)
{
    auto cur = parse_babed_config(base, "t.yaml");
    auto next = parse_babed_config(base, "t.yaml",
                                   {"node.address=10.77.0.2", "dsr.request_period_ms=250", "log.level=debug",
                                    "dsr.cache_links=2048"});
    auto plan = plan_reload(cur, next);
    EXPECT_EQ(plan.changed, (std::vector<std::string>{"dsr.request_period_ms", "log.level"}));
    EXPECT_EQ(plan.need_restart, (std::vector<std::string>{"node.address", "dsr.cache_links"}));
    EXPECT_EQ(plan.applied.node_address, cur.node_address);
    EXPECT_EQ(plan.applied.dsr.cache_links, cur.dsr.cache_links);
    EXPECT_EQ(plan.applied.dsr.request_period, std::chrono::milliseconds(250));
    EXPECT_EQ(plan.applied.log_level, "debug");
    EXPECT_TRUE(plan_reload(cur, cur).changed.empty());
    EXPECT_TRUE(needs_restart("mesh.prefix"));
    EXPECT_FALSE(needs_restart("dsr.route_cache_timeout_ms"));
}

TEST(babed_config, cpu_lists)
{
    EXPECT_EQ(parse_cpu_list(""), std::vector<unsigned>{});
    EXPECT_EQ(parse_cpu_list("3"), (std::vector<unsigned>{3}));
    EXPECT_EQ(parse_cpu_list("1,0"), (std::vector<unsigned>{1, 0}));
    EXPECT_EQ(parse_cpu_list("0-2,6"), (std::vector<unsigned>{0, 1, 2, 6}));
    EXPECT_EQ(parse_cpu_list("1023"), (std::vector<unsigned>{1023}));
    for (const char* bad : {"1024", "2-1", "0,", ",0", "a", "0-", "-1", "0 1", "1,,2", "999999"})
        EXPECT_FALSE(parse_cpu_list(bad)) << bad;
    EXPECT_EQ(parse_babed_config(std::string(base) + "engine:\n  cpus: 1,0\n", "t.yaml").shard_cpus, "1,0");
}

} // namespace
} // namespace babe::config
