// SPDX-License-Identifier: Apache-2.0
// The control server's poll loop (see server.hh). One thread; every client
// is non-blocking with its own input and output buffers. Discover answers
// and monitor events arrive from the engine's threads through an eventfd.
#include "control/server.hh"

#include "control/stream_text.hh"
#include "core/ipv4.hh"
#include "core/unique_fd.hh"

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>

namespace babe::control {

using nlohmann::json;

namespace {

std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void wake_fd(int fd)
{
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
}

// Discover answers from the engine's thread, kept alive by shared_ptr so a
// late answer after the server is gone lands in memory that still exists.
struct completion_box {
    struct item {
        std::uint64_t client;
        std::uint64_t seq;
        discover_result result;
    };
    std::mutex mutex;
    std::vector<item> items;
    unique_fd efd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};

    void push(item it)
    {
        {
            std::lock_guard lock(mutex);
            items.push_back(std::move(it));
        }
        wake_fd(efd.get());
    }
    std::vector<item> take()
    {
        std::uint64_t v;
        [[maybe_unused]] auto n = ::read(efd.get(), &v, sizeof v);
        std::lock_guard lock(mutex);
        return std::exchange(items, {});
    }
};

struct client {
    unique_fd fd;
    std::uint64_t id = 0;
    std::string in;
    std::string out;
    bool closing = false;          // close once `out` is flushed
    bool shut = false;             // closing: our side shut down, draining input
    std::int64_t drain_deadline_ms = 0;
    std::size_t drained = 0;       // bytes discarded while draining
    bool handed_off = false;       // send/recv: the engine owns the socket now
    bool waiting = false;          // a discover is running
    std::uint64_t seq = 0;         // of the discover awaited
    std::int64_t deadline_ms = 0;  // of the discover awaited
    std::int64_t discover_started_ms = 0;
    std::shared_ptr<subscription> sub;
};

} // namespace

struct server::impl {
    control_service& service;
    const server_options& options;
    unique_fd listen_fd;
    unique_fd stop_fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
    dev_t sock_dev = 0;
    ino_t sock_ino = 0;
    std::shared_ptr<completion_box> completions = std::make_shared<completion_box>();
    std::map<std::uint64_t, client> clients;
    std::uint64_t next_id = 1;
    std::atomic<bool> stopping{false};
    std::thread thread;
    mutable std::mutex stats_mutex;
    server_stats st;

    impl(control_service& s, const server_options& o) : service(s), options(o) {}

    void count(std::uint64_t server_stats::*field, std::uint64_t n = 1)
    {
        std::lock_guard lock(stats_mutex);
        st.*field += n;
    }

    void send_error(client& c, error_code code, const std::string& msg)
    {
        count(&server_stats::errors);
        c.out += to_line(error_json(code, msg));
    }

    void close_client(std::uint64_t id)
    {
        auto it = clients.find(id);
        if (it == clients.end())
            return;
        if (it->second.sub)
            service.events().unsubscribe(it->second.sub);
        clients.erase(it);
    }

    void accept_clients()
    {
        for (;;) {
            unique_fd fd(::accept4(listen_fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
            if (!fd)
                return;
            if (clients.size() >= options.max_clients) {
                count(&server_stats::refused);
                auto line = to_line(error_json(error_code::too_many_clients,
                                               fmt::format("at most {} clients at once", options.max_clients)));
                [[maybe_unused]] auto n = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                continue;
            }
            count(&server_stats::accepted);
            client c;
            c.fd = std::move(fd);
            c.id = next_id++;
            clients.emplace(c.id, std::move(c));
        }
    }

    void handle_request(client& c, std::string_view line)
    {
        count(&server_stats::requests);
        auto parsed = parse_request(line);
        if (!parsed) {
            send_error(c, parsed.error().code, parsed.error().message);
            return;
        }
        const request& r = parsed.value();
        try {
            switch (r.cmd) {
            case command::status:
                c.out += to_line(json{{"ok", true}, {"status", to_json(service.status())}});
                break;
            case command::routes: {
                json a = json::array();
                for (const auto& x : service.routes())
                    a.push_back(to_json(x));
                c.out += to_line(json{{"ok", true}, {"routes", a}});
                break;
            }
            case command::neighbours: {
                json a = json::array();
                for (const auto& x : service.neighbours())
                    a.push_back(to_json(x));
                c.out += to_line(json{{"ok", true}, {"neighbours", a}});
                break;
            }
            case command::stats:
                c.out += to_line(json{{"ok", true}, {"stats", to_json(service.stats(), r.match)}});
                break;
            case command::flush:
                c.out += to_line(json{{"ok", true}, {"flushed", service.flush()}});
                break;
            case command::config: {
                if (!options.config_show) {
                    send_error(c, error_code::service_error, "no configuration to show");
                    break;
                }
                json o = json::object();
                for (const auto& [k, v] : options.config_show())
                    o[k] = v;
                c.out += to_line(json{{"ok", true}, {"config", o}});
                break;
            }
            case command::discover: {
                c.waiting = true;
                c.seq += 1;
                c.discover_started_ms = now_ms();
                c.deadline_ms = c.discover_started_ms + r.timeout_ms;
                auto box = completions;
                auto id = c.id;
                auto seq = c.seq;
                try {
                    service.discover(r.target, [box, id, seq](discover_result res) {
                        box->push({id, seq, std::move(res)});
                    });
                } catch (...) {
                    c.waiting = false;
                    throw;
                }
                break;
            }
            case command::send:
            case command::recv: {
                if (!c.out.empty() || !c.in.empty()) {
                    send_error(c, error_code::bad_request,
                               "send/recv must be the only request on its connection");
                    break;
                }
                int fd = ::fcntl(c.fd.get(), F_DUPFD_CLOEXEC, 0);
                if (fd < 0) {
                    send_error(c, error_code::service_error, "cannot hand the socket over");
                    break;
                }
                stream_request sr;
                sr.send = r.cmd == command::send;
                sr.peer = r.peer;
                sr.port = r.port;
                sr.text = &json_stream_text();
                service.open_stream(sr, fd); // owns fd; throws with the reason
                c.handed_off = true;
                break;
            }
            case command::monitor: {
                // Wake the loop through the completion box, which outlives
                // the server should a publisher still hold the subscription.
                auto box = completions;
                c.sub = service.events().subscribe(r.filter, options.monitor_queue,
                                                   [box] { wake_fd(box->efd.get()); });
                json kinds = json::array();
                for (int i = 0; i < event_kind_count; ++i)
                    if (r.filter.kinds & (std::uint32_t{1} << i))
                        kinds.push_back(to_string(static_cast<event_kind>(i)));
                json m{{"kinds", kinds}, {"queue", options.monitor_queue}};
                if (r.filter.node)
                    m["node"] = ipv4_address::from_host(*r.filter.node).to_string();
                c.out += to_line(json{{"ok", true}, {"monitor", m}});
                break;
            }
            }
        } catch (const std::exception& e) {
            send_error(c, error_code::service_error, e.what());
        } catch (...) {
            send_error(c, error_code::service_error, "the engine failed");
        }
    }

    // Runs every complete line buffered while the client is idle.
    void process_input(client& c)
    {
        while (!c.waiting && !c.closing && !c.handed_off) {
            if (c.sub) { // monitoring: input is ignored, only EOF matters
                c.in.clear();
                return;
            }
            auto nl = c.in.find('\n');
            if (nl == std::string::npos) {
                if (c.in.size() > options.max_request_bytes) {
                    send_error(c, error_code::request_too_large,
                               fmt::format("a request line has at most {} bytes", options.max_request_bytes));
                    c.in.clear();
                    c.closing = true;
                }
                return;
            }
            if (nl > options.max_request_bytes) {
                send_error(c, error_code::request_too_large,
                           fmt::format("a request line has at most {} bytes", options.max_request_bytes));
                c.in.clear();
                c.closing = true;
                return;
            }
            std::string line = c.in.substr(0, nl);
            c.in.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos)
                continue;
            handle_request(c, line);
        }
    }

    // False when the client is gone.
    bool read_client(client& c)
    {
        char buf[16384];
        for (;;) {
            auto n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                if (!c.closing)
                    c.in.append(buf, static_cast<std::size_t>(n));
                else if ((c.drained += static_cast<std::size_t>(n)) > 4 * options.max_request_bytes + (1 << 20))
                    return false;
                // Never buffer more than one bound past a request.
                if (c.in.size() > 2 * options.max_request_bytes + sizeof buf)
                    break;
                continue;
            }
            if (n == 0)
                return false;
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        return true;
    }

    bool write_client(client& c)
    {
        while (!c.out.empty()) {
            auto n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                c.out.erase(0, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            return false;
        }
        if (c.closing && !c.shut) {
            // Shut our side and read the rest before closing: closing with
            // unread input would reset the connection and lose the answer.
            ::shutdown(c.fd.get(), SHUT_WR);
            c.shut = true;
            c.drain_deadline_ms = now_ms() + 1000;
        }
        return !c.closing || now_ms() < c.drain_deadline_ms;
    }

    void deliver_completions()
    {
        for (auto& it : completions->take()) {
            auto cit = clients.find(it.client);
            if (cit == clients.end())
                continue;
            client& c = cit->second;
            if (!c.waiting || c.seq != it.seq)
                continue; // answered by the timeout already
            c.waiting = false;
            json d = to_json(it.result);
            if (it.result.ok) {
                c.out += to_line(json{{"ok", true}, {"discover", d}});
            } else {
                count(&server_stats::errors);
                json e = error_json(error_code::discovery_failed, it.result.reason);
                e["discover"] = d;
                c.out += to_line(e);
            }
            process_input(c);
        }
    }

    void expire_discoveries(std::int64_t now)
    {
        for (auto& [id, c] : clients) {
            if (!c.waiting || now < c.deadline_ms)
                continue;
            c.waiting = false;
            send_error(c, error_code::timeout,
                       fmt::format("no answer within {} ms", c.deadline_ms - c.discover_started_ms));
            process_input(c);
        }
    }

    void pump_monitors()
    {
        std::vector<event> evs;
        for (auto& [id, c] : clients) {
            if (!c.sub)
                continue;
            while (c.out.size() < options.max_output_bytes) {
                if (auto d = c.sub->take_dropped()) {
                    c.out += to_line(json{{"dropped", d}, {"dropped_total", c.sub->dropped_total()}});
                }
                evs.clear();
                if (c.sub->pop(evs, 64) == 0)
                    break;
                for (const auto& e : evs)
                    c.out += to_line(json{{"event", to_json(e)}});
            }
        }
    }

    void run()
    {
        std::vector<pollfd> fds;
        std::vector<std::uint64_t> ids;
        while (!stopping.load()) {
            fds.clear();
            ids.clear();
            fds.push_back({stop_fd.get(), POLLIN, 0});
            fds.push_back({completions->efd.get(), POLLIN, 0});
            fds.push_back({listen_fd.get(), POLLIN, 0});
            std::int64_t now = now_ms();
            int timeout = -1;
            for (auto& [id, c] : clients) {
                // A client that floods while a discover runs is not read
                // further until its buffered requests are served.
                short ev = c.in.size() <= 2 * options.max_request_bytes ? POLLIN : 0;
                if (!c.out.empty())
                    ev |= POLLOUT;
                fds.push_back({c.fd.get(), ev, 0});
                ids.push_back(id);
                if (c.shut) {
                    auto left = std::max<std::int64_t>(0, c.drain_deadline_ms - now);
                    if (timeout < 0 || left < timeout)
                        timeout = static_cast<int>(left);
                }
                if (c.waiting) {
                    auto left = std::max<std::int64_t>(0, c.deadline_ms - now);
                    if (timeout < 0 || left < timeout)
                        timeout = static_cast<int>(std::min<std::int64_t>(left, 60000));
                }
            }
            int n = ::poll(fds.data(), fds.size(), timeout);
            if (n < 0 && errno != EINTR)
                break;
            if (stopping.load())
                break;
            if (fds[0].revents & POLLIN) {
                std::uint64_t v;
                [[maybe_unused]] auto r = ::read(stop_fd.get(), &v, sizeof v);
            }
            if (fds[1].revents & POLLIN)
                deliver_completions();
            if (fds[2].revents & POLLIN)
                accept_clients();
            std::vector<std::uint64_t> gone;
            for (std::size_t i = 0; i < ids.size(); ++i) {
                auto it = clients.find(ids[i]);
                if (it == clients.end())
                    continue;
                client& c = it->second;
                auto re = fds[3 + i].revents;
                if (re & (POLLIN | POLLHUP | POLLERR)) {
                    if (!read_client(c)) {
                        gone.push_back(c.id);
                        continue;
                    }
                    process_input(c);
                }
            }
            for (auto& [id, c] : clients)
                if (c.handed_off) // our copy only: the engine's keeps the socket open
                    gone.push_back(id);
            for (auto id : gone)
                close_client(id);
            expire_discoveries(now_ms());
            pump_monitors();
            gone.clear();
            for (auto& [id, c] : clients)
                if ((!c.out.empty() || c.closing) && !write_client(c))
                    gone.push_back(id);
            for (auto id : gone)
                close_client(id);
            std::uint64_t monitors = 0;
            for (auto& [id, c] : clients)
                monitors += c.sub ? 1 : 0;
            std::lock_guard lock(stats_mutex);
            st.clients = clients.size();
            st.monitors = monitors;
        }
        while (!clients.empty())
            close_client(clients.begin()->first);
    }
};

server::server(control_service& service, server_options options)
    : _options(std::move(options))
{
    _impl = std::make_unique<impl>(service, _options);
}

server::~server()
{
    stop();
}

std::string server::listen()
{
    const std::string& path = _options.socket_path;
    sockaddr_un addr{};
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return fmt::format("bad socket path '{}'", path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

    // mkdir -p of the directory.
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        std::string dir = path.substr(0, slash);
        for (std::size_t i = 1; i <= dir.size(); ++i) {
            if (i == dir.size() || dir[i] == '/') {
                std::string part = dir.substr(0, i);
                if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
                    return fmt::format("cannot create {}: {}", part, std::strerror(errno));
            }
        }
    }

    struct stat sb {};
    if (::lstat(path.c_str(), &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode))
            return fmt::format("{} exists and is not a socket; not touching it", path);
        unique_fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe) {
            int rc = ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            probe.reset();
            if (rc == 0)
                return fmt::format("another daemon is listening on {}", path);
        }
        ::unlink(path.c_str()); // stale: nobody listens
    }

    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        return fmt::format("socket: {}", std::strerror(errno));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return fmt::format("bind {}: {}", path, std::strerror(errno));
    if (::chmod(path.c_str(), _options.mode) != 0) {
        auto msg = fmt::format("chmod {}: {}", path, std::strerror(errno));
        fd.reset();
        ::unlink(path.c_str());
        return msg;
    }
    if (!_options.group.empty()) {
        group gr{};
        group* found = nullptr;
        std::vector<char> buf(16384);
        if (::getgrnam_r(_options.group.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || !found ||
            ::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0) {
            fd.reset();
            ::unlink(path.c_str());
            return fmt::format("cannot give {} to group '{}'", path, _options.group);
        }
    }
    if (::listen(fd.get(), 64) != 0) {
        auto msg = fmt::format("listen {}: {}", path, std::strerror(errno));
        fd.reset();
        ::unlink(path.c_str());
        return msg;
    }
    if (::stat(path.c_str(), &sb) == 0) {
        _impl->sock_dev = sb.st_dev;
        _impl->sock_ino = sb.st_ino;
    }
    _impl->listen_fd = std::move(fd);
    return {};
}

void server::start()
{
    if (!_impl->listen_fd || _impl->thread.joinable())
        return;
    _impl->thread = std::thread([this] { _impl->run(); });
}

void server::stop()
{
    if (!_impl)
        return;
    _impl->stopping.store(true);
    wake_fd(_impl->stop_fd.get());
    if (_impl->thread.joinable())
        _impl->thread.join();
    if (_impl->listen_fd) {
        _impl->listen_fd.reset();
        // Remove the socket only if it is still ours (not a new daemon's).
        struct stat sb {};
        if (::stat(_options.socket_path.c_str(), &sb) == 0 && sb.st_dev == _impl->sock_dev &&
            sb.st_ino == _impl->sock_ino)
            ::unlink(_options.socket_path.c_str());
    }
}

server_stats server::stats() const
{
    std::lock_guard lock(_impl->stats_mutex);
    return _impl->st;
}

} // namespace babe::control
