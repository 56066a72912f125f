// SPDX-License-Identifier: Apache-2.0
// babe-afxdp-echo: the minimal AF_XDP echo loop that bench-daemon measures
// the engine's miss path against. babe_xsk_redirect on --dev sends every
// IPv4 UDP frame to one AF_XDP socket (queue 0); the loop swaps Ethernet and
// IPv4 addresses and UDP ports in place and transmits the same UMEM frame
// back out of --dev. It is built like the engine's I/O on purpose: the same
// babe::afxdp socket and UMEM classes, the same UMEM and ring sizes (4096
// frames, 512-entry rings, no headroom), bursts of 64, flush + reap once per
// turn (the same coalescing flush: fewer than 16 frames queued by a turn that
// received some wait for the next turn), 64 empty turns of spinning (each
// yielding the CPU) before sleeping in poll(), the same scheduler slice as
// babed's shards (engine.sched_slice_us, default 100 us; --slice-us). What it lacks
// is exactly the engine's per-packet work (parsing, the DSR core, headers).
//
// Run it inside the namespace of --dev; it prints "ready" once attached, on
// SIGUSR1 the counters so far ({"rx":N,"tx":N}), and on SIGTERM/SIGINT:
//   {"rx":N,"tx":N,"tx_ring_full":N,"cpu_ns":N}
// (cpu_ns: this thread's CPU time; bench-daemon reads /proc instead, the same
// way for the echo loop and the engine).
#include "afxdp/socket.hh"
#include "core/sched_slice.hh"
#include "babe_xsk_redirect.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace {

std::atomic<bool> stop{false};
std::atomic<bool> report{false};

void on_signal(int) { stop.store(true); }
void on_report(int) { report.store(true); }

void echo_in_place(std::byte* d)
{
    auto* eth = reinterpret_cast<ethhdr*>(d);
    auto* ip = reinterpret_cast<iphdr*>(d + sizeof(ethhdr));
    auto* udp = reinterpret_cast<udphdr*>(d + sizeof(ethhdr) + sizeof(iphdr));
    unsigned char mac[ETH_ALEN];
    std::memcpy(mac, eth->h_source, ETH_ALEN);
    std::memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    std::memcpy(eth->h_dest, mac, ETH_ALEN);
    std::swap(ip->saddr, ip->daddr); // the IPv4 checksum stays valid
    std::swap(udp->source, udp->dest);
    udp->check = 0;
}

std::int64_t mono_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace

int main(int argc, char** argv)
{
    std::string dev;
    unsigned long slice_us = 100; // babed's engine.sched_slice_us default
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--dev")
            dev = argv[i + 1];
        else if (std::string(argv[i]) == "--slice-us")
            slice_us = std::strtoul(argv[i + 1], nullptr, 10);
    }
    if (dev.empty() || slice_us > 100000) {
        std::fprintf(stderr, "usage: babe-afxdp-echo --dev IF [--slice-us 0..100000]\n");
        return 2;
    }
    int ifindex = static_cast<int>(if_nametoindex(dev.c_str()));
    if (ifindex <= 0) {
        std::fprintf(stderr, "babe-afxdp-echo: no interface %s\n", dev.c_str());
        return 1;
    }
    babe_xsk_redirect* skel = babe_xsk_redirect::open_and_load();
    if (!skel) {
        std::fprintf(stderr, "babe-afxdp-echo: cannot load babe_xsk_redirect\n");
        return 1;
    }
    if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.babe_xsk_redirect), 0, nullptr) != 0) {
        std::fprintf(stderr, "babe-afxdp-echo: cannot attach XDP to %s\n", dev.c_str());
        return 1;
    }
    int rc = 0;
    try {
        babe::afxdp::umem mem(babe::afxdp::umem_config{.frame_count = 4096, .headroom = 0, .ring_size = 512});
        babe::afxdp::socket sock(mem, babe::afxdp::socket_config{.ifname = dev, .queue = 0, .ring_size = 512});
        sock.register_in(bpf_map__fd(skel->maps.xsk_redirect_xsks));
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        signal(SIGUSR1, on_report);
        pthread_setname_np(pthread_self(), "babe-echo");
        if (int err = babe::request_sched_slice(static_cast<std::uint32_t>(slice_us)))
            std::fprintf(stderr, "babe-afxdp-echo: scheduler slice refused: %s\n", std::strerror(err));
        std::printf("ready\n");
        std::fflush(stdout);

        std::array<babe::afxdp::rx_frame, 64> burst{};
        std::uint64_t rx = 0, tx = 0, full = 0;
        // Time in turns that received or sent something, read as babed's shards
        // read it (engine_s<k>_busy_ns): a monotonic stamp at the start of
        // every turn and another at the end of a turn that did work.
        std::uint64_t busy_ns = 0;
        int idle = 0;
        constexpr int spin_turns = 64;
        while (!stop.load(std::memory_order_relaxed)) {
            const std::int64_t turn0 = mono_ns();
            if (report.exchange(false, std::memory_order_relaxed)) {
                std::printf("{\"rx\":%llu,\"tx\":%llu,\"busy_ns\":%llu}\n", static_cast<unsigned long long>(rx),
                            static_cast<unsigned long long>(tx), static_cast<unsigned long long>(busy_ns));
                std::fflush(stdout);
            }
            std::size_t n = sock.receive(burst);
            for (std::size_t i = 0; i < n; ++i) {
                const auto& f = burst[i];
                if (f.len < sizeof(ethhdr) + sizeof(iphdr) + sizeof(udphdr)) {
                    mem.release(f.addr);
                    continue;
                }
                echo_in_place(mem.data(f.addr));
                if (sock.transmit(f.addr, f.len)) {
                    ++tx;
                } else {
                    ++full;
                    mem.release(f.addr);
                }
            }
            rx += n;
            // As the engine's turns end (packet_io::end_turn): a few frames
            // wait for the next turn's; a turn that sends them is busy.
            const std::uint32_t kicked = sock.flush(n > 0);
            sock.reap();
            if (n || kicked) {
                busy_ns += static_cast<std::uint64_t>(mono_ns() - turn0);
                idle = 0;
                continue;
            }
            if (++idle < spin_turns) {
                sched_yield(); // the engine's empty turns do the same
                continue;
            }
            // Woken by a frame: spin again. Woken by the timeout: sleep again
            // at once, as babed's shards do after a timer (spinning 64
            // yielding turns ten times a second took the CPU from whatever
            // the bench measured beside it).
            pollfd p{sock.fd(), POLLIN, 0};
            idle = poll(&p, 1, 100) > 0 ? 0 : spin_turns;
        }
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        std::printf("{\"rx\":%llu,\"tx\":%llu,\"tx_ring_full\":%llu,\"cpu_ns\":%lld}\n",
                    static_cast<unsigned long long>(rx), static_cast<unsigned long long>(tx),
                    static_cast<unsigned long long>(full),
                    static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "babe-afxdp-echo: %s\n", e.what());
        rc = 1;
    }
    bpf_xdp_detach(ifindex, 0, nullptr);
    babe_xsk_redirect::destroy(skel);
    return rc;
}
