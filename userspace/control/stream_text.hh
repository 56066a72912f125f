// SPDX-License-Identifier: Apache-2.0
// The lines of a babectl send / recv stream as the control protocol writes
// them (protocol.hh): {"ok":true,"connected":{"peer":..,"port":..}},
// {"ok":true,"accepted":..}, {"ok":true,"sent":N}, {"ok":true,"received":N},
// or an error object. The engine's transport says what happened; this says
// how it reads on the socket.
#pragma once

#include "control/vocabulary.hh"

namespace babe::control {

// One instance for the process (stateless); the server puts it in every
// stream_request it hands to the engine.
const stream_text& json_stream_text();

} // namespace babe::control
