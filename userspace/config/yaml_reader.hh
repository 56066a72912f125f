// SPDX-License-Identifier: Apache-2.0
// Strict YAML reading for Babe's configuration files: every value is read
// through a schema (dotted key -> parser), every error names the file, the
// line and the key, and a key the schema does not know is an error rather
// than something silently ignored. Used by babed's config and by babe-sim's
// scenarios (with `--set a.b=value` overrides applied before validation).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace babe::config {

// A configuration problem, located. what() reads "FILE:LINE: KEY: message".
struct error {
    std::string file;
    int line = 0;          // 1-based; 0 when unknown (e.g. a --set override)
    std::string key;       // dotted path, e.g. "dsr.request_period_ms"
    std::string message;
    std::string what() const;
};

// One scalar or sequence read from the file, with where it was.
struct value_ref {
    const YAML::Node* node;
    std::string file;
    int line;
    std::string key;

    [[noreturn]] void fail(const std::string& message) const;
    std::string as_string() const;
    bool as_bool() const;
    std::int64_t as_int(std::int64_t min, std::int64_t max) const;
    double as_double(double min, double max) const;
    std::vector<std::string> as_string_list() const;
    std::string as_enum(std::initializer_list<const char*> allowed) const;
};

// Thrown by value_ref::fail and by schema::read; caught at the top of a
// program and printed. (Config reading is not a hot path.)
struct config_exception {
    error err;
};

class schema {
public:
    using parser = std::function<void(const value_ref&)>;

    // Register a key (dotted path to a scalar or sequence).
    schema& add(std::string key, parser p);

    // Read a file, apply overrides ("a.b=value"), call the parser of every key
    // present, and fail on the first unknown key or bad value.
    void read_file(const std::string& path, const std::vector<std::string>& overrides = {}) const;
    void read_string(const std::string& text, const std::string& name,
                     const std::vector<std::string>& overrides = {}) const;

    bool knows(const std::string& key) const { return _parsers.count(key) != 0; }

private:
    void read_node(const YAML::Node& root, const std::string& name,
                   const std::vector<std::string>& overrides) const;
    std::map<std::string, parser> _parsers;
};

// Parse "a.b.c.d/len" into (host-order network, length).
std::optional<std::pair<std::uint32_t, int>> parse_prefix(const std::string& s);

} // namespace babe::config
