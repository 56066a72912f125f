// SPDX-License-Identifier: Apache-2.0
// Skeleton of the DSR node: the public API compiles and links while the
// protocol is being written; every input is currently ignored.
#include "dsr/node.hh"

namespace babe::dsr {

struct node::impl {
    config cfg;
    addr self;
    counters stats;
};

node::node(const config& cfg, addr self, std::uint64_t) : _impl(new impl{cfg, self, {}}) {}
node::~node() = default;
node::node(node&&) noexcept = default;
node& node::operator=(node&&) noexcept = default;

void node::handle_packet(time_point, link_id, addr, std::span<const std::byte>,
                         std::optional<packet_handle>, bool)
{
}
void node::send(time_point, packet_handle, std::span<const std::byte>) {}
void node::handle_link_feedback(time_point, addr, bool) {}
void node::handle_heard(time_point, addr, link_id) {}
void node::handle_timeout(time_point) {}
void node::start_discovery(time_point, addr) {}
std::optional<time_point> node::poll_timeout() const { return std::nullopt; }
std::optional<transmit> node::poll_transmit(time_point, std::span<std::byte>) { return std::nullopt; }
std::optional<event> node::poll_event() { return std::nullopt; }
const counters& node::stats() const { return _impl->stats; }
addr node::self() const { return _impl->self; }
const config& node::cfg() const { return _impl->cfg; }
std::optional<route> node::find_route(addr) const { return std::nullopt; }
std::size_t node::cached_links(std::span<std::pair<addr, addr>>) const { return 0; }
bool node::blacklisted(addr) const { return false; }
table_sizes node::sizes() const { return {}; }

} // namespace babe::dsr
