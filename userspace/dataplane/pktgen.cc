// SPDX-License-Identifier: Apache-2.0
// babe-pktgen: the project's packet generator for benchmarks and tests. Sends
// COUNT copies of one Ethernet/IPv4/UDP frame (optionally carrying a DSR
// Options header with a Source Route through --via hops, RFC 4728 §6.7) out
// of one interface through an AF_PACKET socket with sendmmsg batches and
// qdisc bypass, pinned to one CPU, and prints one JSON line with the wall and
// CPU time it took. On veth the receiving side runs in the sender's softirq,
// so the time per packet includes every XDP program and kernel path the
// frame crosses on its way to the sink.
#include "core/unique_fd.hh"
#include "dataplane/system.hh"

#include <babe/csum.h>
#include <babe/wire.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace babe::dataplane;

namespace {

const char* usage = R"(usage: babe-pktgen --dev IF --dst-mac MAC --src IP --dst IP [options]

  --netns NAME      enter /run/netns/NAME first
  --src-mac MAC     default: the MAC of IF
  --via H1,H2,...   insert a DSR Source Route listing these intermediate hops
  --size BYTES      Ethernet frame size without FCS (default 64, minimum 42 + DSR)
  --count N         frames to send (default 1000000)
  --batch N         frames per sendmmsg (default 64)
  --rate PPS        offer at most PPS frames per second (busy-waits between
                    batches; default 0: as fast as the path takes them)
  --cpu N           pin to CPU N (default: not pinned)
  --sport/--dport   UDP ports (default 9/9)
Prints {"sent":N,"elapsed_ns":T,"cpu_ns":C,"ns_per_packet":..,"cpu_ns_per_packet":..,"pps":..}
)";

std::int64_t clock_ns(clockid_t id)
{
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

template <class T>
bool parse_number(const std::string& s, T& out)
{
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

int die(const std::string& msg)
{
    std::fprintf(stderr, "babe-pktgen: %s\n", msg.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    std::string dev, netns, dst_mac_s, src_mac_s, src_s, dst_s, via_s;
    unsigned size = 64;
    unsigned long count = 1000000;
    unsigned batch = 64;
    unsigned long rate = 0;
    int cpu = -1;
    unsigned sport = 9, dport = 9;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string{}; };
        bool ok = true;
        if (a == "--dev") dev = next();
        else if (a == "--netns") netns = next();
        else if (a == "--dst-mac") dst_mac_s = next();
        else if (a == "--src-mac") src_mac_s = next();
        else if (a == "--src") src_s = next();
        else if (a == "--dst") dst_s = next();
        else if (a == "--via") via_s = next();
        else if (a == "--size") ok = parse_number(next(), size);
        else if (a == "--count") ok = parse_number(next(), count);
        else if (a == "--batch") ok = parse_number(next(), batch);
        else if (a == "--rate") ok = parse_number(next(), rate);
        else if (a == "--cpu") ok = parse_number(next(), cpu);
        else if (a == "--sport") ok = parse_number(next(), sport);
        else if (a == "--dport") ok = parse_number(next(), dport);
        else if (a == "-h" || a == "--help") { std::fputs(usage, stdout); return 0; }
        else ok = false;
        if (!ok) {
            std::fprintf(stderr, "babe-pktgen: bad argument %s\n%s", a.c_str(), usage);
            return 2;
        }
    }
    if (dev.empty() || dst_mac_s.empty() || src_s.empty() || dst_s.empty() || batch == 0 ||
        batch > 1024 || sport > 65535 || dport > 65535) {
        std::fputs(usage, stderr);
        return 2;
    }
    if (!netns.empty())
        if (auto r = enter_netns(netns); !r)
            return die(describe(r.error()));
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0)
            return die(std::string{"sched_setaffinity: "} + std::strerror(errno));
    }
    auto ifindex = find_ifindex(dev);
    if (!ifindex)
        return die(describe(ifindex.error()));
    auto dst_mac = parse_mac(dst_mac_s);
    auto src_mac = src_mac_s.empty() ? find_mac(dev) : parse_mac(src_mac_s);
    auto src = parse_ipv4(src_s);
    auto dst = parse_ipv4(dst_s);
    for (const auto* e : {dst_mac ? nullptr : &dst_mac.error(), src_mac ? nullptr : &src_mac.error(),
                          src ? nullptr : &src.error(), dst ? nullptr : &dst.error()})
        if (e)
            return die(describe(*e));
    std::vector<be32> hops;
    for (std::size_t start = 0; start < via_s.size();) {
        std::size_t end = via_s.find(',', start);
        if (end == std::string::npos)
            end = via_s.size();
        auto h = parse_ipv4(std::string_view{via_s}.substr(start, end - start));
        if (!h)
            return die(describe(h.error()));
        hops.push_back(h.value());
        start = end + 1;
    }
    if (hops.size() > BABE_MAX_ROUTE_HOPS)
        return die("too many --via hops");

    // Build the frame: Ethernet, IPv4, [DSR header + Source Route], UDP, zero payload.
    const unsigned dsr_len = hops.empty() ? 0 : static_cast<unsigned>(sizeof(babe_dsr_hdr) +
                                                                      sizeof(babe_dsr_srcrt) +
                                                                      4 * hops.size());
    const unsigned min_size = sizeof(ethhdr) + sizeof(iphdr) + dsr_len + sizeof(udphdr);
    if (size < min_size || size > 9000)
        return die("--size must be between " + std::to_string(min_size) + " and 9000");
    std::vector<unsigned char> frame(size, 0);
    auto* eth = reinterpret_cast<ethhdr*>(frame.data());
    std::memcpy(eth->h_dest, dst_mac.value().data(), 6);
    std::memcpy(eth->h_source, src_mac.value().data(), 6);
    eth->h_proto = htons(ETH_P_IP);
    auto* ip = reinterpret_cast<iphdr*>(frame.data() + sizeof(ethhdr));
    ip->version = 4;
    ip->ihl = 5;
    ip->tot_len = htons(static_cast<std::uint16_t>(size - sizeof(ethhdr)));
    ip->id = htons(1);
    ip->frag_off = htons(0x4000); // DF
    ip->ttl = 64;
    ip->protocol = hops.empty() ? IPPROTO_UDP : BABE_IPPROTO_DSR;
    ip->saddr = src.value();
    ip->daddr = dst.value();
    ip->check = babe_ipv4_csum(ip, sizeof(iphdr));
    unsigned char* p = frame.data() + sizeof(ethhdr) + sizeof(iphdr);
    if (!hops.empty()) {
        auto* dsr = reinterpret_cast<babe_dsr_hdr*>(p);
        dsr->next_header = IPPROTO_UDP;
        dsr->flags = 0;
        dsr->payload_len = htons(static_cast<std::uint16_t>(dsr_len - sizeof(babe_dsr_hdr)));
        auto* sr = reinterpret_cast<babe_dsr_srcrt*>(p + sizeof(babe_dsr_hdr));
        sr->type = BABE_DSR_OPT_SRCRT;
        sr->data_len = static_cast<std::uint8_t>(BABE_DSR_SRCRT_FIXED_DATA + 4 * hops.size());
        sr->flags_segs = htons(static_cast<std::uint16_t>(hops.size()));
        std::memcpy(p + sizeof(babe_dsr_hdr) + sizeof(babe_dsr_srcrt), hops.data(),
                    4 * hops.size());
        p += dsr_len;
    }
    auto* udp = reinterpret_cast<udphdr*>(p);
    udp->source = htons(static_cast<std::uint16_t>(sport));
    udp->dest = htons(static_cast<std::uint16_t>(dport));
    udp->len = htons(static_cast<std::uint16_t>(frame.data() + size - p));
    udp->check = 0; // optional over IPv4

    babe::unique_fd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)); // protocol 0: send only
    if (!fd)
        return die(std::string{"AF_PACKET socket: "} + std::strerror(errno) + " (needs root)");
    int one = 1;
    setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(ifindex.value());
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, dst_mac.value().data(), 6);

    iovec iov{frame.data(), frame.size()};
    std::vector<mmsghdr> msgs(batch);
    for (auto& m : msgs) {
        m.msg_hdr.msg_name = &to;
        m.msg_hdr.msg_namelen = sizeof(to);
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
    }

    unsigned long sent = 0;
    unsigned long retries = 0;
    const std::int64_t wall0 = clock_ns(CLOCK_MONOTONIC);
    const std::int64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    while (sent < count) {
        unsigned n = static_cast<unsigned>(std::min<unsigned long>(batch, count - sent));
        if (rate) { // not ahead of the offered rate: frame `sent` leaves at sent / rate
            const std::int64_t due =
                wall0 + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 /
                                                  static_cast<double>(rate));
            while (clock_ns(CLOCK_MONOTONIC) < due) {
            }
        }
        int rc = sendmmsg(fd.get(), msgs.data(), n, 0);
        if (rc < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                ++retries;
                continue;
            }
            std::fprintf(stderr, "babe-pktgen: sendmmsg: %s\n", std::strerror(errno));
            return 1;
        }
        sent += static_cast<unsigned long>(rc);
    }
    const std::int64_t cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    const std::int64_t wall_ns = clock_ns(CLOCK_MONOTONIC) - wall0;
    fd.reset();
    double per = sent ? static_cast<double>(wall_ns) / static_cast<double>(sent) : 0.0;
    double cpu_per = sent ? static_cast<double>(cpu_ns) / static_cast<double>(sent) : 0.0;
    double pps = wall_ns > 0 ? static_cast<double>(sent) * 1e9 / static_cast<double>(wall_ns) : 0.0;
    std::printf("{\"sent\":%lu,\"frame_bytes\":%u,\"elapsed_ns\":%lld,\"cpu_ns\":%lld,"
                "\"ns_per_packet\":%.2f,\"cpu_ns_per_packet\":%.2f,\"pps\":%.0f,\"retries\":%lu}\n",
                sent, size, static_cast<long long>(wall_ns), static_cast<long long>(cpu_ns), per,
                cpu_per, pps, retries);
    return 0;
}
