// SPDX-License-Identifier: Apache-2.0
// The control socket's wire protocol: newline-delimited JSON over a unix
// stream socket. A client writes one request object per line; the server
// answers each with one response object per line, except `monitor`, which
// answers with {"ok":true,"monitor":...} and then streams one {"event":...}
// per line (and {"dropped":N} when its bounded queue refused events) until
// the client closes. Errors are {"ok":false,"error":{"code":..,"message":..}}.
//
//   {"cmd":"status"}                {"ok":true,"status":{...}}
//   {"cmd":"routes"}                {"ok":true,"routes":[{"dst":..,"hops":[..],..}]}
//   {"cmd":"neighbours"}            {"ok":true,"neighbours":[...]}
//   {"cmd":"stats","match":"rreq"}  {"ok":true,"stats":{"name":value,...}}
//   {"cmd":"discover","target":"10.1.0.7","timeout_ms":10000}
//                                   {"ok":true,"discover":{"route":{..},"latency_us":..}}
//   {"cmd":"flush"}                 {"ok":true,"flushed":N}
//   {"cmd":"monitor","kinds":["route_added"],"node":"10.1.0.7"}
//   {"cmd":"config"}                {"ok":true,"config":{"key":"value",...}}
//   {"cmd":"send","peer":"10.1.0.7","port":5000}
//                                   {"ok":true,"connected":{"peer":..,"port":..}}, then a stream
//   {"cmd":"recv","port":5000}      {"ok":true,"accepted":{"peer":..,"port":..}}, then a stream
//
// send / recv hand the connection to the engine's reliable transport
// (docs/transport.md). After the first answer the socket carries the data
// as chunks: a 4-byte big-endian length, then that many bytes; a chunk of
// length 0 ends the data. The client writes the chunks of `send` (after
// `connected`), the engine writes those of `recv`. Then the engine writes
// one closing line, {"ok":true,"sent":N} / {"ok":true,"received":N}, or an
// error object (codes unreachable, reset, timed_out, refused, aborted,
// busy), and closes the socket. A client that closes early aborts the
// connection (RST to the peer).
//
// This header parses requests (every mistake becomes a typed error, never an
// exception escaping) and renders the service's structs as JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/vocabulary.hh"
#include "core/result.hh"

namespace babe::control {

inline constexpr std::size_t default_max_request_bytes = 64 * 1024;
inline constexpr std::int64_t default_discover_timeout_ms = 30000;
inline constexpr std::int64_t max_discover_timeout_ms = 600000;

enum class command { status, routes, neighbours, stats, discover, flush, monitor, config, send, recv };
const char* to_string(command c);

struct request {
    command cmd = command::status;
    ipv4 target = 0;                                 // discover
    std::int64_t timeout_ms = default_discover_timeout_ms; // discover
    event_filter filter;                             // monitor
    std::string match;                               // stats: substring of counter names
    ipv4 peer = 0;                                   // send
    std::uint16_t port = 0;                          // send (the peer's), recv (ours)
};

// Error codes sent in {"error":{"code":..}}.
enum class error_code {
    bad_json,          // not a JSON object
    bad_request,       // a field is missing or of the wrong kind
    unknown_command,
    request_too_large, // a line longer than the server's bound
    too_many_clients,
    service_error,     // the engine failed or did not answer
    timeout,           // discover: no answer within timeout_ms
    discovery_failed,  // discover: the engine reported failure
};
const char* to_string(error_code c);

struct proto_error {
    error_code code = error_code::bad_request;
    std::string message;
};

result<request, proto_error> parse_request(std::string_view line);
// The request as one JSON line (no newline), for clients.
std::string encode_request(const request& r);

std::string format_mac(const std::array<std::uint8_t, 6>& mac);

nlohmann::json to_json(const status_info& s);
nlohmann::json to_json(const route_info& r);
nlohmann::json to_json(const neighbour_info& n);
nlohmann::json to_json(const std::vector<counter>& c, const std::string& match = {});
nlohmann::json to_json(const event& e);
nlohmann::json to_json(const discover_result& d);

nlohmann::json error_json(error_code code, const std::string& message);
nlohmann::json ok_json();

// One JSON value as a protocol line (compact, newline-terminated). Strings
// that are not valid UTF-8 are replaced, never thrown on.
std::string to_line(const nlohmann::json& j);

} // namespace babe::control
