// SPDX-License-Identifier: Apache-2.0
// bench-xdp: ns per packet of each path of babe_xdp through BPF_PROG_RUN,
// next to the minimal forwarder (MAC rewrite + devmap redirect) measured in
// the same run. Every run is a single BPF_PROG_RUN with repeat=1 (the
// programs rewrite the frame in place, so repeats would measure a different
// packet); the kernel's per-run duration is summed. Paths are interleaved
// round by round and the median round is reported, so that noise from other
// load on the machine hits every path alike. Prints one JSON object.
#include "babe_minimal_fwd.skel.h"
#include "xdp_harness.hh"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace babe::test;

namespace {

struct path {
    const char* name;
    int prog_fd;
    bytes frame;
    std::uint32_t verdict;
    std::vector<double> rounds;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
    int runs = argc > 2 ? std::atoi(argv[2]) : 500;
    if (geteuid() != 0) {
        std::printf("{\"bench\":\"xdp\",\"skipped\":\"needs root\"}\n");
        return 77;
    }
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &unlimited);

    xdp_harness h;
    if (!h.load()) {
        std::fprintf(stderr, "babe_xdp failed to load\n");
        return 1;
    }
    babe_minimal_fwd* min = babe_minimal_fwd::open_and_load();
    if (!min) {
        std::fprintf(stderr, "babe_minimal_fwd failed to load\n");
        return 1;
    }
    babe_neighbour nb{};
    nb.ifindex = tx_ifindex;
    auto m = node_mac(3), s = our_mac_towards(3);
    std::memcpy(nb.mac, m.data(), 6);
    std::memcpy(nb.src_mac, s.data(), 6);
    std::uint32_t key = 0;
    if (bpf_map_update_elem(bpf_map__fd(min->maps.fwd_target), &key, &nb, BPF_ANY) != 0 ||
        bpf_map_update_elem(bpf_map__fd(min->maps.tx_ports), &tx_ifindex, &tx_ifindex, BPF_ANY) != 0) {
        std::fprintf(stderr, "minimal forwarder maps\n");
        return 1;
    }
    const auto a = addr(0, 1), b = self_addr(), c = addr(0, 3), d = addr(0, 4), e = addr(0, 5);
    h.add_route(e, {c, d});
    const mac self = node_mac(self_node);
    auto payload = udp_payload(64 - 42 + 18);  // ~ 100-byte frames
    bytes transit = dsr_frame(self, node_mac(1), {.src = a, .dst = e}, 17, srcrt_option({b, c, d}, 3), payload);
    bytes deliver = dsr_frame(self, node_mac(4), {.src = a, .dst = b}, 17, srcrt_option({c, d}, 0), payload);
    bytes control = dsr_frame(self, node_mac(1), {.src = a, .dst = htonl(0xffffffff)}, 59,
                              rreq_option(1, e, {c}), {});
    bytes host = ip_frame(node_mac(0xfd), node_mac(0xfe), {.src = b, .dst = e}, payload);
    bytes arp = eth_header({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, node_mac(1), 0x0806);
    append(arp, bytes(46, 0x11));

    int min_fd = bpf_program__fd(min->progs.babe_minimal_fwd);
    std::vector<path> paths = {
        {"minimal", min_fd, transit, XDP_REDIRECT, {}},
        {"transit", h.ingress_fd(), transit, XDP_REDIRECT, {}},
        {"deliver", h.ingress_fd(), deliver, XDP_PASS, {}},
        {"encap", h.egress_fd(), host, XDP_REDIRECT, {}},
        {"to_engine", h.ingress_fd(), control, XDP_PASS, {}},
        {"pass_other", h.ingress_fd(), arp, XDP_PASS, {}},
    };
    for (auto& p : paths) {  // warm up and check every path takes the way it should
        auto r = xdp_harness::run(p.prog_fd, p.frame);
        if (r.err != 0 || r.retval != p.verdict) {
            std::fprintf(stderr, "path %s: err %d verdict %u, want %u\n", p.name, r.err, r.retval,
                         p.verdict);
            return 1;
        }
    }
    for (int round = 0; round < rounds; ++round) {
        for (auto& p : paths) {
            std::uint64_t sum = 0;
            for (int i = 0; i < runs; ++i) {
                std::uint64_t ns = 0;
                xdp_harness::run(p.prog_fd, p.frame, &ns);
                sum += ns;
            }
            p.rounds.push_back(static_cast<double>(sum) / runs);
        }
    }
    std::string out = "{\"bench\":\"xdp\",\"method\":\"BPF_PROG_RUN repeat=1, kernel duration per run, median of " +
                      std::to_string(rounds) + " interleaved rounds x " + std::to_string(runs) +
                      " runs\",\"frame_bytes\":" + std::to_string(transit.size()) + ",\"ns_per_packet\":{";
    double minimal = 0, transit_ns = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        double med = median(paths[i].rounds);
        if (std::string(paths[i].name) == "minimal")
            minimal = med;
        if (std::string(paths[i].name) == "transit")
            transit_ns = med;
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%s\"%s\":%.1f", i ? "," : "", paths[i].name, med);
        out += buf;
    }
    // The spread: transit/minimal of each round (same round = same load),
    // and its median, which pairs measurements made under the same load.
    std::vector<double> ratios;
    for (std::size_t r = 0; r < paths[0].rounds.size(); ++r)
        if (paths[0].rounds[r] > 0)
            ratios.push_back(paths[1].rounds[r] / paths[0].rounds[r]);
    std::sort(ratios.begin(), ratios.end());
    char buf[320];
    std::snprintf(buf, sizeof(buf),
                  "},\"transit_vs_minimal\":%.3f,\"round_ratio_median\":%.3f,"
                  "\"round_ratio_min\":%.3f,\"round_ratio_max\":%.3f,"
                  "\"goal_transit_vs_minimal\":1.3}",
                  minimal > 0 ? transit_ns / minimal : 0.0, median(ratios),
                  ratios.empty() ? 0.0 : ratios.front(), ratios.empty() ? 0.0 : ratios.back());
    out += buf;
    std::printf("%s\n", out.c_str());
    babe_minimal_fwd::destroy(min);
    return 0;
}
