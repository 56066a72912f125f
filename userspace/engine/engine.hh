// SPDX-License-Identifier: Apache-2.0
// The running engine behind babed (engine/api.hh): loads or reuses
// the pinned XDP programs and maps, attaches them to the mesh interfaces and
// the babe0 peer, opens the packet I/O (AF_XDP, or AF_PACKET as fallback),
// and runs a shard on its own pinned thread with busy polling that backs off
// to epoll when idle. Control requests reach the shard's thread through a
// mailbox drained by the loop, so the shard's state stays single-threaded.
#pragma once

#include "engine/api.hh"

namespace babe::engine {

// Which packet I/O backend to use: AF_XDP when it can be opened, else AF_PACKET.
enum class backend { automatic, afxdp, afpacket };

} // namespace babe::engine
