// SPDX-License-Identifier: Apache-2.0
// Strict YAML reading with located errors (see yaml_reader.hh).
#include "config/yaml_reader.hh"

#include "core/ipv4.hh"

#include <yaml-cpp/yaml.h>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace babe::config {

std::string error::what() const
{
    std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
    if (key.empty())
        return fmt::format("{}: {}", where, message);
    return fmt::format("{}: {}: {}", where, key, message);
}

void value_ref::fail(const std::string& message) const
{
    throw config_exception{error{file, line, key, message}};
}

std::string value_ref::as_string() const
{
    if (!node->IsScalar())
        fail("expected a scalar value");
    return node->Scalar();
}

bool value_ref::as_bool() const
{
    auto s = as_string();
    if (s == "true" || s == "yes" || s == "on")
        return true;
    if (s == "false" || s == "no" || s == "off")
        return false;
    fail(fmt::format("expected true or false, got '{}'", s));
}

std::int64_t value_ref::as_int(std::int64_t min, std::int64_t max) const
{
    auto s = as_string();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || *end != '\0')
        fail(fmt::format("expected an integer, got '{}'", s));
    if (v < min || v > max)
        fail(fmt::format("{} is out of range [{}, {}]", v, min, max));
    return v;
}

double value_ref::as_double(double min, double max) const
{
    auto s = as_string();
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || errno != 0 || *end != '\0' || !std::isfinite(v))
        fail(fmt::format("expected a number, got '{}'", s));
    if (v < min || v > max)
        fail(fmt::format("{} is out of range [{}, {}]", v, min, max));
    return v;
}

std::vector<std::string> value_ref::as_string_list() const
{
    std::vector<std::string> out;
    if (node->IsScalar()) { // "a,b" or a single name
        std::string s = node->Scalar();
        std::size_t start = 0;
        while (start <= s.size()) {
            auto comma = s.find(',', start);
            auto part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!part.empty())
                out.push_back(part);
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        return out;
    }
    if (!node->IsSequence())
        fail("expected a list");
    for (const auto& item : *node) {
        if (!item.IsScalar())
            fail("expected a list of names");
        out.push_back(item.Scalar());
    }
    return out;
}

std::string value_ref::as_enum(std::initializer_list<const char*> allowed) const
{
    auto s = as_string();
    std::string list;
    for (const char* a : allowed) {
        if (s == a)
            return s;
        list += list.empty() ? a : fmt::format(", {}", a);
    }
    fail(fmt::format("'{}' is not one of: {}", s, list));
}

schema& schema::add(std::string key, parser p)
{
    _parsers.emplace(std::move(key), std::move(p));
    return *this;
}

namespace {

void walk(const YAML::Node& node, const std::string& prefix, const std::string& file,
          const std::map<std::string, schema::parser>& parsers)
{
    for (const auto& kv : node) {
        const auto& k = kv.first;
        const auto& v = kv.second;
        int line = k.Mark().line + 1;
        if (!k.IsScalar())
            throw config_exception{error{file, line, prefix, "keys must be plain names"}};
        std::string key = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
        auto it = parsers.find(key);
        if (it != parsers.end()) {
            value_ref ref{&v, file, v.Mark().line + 1, key};
            if (v.IsNull())
                ref.fail("a value is required");
            it->second(ref);
            continue;
        }
        if (v.IsMap()) {
            bool any = false;
            for (const auto& p : parsers)
                if (p.first.rfind(key + ".", 0) == 0) {
                    any = true;
                    break;
                }
            if (any) {
                walk(v, key, file, parsers);
                continue;
            }
        }
        throw config_exception{error{file, line, key, "unknown key"}};
    }
}

} // namespace

void schema::read_node(const YAML::Node& root, const std::string& name,
                       const std::vector<std::string>& overrides) const
{
    if (root.IsDefined() && !root.IsNull()) {
        if (!root.IsMap())
            throw config_exception{error{name, root.Mark().line + 1, "", "expected a mapping at top level"}};
        walk(root, "", name, _parsers);
    }
    for (const auto& o : overrides) {
        auto eq = o.find('=');
        if (eq == std::string::npos || eq == 0)
            throw config_exception{error{"--set", 0, o, "expected key=value"}};
        std::string key = o.substr(0, eq);
        auto it = _parsers.find(key);
        if (it == _parsers.end())
            throw config_exception{error{"--set", 0, key, "unknown key"}};
        YAML::Node v;
        try {
            v = YAML::Load(o.substr(eq + 1));
        } catch (const YAML::Exception& e) {
            throw config_exception{error{"--set", 0, key, e.msg}};
        }
        it->second(value_ref{&v, "--set", 0, key});
    }
}

void schema::read_file(const std::string& path, const std::vector<std::string>& overrides) const
{
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw config_exception{error{path, 0, "", "cannot open file"}};
    } catch (const YAML::Exception& e) {
        throw config_exception{error{path, e.mark.line + 1, "", e.msg}};
    }
    read_node(root, path, overrides);
}

void schema::read_string(const std::string& text, const std::string& name,
                         const std::vector<std::string>& overrides) const
{
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_exception{error{name, e.mark.line + 1, "", e.msg}};
    }
    read_node(root, name, overrides);
}

std::optional<std::pair<std::uint32_t, int>> parse_prefix(const std::string& s)
{
    auto slash = s.find('/');
    if (slash == std::string::npos)
        return std::nullopt;
    auto addr = ipv4_address::parse(std::string_view{s}.substr(0, slash));
    auto len_s = s.substr(slash + 1);
    char* end = nullptr;
    long len = std::strtol(len_s.c_str(), &end, 10);
    if (!addr || len_s.empty() || *end != '\0' || len < 0 || len > 32)
        return std::nullopt;
    std::uint32_t mask = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
    return std::make_pair(addr->host() & mask, static_cast<int>(len));
}

} // namespace babe::config
