// SPDX-License-Identifier: Apache-2.0
// The civetweb-based /metrics endpoint (see http_server.hh).
#include "metrics/http_server.hh"

#include <civetweb.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <string_view>

namespace babe::metrics {

namespace {

std::once_flag library_once;

// The last civetweb error message of a failed start (it logs through a
// callback rather than a return value).
thread_local std::string start_error;

int log_message(const mg_connection*, const char* message)
{
    if (message)
        start_error = message;
    return 1; // handled: nothing on stderr
}

bool is_get_or_head(mg_connection* conn)
{
    const auto* ri = mg_get_request_info(conn);
    return ri && ri->request_method &&
           (std::strcmp(ri->request_method, "GET") == 0 || std::strcmp(ri->request_method, "HEAD") == 0);
}

// A probe's answer: 200 "ok" or 503 with the reason; 404 without a probe.
int answer_probe(mg_connection* conn, const http_server::probe& p)
{
    if (!is_get_or_head(conn)) {
        mg_send_http_error(conn, 405, "%s", "GET only\n");
        return 405;
    }
    if (!p) {
        mg_send_http_error(conn, 404, "%s", "no such probe\n");
        return 404;
    }
    http_server::probe_result r;
    try {
        r = p();
    } catch (const std::exception& e) {
        r = {false, e.what()};
    }
    std::string body = (r.ok ? std::string("ok") : r.reason) + "\n";
    int status = r.ok ? 200 : 503;
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", "text/plain; charset=utf-8", -1);
    mg_response_header_add(conn, "Content-Length", std::to_string(body.size()).c_str(), -1);
    mg_response_header_send(conn);
    if (std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") != 0)
        mg_write(conn, body.data(), body.size());
    return status;
}

} // namespace

http_server::~http_server() { stop(); }

std::string http_server::start(const std::string& listen, handler render)
{
    if (_ctx)
        return "already running";
    if (listen.empty())
        return "no listen address";
    std::call_once(library_once, [] { mg_init_library(0); });
    _render = std::move(render);
    // A scrape is one short request: a few threads, no keep-alive to hold
    // them, no files served.
    const char* options[] = {"listening_ports", listen.c_str(),
                             "num_threads", "2",
                             "enable_keep_alive", "no",
                             "request_timeout_ms", "10000",
                             "enable_directory_listing", "no",
                             nullptr};
    mg_callbacks cb{};
    cb.log_message = log_message;
    start_error.clear();
    _ctx = mg_start(&cb, this, options);
    if (!_ctx)
        return start_error.empty() ? "civetweb could not start on " + listen : start_error;
    mg_set_request_handler(_ctx, "/metrics$", on_metrics, this);
    mg_set_request_handler(_ctx, "/$", on_root, this);
    mg_set_request_handler(_ctx, "/healthz$", on_live, this);
    mg_set_request_handler(_ctx, "/readyz$", on_ready, this);
    mg_server_port ports[4]{};
    int n = mg_get_server_ports(_ctx, 4, ports);
    _port = n > 0 ? ports[0].port : 0;
    return {};
}

void http_server::set_probes(probe live, probe ready)
{
    _live = std::move(live);
    _ready = std::move(ready);
}

void http_server::stop()
{
    if (_ctx) {
        mg_stop(_ctx);
        _ctx = nullptr;
    }
}

int http_server::on_metrics(mg_connection* conn, void* self)
{
    auto* s = static_cast<http_server*>(self);
    if (!is_get_or_head(conn)) {
        mg_send_http_error(conn, 405, "%s", "GET /metrics\n");
        return 405;
    }
    std::string body;
    try {
        body = s->_render();
    } catch (const std::exception& e) {
        mg_send_http_error(conn, 500, "metrics: %s\n", e.what());
        return 500;
    }
    s->_scrapes.fetch_add(1, std::memory_order_relaxed);
    mg_send_http_ok(conn, exposition_content_type, static_cast<long long>(body.size()));
    if (std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") != 0)
        mg_write(conn, body.data(), body.size());
    return 200;
}

int http_server::on_live(mg_connection* conn, void* self)
{
    return answer_probe(conn, static_cast<http_server*>(self)->_live);
}

int http_server::on_ready(mg_connection* conn, void* self)
{
    return answer_probe(conn, static_cast<http_server*>(self)->_ready);
}

int http_server::on_root(mg_connection* conn, void*)
{
    static constexpr std::string_view page =
        "<html><head><title>babed</title></head><body><a href=\"/metrics\">/metrics</a></body></html>\n";
    mg_send_http_ok(conn, "text/html; charset=utf-8", static_cast<long long>(page.size()));
    mg_write(conn, page.data(), page.size());
    return 200;
}

} // namespace babe::metrics
