// SPDX-License-Identifier: Apache-2.0
// libFuzzer target of babed's YAML configuration loader (parse_babed_config,
// the strict schema of yaml_reader.hh). The input is the text of a
// configuration file. The loader either returns a configuration or throws
// config_exception, the one exception it documents; anything else escaping
// is a crash. A rejected file's error names the file and a line (>= 1), and
// what() starts with "FILE:LINE: ". An accepted configuration holds the
// cross-key rules, and `config show` of it reads back to the same
// configuration.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "config/babed_config.hh"
#include "require.hh"

using namespace babe::config;

namespace {

const std::string file_name = "fuzz.yaml";

// A YAML double-quoted scalar holding exactly `s`.
std::string quoted(const std::string& s)
{
    std::string out = "\"";
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += static_cast<char>(ch);
        } else if (ch < 0x20 || ch == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", ch);
            out += b;
        } else {
            out += static_cast<char>(ch);
        }
    }
    return out + "\"";
}

void check_accepted(const babed_config& c)
{
    BABE_FUZZ_REQUIRE(c.source == file_name);
    BABE_FUZZ_REQUIRE(!c.mesh_interfaces.empty());
    BABE_FUZZ_REQUIRE(c.mesh_prefix_len >= 8 && c.mesh_prefix_len <= 32);
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - c.mesh_prefix_len);
    BABE_FUZZ_REQUIRE((c.node_address & mask) == c.mesh_prefix);
    BABE_FUZZ_REQUIRE(babe::dsr::validate_config(c.dsr));
    BABE_FUZZ_REQUIRE(parse_cpu_list(c.shard_cpus).has_value());

    // `config show` reads back to the same configuration (written out as a
    // file: every key is "section.name").
    const auto shown = show_babed_config(c);
    std::string text, section;
    for (const auto& [key, value] : shown) {
        const auto dot = key.find('.');
        BABE_FUZZ_REQUIRE(dot != std::string::npos && key.find('.', dot + 1) == std::string::npos);
        if (key.compare(0, dot, section) != 0 || section.size() != dot) {
            section = key.substr(0, dot);
            text += section + ":\n";
        }
        text += "  " + key.substr(dot + 1) + ": ";
        if (key != "mesh.interfaces") {
            text += quoted(value) + "\n";
            continue;
        }
        std::string list = "[";
        for (const auto& i : c.mesh_interfaces)
            list += (list.size() > 1 ? ", " : "") + quoted(i);
        text += list + "]\n";
    }
    try {
        const auto back = parse_babed_config(text, file_name);
        BABE_FUZZ_REQUIRE(show_babed_config(back) == shown);
    } catch (const config_exception& e) {
        std::fprintf(stderr, "shown configuration refused: %s\n", e.err.what().c_str());
        BABE_FUZZ_REQUIRE(!"config show reads back");
    }
}

void check_refused(const error& e)
{
    BABE_FUZZ_REQUIRE(e.file == file_name);
    if (e.line < 1)
        std::fprintf(stderr, "error without a line: %s\n", e.what().c_str());
    BABE_FUZZ_REQUIRE(e.line >= 1);
    BABE_FUZZ_REQUIRE(!e.message.empty());
    const std::string where = file_name + ":" + std::to_string(e.line) + ": ";
    BABE_FUZZ_REQUIRE(e.what().compare(0, where.size(), where) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        check_accepted(parse_babed_config(text, file_name));
    } catch (const config_exception& e) {
        check_refused(e.err);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "undocumented exception escaped: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "undocumented exception escaped\n");
        std::abort();
    }
    return 0;
}
