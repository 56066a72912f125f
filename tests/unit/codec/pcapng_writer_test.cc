// SPDX-License-Identifier: Apache-2.0
// pcapng_writer: frames read back byte for byte through libpcap (which
// reads pcapng), and, when tshark is installed, the interface names, the
// original lengths and the packet comments as Wireshark's reader sees them.
#include <gtest/gtest.h>

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include "pcap/pcapng_writer.hh"

using babe::pcap::pcapng_writer;

namespace {

std::string temp_path(const char* name)
{
    return std::string(::testing::TempDir()) + name + std::to_string(::getpid()) + ".pcapng";
}

std::vector<std::byte> frame(std::size_t n, int seed)
{
    std::vector<std::byte> f(n);
    for (std::size_t i = 0; i < n; ++i)
        f[i] = std::byte(static_cast<unsigned>(seed + 7 * i) & 0xff);
    return f;
}

std::string run(const std::string& cmd)
{
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
            out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

// Three frames on two interfaces, odd lengths (padding), one without comment.
void write_sample(const std::string& path)
{
    pcapng_writer w;
    ASSERT_TRUE(w.open(path)) << w.error();
    EXPECT_EQ(w.add_interface("m1", 2048), 0u);
    EXPECT_EQ(w.add_interface("m3", 2048), 1u);
    EXPECT_TRUE(w.write(0, 1'700'000'000'123'456'789LL, frame(61, 1), 61, "ingress pass deliver"));
    EXPECT_TRUE(w.write(1, 1'700'000'001'000'000'001LL, frame(100, 2), 1514,
                        "egress (redirect decision) redirect transit"));
    EXPECT_TRUE(w.write(0, 1'700'000'002'000'000'000LL, frame(3, 3), 3));
    EXPECT_FALSE(w.write(7, 0, frame(3, 3), 3));
    EXPECT_EQ(w.packets_written(), 3u);
}

} // namespace

TEST(pcapng_writer, frames_read_back_through_libpcap)
{
    const std::string path = temp_path("babe_pcapng_");
    write_sample(path);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
    struct want {
        long sec, nsec;
        std::size_t caplen, len;
        int seed;
    } wants[] = {{1'700'000'000, 123'456'789, 61, 61, 1},
                 {1'700'000'001, 1, 100, 1514, 2},
                 {1'700'000'002, 0, 3, 3, 3}};
    for (const auto& w : wants) {
        pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        ASSERT_EQ(pcap_next_ex(p, &h, &data), 1);
        EXPECT_EQ(h->ts.tv_sec, w.sec);
        EXPECT_EQ(h->ts.tv_usec, w.nsec);
        EXPECT_EQ(h->caplen, w.caplen);
        EXPECT_EQ(h->len, w.len);
        const auto f = frame(w.caplen, w.seed);
        EXPECT_EQ(std::memcmp(data, f.data(), w.caplen), 0);
    }
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    EXPECT_EQ(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
    pcap_close(p);
    std::remove(path.c_str());
}

TEST(pcapng_writer, tshark_reads_interfaces_and_comments)
{
    if (std::system("command -v tshark >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "tshark not installed";
    const std::string path = temp_path("babe_pcapng_ts_");
    write_sample(path);
    const std::string out =
        run("tshark -n -r " + path +
            " -T fields -E separator=';' -e frame.interface_name -e frame.len -e frame.cap_len "
            "-e frame.comment 2>/dev/null");
    EXPECT_EQ(out, "m1;61;61;ingress pass deliver\n"
                   "m3;1514;100;egress (redirect decision) redirect transit\n"
                   "m1;3;3;\n");
    const std::string info = run("capinfos -t -c -I " + path + " 2>&1");
    EXPECT_NE(info.find("pcapng"), std::string::npos) << info;
    EXPECT_NE(info.find("Number of packets:   3"), std::string::npos) << info;
    std::remove(path.c_str());
}
