// SPDX-License-Identifier: Apache-2.0
// babe-mesh-linkcut: fails one end of a mesh link silently, the way a radio
// link dies: the carrier stays up, frames are still sent, and every frame
// that reaches this end is dropped before anything sees it.
//
// Why not netem, nftables or a lower MTU: frames that XDP redirects into a
// veth (transit, local egress) and frames an AF_XDP socket sends skip the
// sender's qdisc and the receiver's tc/netfilter hooks (those run after
// XDP, and a redirected frame never reaches them), and an MTU cut lets small
// probes through. On veth the first thing that sees a received frame is the
// XDP program of the receiving end, so that is where this tool drops: it
// swaps the program of babed's pinned XDP link on the interface (bpf_link
// update, carrier untouched) for babe_sink, which counts and drops every
// frame. `restore` puts babed's program back. Cut both ends of a link to
// silence it both ways.
//
//   babe-mesh-linkcut cut LINK_PIN SAVE_DIR      # babed's prog -> SAVE_DIR/orig
//   babe-mesh-linkcut restore LINK_PIN SAVE_DIR  # prints the frames dropped
//   babe-mesh-linkcut count SAVE_DIR             # frames dropped so far
//
// LINK_PIN is babed's link pin, <xdp.pin_path>/links/<ifname>; SAVE_DIR a
// directory on a bpffs.
#include "babe_sink.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

int die(const std::string& what)
{
    std::fprintf(stderr, "babe-mesh-linkcut: %s: %s\n", what.c_str(), std::strerror(errno));
    return 1;
}

// Frames counted by the pinned sink map (summed over CPUs), or -1.
long long dropped(const std::string& dir)
{
    int fd = bpf_obj_get((dir + "/sink_stats").c_str());
    if (fd < 0)
        return -1;
    int ncpu = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> v(static_cast<std::size_t>(ncpu > 0 ? ncpu : 1));
    std::uint32_t key = 0; // BABE_SINK_PACKETS
    long long sum = -1;
    if (bpf_map_lookup_elem(fd, &key, v.data()) == 0) {
        sum = 0;
        for (auto x : v)
            sum += static_cast<long long>(x);
    }
    close(fd);
    return sum;
}

int cut(const std::string& link_pin, const std::string& dir)
{
    int link = bpf_obj_get(link_pin.c_str());
    if (link < 0)
        return die("open link " + link_pin);
    bpf_link_info info{};
    std::uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(link, &info, &len) != 0)
        return die("link info");
    if (info.type != BPF_LINK_TYPE_XDP) {
        errno = EINVAL;
        return die(link_pin + " is not an XDP link");
    }
    int orig = bpf_prog_get_fd_by_id(info.prog_id);
    if (orig < 0)
        return die("babed's program");
    mkdir(dir.c_str(), 0700);
    if (bpf_obj_pin(orig, (dir + "/orig").c_str()) != 0)
        return die("pin babed's program in " + dir + " (already cut?)");
    babe_sink* sink = babe_sink::open_and_load();
    if (!sink)
        return die("load babe_sink");
    if (bpf_obj_pin(bpf_program__fd(sink->progs.babe_sink), (dir + "/sink").c_str()) != 0 ||
        bpf_obj_pin(bpf_map__fd(sink->maps.babe_sink_stats), (dir + "/sink_stats").c_str()) != 0)
        return die("pin the sink in " + dir);
    LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE, .old_prog_fd = static_cast<__u32>(orig));
    if (bpf_link_update(link, bpf_program__fd(sink->progs.babe_sink), &opts) != 0) {
        int e = errno;
        unlink((dir + "/orig").c_str());
        unlink((dir + "/sink").c_str());
        unlink((dir + "/sink_stats").c_str());
        errno = e;
        return die("swap the program of " + link_pin);
    }
    babe_sink::destroy(sink);
    close(orig);
    close(link);
    return 0;
}

int restore(const std::string& link_pin, const std::string& dir)
{
    int link = bpf_obj_get(link_pin.c_str());
    if (link < 0)
        return die("open link " + link_pin);
    int orig = bpf_obj_get((dir + "/orig").c_str());
    if (orig < 0)
        return die("babed's saved program in " + dir);
    long long n = dropped(dir);
    if (bpf_link_update(link, orig, nullptr) != 0)
        return die("put babed's program back on " + link_pin);
    unlink((dir + "/orig").c_str());
    unlink((dir + "/sink").c_str());
    unlink((dir + "/sink_stats").c_str());
    rmdir(dir.c_str());
    std::printf("%lld\n", n);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 3 && a[0] == "cut")
        return cut(a[1], a[2]);
    if (a.size() == 3 && a[0] == "restore")
        return restore(a[1], a[2]);
    if (a.size() == 2 && a[0] == "count") {
        long long n = dropped(a[1]);
        if (n < 0)
            return die("read the sink counter in " + a[1]);
        std::printf("%lld\n", n);
        return 0;
    }
    std::fprintf(stderr, "usage: babe-mesh-linkcut cut|restore LINK_PIN SAVE_DIR | count SAVE_DIR\n");
    return 2;
}
