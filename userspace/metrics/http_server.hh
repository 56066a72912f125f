// SPDX-License-Identifier: Apache-2.0
// babed's Prometheus endpoint: a civetweb server (its own small pool of
// threads) answering GET /metrics with whatever the handler renders at that
// moment (text format 0.0.4), and / with a pointer to /metrics. The handler
// runs on a civetweb thread: the daemon's handler scrapes the engine through
// its control mailbox, which is thread-safe. GET /healthz and /readyz answer
// 200 "ok" or 503 with the reason, from probes set before start() (404 when
// none is set): what Kubernetes' liveness and readiness probes ask.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

struct mg_context;
struct mg_connection;

namespace babe::metrics {

inline constexpr const char* exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

class http_server {
public:
    using handler = std::function<std::string()>;
    struct probe_result {
        bool ok = false;
        std::string reason;
    };
    using probe = std::function<probe_result()>;

    http_server() = default;
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Listen on "host:port" ("127.0.0.1:8477", "0.0.0.0:8477", "[::1]:8477";
    // port 0 picks a free one, see port()). Returns "" or what went wrong.
    std::string start(const std::string& listen, handler render);
    void stop();
    // /healthz asks `live`, /readyz asks `ready`; call before start().
    void set_probes(probe live, probe ready);

    bool running() const { return _ctx != nullptr; }
    int port() const { return _port; }            // the bound port, after start
    std::uint64_t scrapes() const { return _scrapes.load(std::memory_order_relaxed); }

private:
    static int on_metrics(mg_connection* conn, void* self);
    static int on_root(mg_connection* conn, void* self);
    static int on_live(mg_connection* conn, void* self);
    static int on_ready(mg_connection* conn, void* self);

    mg_context* _ctx = nullptr;
    handler _render;
    probe _live;
    probe _ready;
    int _port = 0;
    std::atomic<std::uint64_t> _scrapes{0};
};

} // namespace babe::metrics
