// SPDX-License-Identifier: Apache-2.0
// The engine's vocabulary (engine/service.hh, engine/event_hub.hh) under the
// names the control layer speaks of: the control protocol renders these
// types, it does not define them (one definition, in the engine's API).
#pragma once

#include "engine/event_hub.hh"
#include "engine/service.hh"

namespace babe::control {

using engine::control_service;
using engine::counter;
using engine::discover_result;
using engine::event;
using engine::event_filter;
using engine::event_hub;
using engine::event_kind;
using engine::event_kind_count;
using engine::histogram_info;
using engine::ipv4;
using engine::neighbour_info;
using engine::parse_event_kind;
using engine::route_info;
using engine::status_info;
using engine::stream_request;
using engine::stream_text;
using engine::subscription;
using engine::to_string;

} // namespace babe::control
