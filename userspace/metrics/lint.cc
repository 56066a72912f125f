// SPDX-License-Identifier: Apache-2.0
// Exposition checks (see lint.hh).
#include "metrics/lint.hh"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace babe::metrics {

namespace {

using labels_t = std::vector<std::pair<std::string, std::string>>;

bool valid_name(std::string_view s, bool metric)
{
    if (s.empty())
        return false;
    auto first_ok = [&](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (metric && c == ':'); };
    if (!first_ok(s[0]))
        return false;
    return std::all_of(s.begin() + 1, s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (metric && c == ':');
    });
}

std::optional<double> parse_value(std::string_view s)
{
    if (s == "+Inf" || s == "Inf")
        return HUGE_VAL;
    if (s == "-Inf")
        return -HUGE_VAL;
    if (s == "NaN")
        return std::nan("");
    std::string t(s);
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size())
        return std::nullopt;
    return v;
}

// name{l="v",...} value [timestamp]; nullopt with `err` set when malformed.
struct parsed_sample {
    std::string name;
    labels_t labels;
    double value = 0;
};

std::optional<parsed_sample> parse_sample(std::string_view line, std::string& err)
{
    parsed_sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
        ++i;
    s.name = std::string(line.substr(0, i));
    if (!valid_name(s.name, true)) {
        err = fmt::format("bad metric name '{}'", s.name);
        return std::nullopt;
    }
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            std::size_t eq = line.find('=', i);
            if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
                err = "malformed label set";
                return std::nullopt;
            }
            std::string lname(line.substr(i, eq - i));
            if (!valid_name(lname, false) || lname.rfind("__", 0) == 0) {
                err = fmt::format("bad label name '{}'", lname);
                return std::nullopt;
            }
            std::string v;
            std::size_t j = eq + 2;
            for (; j < line.size() && line[j] != '"'; ++j) {
                if (line[j] == '\\' && j + 1 < line.size()) {
                    ++j;
                    char c = line[j];
                    if (c == 'n')
                        v += '\n';
                    else if (c == '\\' || c == '"')
                        v += c;
                    else {
                        err = fmt::format("bad escape '\\{}' in label {}", c, lname);
                        return std::nullopt;
                    }
                } else {
                    v += line[j];
                }
            }
            if (j >= line.size()) {
                err = "unterminated label value";
                return std::nullopt;
            }
            for (const auto& [n, _] : s.labels)
                if (n == lname) {
                    err = fmt::format("label {} twice", lname);
                    return std::nullopt;
                }
            s.labels.emplace_back(std::move(lname), std::move(v));
            i = j + 1;
            if (i < line.size() && line[i] == ',')
                ++i;
        }
        if (i >= line.size()) {
            err = "unterminated label set";
            return std::nullopt;
        }
        ++i; // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
        err = "no value";
        return std::nullopt;
    }
    auto rest = line.substr(i + 1);
    auto sp = rest.find(' ');
    auto v = parse_value(rest.substr(0, sp));
    if (!v) {
        err = fmt::format("bad value '{}'", rest.substr(0, sp));
        return std::nullopt;
    }
    s.value = *v;
    return s;
}

std::string series_text(const std::string& name, const labels_t& labels)
{
    std::string out = name;
    if (labels.empty())
        return out;
    out += '{';
    for (std::size_t k = 0; k < labels.size(); ++k)
        out += fmt::format("{}{}=\"{}\"", k ? "," : "", labels[k].first, labels[k].second);
    return out + '}';
}

struct histogram_series {
    std::vector<std::pair<double, double>> buckets; // (le, cumulative count), in line order
    std::optional<double> count;
    bool has_sum = false;
    int line = 0;
};

} // namespace

std::vector<std::string> lint(std::string_view text)
{
    std::vector<std::string> problems;
    auto problem = [&](int line, std::string what) { problems.push_back(fmt::format("line {}: {}", line, what)); };

    std::map<std::string, std::string> types;   // family -> type
    std::set<std::string> helped, closed;       // HELP seen; families whose block ended
    std::string current;                        // family of the current block
    std::set<std::string> seen;                 // series
    std::map<std::string, histogram_series> hists; // family + labels without le
    std::set<std::string> families_with_samples;

    int n = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            problem(n + 1, "no newline at the end");
            nl = text.size();
        }
        auto line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++n;
        if (line.empty())
            continue;
        if (line[0] == '#') {
            bool help = line.rfind("# HELP ", 0) == 0, type = line.rfind("# TYPE ", 0) == 0;
            if (!help && !type)
                continue;
            auto rest = line.substr(7);
            std::string name(rest.substr(0, rest.find(' ')));
            if (!valid_name(name, true)) {
                problem(n, fmt::format("bad family name '{}'", name));
                continue;
            }
            if (name != current) {
                if (!current.empty())
                    closed.insert(current);
                if (closed.count(name))
                    problem(n, fmt::format("family {} split into two blocks", name));
                current = name;
            }
            if (help) {
                if (!helped.insert(name).second)
                    problem(n, fmt::format("HELP twice for {}", name));
                continue;
            }
            std::string t(rest.size() > name.size() + 1 ? rest.substr(name.size() + 1) : "");
            if (t != "counter" && t != "gauge" && t != "histogram" && t != "summary" && t != "untyped")
                problem(n, fmt::format("unknown type '{}' for {}", t, name));
            if (types.count(name))
                problem(n, fmt::format("TYPE twice for {}", name));
            else if (families_with_samples.count(name))
                problem(n, fmt::format("TYPE for {} after its samples", name));
            types[name] = t;
            if (t == "counter" && (name.size() < 6 || name.substr(name.size() - 6) != "_total"))
                problem(n, fmt::format("counter {} does not end in _total", name));
            continue;
        }
        std::string err;
        auto s = parse_sample(line, err);
        if (!s) {
            problem(n, err);
            continue;
        }
        // Which family does this sample belong to?
        std::string fam = s->name, suffix;
        auto t = types.find(current);
        if (t != types.end() && t->second == "histogram") {
            for (const char* suf : {"_bucket", "_sum", "_count"})
                if (s->name == current + suf) {
                    fam = current;
                    suffix = suf;
                }
        }
        families_with_samples.insert(fam);
        if (fam != current)
            problem(n, fmt::format("sample {} outside the HELP/TYPE block of its family", s->name));
        auto ft = types.find(fam);
        if (ft == types.end())
            problem(n, fmt::format("sample {} has no TYPE", s->name));
        else if (ft->second == "histogram" && suffix.empty())
            problem(n, fmt::format("histogram sample {} without _bucket/_sum/_count", s->name));
        auto sorted = s->labels;
        std::sort(sorted.begin(), sorted.end());
        auto key = series_text(s->name, sorted);
        if (!seen.insert(key).second)
            problem(n, fmt::format("duplicate series {}", key));
        if (ft != types.end() && ft->second == "counter" && !(s->value >= 0))
            problem(n, fmt::format("counter {} has value {}", key, s->value));
        if (suffix.empty())
            continue;
        labels_t rest_labels;
        std::optional<double> le;
        for (const auto& l : sorted) {
            if (l.first == "le") {
                le = parse_value(l.second);
                if (!le)
                    problem(n, fmt::format("bad le '{}'", l.second));
            } else {
                rest_labels.push_back(l);
            }
        }
        auto& h = hists[series_text(fam, rest_labels)];
        if (!h.line)
            h.line = n;
        if (suffix == "_bucket") {
            if (!le) {
                problem(n, fmt::format("bucket {} without le", key));
                continue;
            }
            h.buckets.emplace_back(*le, s->value);
        } else if (suffix == "_count") {
            h.count = s->value;
        } else {
            h.has_sum = true;
        }
    }
    for (const auto& [name, h] : hists) {
        if (h.buckets.empty() || !std::isinf(h.buckets.back().first))
            problem(h.line, fmt::format("histogram {} has no +Inf bucket last", name));
        for (std::size_t k = 1; k < h.buckets.size(); ++k) {
            if (!(h.buckets[k].first > h.buckets[k - 1].first))
                problem(h.line, fmt::format("histogram {}: le {} not above {}", name, h.buckets[k].first,
                                            h.buckets[k - 1].first));
            if (h.buckets[k].second < h.buckets[k - 1].second)
                problem(h.line, fmt::format("histogram {}: buckets not cumulative at le {}", name, h.buckets[k].first));
        }
        if (!h.count || !h.has_sum)
            problem(h.line, fmt::format("histogram {} without _sum or _count", name));
        else if (!h.buckets.empty() && h.buckets.back().second != *h.count)
            problem(h.line, fmt::format("histogram {}: +Inf bucket {} != _count {}", name, h.buckets.back().second,
                                        *h.count));
    }
    return problems;
}

} // namespace babe::metrics
