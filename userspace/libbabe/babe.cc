// SPDX-License-Identifier: Apache-2.0
// libbabe (see babe.hh).
#include "libbabe/babe.hh"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

namespace babe::lib {

namespace {

using nlohmann::json;

[[noreturn]] void sys_fail(const std::string& what)
{
    throw error("socket", what + ": " + std::strerror(errno));
}

// An answer line: ok -> the object; an error object -> throws its code.
json answer(const std::string& line)
{
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw error("protocol", "babed sent something that is not JSON: " + line.substr(0, 120));
    if (!j.value("ok", false)) {
        std::string code = "error", msg = j.dump();
        if (j.contains("error") && j["error"].is_object()) {
            code = j["error"].value("code", "error");
            msg = j["error"].value("message", msg);
        }
        throw error(code, msg);
    }
    return j;
}

std::string peer_text(const json& j)
{
    return j.value("peer", std::string("?")) + ":" + std::to_string(j.value("port", 0));
}

} // namespace

std::string default_socket()
{
    if (const char* env = std::getenv("BABE_SOCKET"); env && *env)
        return env;
    return "/run/babe/babe.sock";
}

control_stream::control_stream(const std::string& socket_path) : _buf(1 << 18)
{
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof addr.sun_path)
        throw error("socket", "socket path too long: " + socket_path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    _fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!_fd)
        sys_fail("socket");
    if (::connect(_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        _fd.reset(); // keeps errno for sys_fail
        sys_fail("cannot reach babed at " + socket_path + " (is it running?)");
    }
}

void control_stream::write_all(const void* data, std::size_t len)
{
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t n = ::send(_fd.get(), p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sys_fail("write to babed");
        }
        p += n;
        len -= static_cast<std::size_t>(n);
    }
}

void control_stream::write_chunk(std::span<const std::byte> data)
{
    std::uint8_t hdr[4];
    auto len = static_cast<std::uint32_t>(data.size());
    hdr[0] = static_cast<std::uint8_t>(len >> 24);
    hdr[1] = static_cast<std::uint8_t>(len >> 16);
    hdr[2] = static_cast<std::uint8_t>(len >> 8);
    hdr[3] = static_cast<std::uint8_t>(len);
    iovec iov[2] = {{hdr, 4}, {const_cast<std::byte*>(data.data()), data.size()}};
    std::size_t total = 4 + data.size(), done = 0;
    while (done < total) {
        msghdr m{};
        iovec v[2];
        int nv = 0;
        std::size_t skip = done;
        for (auto& x : iov) {
            if (skip >= x.iov_len) {
                skip -= x.iov_len;
                continue;
            }
            v[nv++] = {static_cast<char*>(x.iov_base) + skip, x.iov_len - skip};
            skip = 0;
        }
        m.msg_iov = v;
        m.msg_iovlen = static_cast<std::size_t>(nv);
        ssize_t n = ::sendmsg(_fd.get(), &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sys_fail("write to babed");
        }
        done += static_cast<std::size_t>(n);
    }
}

bool control_stream::fill(std::chrono::milliseconds timeout)
{
    if (_pos == _end)
        _pos = _end = 0;
    if (_end == _buf.size()) {
        if (_pos == 0)
            throw error("protocol", "a line from babed is too long");
        std::memmove(_buf.data(), _buf.data() + _pos, _end - _pos);
        _end -= _pos;
        _pos = 0;
    }
    if (timeout.count() >= 0) {
        pollfd p{_fd.get(), POLLIN, 0};
        int r;
        do
            r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        while (r < 0 && errno == EINTR);
        if (r == 0)
            throw error("timeout", "babed did not answer in time");
    }
    for (;;) {
        ssize_t n = ::read(_fd.get(), _buf.data() + _end, _buf.size() - _end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            sys_fail("read from babed");
        _end += static_cast<std::size_t>(n);
        return n > 0;
    }
}

std::string control_stream::read_line(std::chrono::milliseconds timeout)
{
    for (;;) {
        const char* b = _buf.data() + _pos;
        if (const void* nl = std::memchr(b, '\n', _end - _pos)) {
            std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - b);
            std::string line(b, len);
            _pos += len + 1;
            return line;
        }
        if (!fill(timeout))
            throw error("aborted", "babed closed the connection without an answer");
    }
}

std::size_t control_stream::read_some(void* out, std::size_t len)
{
    if (_pos == _end) {
        // Large reads go straight to the caller's buffer.
        if (len >= _buf.size() / 2) {
            for (;;) {
                ssize_t n = ::read(_fd.get(), out, len);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    sys_fail("read from babed");
                if (n == 0)
                    throw error("aborted", "babed closed the stream before its end");
                return static_cast<std::size_t>(n);
            }
        }
        if (!fill(std::chrono::milliseconds(-1)))
            throw error("aborted", "babed closed the stream before its end");
    }
    std::size_t k = std::min(len, _end - _pos);
    std::memcpy(out, _buf.data() + _pos, k);
    _pos += k;
    return k;
}

void control_stream::read_exact(void* out, std::size_t len)
{
    auto* p = static_cast<char*>(out);
    while (len > 0) {
        std::size_t k = read_some(p, len);
        p += k;
        len -= k;
    }
}

sender::sender(const std::string& socket_path, const std::string& node, std::uint16_t port,
               std::chrono::milliseconds timeout)
    : _s(socket_path)
{
    json req{{"cmd", "send"}, {"peer", node}, {"port", port}};
    std::string line = req.dump() + "\n";
    _s.write_all(line.data(), line.size());
    json a = answer(_s.read_line(timeout));
    if (!a.contains("connected"))
        throw error("protocol", "unexpected answer: " + a.dump());
    _peer = peer_text(a["connected"]);
}

sender::~sender() = default; // closing the socket early aborts the connection

void sender::fail_from_socket(const std::string& what)
{
    // babed ended the stream: its closing line says why.
    try {
        answer(_s.read_line(std::chrono::milliseconds(2000)));
    } catch (const error&) {
        throw;
    }
    throw error("aborted", what);
}

void sender::write(std::span<const std::byte> data)
{
    constexpr std::size_t max_chunk = 1 << 20;
    while (!data.empty()) {
        auto part = data.first(std::min(data.size(), max_chunk));
        try {
            _s.write_chunk(part);
        } catch (const error& e) {
            fail_from_socket(e.what());
        }
        _written += part.size();
        data = data.subspan(part.size());
    }
}

std::uint64_t sender::finish()
{
    try {
        _s.write_chunk({});
    } catch (const error& e) {
        fail_from_socket(e.what());
    }
    _finished = true;
    json a = answer(_s.read_line(std::chrono::milliseconds(-1)));
    return a.value("sent", _written);
}

receiver::receiver(const std::string& socket_path, std::uint16_t port) : _s(socket_path)
{
    json req{{"cmd", "recv"}, {"port", port}};
    std::string line = req.dump() + "\n";
    _s.write_all(line.data(), line.size());
}

std::string receiver::accept(std::chrono::milliseconds timeout)
{
    json a = answer(_s.read_line(timeout));
    if (!a.contains("accepted"))
        throw error("protocol", "unexpected answer: " + a.dump());
    return peer_text(a["accepted"]);
}

std::size_t receiver::read(std::span<std::byte> buf)
{
    if (_done || buf.empty())
        return 0;
    while (_chunk_left == 0) {
        std::uint8_t hdr[4];
        _s.read_exact(hdr, 4);
        _chunk_left = (std::uint32_t{hdr[0]} << 24) | (std::uint32_t{hdr[1]} << 16) | (std::uint32_t{hdr[2]} << 8) |
                      hdr[3];
        if (_chunk_left == 0) {
            _done = true;
            answer(_s.read_line(std::chrono::milliseconds(5000))); // throws the failure, if any
            return 0;
        }
    }
    std::size_t k = _s.read_some(buf.data(), std::min<std::size_t>(buf.size(), _chunk_left));
    _chunk_left -= static_cast<std::uint32_t>(k);
    _received += k;
    return k;
}

std::uint64_t send_fd(const std::string& socket_path, const std::string& node, std::uint16_t port, int in_fd,
                      const std::function<void(std::uint64_t)>& progress)
{
    sender s(socket_path, node, port);
    std::vector<std::byte> buf(1 << 18);
    for (;;) {
        ssize_t n = ::read(in_fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw error("input", std::string("cannot read the input: ") + std::strerror(errno));
        if (n == 0)
            break;
        s.write(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n)));
        if (progress)
            progress(s.written());
    }
    std::uint64_t sent = s.finish();
    if (progress)
        progress(sent);
    return sent;
}

std::uint64_t recv_fd(const std::string& socket_path, std::uint16_t port, int out_fd,
                      const std::function<void(const std::string&)>& accepted,
                      const std::function<void(std::uint64_t)>& progress)
{
    receiver r(socket_path, port);
    std::string peer = r.accept();
    if (accepted)
        accepted(peer);
    std::vector<std::byte> buf(1 << 18);
    for (;;) {
        std::size_t n = r.read(buf);
        if (n == 0)
            break;
        const std::byte* p = buf.data();
        while (n > 0) {
            ssize_t w = ::write(out_fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                throw error("output", std::string("cannot write the output: ") + std::strerror(errno));
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        if (progress)
            progress(r.received());
    }
    if (progress)
        progress(r.received());
    return r.received();
}

} // namespace babe::lib
