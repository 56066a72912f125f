// SPDX-License-Identifier: Apache-2.0
// Control protocol client (see client.hh): a blocking unix stream socket and
// a line buffer.
#include "control/client.hh"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace babe::control {

client::client(const std::string& path)
{
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path)
        throw client_error(fmt::format("socket path too long: {}", path));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    _fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!_fd)
        throw client_error(fmt::format("socket: {}", std::strerror(errno)));
    if (::connect(_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        _fd.reset();
        const char* hint = (e == ENOENT || e == ECONNREFUSED) ? " (is babed running?)"
                           : e == EACCES                      ? " (root or the socket's group needed)"
                                                              : "";
        throw client_error(fmt::format("cannot connect to {}: {}{}", path, std::strerror(e), hint));
    }
}

void client::send(const request& r)
{
    send_line(encode_request(r));
}

void client::send_line(const std::string& line)
{
    std::string data = line + "\n";
    std::size_t off = 0;
    while (off < data.size()) {
        auto n = ::send(_fd.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw client_error(fmt::format("send: {}", std::strerror(errno)));
        }
        off += static_cast<std::size_t>(n);
    }
}

std::optional<nlohmann::json> client::read(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto nl = _buf.find('\n');
        if (nl != std::string::npos) {
            std::string line = _buf.substr(0, nl);
            _buf.erase(0, nl + 1);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded())
                throw client_error("the daemon sent something that is not JSON");
            return j;
        }
        int wait = -1;
        if (timeout.count() >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                throw client_error("no answer from the daemon in time");
            wait = static_cast<int>(left.count());
        }
        pollfd p{_fd.get(), POLLIN, 0};
        int rc = ::poll(&p, 1, wait);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            continue; // re-check the deadline
        char buf[65536];
        auto n = ::recv(_fd.get(), buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw client_error(fmt::format("recv: {}", std::strerror(errno)));
        }
        if (n == 0)
            return std::nullopt;
        _buf.append(buf, static_cast<std::size_t>(n));
    }
}

nlohmann::json client::call(const request& r, std::chrono::milliseconds timeout)
{
    send(r);
    auto j = read(timeout);
    if (!j)
        throw client_error("the daemon closed the connection");
    return *j;
}

} // namespace babe::control
