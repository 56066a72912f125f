// SPDX-License-Identifier: Apache-2.0
// A stream's protocol lines as JSON (see stream_text.hh).
#include "control/stream_text.hh"

#include "control/protocol.hh"
#include "core/ipv4.hh"

namespace babe::control {

namespace {

class json_text final : public stream_text {
public:
    std::string connected(ipv4 peer, std::uint16_t port) const override
    {
        return to_line(
            {{"ok", true},
             {"connected", {{"peer", ipv4_address::from_host(peer).to_string()}, {"port", port}}}});
    }
    std::string accepted(ipv4 peer, std::uint16_t port) const override
    {
        return to_line(
            {{"ok", true},
             {"accepted", {{"peer", ipv4_address::from_host(peer).to_string()}, {"port", port}}}});
    }
    std::string sent(std::uint64_t bytes) const override { return to_line({{"ok", true}, {"sent", bytes}}); }
    std::string received(std::uint64_t bytes) const override
    {
        return to_line({{"ok", true}, {"received", bytes}});
    }
    std::string failed(std::string_view code, std::string_view message) const override
    {
        return to_line(nlohmann::json{{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
    }
};

} // namespace

const stream_text& json_stream_text()
{
    static const json_text text;
    return text;
}

} // namespace babe::control
