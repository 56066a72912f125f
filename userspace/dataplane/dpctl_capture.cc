// SPDX-License-Identifier: Apache-2.0
// `babe-dpctl capture`: the XDP programs' packet capture (capture_reader)
// written as pcapng (pcapng_writer), one Interface Description Block per
// interface as its first frame arrives, the verdict and reason as each
// packet's comment. Runs until SIGINT/SIGTERM, -c frames, or a write error
// (a closed pipe: `-w - | wireshark -k -i -` stops with Wireshark); then
// switches the capture off and reports frames written and records lost.
#include "dataplane/dpctl_capture.hh"

#include "dataplane/capture.hh"
#include "pcap/pcapng_writer.hh"

#include <net/if.h>
#include <time.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace babe::dataplane {

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

std::int64_t clock_ns(clockid_t id)
{
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

int usage()
{
    std::fputs("babe-dpctl capture -w FILE|- [-i IFACE]... [-c N] [-s SNAPLEN] [--take-over]\n",
               stderr);
    return 2;
}

} // namespace

int run_capture(const std::string& pin_path, std::span<const std::string> args)
{
    std::string out;
    std::uint64_t count = 0;
    std::uint32_t snaplen = BABE_CAPTURE_SNAP_MAX;
    std::set<std::uint32_t> only;
    bool take_over = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        bool has = i + 1 < args.size();
        if (a == "-w" && has) {
            out = args[++i];
        } else if (a == "-c" && has) {
            count = std::strtoull(args[++i].c_str(), nullptr, 10);
        } else if (a == "-s" && has) {
            snaplen = static_cast<std::uint32_t>(std::strtoul(args[++i].c_str(), nullptr, 10));
        } else if (a == "-i" && has) {
            unsigned idx = if_nametoindex(args[++i].c_str());
            if (idx == 0) {
                std::fprintf(stderr, "babe-dpctl: capture: no interface %s\n", args[i].c_str());
                return 1;
            }
            only.insert(idx);
        } else if (a == "--take-over") {
            take_over = true;
        } else {
            return usage();
        }
    }
    if (out.empty())
        return usage();

    pcap::pcapng_writer w;
    if (!w.open(out)) {
        std::fprintf(stderr, "babe-dpctl: %s\n", w.error().c_str());
        return 1;
    }
    // BPF stamps CLOCK_MONOTONIC; pcapng wants the Unix epoch.
    const std::int64_t to_realtime = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    std::map<std::uint32_t, std::uint32_t> ids; // ifindex -> pcapng interface id
    std::uint64_t written = 0;
    bool write_failed = false;
    auto sink = [&](const babe_capture_hdr& h, std::span<const std::byte> bytes) {
        if (write_failed || (count && written >= count) || (!only.empty() && !only.count(h.ifindex)))
            return;
        auto it = ids.find(h.ifindex);
        if (it == ids.end()) {
            char name[IF_NAMESIZE] = {};
            std::string n = if_indextoname(h.ifindex, name) ? name : fmt_ifindex(h.ifindex);
            it = ids.emplace(h.ifindex, w.add_interface(n, snaplen)).first;
        }
        if (!w.write(it->second, static_cast<std::int64_t>(h.ts_ns) + to_realtime, bytes, h.len,
                     capture_reader::describe(h)))
            write_failed = true;
        else
            ++written;
    };
    auto reader = capture_reader::start(pin_path, snaplen, sink, take_over);
    if (!reader) {
        std::fprintf(stderr, "babe-dpctl: %s\n", describe(reader.error()).c_str());
        return 1;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr, "capturing (snaplen %u)\n", snaplen);
    while (!stop_requested && !write_failed && !(count && written >= count)) {
        auto n = reader.value()->poll(100);
        if (!n) {
            std::fprintf(stderr, "babe-dpctl: %s\n", describe(n.error()).c_str());
            break;
        }
        w.flush();
    }
    const std::uint64_t lost = reader.value()->stop();
    w.close();
    std::fprintf(stderr, "%llu frames written, %llu lost (ring buffer full)%s\n",
                 static_cast<unsigned long long>(written), static_cast<unsigned long long>(lost),
                 write_failed ? ", stopped: write failed" : "");
    return write_failed ? 1 : 0;
}

std::string fmt_ifindex(std::uint32_t ifindex) { return "if" + std::to_string(ifindex); }

} // namespace babe::dataplane
