// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transport's configuration over a multi-hop radio mesh: what babed's
// engine runs, and what the simulator runs so that it measures the same
// protocol. The bounds and every choice are explained in mesh_config.cc.
#pragma once

#include "transport/types.hh"

namespace babe::transport {

// hop_recovery: the DSR core recovers the segments' losses on every hop
// (dsr.hop_recovery), so a segment overtaken by later ones is late, not lost.
config mesh_config(bool hop_recovery);

} // namespace babe::transport
