// SPDX-License-Identifier: Apache-2.0
// The civetweb /metrics endpoint on an ephemeral loopback port: GET
// /metrics returns the handler's text with the 0.0.4 content type, every
// request renders anew, other paths are 404, a bad listen address is an
// error, a throwing handler gives 500; /healthz and /readyz answer 200 or
// 503 with the probe's reason as the probe says at each request, 404
// without probes.
#include "metrics/http_server.hh"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace babe::metrics {
namespace {

// One HTTP/1.0 request to 127.0.0.1:port; the whole answer.
std::string http(int port, const std::string& request)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    [[maybe_unused]] auto w = ::write(fd, request.data(), request.size());
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}

TEST(HttpServer, ServesMetrics)
{
    std::atomic<int> calls{0};
    http_server s;
    ASSERT_EQ(s.start("127.0.0.1:0", [&] { return "# TYPE x gauge\nx " + std::to_string(++calls) + "\n"; }), "");
    ASSERT_GT(s.port(), 0);
    auto r = http(s.port(), "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 200") << r;
    EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos) << r;
    EXPECT_NE(r.find("\r\n\r\n# TYPE x gauge\nx 1\n"), std::string::npos) << r;
    r = http(s.port(), "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_NE(r.find("\nx 2\n"), std::string::npos) << "rendered at each scrape: " << r;
    EXPECT_EQ(s.scrapes(), 2U);
    r = http(s.port(), "GET /nothing HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 404") << r;
    r = http(s.port(), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_NE(r.find("href=\"/metrics\""), std::string::npos) << r;
    s.stop();
    EXPECT_FALSE(s.running());
}

TEST(HttpServer, HandlerErrorIs500)
{
    http_server s;
    ASSERT_EQ(s.start("127.0.0.1:0", []() -> std::string { throw std::runtime_error("boom"); }), "");
    auto r = http(s.port(), "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 500") << r;
}

TEST(HttpServer, ProbesAnswerAsTheySayAtEachRequest)
{
    std::atomic<bool> live{true};
    std::atomic<bool> ready{false};
    http_server s;
    s.set_probes([&] { return http_server::probe_result{live.load(), "loop stuck"}; },
                 [&] { return http_server::probe_result{ready.load(), "not attached"}; });
    ASSERT_EQ(s.start("127.0.0.1:0", [] { return std::string(); }), "");
    auto r = http(s.port(), "GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 200") << r;
    EXPECT_NE(r.find("\r\n\r\nok\n"), std::string::npos) << r;
    r = http(s.port(), "GET /readyz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 503") << r;
    EXPECT_NE(r.find("\r\n\r\nnot attached\n"), std::string::npos) << r;
    ready = true;
    live = false;
    r = http(s.port(), "GET /readyz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 200") << r;
    r = http(s.port(), "GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 503") << r;
    EXPECT_NE(r.find("loop stuck"), std::string::npos) << r;
    r = http(s.port(), "HEAD /readyz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 200") << r;
    EXPECT_EQ(r.find("ok\n"), std::string::npos) << "HEAD has no body: " << r;
    r = http(s.port(), "POST /readyz HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 405") << r;
    EXPECT_EQ(s.scrapes(), 0U) << "probes are not scrapes";
}

TEST(HttpServer, NoProbesIs404AndAThrowingProbeIs503)
{
    http_server a;
    ASSERT_EQ(a.start("127.0.0.1:0", [] { return std::string(); }), "");
    EXPECT_EQ(http(a.port(), "GET /healthz HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 404");
    EXPECT_EQ(http(a.port(), "GET /readyz HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 404");
    http_server b;
    b.set_probes([]() -> http_server::probe_result { throw std::runtime_error("probe broke"); }, {});
    ASSERT_EQ(b.start("127.0.0.1:0", [] { return std::string(); }), "");
    auto r = http(b.port(), "GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.0 503") << r;
    EXPECT_NE(r.find("probe broke"), std::string::npos) << r;
    EXPECT_EQ(http(b.port(), "GET /readyz HTTP/1.0\r\n\r\n").substr(0, 12), "HTTP/1.0 404");
}

TEST(HttpServer, BadAddressAndBusyPort)
{
    http_server a;
    EXPECT_NE(a.start("", [] { return std::string(); }), "");
    EXPECT_NE(a.start("not an address", [] { return std::string(); }), "");
    EXPECT_FALSE(a.running());
    http_server b, c;
    ASSERT_EQ(b.start("127.0.0.1:0", [] { return std::string(); }), "");
    EXPECT_NE(c.start("127.0.0.1:" + std::to_string(b.port()), [] { return std::string(); }), "")
        << "a port in use is an error, not a silent second server";
}

} // namespace
} // namespace babe::metrics
