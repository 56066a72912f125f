// SPDX-License-Identifier: Apache-2.0
// The control server: listens on babed's unix socket (mode 0660, directory
// created when missing, a stale socket file from a crashed run replaced, a
// live one refused), serves several clients at once from one poll loop in
// its own thread, and turns protocol requests (protocol.hh) into calls on a
// control_service. Bounded everywhere: request line size, number of clients,
// per-client output, per-monitor event queue (drops counted and reported to
// the client). A client that sends garbage gets an error object; nothing a
// client sends can crash the daemon.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "control/protocol.hh"

namespace babe::control {

struct server_options {
    std::string socket_path;
    std::string group;                              // chgrp the socket; "" = keep
    std::uint32_t mode = 0660;
    std::size_t max_clients = 16;
    std::size_t max_request_bytes = default_max_request_bytes;
    std::size_t monitor_queue = 256;                // events queued per monitor client
    std::size_t max_output_bytes = 1 << 20;         // per client; monitors stop pulling beyond
    // `config` answers from here (the daemon owns the effective config).
    std::function<std::vector<std::pair<std::string, std::string>>()> config_show;
};

struct server_stats {
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;       // over max_clients
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;        // error objects sent
    std::uint64_t clients = 0;       // connected now
    std::uint64_t monitors = 0;      // of which monitoring
};

class server {
public:
    server(control_service& service, server_options options);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Creates the directory and the socket. Returns an error message
    // (empty on success): "another daemon listens on ...", permissions...
    std::string listen();
    // Runs the poll loop in a new thread / stops and joins it, closes every
    // client and removes the socket file.
    void start();
    void stop();

    server_stats stats() const;
    const std::string& path() const { return _options.socket_path; }

    struct impl;

private:
    std::unique_ptr<impl> _impl;
    server_options _options;
};

} // namespace babe::control
