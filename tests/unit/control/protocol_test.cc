// SPDX-License-Identifier: Apache-2.0
// The control protocol without sockets: request parsing (every mistake a
// typed error), encoding round trips, event filters, and the event hub's
// bounded per-subscriber queues with counted drops.
#include "engine/event_hub.hh"
#include "control/protocol.hh"

#include <gtest/gtest.h>

namespace babe::control {
namespace {

error_code code_of(std::string_view line)
{
    auto r = parse_request(line);
    EXPECT_FALSE(r.has_value()) << line;
    return r.has_value() ? error_code::bad_request : r.error().code;
}

TEST(control_protocol, parses_every_command)
{
    for (auto [text, cmd] : std::vector<std::pair<const char*, command>>{
             {R"({"cmd":"status"})", command::status},
             {R"({"cmd":"routes"})", command::routes},
             {R"({"cmd":"neighbours"})", command::neighbours},
             {R"({"cmd":"neighbors"})", command::neighbours},
             {R"({"cmd":"stats","match":"rreq"})", command::stats},
             {R"({"cmd":"flush"})", command::flush},
             {R"({"cmd":"config"})", command::config},
             {R"({"cmd":"monitor"})", command::monitor},
             {R"({"cmd":"discover","target":"10.0.0.9"})", command::discover}}) {
        auto r = parse_request(text);
        ASSERT_TRUE(r.has_value()) << text;
        EXPECT_EQ(r.value().cmd, cmd) << text;
    }
}

TEST(control_protocol, discover_fields)
{
    auto r = parse_request(R"({"cmd":"discover","target":"10.1.2.3","timeout_ms":250})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r.value().target, 0x0a010203u);
    EXPECT_EQ(r.value().timeout_ms, 250);
    auto d = parse_request(R"({"cmd":"discover","target":"10.1.2.3"})");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d.value().timeout_ms, default_discover_timeout_ms);
}

TEST(control_protocol, errors_are_typed)
{
    EXPECT_EQ(code_of("garbage"), error_code::bad_json);
    EXPECT_EQ(code_of(""), error_code::bad_json);
    EXPECT_EQ(code_of("[1,2]"), error_code::bad_json);
    EXPECT_EQ(code_of("\"status\""), error_code::bad_json);
    EXPECT_EQ(code_of("{\"cmd\":\"status\"} trailing"), error_code::bad_json);
    EXPECT_EQ(code_of(std::string_view("{\"cmd\":\"st\xff\"}")), error_code::bad_json);
    EXPECT_EQ(code_of(R"({})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":5})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"reboot"})"), error_code::unknown_command);
    EXPECT_EQ(code_of(R"({"cmd":"discover"})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"discover","target":7})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"discover","target":"10.0.0.256"})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"discover","target":"10.0.0.1","timeout_ms":0})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"discover","target":"10.0.0.1","timeout_ms":"5"})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"discover","target":"10.0.0.1","timeout_ms":1e9})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"monitor","kinds":"route_added"})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"monitor","kinds":["nope"]})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"monitor","kinds":[]})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"monitor","node":"x"})"), error_code::bad_request);
    EXPECT_EQ(code_of(R"({"cmd":"stats","match":1})"), error_code::bad_request);
}

TEST(control_protocol, deep_nesting_is_an_error_not_a_crash)
{
    std::string deep(default_max_request_bytes / 2, '[');
    EXPECT_EQ(code_of(deep), error_code::bad_json);
    std::string deep_obj = "{\"cmd\":\"status\",\"x\":" + std::string(20000, '[') + std::string(20000, ']') + "}";
    EXPECT_TRUE(parse_request(deep_obj).has_value());
}

TEST(control_protocol, encode_round_trips)
{
    request r;
    r.cmd = command::monitor;
    r.filter.kinds = event_filter::bit(event_kind::link_broken) | event_filter::bit(event_kind::drop);
    r.filter.node = 0x0a000005;
    auto back = parse_request(encode_request(r));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back.value().filter.kinds, r.filter.kinds);
    EXPECT_EQ(back.value().filter.node, r.filter.node);

    request d;
    d.cmd = command::discover;
    d.target = 0xc0a80101;
    d.timeout_ms = 1234;
    auto db = parse_request(encode_request(d));
    ASSERT_TRUE(db.has_value());
    EXPECT_EQ(db.value().target, d.target);
    EXPECT_EQ(db.value().timeout_ms, 1234);
}

TEST(control_protocol, json_rendering)
{
    route_info r{0x0a000009, {0x0a000002, 0x0a000005}, 1500, 298500, true};
    auto j = to_json(r);
    EXPECT_EQ(j["dst"], "10.0.0.9");
    EXPECT_EQ(j["hops"], nlohmann::json::array({"10.0.0.2", "10.0.0.5"}));
    EXPECT_EQ(j["expires_ms"], 298500);
    neighbour_info n{0x0a000002, "wlan0", {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01}, 40};
    EXPECT_EQ(to_json(n)["mac"], "de:ad:be:ef:00:01");
    auto c = to_json(std::vector<counter>{{"dsr_rreq_sent", 3}, {"xdp_pass", 9}}, "rreq");
    EXPECT_EQ(c, nlohmann::json({{"dsr_rreq_sent", 3}}));
    discover_result fail{false, {}, 0, "no route"};
    EXPECT_EQ(to_json(fail)["reason"], "no route");
    EXPECT_FALSE(to_json(fail).contains("route"));
    auto line = to_line(nlohmann::json{{"s", std::string("bad\xff")}});
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(control_protocol, event_kind_names_round_trip)
{
    for (int i = 0; i < event_kind_count; ++i) {
        auto k = static_cast<event_kind>(i);
        auto back = parse_event_kind(to_string(k));
        ASSERT_TRUE(back.has_value()) << to_string(k);
        EXPECT_EQ(*back, k);
    }
    EXPECT_FALSE(parse_event_kind("route_added ").has_value());
}

TEST(event_filter, kinds_and_node)
{
    event_filter f;
    f.kinds = event_filter::bit(event_kind::route_added);
    event e;
    e.kind = event_kind::route_added;
    e.dst = 9;
    EXPECT_TRUE(f.matches(e));
    e.kind = event_kind::route_removed;
    EXPECT_FALSE(f.matches(e));
    f.kinds = ~0u;
    f.node = 5;
    EXPECT_FALSE(f.matches(e));
    e.hops = {4, 5};
    EXPECT_TRUE(f.matches(e));
    e.hops.clear();
    e.from = 5;
    EXPECT_TRUE(f.matches(e));
}

TEST(event_hub, bounded_queue_counts_drops)
{
    event_hub hub;
    int wakes = 0;
    auto sub = hub.subscribe({}, 4, [&] { ++wakes; });
    for (int i = 0; i < 10; ++i)
        hub.publish(event{event_kind::rreq_received, 0, static_cast<ipv4>(i + 1), 0, 0, {}, 0, {}});
    EXPECT_EQ(wakes, 1); // only the empty -> non-empty transition wakes
    std::vector<event> out;
    EXPECT_EQ(sub->pop(out, 100), 4u);
    EXPECT_EQ(out.front().dst, 1u); // oldest kept, newest dropped
    EXPECT_NE(out.front().time_ms, 0); // stamped at publish
    EXPECT_EQ(sub->take_dropped(), 6u);
    EXPECT_EQ(sub->take_dropped(), 0u);
    EXPECT_EQ(sub->dropped_total(), 6u);
    EXPECT_EQ(sub->delivered_total(), 4u);
}

TEST(event_hub, filters_per_subscriber_and_wanted_mask)
{
    event_hub hub;
    EXPECT_FALSE(hub.wanted(event_kind::drop));
    event_filter only_links;
    only_links.kinds = event_filter::bit(event_kind::link_broken);
    auto a = hub.subscribe(only_links, 16, {});
    auto b = hub.subscribe({}, 16, {});
    EXPECT_TRUE(hub.wanted(event_kind::drop));
    hub.publish(event{event_kind::drop, 0, 1, 0, 0, {}, 0, "x"});
    hub.publish(event{event_kind::link_broken, 0, 0, 1, 2, {}, 0, {}});
    std::vector<event> ea, eb;
    EXPECT_EQ(a->pop(ea, 10), 1u);
    EXPECT_EQ(ea[0].kind, event_kind::link_broken);
    EXPECT_EQ(b->pop(eb, 10), 2u);
    hub.unsubscribe(b);
    EXPECT_FALSE(hub.wanted(event_kind::drop));
    EXPECT_TRUE(hub.wanted(event_kind::link_broken));
    hub.unsubscribe(a);
    EXPECT_EQ(hub.subscribers(), 0u);
    auto before = hub.published();
    hub.publish(event{event_kind::drop, 0, 1, 0, 0, {}, 0, "x"});
    EXPECT_EQ(hub.published(), before); // nobody wants it: not even counted
}

} // namespace
} // namespace babe::control
