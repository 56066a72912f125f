// SPDX-License-Identifier: Apache-2.0
// Prometheus text exposition format 0.0.4, rendered by one pure function.
// Metrics are gathered at scrape time into plain `family` values (the hot
// paths only bump per-core counters); `render` turns them into the text
// Prometheus reads. prometheus-cpp is not packaged for Debian, so this is
// ours: escaping, number formatting, histogram buckets (+Inf, _sum, _count).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace babe::metrics {

enum class metric_type { counter, gauge, histogram };

struct label {
    std::string name;
    std::string value;
};

struct histogram_value {
    std::vector<double> upper_bounds;       // ascending, without +Inf
    std::vector<std::uint64_t> bucket_counts; // per bucket (not cumulative), size = bounds + 1 (last: +Inf)
    double sum = 0;
};

struct sample {
    std::vector<label> labels;
    double value = 0;                        // counter / gauge
    histogram_value histogram;               // histogram only
};

struct family {
    std::string name;                        // e.g. babe_xdp_packets_total
    std::string help;
    metric_type type = metric_type::counter;
    std::vector<sample> samples;
};

// Render families in order. Counter names must end in `_total`; label names
// must be valid; duplicates are the caller's to avoid (tests check).
std::string render(const std::vector<family>& families);

// The value as Prometheus prints it: integers without exponent, +Inf, -Inf, NaN.
std::string format_value(double v);

// Escape a label value (backslash, double quote, newline) or HELP text
// (backslash, newline).
std::string escape_label_value(const std::string& s);
std::string escape_help(const std::string& s);

// Helpers for the common cases.
family counter_family(std::string name, std::string help);
family gauge_family(std::string name, std::string help);
void add_sample(family& f, double value, std::vector<label> labels = {});

// A histogram with fixed bounds, filled by observe(); cheap to copy into a sample.
class histogram {
public:
    explicit histogram(std::vector<double> upper_bounds);
    void observe(double v);
    histogram_value value() const { return _value; }
    std::uint64_t count() const;

private:
    histogram_value _value;
};

} // namespace babe::metrics
