// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Names of the transport core's enums and the configuration check.
#include "transport/types.hh"

namespace babe::transport {

result<void, config_error> validate_config(const config& c)
{
    if (c.max_connections == 0 || c.max_listeners == 0 || c.max_send_chunks == 0 ||
        c.max_segments < 4 || c.max_ooo_segments == 0 || c.rst_queue == 0 || c.event_reserve < 16)
        return make_error(config_error::zero_bound);
    if (c.mss < 64 || c.mss > 65000)
        return make_error(config_error::mss_out_of_range);
    if (c.recv_window < 2 * c.mss || c.recv_window > (1u << 30) || c.max_cwnd < 4 * c.mss)
        return make_error(config_error::window_too_small);
    if (c.min_rto <= duration{0} || c.initial_rto < c.min_rto || c.max_rto < c.initial_rto ||
        c.ack_delay < duration{0} || c.ack_delay >= c.min_rto || c.idle_timeout <= duration{0} ||
        c.tlp_min_pto <= duration{0})
        return make_error(config_error::bad_rto);
    if (c.pacing && (c.pacing_gain_ss_pct < 100 || c.pacing_gain_ca_pct < 100 || c.pacing_quantum < duration{0} ||
                     c.pacing_gain_ss_pct > 1000 || c.pacing_gain_ca_pct > 1000))
        return make_error(config_error::bad_pacing);
    return {};
}

const char* to_string(config_error e)
{
    switch (e) {
    case config_error::zero_bound: return "zero_bound";
    case config_error::mss_out_of_range: return "mss_out_of_range";
    case config_error::window_too_small: return "window_too_small";
    case config_error::bad_rto: return "bad_rto";
    case config_error::bad_pacing: return "bad_pacing";
    }
    return "unknown";
}

const char* to_string(event_kind k)
{
    switch (k) {
    case event_kind::connected: return "connected";
    case event_kind::accepted: return "accepted";
    case event_kind::delivered: return "delivered";
    case event_kind::released: return "released";
    case event_kind::dropped: return "dropped";
    case event_kind::peer_closed: return "peer_closed";
    case event_kind::closed: return "closed";
    case event_kind::reset: return "reset";
    case event_kind::timed_out: return "timed_out";
    }
    return "unknown";
}

const char* to_string(reason r)
{
    switch (r) {
    case reason::none: return "none";
    case reason::reset: return "reset";
    case reason::timed_out: return "timed_out";
    case reason::aborted: return "aborted";
    case reason::idle: return "idle";
    case reason::refused: return "refused";
    case reason::peer_restarted: return "peer_restarted";
    case reason::malformed: return "malformed";
    case reason::bad_checksum: return "bad_checksum";
    case reason::no_connection: return "no_connection";
    case reason::out_of_window: return "out_of_window";
    case reason::ooo_full: return "ooo_full";
    case reason::duplicate: return "duplicate";
    }
    return "unknown";
}

const char* to_string(error e)
{
    switch (e) {
    case error::bad_connection: return "bad_connection";
    case error::not_established: return "not_established";
    case error::closing: return "closing";
    case error::send_queue_full: return "send_queue_full";
    case error::table_full: return "table_full";
    case error::port_in_use: return "port_in_use";
    case error::busy: return "busy";
    case error::empty: return "empty";
    case error::too_large: return "too_large";
    case error::bad_port: return "bad_port";
    }
    return "unknown";
}

} // namespace babe::transport
