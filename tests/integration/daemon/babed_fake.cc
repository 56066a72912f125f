// SPDX-License-Identifier: Apache-2.0
// babed-fake: the real babed daemon loop (config, signals, sd_notify, control
// server, babe0 set-up unless --no-link) around a fake engine whose control
// service is control::fake_service with scripted contents. For the
// integration tests of babed and babectl only; it routes nothing and says so.
//
// Scripted contents (node 127.0.0.1, loopback so ping works anywhere):
//   routes       127.0.0.1 via 127.0.0.2, 127.0.0.3; 127.0.0.6 direct
//   neighbours   127.0.0.2 on lo, 127.0.0.6 on lo
//   discoverable 127.0.0.4 (direct, 30 ms), 127.0.0.5 (via 127.0.0.2, 20 ms)
//   silent       127.0.0.9 (discover never answers: the timeout shows)
//   events       one of each kind every 20 ms, dst 127.0.0.1 to .8 in turn
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "config/babed_config.hh"
#include "control/fake_service.hh"
#include "core/ipv4.hh"
#include "daemon/daemon.hh"

namespace {

using namespace babe;
using control::ipv4;

constexpr ipv4 lo(int n) { return 0x7f000000u + static_cast<ipv4>(n); }

class fake_engine : public daemon::engine_handle {
public:
    fake_engine(const config::babed_config& cfg, bool events) : _events(events)
    {
        control::status_info s;
        s.version = "fake";
        s.node_address = cfg.node_address;
        s.mesh_prefix = fmt::format("{}/{}", ipv4_address::from_host(cfg.mesh_prefix).to_string(),
                                    cfg.mesh_prefix_len);
        s.mesh_interfaces = cfg.mesh_interfaces;
        s.local_interface = cfg.local_interface;
        s.xdp_mode = "none (fake engine)";
        s.shards = 1;
        _svc.set_status(s);
        _svc.set_routes({{lo(1), {lo(2), lo(3)}, 1200, 298800, true}, {lo(6), {}, 50, 299950, true}});
        _svc.set_neighbours({{lo(2), "lo", {0x02, 0, 0, 0, 0, 2}, 120}, {lo(6), "lo", {0x02, 0, 0, 0, 0, 6}, -1}});
        _svc.set_counters({{"dsr_rreq_originated", 7}, {"dsr_rrep_received", 5}, {"engine_rx_packets", 1234},
                           {"xdp_pass", 99}});
        _svc.add_discoverable({lo(4), {}, 0, 300000, true}, std::chrono::milliseconds(30));
        _svc.add_discoverable({lo(5), {lo(2)}, 0, 300000, true}, std::chrono::milliseconds(20));
        _svc.add_silent(lo(9));
    }
    ~fake_engine() override { stop(); }

    void start() override
    {
        std::cerr << "babed-fake: fake engine started (routes nothing)\n";
        if (_events)
            _thread = std::thread([this] { emit_loop(); });
    }
    void stop() override
    {
        _stop = true;
        if (_thread.joinable())
            _thread.join();
    }
    void reload(const engine::settings& cfg) override
    {
        std::cerr << "babed-fake: reload, request_period_ms="
                  << std::chrono::duration_cast<std::chrono::milliseconds>(cfg.dsr.request_period).count() << "\n";
    }
    control::control_service& control() override { return _svc; }
    bool healthy(std::chrono::milliseconds) override { return true; }

private:
    void emit_loop()
    {
        std::uint32_t n = 0;
        while (!_stop) {
            for (int k = 0; k < control::event_kind_count; ++k) {
                control::event e;
                e.kind = static_cast<control::event_kind>(k);
                e.dst = lo(1 + static_cast<int>((n / control::event_kind_count) % 8));
                if (e.kind == control::event_kind::link_broken) {
                    e.from = lo(1);
                    e.to = lo(2);
                }
                if (e.kind == control::event_kind::route_added)
                    e.hops = {lo(2)};
                if (e.kind == control::event_kind::drop)
                    e.detail = "send_buffer_timeout";
                _svc.emit(e);
                ++n;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    control::fake_service _svc;
    bool _events;
    std::atomic<bool> _stop{false};
    std::thread _thread;
};

} // namespace

int main(int argc, char** argv)
{
    daemon::block_daemon_signals();
    std::string path;
    bool no_link = false, events = false;
    CLI::App app{"babed-fake: babed's daemon loop around a fake engine (tests only)"};
    app.add_option("-c,--config", path)->required();
    app.add_flag("--no-link", no_link, "do not create babe0 (no privileges needed)");
    app.add_flag("--events", events, "publish a stream of events");
    CLI11_PARSE(app, argc, argv);
    config::babed_config cfg;
    try {
        cfg = config::load_babed_config(path);
    } catch (const config::config_exception& e) {
        std::cerr << "babed-fake: " << e.err.what() << "\n";
        return 1;
    }
    daemon::setup_logging(cfg.log_level);
    daemon::daemon_options o;
    o.config_path = path;
    o.setup_local_link = !no_link;
    o.version = "fake";
    return daemon::run_daemon(o, cfg, [events](const config::babed_config& c, const daemon::engine_context&) {
        return std::make_unique<fake_engine>(c, events);
    });
}
