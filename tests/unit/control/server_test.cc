// SPDX-License-Identifier: Apache-2.0
// The control server on a temporary socket with the fake service: requests
// and answers, several clients at once, the client bound, garbage and
// oversized lines, discover answers and timeouts, monitor streams whose
// delivered and dropped counts add up, stale and live sockets; and the
// mailbox that lets an engine answer from its own loop.
#include "control/client.hh"
#include "control/fake_service.hh"
#include "engine/mailbox.hh"
#include "control/server.hh"
#include "core/ipv4.hh"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace babe::control {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using engine::mailbox;
using engine::mailbox_service;
using engine::service_unavailable;

struct server_fixture : ::testing::Test {
    std::string dir;
    std::string path;
    fake_service svc;
    std::unique_ptr<server> srv;

    void SetUp() override
    {
        char tmpl[] = "/tmp/babe-ctl-XXXXXX";
        dir = ::mkdtemp(tmpl);
        path = dir + "/sub/babe.sock";
        svc.set_routes({{0x0a000009, {0x0a000002}, 10, 1000, true}});
        svc.set_counters({{"dsr_rreq_originated", 3}});
    }
    void start(server_options o = {})
    {
        o.socket_path = path;
        if (!o.config_show)
            o.config_show = [] { return std::vector<std::pair<std::string, std::string>>{{"node.address", "10.0.0.1"}}; };
        srv = std::make_unique<server>(svc, o);
        ASSERT_EQ(srv->listen(), "");
        srv->start();
    }
    void TearDown() override
    {
        srv.reset();
        std::filesystem::remove_all(dir);
    }
    request req(command c)
    {
        request r;
        r.cmd = c;
        return r;
    }
};

TEST_F(server_fixture, answers_requests_and_sets_mode)
{
    start();
    struct stat sb {};
    ASSERT_EQ(::stat(path.c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0660u);
    client c(path);
    auto routes = c.call(req(command::routes), 5s);
    EXPECT_TRUE(routes["ok"]);
    EXPECT_EQ(routes["routes"][0]["dst"], "10.0.0.9");
    auto st = c.call(req(command::stats), 5s);
    EXPECT_EQ(st["stats"]["dsr_rreq_originated"], 3);
    auto cfg = c.call(req(command::config), 5s);
    EXPECT_EQ(cfg["config"]["node.address"], "10.0.0.1");
    auto fl = c.call(req(command::flush), 5s);
    EXPECT_EQ(fl["flushed"], 1);
    EXPECT_EQ(c.call(req(command::routes), 5s)["routes"].size(), 0u);
}

TEST_F(server_fixture, garbage_gets_errors_and_connection_survives)
{
    start();
    client c(path);
    c.send_line("not json");
    EXPECT_EQ((*c.read(5s))["error"]["code"], "bad_json");
    c.send_line("{\"cmd\":\"what\"}");
    EXPECT_EQ((*c.read(5s))["error"]["code"], "unknown_command");
    c.send_line("   ");                       // blank lines are ignored
    c.send_line("{\"cmd\":\"status\"}\r");    // CRLF tolerated
    EXPECT_TRUE((*c.read(5s))["ok"]);
    EXPECT_GE(srv->stats().errors, 2u);
}

TEST_F(server_fixture, oversized_line_is_refused_and_closed)
{
    server_options o;
    o.max_request_bytes = 1024;
    start(o);
    client c(path);
    c.send_line(std::string(5000, 'x'));
    auto a = c.read(5s);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ((*a)["error"]["code"], "request_too_large");
    EXPECT_FALSE(c.read(5s).has_value()); // closed
    client again(path);                   // the server lives on
    EXPECT_TRUE(again.call(req(command::status), 5s)["ok"]);
}

TEST_F(server_fixture, client_bound)
{
    server_options o;
    o.max_clients = 2;
    start(o);
    client a(path), b(path);
    EXPECT_TRUE(a.call(req(command::status), 5s)["ok"]);
    EXPECT_TRUE(b.call(req(command::status), 5s)["ok"]);
    client third(path);
    auto r = third.read(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["error"]["code"], "too_many_clients");
    EXPECT_EQ(srv->stats().refused, 1u);
}

TEST_F(server_fixture, discover_success_failure_and_timeout)
{
    svc.add_discoverable({0x0a000007, {0x0a000002, 0x0a000003}, 0, 1000, true}, 5ms);
    svc.add_silent(0x0a000008);
    start();
    client c(path);
    request r = req(command::discover);
    r.target = 0x0a000007;
    auto ok = c.call(r, 5s);
    EXPECT_TRUE(ok["ok"]);
    EXPECT_EQ(ok["discover"]["route"]["hops"], json::array({"10.0.0.2", "10.0.0.3"}));
    EXPECT_EQ(ok["discover"]["latency_us"], 5000);
    r.target = 0x0a000006;
    auto fail = c.call(r, 5s);
    EXPECT_EQ(fail["error"]["code"], "discovery_failed");
    EXPECT_EQ(fail["discover"]["reason"], "no route");
    r.target = 0x0a000008;
    r.timeout_ms = 20;
    auto late = c.call(r, 5s);
    EXPECT_EQ(late["error"]["code"], "timeout");
    // Requests sent while a discover runs are answered after it, in order.
    r.target = 0x0a000007;
    r.timeout_ms = 5000;
    c.send(r);
    c.send(req(command::status));
    EXPECT_TRUE((*c.read(5s)).contains("discover"));
    EXPECT_TRUE((*c.read(5s)).contains("status"));
}

TEST_F(server_fixture, several_clients_at_once)
{
    svc.add_silent(0x0a000008);
    start();
    client slow(path);
    request r = req(command::discover);
    r.target = 0x0a000008;
    r.timeout_ms = 600000;
    slow.send(r); // never answered: must not hold up anyone else
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
        ts.emplace_back([&] {
            client c(path);
            for (int k = 0; k < 20; ++k)
                ok += c.call(req(command::routes), 5s)["ok"].get<bool>();
        });
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(ok.load(), 80);
}

TEST_F(server_fixture, monitor_filters_and_accounts_for_every_event)
{
    server_options o;
    o.monitor_queue = 4;
    start(o);
    client c(path);
    request r = req(command::monitor);
    r.filter.kinds = event_filter::bit(event_kind::route_added);
    auto ack = c.call(r, 5s);
    ASSERT_TRUE(ack["ok"]);
    EXPECT_EQ(ack["monitor"]["kinds"], json::array({"route_added"}));
    for (int i = 0; i < 2000 && svc.events().subscribers() == 0; ++i)
        std::this_thread::sleep_for(1ms);
    const int n = 3000;
    for (int i = 0; i < n; ++i) {
        svc.emit(event{event_kind::route_removed, 0, 1, 0, 0, {}, 0, {}}); // filtered out
        svc.emit(event{event_kind::route_added, 0, static_cast<ipv4>(i + 1), 0, 0, {}, 0, {}});
    }
    std::uint64_t events = 0, dropped = 0, dropped_total = 0;
    ipv4 last = 0;
    while (events + dropped < static_cast<std::uint64_t>(n)) {
        auto line = c.read(5s);
        ASSERT_TRUE(line.has_value());
        if (line->contains("event")) {
            EXPECT_EQ((*line)["event"]["kind"], "route_added");
            auto dst = ipv4_address::parse((*line)["event"]["dst"].get<std::string>())->host();
            EXPECT_GT(dst, last); // in order
            last = dst;
            ++events;
        } else {
            ASSERT_TRUE(line->contains("dropped")) << line->dump();
            dropped += (*line)["dropped"].get<std::uint64_t>();
            dropped_total = (*line)["dropped_total"].get<std::uint64_t>();
        }
    }
    EXPECT_EQ(events + dropped, static_cast<std::uint64_t>(n));
    EXPECT_EQ(dropped_total, dropped);
    EXPECT_GE(events, 1u);
}

TEST_F(server_fixture, stale_socket_replaced_live_one_refused)
{
    std::filesystem::create_directories(dir + "/sub");
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(fd); // bound, never listened: stale
    start();
    client c(path);
    EXPECT_TRUE(c.call(req(command::status), 5s)["ok"]);
    server_options o2;
    o2.socket_path = path;
    server second(svc, o2);
    EXPECT_NE(second.listen().find("another daemon"), std::string::npos);
    EXPECT_TRUE(c.call(req(command::status), 5s)["ok"]);
}

TEST_F(server_fixture, refuses_to_replace_a_regular_file)
{
    std::filesystem::create_directories(dir + "/sub");
    { std::ofstream(path) << "keep me"; }
    server_options o;
    o.socket_path = path;
    server s(svc, o);
    EXPECT_NE(s.listen().find("not a socket"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST(mailbox, calls_run_on_the_draining_thread)
{
    fake_service impl;
    impl.set_routes({{1, {}, 0, 0, false}, {2, {}, 0, 0, false}});
    mailbox box(4);
    mailbox_service front(box, impl, 5s);
    std::atomic<bool> stop{false};
    std::thread::id drainer;
    std::thread engine([&] {
        drainer = std::this_thread::get_id();
        while (!stop)
            if (!box.run_pending())
                std::this_thread::sleep_for(100us);
    });
    EXPECT_EQ(front.routes().size(), 2u);
    EXPECT_EQ(front.flush(), 2u);
    EXPECT_EQ(front.routes().size(), 0u);
    stop = true;
    engine.join();
}

TEST(mailbox, nobody_draining_means_unavailable_not_a_hang)
{
    fake_service impl;
    mailbox box(1);
    mailbox_service front(box, impl, 10ms);
    EXPECT_THROW(front.status(), service_unavailable);  // posted, never run
    EXPECT_THROW(front.status(), service_unavailable);  // mailbox full
    EXPECT_EQ(box.refused(), 1u);
    EXPECT_EQ(box.run_pending(), 1u);                   // the late job runs harmlessly
    box.close();
    EXPECT_THROW(front.routes(), service_unavailable);
}

} // namespace
} // namespace babe::control
