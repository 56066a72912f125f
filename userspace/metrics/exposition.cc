// SPDX-License-Identifier: Apache-2.0
// Prometheus text exposition format 0.0.4 (see exposition.hh).
#include "metrics/exposition.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace babe::metrics {

namespace {

const char* type_name(metric_type t)
{
    switch (t) {
    case metric_type::counter:
        return "counter";
    case metric_type::gauge:
        return "gauge";
    case metric_type::histogram:
        return "histogram";
    }
    return "untyped";
}

void append_labels(std::string& out, const std::vector<label>& labels, const label* extra)
{
    if (labels.empty() && !extra)
        return;
    out += '{';
    bool first = true;
    auto one = [&](const label& l) {
        if (!first)
            out += ',';
        first = false;
        out += l.name;
        out += "=\"";
        out += escape_label_value(l.value);
        out += '"';
    };
    for (const auto& l : labels)
        one(l);
    if (extra)
        one(*extra);
    out += '}';
}

void append_line(std::string& out, const std::string& name, const std::vector<label>& labels,
                 const label* extra, double v)
{
    out += name;
    append_labels(out, labels, extra);
    out += ' ';
    out += format_value(v);
    out += '\n';
}

} // namespace

std::string format_value(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
}

std::string escape_label_value(const std::string& s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(const std::string& s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render(const std::vector<family>& families)
{
    std::string out;
    out.reserve(families.size() * 128);
    for (const auto& f : families) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escape_help(f.help), f.name,
                           type_name(f.type));
        for (const auto& s : f.samples) {
            if (f.type != metric_type::histogram) {
                append_line(out, f.name, s.labels, nullptr, s.value);
                continue;
            }
            const auto& h = s.histogram;
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
                cumulative += i < h.bucket_counts.size() ? h.bucket_counts[i] : 0;
                label le{"le", format_value(h.upper_bounds[i])};
                append_line(out, f.name + "_bucket", s.labels, &le, static_cast<double>(cumulative));
            }
            if (h.bucket_counts.size() > h.upper_bounds.size())
                cumulative += h.bucket_counts[h.upper_bounds.size()];
            label inf{"le", "+Inf"};
            append_line(out, f.name + "_bucket", s.labels, &inf, static_cast<double>(cumulative));
            append_line(out, f.name + "_sum", s.labels, nullptr, h.sum);
            append_line(out, f.name + "_count", s.labels, nullptr, static_cast<double>(cumulative));
        }
    }
    return out;
}

family counter_family(std::string name, std::string help)
{
    return family{std::move(name), std::move(help), metric_type::counter, {}};
}

family gauge_family(std::string name, std::string help)
{
    return family{std::move(name), std::move(help), metric_type::gauge, {}};
}

void add_sample(family& f, double value, std::vector<label> labels)
{
    f.samples.push_back(sample{std::move(labels), value, {}});
}

histogram::histogram(std::vector<double> upper_bounds)
{
    std::sort(upper_bounds.begin(), upper_bounds.end());
    _value.bucket_counts.assign(upper_bounds.size() + 1, 0);
    _value.upper_bounds = std::move(upper_bounds);
}

void histogram::observe(double v)
{
    auto it = std::lower_bound(_value.upper_bounds.begin(), _value.upper_bounds.end(), v);
    _value.bucket_counts[static_cast<std::size_t>(it - _value.upper_bounds.begin())] += 1;
    _value.sum += v;
}

std::uint64_t histogram::count() const
{
    std::uint64_t n = 0;
    for (auto c : _value.bucket_counts)
        n += c;
    return n;
}

} // namespace babe::metrics
