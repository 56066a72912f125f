// SPDX-License-Identifier: Apache-2.0
// libFuzzer target of the control socket's request parser (parse_request,
// control/protocol.hh). The input is what a client writes to the socket,
// cut into lines as the server cuts it (newline-terminated, a trailing CR
// dropped, blank lines skipped, lines above the server's bound refused
// unparsed). Every line is either a request or a typed error; no exception
// escapes. An error renders as exactly one line of valid JSON (whatever
// bytes the request held); a request encodes (encode_request, what babectl
// sends) to a line that parses back to the same request. An unterminated
// last line is parsed as well.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "control/protocol.hh"
#include "require.hh"

using namespace babe::control;

namespace {

bool same(const request& a, const request& b)
{
    if (a.cmd != b.cmd)
        return false;
    switch (a.cmd) {
    case command::discover: return a.target == b.target && a.timeout_ms == b.timeout_ms;
    case command::monitor: return a.filter.kinds == b.filter.kinds && a.filter.node == b.filter.node;
    case command::stats: return a.match == b.match;
    case command::send: return a.peer == b.peer && a.port == b.port;
    case command::recv: return a.port == b.port;
    default: return true;
    }
}

void check_line(std::string_view line)
{
    auto r = parse_request(line);
    if (!r) {
        const std::string out = to_line(error_json(r.error().code, r.error().message));
        BABE_FUZZ_REQUIRE(!out.empty() && out.find('\n') == out.size() - 1);
        const auto back = nlohmann::json::parse(out, nullptr, false);
        BABE_FUZZ_REQUIRE(!back.is_discarded() && back.is_object() && back["ok"] == false);
        return;
    }
    const request& q = r.value();
    if (q.cmd == command::send || q.cmd == command::recv)
        BABE_FUZZ_REQUIRE(q.port != 0);
    if (q.cmd == command::discover)
        BABE_FUZZ_REQUIRE(q.timeout_ms >= 1 && q.timeout_ms <= max_discover_timeout_ms);
    if (q.cmd == command::monitor)
        BABE_FUZZ_REQUIRE(q.filter.kinds != 0);
    const std::string encoded = encode_request(q);
    BABE_FUZZ_REQUIRE(encoded.find('\n') == std::string::npos);
    auto again = parse_request(encoded);
    BABE_FUZZ_REQUIRE(again.has_value() && same(q, again.value()));
    // A stats answer filtered by the client's match renders as a line.
    const std::vector<counter> counters{{"rreq_sent", 1}, {"drop_no_route", 2}};
    BABE_FUZZ_REQUIRE(!to_line(to_json(counters, q.match)).empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    try {
        while (!in.empty()) {
            const auto nl = std::min(in.find('\n'), in.size());
            if (nl > default_max_request_bytes)
                break; // the server refuses it unparsed
            std::string_view line = in.substr(0, nl);
            in.remove_prefix(std::min(nl + 1, in.size()));
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (line.find_first_not_of(" \t") == std::string_view::npos)
                continue;
            check_line(line);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "exception escaped: %s\n", e.what());
        std::abort();
    }
    return 0;
}
