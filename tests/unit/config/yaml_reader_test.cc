// SPDX-License-Identifier: Apache-2.0
// Strict YAML reading: values reach their parsers, and every error names the
// file, the line and the key (unknown keys, bad values, out of range).
#include "config/yaml_reader.hh"
#include "core/ipv4.hh"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace babe::config {
namespace {

struct settings {
    std::int64_t period_ms = 500;
    bool enabled = false;
    std::string mode = "auto";
    std::vector<std::string> ifaces;
    std::string address;
};

schema make_schema(settings& s)
{
    schema sc;
    sc.add("dsr.request_period_ms", [&](const value_ref& v) { s.period_ms = v.as_int(1, 60000); })
        .add("dsr.enabled", [&](const value_ref& v) { s.enabled = v.as_bool(); })
        .add("dataplane.xdp_mode",
             [&](const value_ref& v) {
                 s.mode = v.as_enum({"auto", "native", "generic"});
             })
        .add("interfaces.mesh", [&](const value_ref& v) { s.ifaces = v.as_string_list(); })
        .add("node.address", [&](const value_ref& v) {
            if (!ipv4_address::parse(v.as_string()))
                v.fail("not an IPv4 address");
            s.address = v.as_string();
        });
    return sc;
}

error read_error(const std::string& text, const std::vector<std::string>& overrides = {})
{
    settings s;
    try {
        make_schema(s).read_string(text, "babe.yaml", overrides);
    } catch (const config_exception& e) {
        return e.err;
    }
    return error{"", -1, "", "no error"};
}

TEST(YamlReader, ReadsNestedValues)
{
    settings s;
    make_schema(s).read_string("dsr:\n  request_period_ms: 250\n  enabled: yes\n"
                               "dataplane:\n  xdp_mode: native\n"
                               "interfaces:\n  mesh: [veth0, veth1]\nnode:\n  address: 10.0.0.1\n",
                               "babe.yaml");
    EXPECT_EQ(s.period_ms, 250);
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.mode, "native");
    EXPECT_EQ(s.ifaces, (std::vector<std::string>{"veth0", "veth1"}));
    EXPECT_EQ(s.address, "10.0.0.1");
}

TEST(YamlReader, UnknownKeyNamesFileLineAndKey)
{
    auto e = read_error("dsr:\n  request_period_ms: 250\n  request_perod_ms: 3\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.key, "dsr.request_perod_ms");
    EXPECT_EQ(e.what(), "babe.yaml:3: dsr.request_perod_ms: unknown key");
}

TEST(YamlReader, UnknownSectionIsAnError)
{
    auto e = read_error("node:\n  address: 10.0.0.1\nbogus:\n  x: 1\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.key, "bogus");
}

TEST(YamlReader, BadValuesAreLocated)
{
    auto e = read_error("dsr:\n  request_period_ms: 0\n");
    EXPECT_EQ(e.what(), "babe.yaml:2: dsr.request_period_ms: 0 is out of range [1, 60000]");
    e = read_error("dsr:\n  request_period_ms: fast\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_NE(e.message.find("expected an integer"), std::string::npos);
    e = read_error("dataplane:\n  xdp_mode: turbo\n");
    EXPECT_EQ(e.what(), "babe.yaml:2: dataplane.xdp_mode: 'turbo' is not one of: auto, native, generic");
    e = read_error("node:\n  address: 10.0.0.300\n");
    EXPECT_EQ(e.what(), "babe.yaml:2: node.address: not an IPv4 address");
    e = read_error("dsr:\n  enabled:\n");
    EXPECT_EQ(e.message, "a value is required");
}

TEST(YamlReader, SyntaxErrorsHaveALine)
{
    auto e = read_error("dsr:\n  request_period_ms: [1,\n");
    EXPECT_GT(e.line, 0);
    EXPECT_EQ(e.file, "babe.yaml");
}

TEST(YamlReader, OverridesApplyAfterTheFile)
{
    settings s;
    make_schema(s).read_string("dsr:\n  request_period_ms: 250\n", "babe.yaml",
                               {"dsr.request_period_ms=100", "interfaces.mesh=a,b"});
    EXPECT_EQ(s.period_ms, 100);
    EXPECT_EQ(s.ifaces, (std::vector<std::string>{"a", "b"}));
    auto e = read_error("", {"dsr.nope=1"});
    EXPECT_EQ(e.what(), "--set: dsr.nope: unknown key");
}

TEST(YamlReader, MissingFileIsAClearError)
{
    settings s;
    try {
        make_schema(s).read_file("/nonexistent/babe.yaml");
        FAIL() << "expected an error";
    } catch (const config_exception& e) {
        EXPECT_EQ(e.err.what(), "/nonexistent/babe.yaml: cannot open file");
    }
}

TEST(YamlReader, ParsesAddressesAndPrefixes)
{
    EXPECT_EQ(ipv4_address::parse("10.1.2.3"), ipv4_address::from_host(0x0a010203U));
    EXPECT_FALSE(ipv4_address::parse("10.1.2"));
    auto p = parse_prefix("10.77.3.4/16");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->first, 0x0a4d0000U);
    EXPECT_EQ(p->second, 16);
    EXPECT_FALSE(parse_prefix("10.77.0.0/33"));
    EXPECT_FALSE(parse_prefix("10.77.0.0"));
}

} // namespace
} // namespace babe::config
