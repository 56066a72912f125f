// SPDX-License-Identifier: Apache-2.0
// libbabe: a small C++ client library for Babe's reliable transport. It
// talks to the local babed over its control socket (control/protocol.hh:
// `send` / `recv` requests, then length-prefixed chunks); babed carries the
// bytes to the peer node's babed inside DSR (docs/transport.md). Blocking
// calls, one stream per object, no threads; failures throw babe::lib::error
// with a machine-readable code ("unreachable", "reset", "timed_out",
// "refused", "aborted", "busy", "protocol", "socket", ...) and a message.
//
//   babe::lib::sender s("/run/babe/babe.sock", "10.77.0.5", 5001);
//   s.write(bytes);                     // as often as needed
//   std::uint64_t n = s.finish();       // every byte acknowledged by the peer
//
//   babe::lib::receiver r("/run/babe/babe.sock", 5001);
//   r.accept();                         // a sender connected
//   while (std::size_t k = r.read(buf)) // 0: the sender finished, all delivered
//       use(buf.first(k));
#pragma once

#include "core/unique_fd.hh"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace babe::lib {

struct error : std::runtime_error {
    error(std::string code, const std::string& message) : std::runtime_error(message), code(std::move(code)) {}
    std::string code;
};

// The default control socket of babed ($BABE_SOCKET overrides it).
std::string default_socket();

// A connection to babed's control socket with buffered line / chunk reads.
class control_stream {
public:
    explicit control_stream(const std::string& socket_path);
    control_stream(const control_stream&) = delete;
    control_stream& operator=(const control_stream&) = delete;

    void write_all(const void* data, std::size_t len);
    void write_chunk(std::span<const std::byte> data); // length prefix + data, one writev
    // One line (without '\n'); timeout < 0 waits forever. Throws on EOF.
    std::string read_line(std::chrono::milliseconds timeout);
    // Exactly len bytes (throws on EOF).
    void read_exact(void* out, std::size_t len);
    // Up to len bytes of what is buffered or arrives (at least 1).
    std::size_t read_some(void* out, std::size_t len);
    int fd() const { return _fd.get(); }

private:
    bool fill(std::chrono::milliseconds timeout);
    unique_fd _fd;
    std::vector<char> _buf;
    std::size_t _pos = 0, _end = 0;
};

class sender {
public:
    // Asks babed for a connection to (node, port) and waits until the peer's
    // babed accepted it (a receiver listens there). Throws error.
    sender(const std::string& socket_path, const std::string& node, std::uint16_t port,
           std::chrono::milliseconds timeout = std::chrono::minutes(2));
    ~sender();

    // Queue bytes on the stream (blocks while babed's queue is full).
    void write(std::span<const std::byte> data);
    // End of data: waits until the peer acknowledged every byte; returns the
    // bytes sent. Throws error when the connection failed.
    std::uint64_t finish();
    std::uint64_t written() const { return _written; }
    const std::string& peer() const { return _peer; }

private:
    [[noreturn]] void fail_from_socket(const std::string& what);
    control_stream _s;
    std::string _peer;
    std::uint64_t _written = 0;
    bool _finished = false;
};

class receiver {
public:
    // Registers `port` with babed (a sender may connect from then on).
    receiver(const std::string& socket_path, std::uint16_t port);
    // Waits for a sender (timeout < 0: forever); returns "node:port".
    std::string accept(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
    // The next bytes of the stream into buf; 0 once the sender finished and
    // every byte was delivered. Throws error when the connection failed.
    std::size_t read(std::span<std::byte> buf);
    std::uint64_t received() const { return _received; }

private:
    control_stream _s;
    std::uint32_t _chunk_left = 0;
    bool _done = false;
    std::uint64_t _received = 0;
};

// Whole-descriptor helpers (babectl send/recv, the example program):
// progress(bytes) is called now and then; both return the bytes moved.
std::uint64_t send_fd(const std::string& socket_path, const std::string& node, std::uint16_t port, int in_fd,
                      const std::function<void(std::uint64_t)>& progress = {});
std::uint64_t recv_fd(const std::string& socket_path, std::uint16_t port, int out_fd,
                      const std::function<void(const std::string& peer)>& accepted = {},
                      const std::function<void(std::uint64_t)>& progress = {});

} // namespace babe::lib
