// SPDX-License-Identifier: Apache-2.0
// The exposition checks: a clean exposition passes, and each kind of
// mistake (duplicate series, split family, counter without _total,
// non-cumulative buckets, missing +Inf, +Inf != _count, bad value, no TYPE)
// is reported.
#include "metrics/lint.hh"

#include <gtest/gtest.h>

namespace babe::metrics {
namespace {

constexpr const char* clean =
    "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\na_total{x=\"2\"} 0\n"
    "# HELP g G.\n# TYPE g gauge\ng 1.5\n"
    "# HELP h H.\n# TYPE h histogram\n"
    "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 4.2\nh_count 3\n";

bool has(const std::vector<std::string>& p, const std::string& what)
{
    for (const auto& s : p)
        if (s.find(what) != std::string::npos)
            return true;
    return false;
}

TEST(Lint, CleanPasses) { EXPECT_TRUE(lint(clean).empty()) << ::testing::PrintToString(lint(clean)); }

TEST(Lint, DuplicateSeriesLabelOrderIgnored)
{
    auto p = lint("# TYPE a_total counter\na_total{x=\"1\",y=\"2\"} 3\na_total{y=\"2\",x=\"1\"} 4\n");
    EXPECT_TRUE(has(p, "duplicate series")) << ::testing::PrintToString(p);
}

TEST(Lint, SplitFamilyAndTypeTwice)
{
    auto p = lint("# TYPE a_total counter\na_total 1\n# TYPE g gauge\ng 1\n# TYPE a_total counter\na_total{x=\"1\"} 1\n");
    EXPECT_TRUE(has(p, "split"));
    EXPECT_TRUE(has(p, "TYPE twice"));
    p = lint("# TYPE g gauge\ng 1\nother 2\n");
    EXPECT_TRUE(has(p, "outside"));
    EXPECT_TRUE(has(p, "no TYPE"));
}

TEST(Lint, CounterNaming)
{
    EXPECT_TRUE(has(lint("# TYPE packets counter\npackets 1\n"), "_total"));
    EXPECT_TRUE(has(lint("# TYPE a_total counter\na_total -1\n"), "has value"));
}

TEST(Lint, HistogramShape)
{
    auto p = lint("# TYPE h histogram\nh_bucket{le=\"0.1\"} 2\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                  "h_sum 1\nh_count 2\n");
    EXPECT_TRUE(has(p, "not cumulative")) << ::testing::PrintToString(p);
    p = lint("# TYPE h histogram\nh_bucket{le=\"0.1\"} 2\nh_sum 1\nh_count 2\n");
    EXPECT_TRUE(has(p, "+Inf"));
    p = lint("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n");
    EXPECT_TRUE(has(p, "!= _count"));
    p = lint("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n");
    EXPECT_TRUE(has(p, "not above"));
    // Per label set: two series of one histogram are checked apart.
    p = lint("# TYPE h histogram\n"
             "h_bucket{q=\"a\",le=\"+Inf\"} 5\nh_sum{q=\"a\"} 1\nh_count{q=\"a\"} 5\n"
             "h_bucket{q=\"b\",le=\"+Inf\"} 1\nh_sum{q=\"b\"} 1\nh_count{q=\"b\"} 1\n");
    EXPECT_TRUE(p.empty()) << ::testing::PrintToString(p);
}

TEST(Lint, MalformedLines)
{
    EXPECT_TRUE(has(lint("# TYPE g gauge\ng abc\n"), "bad value"));
    EXPECT_TRUE(has(lint("# TYPE g gauge\ng{x=1} 1\n"), "malformed"));
    EXPECT_TRUE(has(lint("# TYPE g gauge\ng{__x=\"1\"} 1\n"), "bad label name"));
    EXPECT_TRUE(has(lint("# TYPE g gauge\ng 1"), "newline"));
    EXPECT_TRUE(has(lint("# TYPE g gauge\ng{x=\"a\\q\"} 1\n"), "escape"));
}

} // namespace
} // namespace babe::metrics
