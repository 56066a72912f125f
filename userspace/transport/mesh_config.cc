// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transport over a multi-hop radio mesh (see mesh_config.hh).
#include "transport/mesh_config.hh"

namespace babe::transport {

config mesh_config(bool hop_recovery)
{
    config c;
    c.max_connections = 64;
    c.max_listeners = 32;
    c.max_send_chunks = 1024;
    c.max_segments = 1024;
    c.max_ooo_segments = 512;
    c.event_reserve = 512;
    // No more than the held out-of-order segments can take: a window
    // beyond max_ooo_segments full segments let a hole (a hop's repair
    // under way) fill the buffer and drop what came after.
    c.recv_window = 600 * 1024;
    c.max_syn_retransmits = 5;
    // Multi-hop radio: losses with no queue on the path are not
    // congestion (docs/transport.md, loss differentiation). The RTO floor
    // stays TCP's 200 ms: with 40 ms, queues on shaped links made RTOs
    // fire spuriously and resend whole windows (bench-transport). Up to
    // 20 ms of RTT above the minimum is end-host scheduling jitter, not
    // a queue: with 5 ms, jitter on a loaded host made random losses
    // count as congestion, the window collapsed and tails took RTOs.
    c.min_rto = 200ms;
    c.ld_rtt_slack = 20ms;
    c.ld_isolated_only = false;
    c.ld_rto_keeps_ssthresh = true;
    // With hop recovery RACK waits 100 ms for a late segment (a hop's Ack
    // wait and a backed-off retry) and the duplicate-count rule is off.
    if (hop_recovery)
        c.min_reo_wnd = 100ms;
    return c;
}

} // namespace babe::transport
