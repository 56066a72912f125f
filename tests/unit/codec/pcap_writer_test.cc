// SPDX-License-Identifier: Apache-2.0
// pcap_writer: frames written with nanosecond timestamps read back through
// libpcap byte for byte, with their link type, lengths, snaplen cut and
// times; errors (bad path, write before open) are reported, not thrown.
#include <gtest/gtest.h>

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "pcap/pcap_writer.hh"

using babe::pcap::linktype;
using babe::pcap::pcap_writer;

namespace {

std::string temp_path(const char* name)
{
    return std::string(::testing::TempDir()) + name + std::to_string(::getpid()) + ".pcap";
}

std::vector<std::byte> frame(std::size_t n, int seed)
{
    std::vector<std::byte> f(n);
    for (std::size_t i = 0; i < n; ++i)
        f[i] = std::byte(static_cast<unsigned>(seed + 7 * i) & 0xff);
    return f;
}

} // namespace

TEST(pcap_writer, frames_read_back_with_ns_timestamps)
{
    const std::string path = temp_path("babe_pcap_writer_");
    const auto a = frame(60, 1);
    const auto b = frame(1514, 2);
    {
        pcap_writer w;
        ASSERT_TRUE(w.open(path, linktype::ethernet, 1000)) << w.error();
        EXPECT_TRUE(w.write(1'700'000'000'123'456'789LL, a));
        EXPECT_TRUE(w.write(5, b));
        EXPECT_EQ(w.frames_written(), 2u);
        EXPECT_TRUE(w.flush());
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
    EXPECT_EQ(pcap_snapshot(p), 1000);
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    ASSERT_EQ(pcap_next_ex(p, &h, &data), 1);
    EXPECT_EQ(h->ts.tv_sec, 1'700'000'000);
    EXPECT_EQ(h->ts.tv_usec, 123'456'789);
    ASSERT_EQ(h->caplen, 60u);
    EXPECT_EQ(h->len, 60u);
    EXPECT_EQ(std::memcmp(data, a.data(), 60), 0);
    ASSERT_EQ(pcap_next_ex(p, &h, &data), 1);
    EXPECT_EQ(h->ts.tv_sec, 0);
    EXPECT_EQ(h->ts.tv_usec, 5);
    EXPECT_EQ(h->len, 1514u);
    ASSERT_EQ(h->caplen, 1000u); // cut to snaplen
    EXPECT_EQ(std::memcmp(data, b.data(), 1000), 0);
    EXPECT_EQ(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
    pcap_close(p);
    std::remove(path.c_str());
}

TEST(pcap_writer, errors_are_reported)
{
    pcap_writer w;
    EXPECT_FALSE(w.is_open());
    EXPECT_FALSE(w.write(0, frame(10, 0)));
    EXPECT_FALSE(w.error().empty());
    EXPECT_FALSE(w.open("/nonexistent-dir/x/y.pcap"));
    EXPECT_NE(w.error().find("cannot open"), std::string::npos);
    const std::string path = temp_path("babe_pcap_raw_");
    ASSERT_TRUE(w.open(path, linktype::raw));
    EXPECT_FALSE(w.write(-1, frame(10, 0)));
    pcap_writer moved(std::move(w));
    EXPECT_TRUE(moved.is_open());
    EXPECT_TRUE(moved.write(1, frame(20, 0)));
    moved.close();
    moved.close();
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_EQ(pcap_datalink(p), DLT_RAW);
    pcap_close(p);
    std::remove(path.c_str());
}
