// SPDX-License-Identifier: Apache-2.0
// babed: the Babe node daemon. `babed -c FILE` runs in the foreground as a
// systemd Type=notify service; `babed --check-config FILE` validates a
// configuration and exits; `--set key=value` overrides a key. See babed(8)
// and babe.yaml(5).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "config/babed_config.hh"
#include "core/ipv4.hh"
#include "daemon/daemon.hh"
#include "engine/api.hh"
#include "daemon/startup_clock.hh"

int main(int argc, char** argv)
{
    babe::daemon::startup_clock::get(); // start-up phases count from here
    babe::daemon::block_daemon_signals();

    std::string config_path = babe::config::default_config_path;
    std::string check_path;
    std::vector<std::string> overrides;
    CLI::App app{"babed: DSR (RFC 4728) mesh node daemon with an XDP fast path"};
    app.add_option("-c,--config", config_path, "configuration file (default /etc/babe/babe.yaml)");
    app.add_option("--check-config", check_path, "validate FILE, print the problem if any, and exit");
    app.add_option("--set", overrides, "override a key: --set dsr.request_period_ms=250 (repeatable)");
    app.set_version_flag("--version", std::string("babed ") + BABE_VERSION + "\n");
    CLI11_PARSE(app, argc, argv);

    if (!check_path.empty()) {
        try {
            auto cfg = babe::config::load_babed_config(check_path, overrides);
            std::cout << fmt::format("{}: ok (node {}, mesh {}/{})\n", check_path,
                                     babe::ipv4_address::from_host(cfg.node_address).to_string(),
                                     babe::ipv4_address::from_host(cfg.mesh_prefix).to_string(),
                                     cfg.mesh_prefix_len);
            return 0;
        } catch (const babe::config::config_exception& e) {
            std::cerr << "babed: " << e.err.what() << "\n";
            return 1;
        }
    }

    babe::config::babed_config cfg;
    try {
        cfg = babe::config::load_babed_config(config_path, overrides);
    } catch (const babe::config::config_exception& e) {
        std::cerr << "babed: " << e.err.what() << "\n";
        return 1;
    }
    babe::daemon::setup_logging(cfg.log_level);
    babe::daemon::startup_clock::get().phase("config");

    babe::daemon::daemon_options opts;
    opts.config_path = config_path;
    opts.overrides = overrides;
    opts.version = BABE_VERSION;
#ifdef BABE_HAVE_ENGINE
    return babe::daemon::run_daemon(opts, cfg, [](const auto& c, const auto& ctx) {
        return babe::engine::make_engine(babe::daemon::engine_settings(c), ctx);
    });
#else
    std::cerr << "babed: this build has no engine (userspace/engine was not built): it cannot route.\n"
                 "babed: the configuration is valid; rebuild with the engine to run the node.\n";
    return 78; // EX_CONFIG: systemd will not restart-loop on it (RestartPreventExitStatus)
#endif
}
