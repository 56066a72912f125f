// SPDX-License-Identifier: Apache-2.0
// /proc parsing for the process families: recorded /proc/<pid>/stat and
// statm text (a command name with spaces and parentheses), bad input, and
// this test process's own figures.
#include "metrics/process.hh"

#include <gtest/gtest.h>

namespace babe::metrics {
namespace {

// Fields after the name: state ppid pgrp session tty tpgid flags minflt
// cminflt majflt cmajflt utime(14) stime(15) cutime cstime priority nice
// num_threads(20) itrealvalue starttime(22) vsize(23) rss(24) ...
constexpr const char* stat_text =
    "4242 (ba) bed (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 5 0 12000 "
    "104857600 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
constexpr const char* statm_text = "25600 2500 600 100 0 3000 0\n";

TEST(ProcessStat, ParsesRecordedText)
{
    auto p = parse_process_stat(stat_text, statm_text, 100, 4096, 1'700'000'000);
    ASSERT_TRUE(p);
    EXPECT_DOUBLE_EQ(p->cpu_seconds, 3.0);       // (250 + 50) / 100
    EXPECT_DOUBLE_EQ(p->threads, 5);
    EXPECT_DOUBLE_EQ(p->start_time_seconds, 1'700'000'120.0);
    EXPECT_DOUBLE_EQ(p->virtual_bytes, 104857600.0);
    EXPECT_DOUBLE_EQ(p->resident_bytes, 2500.0 * 4096);
}

TEST(ProcessStat, RefusesBadInput)
{
    EXPECT_FALSE(parse_process_stat("", statm_text, 100, 4096, 0));
    EXPECT_FALSE(parse_process_stat("1 (x) S 1 2 3", statm_text, 100, 4096, 0));
    EXPECT_FALSE(parse_process_stat(stat_text, "", 100, 4096, 0));
    EXPECT_FALSE(parse_process_stat(stat_text, "1 x 3", 100, 4096, 0));
    EXPECT_FALSE(parse_process_stat(stat_text, statm_text, 0, 4096, 0));
}

TEST(ProcessStat, BootTime)
{
    EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1699999999\nprocesses 7\n"), 1699999999.0);
    EXPECT_FALSE(parse_boot_time("cpu 1\n"));
}

TEST(ProcessStat, ThisProcess)
{
    auto p = read_process_stats();
    ASSERT_TRUE(p);
    EXPECT_GT(p->resident_bytes, 0);
    EXPECT_GE(p->threads, 1);
    EXPECT_GE(p->open_fds, 3); // stdin, stdout, stderr at least
    EXPECT_GT(p->start_time_seconds, 1e9);
}

} // namespace
} // namespace babe::metrics
