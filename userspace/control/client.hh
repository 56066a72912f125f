// SPDX-License-Identifier: Apache-2.0
// The client side of the control protocol, for babectl and tests: connect to
// babed's socket, send one request line, read response lines as JSON with a
// time limit. Failures throw client_error with a message for the user.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "control/protocol.hh"
#include "core/unique_fd.hh"

namespace babe::control {

struct client_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class client {
public:
    explicit client(const std::string& socket_path);
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    void send(const request& r);
    void send_line(const std::string& line); // raw (tests); a newline is appended
    // The next response object; nullopt when the server closed the
    // connection. Throws client_error on timeout (a negative timeout waits
    // forever) or on a line that is not JSON.
    std::optional<nlohmann::json> read(std::chrono::milliseconds timeout);
    // send + read, throwing on a closed connection.
    nlohmann::json call(const request& r, std::chrono::milliseconds timeout);

    int fd() const { return _fd.get(); }

private:
    unique_fd _fd;
    std::string _buf;
};

} // namespace babe::control
