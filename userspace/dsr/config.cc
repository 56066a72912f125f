// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Validation of a DSR node's configuration and the label strings of the
// event kinds and drop reasons (metrics, logs, simulator traces).
#include "dsr/config.hh"

#include "dsr/types.hh"

namespace babe::dsr {

bool validate_config(const config& c)
{
    if (c.request_table_size == 0 || c.request_table_ids == 0 || c.rexmt_buffer_size == 0)
        return false;
    if (c.request_period <= duration::zero() || c.max_request_period < c.request_period)
        return false;
    if (c.nonprop_request_timeout <= duration::zero() || c.maint_ack_timeout <= duration::zero())
        return false;
    if (c.broadcast_jitter < duration::zero() || c.reply_hop_delay < duration::zero())
        return false;
    if (c.route_cache_timeout <= duration::zero() || c.send_buffer_timeout <= duration::zero())
        return false;
    if (c.cache_sweep_interval <= duration::zero() || c.passive_ack_timeout <= duration::zero())
        return false;
    if (c.max_salvage_count > BABE_DSR_MAX_SALVAGE_COUNT || c.discovery_hop_limit == 0)
        return false;
    if (c.cache_nodes < 2 || c.cache_links == 0 || c.cache_degree == 0 || c.cache_paths == 0 ||
        c.cache_paths_per_dst == 0 || c.installed_routes == 0)
        return false;
    if (c.send_buffer_size == 0 || c.discovery_table_size == 0 || c.grat_reply_table_size == 0 ||
        c.blacklist_size == 0 || c.neighbour_table_size == 0 || c.tx_queue_size == 0 ||
        c.event_queue_size == 0 || c.reply_queue_size == 0 || c.rreq_rate_table_size == 0)
        return false;
    if (c.rreq_burst_per_initiator == 0)
        return false;
    if (c.broken_link_holdoff < duration::zero() || c.link_feedback_timeout <= duration::zero() ||
        c.link_min_lifetime <= duration::zero())
        return false;
    if (c.max_ack_timeout < c.maint_ack_timeout || c.ack_redundancy == 0 || c.ack_redundancy > 4 || c.hop_window == 0 || c.hop_min_ack_timeout <= duration::zero() ||
        c.hop_min_ack_timeout > c.max_ack_timeout ||
        c.hop_dup_table_size == 0 || c.hop_dup_window <= duration::zero())
        return false;
    return true;
}

const char* to_string(drop_reason r)
{
    switch (r) {
    case drop_reason::none: return "none";
    case drop_reason::send_buffer_timeout: return "send_buffer_timeout";
    case drop_reason::send_buffer_full: return "send_buffer_full";
    case drop_reason::discovery_failed: return "discovery_failed";
    case drop_reason::maint_failed: return "maint_failed";
    case drop_reason::maint_buffer_full: return "maint_buffer_full";
    case drop_reason::salvage_limit: return "salvage_limit";
    case drop_reason::route_too_long: return "route_too_long";
    case drop_reason::ttl_expired: return "ttl_expired";
    case drop_reason::malformed: return "malformed";
    case drop_reason::hostile: return "hostile";
    case drop_reason::not_on_route: return "not_on_route";
    case drop_reason::bad_segments_left: return "bad_segments_left";
    case drop_reason::no_handle: return "no_handle";
    case drop_reason::tx_queue_full: return "tx_queue_full";
    case drop_reason::not_for_us: return "not_for_us";
    case drop_reason::duplicate: return "duplicate";
    case drop_reason::rate_limited: return "rate_limited";
    case drop_reason::unknown_option: return "unknown_option";
    case drop_reason::hop_rexmt_exhausted: return "hop_rexmt_exhausted";
    }
    return "?";
}

const char* to_string(event_kind k)
{
    switch (k) {
    case event_kind::route_changed: return "route_changed";
    case event_kind::route_removed: return "route_removed";
    case event_kind::link_broken: return "link_broken";
    case event_kind::delivered: return "delivered";
    case event_kind::released: return "released";
    case event_kind::dropped: return "dropped";
    case event_kind::discovery_done: return "discovery_done";
    case event_kind::discovery_failed: return "discovery_failed";
    }
    return "?";
}

} // namespace babe::dsr
