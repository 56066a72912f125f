// SPDX-License-Identifier: Apache-2.0
// babe-dsr-send-bench: the DSR core's share of the engine's miss path, alone.
// One node knows a two-hop route (learned from a Route Reply, as on the
// bench-daemon chain); each turn it is given a burst of 64 locally
// originated packets (send), then every transmission and event is drained,
// as the engine's loop does; the next hop is heard from each turn, so the
// packets go out as on a confirmed link; a sent packet comes back with its
// transmit or in a released event ("released" counts both). Prints one JSON
// object: wall-clock nanoseconds per packet over BURSTS bursts, median of
// RUNS runs (no I/O, no kernel; the figure moves with the machine's load).
//   babe-dsr-send-bench [BURSTS [RUNS]]
#include "dsr/codec/codec.hh"
#include "dsr/node.hh"
#include "dsr/packet.hh"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace babe;
using namespace babe::dsr;
using namespace std::chrono_literals;

namespace {

constexpr addr self = 0x0a4d0001, relay = 0x0a4d0002, target = 0x0a4d0003;

// A node that learned self -> relay -> target from a Route Reply.
bool teach_route(node& n)
{
    std::array<std::byte, 256> rrep{};
    const std::array<codec::ipv4_addr, 3> path{codec::ipv4_addr{self}, codec::ipv4_addr{relay},
                                               codec::ipv4_addr{target}};
    const std::array<codec::ipv4_addr, 1> back{codec::ipv4_addr{relay}};
    codec::dsr_builder b(std::span<std::byte>(rrep.data() + 20, rrep.size() - 20), ipproto_none);
    b.rrep(false, codec::addr_list(path.data(), path.size()));
    codec::srcrt_fields sf;
    sf.segments_left = 0;
    b.srcrt(sf, codec::addr_list(back.data(), back.size()));
    auto dsr_len = b.finish();
    if (!dsr_len)
        return false;
    codec::ipv4_fields ip;
    ip.protocol = BABE_IPPROTO_DSR;
    ip.source = codec::ipv4_addr{target};
    ip.destination = codec::ipv4_addr{self};
    if (!codec::encode_ipv4_header(rrep, ip, static_cast<std::uint16_t>(20 + *dsr_len)))
        return false;
    const time_point t0{};
    std::array<std::byte, min_transmit_buffer> out{};
    n.start_discovery(t0, target);
    while (n.poll_transmit(t0, out)) {
    }
    while (n.poll_event()) {
    }
    n.handle_packet(t0, 0, relay, std::span<const std::byte>(rrep.data(), 20 + *dsr_len), std::nullopt);
    while (n.poll_event()) {
    }
    auto r = n.find_route(target);
    return r && r->hop_count == 1;
}

} // namespace

int main(int argc, char** argv)
{
    const int bursts = argc > 1 ? std::atoi(argv[1]) : 20000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    if (bursts <= 0 || runs <= 0) {
        std::fprintf(stderr, "usage: babe-dsr-send-bench [BURSTS [RUNS]]\n");
        return 2;
    }
    // The engine's settings (no link-layer feedback, data packets handed
    // back with their transmit) and bench-daemon's.
    config c = default_config();
    c.use_link_feedback = false;
    c.release_on_transmit = true;
    c.maint_holdoff_time = 50ms;
    c.try_passive_acks = 0;

    std::array<std::byte, 84> app{};
    codec::ipv4_fields f;
    f.protocol = 17;
    f.source = codec::ipv4_addr{self};
    f.destination = codec::ipv4_addr{target};
    (void)codec::encode_ipv4_header(app, f, static_cast<std::uint16_t>(app.size()));

    std::vector<double> ns;
    std::uint64_t sent = 0, released = 0;
    for (int run = 0; run < runs; ++run) {
        node n(c, self, 1);
        if (!teach_route(n)) {
            std::fprintf(stderr, "babe-dsr-send-bench: the route was not learned\n");
            return 1;
        }
        std::array<std::byte, min_transmit_buffer> out{};
        transmit t;
        time_point now = time_point{} + 1ms;
        const auto t0 = std::chrono::steady_clock::now();
        for (int b = 0; b < bursts; ++b) {
            now += 20us;
            n.handle_heard(now, relay, 0);
            for (std::uint32_t i = 0; i < 64; ++i)
                n.send(now, packet_handle{i}, app);
            if (auto t = n.poll_timeout(); t && *t <= now)
                n.handle_timeout(now);
            for (bool any = true; any;) {
                any = false;
                while (n.poll_transmit(now, out, t)) { // the engine's form
                    ++sent;
                    released += t.handle_released;
                    any = true;
                }
                while (auto e = n.poll_event()) {
                    released += e->kind == event_kind::released;
                    any = true;
                }
            }
        }
        const auto t1 = std::chrono::steady_clock::now();
        ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (64.0 * bursts));
    }
    std::vector<double> sorted = ns;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{\"bench\":\"dsr_send\",\"bursts\":%d,\"burst\":64,\"runs\":%d,\"ns_per_packet_median\":%.1f,"
                "\"ns_per_packet_min\":%.1f,\"ns_per_packet_max\":%.1f,\"sent\":%llu,\"released\":%llu}\n",
                bursts, runs, sorted[sorted.size() / 2], sorted.front(), sorted.back(),
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(released));
    return 0;
}
