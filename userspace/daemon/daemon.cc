// SPDX-License-Identifier: Apache-2.0
// babed's main loop (see daemon.hh): one poll over a signalfd and two
// timerfds (watchdog, status line); the control server, the engine and the
// metrics endpoint (civetweb) run in their own threads.
#include "daemon/daemon.hh"

#include "control/server.hh"
#include "core/ipv4.hh"
#include "core/unique_fd.hh"
#include "daemon/health.hh"
#include "daemon/local_link.hh"
#include "daemon/startup_clock.hh"

#ifdef BABE_HAVE_METRICS_HTTP
#include "metrics/collector.hh"
#include "metrics/http_server.hh"
#endif

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#ifdef BABE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace babe::daemon {

namespace {

void notify(const std::string& state)
{
#ifdef BABE_HAVE_SYSTEMD
    ::sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

// The watchdog interval systemd asked for, in microseconds; 0 when none.
std::uint64_t watchdog_usec()
{
#ifdef BABE_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0)
        return usec;
#endif
    return 0;
}

int make_timer(std::uint64_t period_usec)
{
    int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return -1;
    itimerspec ts{};
    ts.it_interval.tv_sec = static_cast<time_t>(period_usec / 1000000);
    ts.it_interval.tv_nsec = static_cast<long>((period_usec % 1000000) * 1000);
    ts.it_value = ts.it_interval;
    ::timerfd_settime(fd, 0, &ts, nullptr);
    return fd;
}

void drain(int fd)
{
    std::uint64_t v;
    [[maybe_unused]] auto n = ::read(fd, &v, sizeof v);
}

std::string status_line(engine_handle& engine)
{
    try {
        auto s = engine.control().status();
        return fmt::format("STATUS=running: {} routes, {} neighbours, {} discoveries", s.routes, s.neighbours,
                           s.discoveries_running);
    } catch (const std::exception& e) {
        return fmt::format("STATUS=running; engine status unavailable: {}", e.what());
    }
}

#ifdef BABE_HAVE_METRICS_HTTP
// /healthz and /readyz (health.hh); the engine's shards count as turning
// when each turned within 5 s (they wake at least every 100 ms).
void set_health_probes(metrics::http_server& http, const health_state& health, engine_handle& engine)
{
    auto to_probe = [](const health_verdict& v) { return metrics::http_server::probe_result{v.ok, v.reason}; };
    http.set_probes([&health, to_probe] { return to_probe(health.live(health_state::clock::now())); },
                    [&health, &engine, to_probe] {
                        return to_probe(health.ready(engine.healthy(std::chrono::seconds(5))));
                    });
}
#endif

} // namespace

void block_daemon_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

bool set_log_level(const std::string& level)
{
    auto l = spdlog::level::from_str(level);
    if (l == spdlog::level::off && level != "off")
        return false;
    spdlog::set_level(l);
    return true;
}

void setup_logging(const std::string& level)
{
    auto logger = spdlog::stderr_color_mt("babed");
    // journald stamps lines itself; stderr on a terminal gets a time.
    if (std::getenv("JOURNAL_STREAM"))
        logger->set_pattern("<%l> %v");
    else
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    set_log_level(level);
}

engine::settings engine_settings(const config::babed_config& cfg)
{
    engine::settings s;
    s.node_address = cfg.node_address;
    s.mesh_interfaces = cfg.mesh_interfaces;
    s.mesh_prefix = cfg.mesh_prefix;
    s.mesh_prefix_len = cfg.mesh_prefix_len;
    s.xdp_mode = cfg.xdp_mode;
    s.pin_path = cfg.pin_path;
    s.shards = cfg.shards;
    s.backend = cfg.backend;
    s.sched_slice_us = cfg.sched_slice_us;
    s.cpus = config::parse_cpu_list(cfg.shard_cpus).value_or(std::vector<unsigned>{});
    s.dsr = cfg.dsr;
    return s;
}

int run_daemon(const daemon_options& options, config::babed_config cfg, const engine_factory& make)
{
    spdlog::info("babed {} starting: node {}, mesh {}/{} on {}", options.version,
                 ipv4_address::from_host(cfg.node_address).to_string(),
                 ipv4_address::from_host(cfg.mesh_prefix).to_string(), cfg.mesh_prefix_len,
                 fmt::join(cfg.mesh_interfaces, ","));

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    unique_fd sfd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!sfd) {
        spdlog::critical("signalfd: {}", std::strerror(errno));
        return 1;
    }

    auto& clock = startup_clock::get();
    engine_context ctx;
    ctx.version = options.version;
    ctx.local_ifname = cfg.local_interface;
    ctx.peer_ifname = cfg.local_peer;
    ctx.phase = [&clock](std::string_view name) { clock.phase(name); };
    if (options.setup_local_link) {
        try {
            auto l = setup_local_link(cfg);
            ctx.local_ifindex = l.local_ifindex;
            ctx.peer_ifindex = l.peer_ifindex;
            ctx.local_mac = l.local_mac;
            spdlog::info("{} {} ({} <-> {}): {}/32, {}/{} routed into it", cfg.local_interface,
                         l.created ? "created" : "reused", cfg.local_interface, cfg.local_peer,
                         ipv4_address::from_host(cfg.node_address).to_string(),
                         ipv4_address::from_host(cfg.mesh_prefix).to_string(), cfg.mesh_prefix_len);
        } catch (const std::exception& e) {
            spdlog::critical("cannot set up {}: {}", cfg.local_interface, e.what());
            notify(fmt::format("STATUS=failed: {}", e.what()));
            return 1;
        }
        clock.phase(fmt::format("{} (veth pair, MTU, up, address, route)", cfg.local_interface));
    } else {
        spdlog::warn("local interface set-up skipped (test mode)");
    }

    std::unique_ptr<engine_handle> engine;
    try {
        engine = make(cfg, ctx);
    } catch (const std::exception& e) {
        spdlog::critical("cannot create the engine: {}", e.what());
        return 1;
    }
    clock.phase("engine constructed");

    control::server_options so;
    so.socket_path = cfg.control_socket;
    so.group = cfg.control_group;
    so.max_clients = cfg.control_max_clients;
    so.monitor_queue = cfg.monitor_queue;
    // `cfg` changes only on the main thread during a reload; the server
    // reads it from its thread, so reloads swap it under this lock.
    auto cfg_mutex = std::make_shared<std::mutex>();
    so.config_show = [&cfg, cfg_mutex] {
        std::lock_guard lock(*cfg_mutex);
        return config::show_babed_config(cfg);
    };
    control::server server(engine->control(), so);
    if (auto err = server.listen(); !err.empty()) {
        spdlog::critical("control socket: {}", err);
        return 1;
    }
    clock.phase("control socket bound");

    try {
        engine->start();
    } catch (const std::exception& e) {
        spdlog::critical("the engine did not start: {}", e.what());
        notify(fmt::format("STATUS=failed: {}", e.what()));
        engine->stop();
        server.stop();
        return 1;
    }
    server.start();
    spdlog::info("control socket {} listening", cfg.control_socket);
    // The main loop turns at least once per status period (its timer), so
    // three periods without a turn mean it is stuck.
    constexpr std::uint64_t status_period_usec = 10 * 1000000;
    health_state health(std::chrono::milliseconds(3 * status_period_usec / 1000));
    health.main_loop_turned(health_state::clock::now());
    clock.phase("control server thread");
    // The Prometheus endpoint: a civetweb thread renders each scrape from the
    // engine's control_service (through its mailbox, so thread-safe). A
    // listen address that cannot be bound is logged, not fatal: routing
    // matters more than metrics.
#ifdef BABE_HAVE_METRICS_HTTP
    metrics::http_server metrics_server;
    if (!cfg.metrics_listen.empty()) {
        auto& svc = engine->control();
        auto version = options.version;
        set_health_probes(metrics_server, health, *engine);
        auto err = metrics_server.start(cfg.metrics_listen, [&svc, version] {
            return metrics::render(metrics::collect(metrics::scrape(svc, version)));
        });
        if (err.empty())
            spdlog::info("metrics on http://{}/metrics", cfg.metrics_listen);
        else
            spdlog::error("metrics endpoint {}: {}", cfg.metrics_listen, err);
    }
#else
    if (!cfg.metrics_listen.empty())
        spdlog::warn("metrics endpoint {} not served: babed built without civetweb", cfg.metrics_listen);
#endif

    auto wd_usec = watchdog_usec();
    unique_fd wd_fd(wd_usec ? make_timer(wd_usec / 2) : -1);
    unique_fd status_fd(make_timer(status_period_usec));
    auto wd_within = std::chrono::milliseconds(wd_usec ? wd_usec / 1000 : 10000);
#ifdef BABE_HAVE_METRICS_HTTP
    if (!cfg.metrics_listen.empty())
        clock.phase("metrics endpoint");
#endif
    health.set_ready(true);
    notify("READY=1\n" + status_line(*engine));
    clock.phase("sd_notify READY");
    spdlog::info("ready{}", wd_usec ? fmt::format(" (watchdog every {} ms)", wd_usec / 2000) : "");

    int rc = 0;
    bool running = true;
    while (running) {
        pollfd fds[3] = {
            {sfd.get(), POLLIN, 0}, {wd_fd.get(), POLLIN, 0}, {status_fd.get(), POLLIN, 0}};
        int n = ::poll(fds, 3, -1);
        health.main_loop_turned(health_state::clock::now());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            spdlog::critical("poll: {}", std::strerror(errno));
            rc = 1;
            break;
        }
        if (fds[1].revents & POLLIN) {
            drain(wd_fd.get());
            if (engine->healthy(wd_within))
                notify("WATCHDOG=1");
            else
                spdlog::error("engine unhealthy: watchdog not fed");
        }
        if (fds[2].revents & POLLIN) {
            drain(status_fd.get());
            notify(status_line(*engine));
        }
        if (!(fds[0].revents & POLLIN))
            continue;
        signalfd_siginfo si{};
        while (::read(sfd.get(), &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGHUP) {
                notify("RELOADING=1");
                spdlog::info("SIGHUP: reloading {}", options.config_path);
                try {
                    auto next = config::load_babed_config(options.config_path, options.overrides);
                    auto plan = config::plan_reload(cfg, next);
                    for (const auto& k : plan.need_restart)
                        spdlog::warn("reload: {} changed; it takes effect at the next restart", k);
                    if (plan.changed.empty()) {
                        spdlog::info("reload: nothing to change");
                    } else {
                        dataplane::test_kill_point("reload"); // BABE_TEST_KILL_AT (tests only)
                        engine->reload(engine_settings(plan.applied));
                        set_log_level(plan.applied.log_level);
                        {
                            std::lock_guard lock(*cfg_mutex);
                            cfg = plan.applied;
                        }
                        spdlog::info("reload: applied {}", fmt::join(plan.changed, ", "));
                    }
                } catch (const config::config_exception& e) {
                    spdlog::error("reload refused, keeping the running configuration: {}", e.err.what());
                } catch (const std::exception& e) {
                    spdlog::error("reload failed, keeping the running configuration: {}", e.what());
                }
                notify("READY=1\n" + status_line(*engine));
            } else {
                spdlog::info("signal {}: stopping", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
                running = false;
            }
        }
    }

    health.set_ready(false);
    notify("STOPPING=1\nSTATUS=stopping");
#ifdef BABE_HAVE_METRICS_HTTP
    metrics_server.stop();
#endif
    server.stop();
    engine->stop();
    spdlog::info("stopped; pinned maps and XDP links stay for the next run");
    return rc;
}

} // namespace babe::daemon
