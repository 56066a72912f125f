// SPDX-License-Identifier: Apache-2.0
// The Prometheus text exposition renderer: byte-exact output for counters,
// gauges and histograms, escaping, number formatting, cumulative buckets.
#include "metrics/exposition.hh"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace babe::metrics {
namespace {

TEST(Exposition, CounterWithLabels)
{
    auto f = counter_family("babe_xdp_packets_total", "Packets by XDP action.");
    add_sample(f, 3, {{"action", "transit"}, {"interface", "veth0"}});
    add_sample(f, 0, {{"action", "deliver"}, {"interface", "veth0"}});
    EXPECT_EQ(render({f}), "# HELP babe_xdp_packets_total Packets by XDP action.\n"
                           "# TYPE babe_xdp_packets_total counter\n"
                           "babe_xdp_packets_total{action=\"transit\",interface=\"veth0\"} 3\n"
                           "babe_xdp_packets_total{action=\"deliver\",interface=\"veth0\"} 0\n");
}

TEST(Exposition, GaugeWithoutLabels)
{
    auto f = gauge_family("babe_send_buffer_packets", "Packets waiting for a route.");
    add_sample(f, 7);
    EXPECT_EQ(render({f}), "# HELP babe_send_buffer_packets Packets waiting for a route.\n"
                           "# TYPE babe_send_buffer_packets gauge\n"
                           "babe_send_buffer_packets 7\n");
}

TEST(Exposition, HistogramBucketsAreCumulative)
{
    histogram h({0.01, 0.1, 1});
    for (double v : {0.005, 0.01, 0.05, 0.5, 2.0})
        h.observe(v);
    family f{"babe_discovery_seconds", "Route discovery latency.", metric_type::histogram, {}};
    f.samples.push_back(sample{{}, 0, h.value()});
    EXPECT_EQ(h.count(), 5U);
    EXPECT_EQ(render({f}), "# HELP babe_discovery_seconds Route discovery latency.\n"
                           "# TYPE babe_discovery_seconds histogram\n"
                           "babe_discovery_seconds_bucket{le=\"0.01\"} 2\n"
                           "babe_discovery_seconds_bucket{le=\"0.1\"} 3\n"
                           "babe_discovery_seconds_bucket{le=\"1\"} 4\n"
                           "babe_discovery_seconds_bucket{le=\"+Inf\"} 5\n"
                           "babe_discovery_seconds_sum 2.565\n"
                           "babe_discovery_seconds_count 5\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp)
{
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(escape_help("x\\y\nz\"q"), "x\\\\y\\nz\"q");
}

TEST(Exposition, FormatsSpecialValues)
{
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    EXPECT_EQ(format_value(12345678901234.0), "12345678901234");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(-3), "-3");
}

} // namespace
} // namespace babe::metrics
