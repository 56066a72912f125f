// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of the transport fuzzer: scripts (session.hh) whose
// segments are real ones, encoded by a second endpoint talking to the
// session's. Peer A accepts the session's connection and, in one seed,
// also connects to the session's listening port; the application sends
// data and messages both ways and closes. Run it with the corpus folder as
// its argument after changing the session or the transport; the files are
// committed.
#include <cstdio>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "transport/session.hh"

using namespace babe::transport;
using fuzz::session;

namespace {

struct script {
    std::vector<std::uint8_t> bytes;
    void record(std::uint8_t op, std::uint16_t arg, std::span<const std::byte> seg = {})
    {
        bytes.push_back(op);
        bytes.push_back(std::uint8_t(arg >> 8));
        bytes.push_back(std::uint8_t(arg));
        for (std::byte b : seg)
            bytes.push_back(std::uint8_t(b));
    }
};

// Peer A as a real endpoint; what the session sends reaches it at once,
// what it sends becomes the script's segments.
struct conversation {
    script out;
    std::deque<std::vector<std::byte>> to_peer;
    session s{[this](node_addr, std::span<const std::byte> seg) { to_peer.emplace_back(seg.begin(), seg.end()); }};
    endpoint peer{session::make_config(), session::peer_a, 2};
    std::vector<std::vector<std::byte>> peer_bufs;
    std::vector<conn_id> peer_conns;
    std::uint32_t next_id = 1;

    conversation() { (void)peer.listen(session::remote_port); }

    // Delivers everything in flight both ways until both are quiet.
    void exchange()
    {
        for (int round = 0; round < 1000; ++round) {
            bool any = false;
            while (!to_peer.empty()) {
                auto seg = std::move(to_peer.front());
                to_peer.pop_front();
                peer_bufs.push_back(seg);
                (void)peer.handle_segment(s.now(), session::self, peer_bufs.back(),
                                          packet_handle{next_id++}, 0);
                any = true;
            }
            std::byte hdr[header_max];
            while (auto t = peer.poll_transmit(s.now(), hdr)) {
                std::vector<std::byte> seg(hdr, hdr + t->header_length);
                if (t->handle) {
                    const auto& b = peer_bufs[t->handle->id - 1000000];
                    seg.insert(seg.end(), b.begin() + t->payload_offset,
                               b.begin() + t->payload_offset + t->payload_length);
                }
                out.record(0, std::uint16_t(seg.size()), seg);
                s.segment(false, seg, true);
                any = true;
            }
            while (auto e = peer.poll_event()) {
                if (e->kind == event_kind::delivered)
                    peer.consume(s.now(), e->conn, e->length);
                if (e->kind == event_kind::accepted)
                    peer_conns.push_back(e->conn);
                any = true;
            }
            if (!any)
                return;
        }
    }

    // The clock to the next timer of either side (at most `limit` ms on).
    void tick(std::uint16_t limit = 1000)
    {
        std::optional<babe::time_point> next = peer.poll_timeout();
        if (auto t = s.ep().poll_timeout(); t && (!next || *t < *next))
            next = t;
        auto ms = next ? std::chrono::ceil<std::chrono::milliseconds>(*next - s.now()).count() : limit;
        const auto step = std::uint16_t(std::clamp<long long>(ms, 1, limit));
        out.record(2, step);
        s.advance(step);
        if (auto t = peer.poll_timeout(); t && *t <= s.now())
            peer.handle_timeout(s.now());
        exchange();
    }

    // The session's application: op as in session.hh.
    void app(std::uint8_t op, std::uint16_t arg)
    {
        out.record(op, arg);
        s.app(op, arg);
        exchange();
    }

    // Peer A's application sends `n` bytes on its connection k.
    void peer_send(std::size_t k, std::uint16_t n, bool eom)
    {
        std::vector<std::byte> b(n);
        for (std::size_t i = 0; i < n; ++i)
            b[i] = std::byte(i * 13);
        peer_bufs.push_back(std::move(b));
        const auto id = std::uint32_t(1000000 + peer_bufs.size() - 1);
        (void)peer.send(s.now(), peer_conns.at(k), packet_handle{id}, 0, peer_bufs.back(), eom);
        exchange();
    }
};

void write(const std::string& dir, const char* name, conversation& c)
{
    const script& s = c.out;
    const std::string path = dir + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(s.bytes.data(), 1, s.bytes.size(), f) != s.bytes.size() || std::fclose(f) != 0) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(1);
    }
    const counters& k = c.s.ep().stats();
    std::printf("%s: %zu bytes; the session: %llu segments received, %llu bytes sent, %llu delivered, "
                "%llu accepts, %llu closes, %llu resets\n",
                name, s.bytes.size(), (unsigned long long)k.segments_received,
                (unsigned long long)k.data_bytes_sent, (unsigned long long)k.data_bytes_delivered,
                (unsigned long long)k.accepts, (unsigned long long)k.closes, (unsigned long long)k.resets);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    {
        // The handshake only.
        conversation c;
        c.exchange();
        write(dir, "handshake", c);
    }
    {
        // The session sends a stream and a message, then closes; peer A closes too.
        conversation c;
        c.exchange();
        c.app(0x03, 2999);       // send 3000 bytes
        c.app(0x43, 99);         // send a 100-byte message
        for (int i = 0; i < 5; ++i)
            c.tick(50);
        c.app(0x07, 0);          // close
        (void)c.peer.close(c.s.now(), c.peer_conns.at(0));
        c.exchange();
        for (int i = 0; i < 5; ++i)
            c.tick(500);
        write(dir, "send_and_close", c);
    }
    {
        // Peer A sends to the session (data, a message, out of order when
        // the window fills), then resets.
        conversation c;
        c.exchange();
        c.peer_send(0, 1500, false);
        c.peer_send(0, 700, true);
        c.tick(20);
        c.tick(20);
        (void)c.peer.abort(c.s.now(), c.peer_conns.at(0));
        c.exchange();
        write(dir, "receive_and_reset", c);
    }
    {
        // Peer A connects to the session's listening port, sends, closes.
        conversation c;
        c.exchange();
        auto k = c.peer.connect(c.s.now(), session::self, session::listen_port, 6000);
        if (!k)
            return 1;
        c.exchange();
        c.peer_conns.push_back(*k);
        c.peer_send(c.peer_conns.size() - 1, 1200, true);
        c.tick(20);
        (void)c.peer.close(c.s.now(), *k);
        c.exchange();
        c.app(0x17, 0); // the session closes the accepted connection (its second)
        for (int i = 0; i < 4; ++i)
            c.tick(500);
        write(dir, "accept_receive_close", c);
    }
    return 0;
}
