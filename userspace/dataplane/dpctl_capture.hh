// SPDX-License-Identifier: Apache-2.0
// `babe-dpctl capture`: pcapng from the XDP programs' capture ring.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace babe::dataplane {

// args[0] is "capture"; returns the exit status.
int run_capture(const std::string& pin_path, std::span<const std::string> args);
// The name of an interface that has none in this namespace ("if7").
std::string fmt_ifindex(std::uint32_t ifindex);

} // namespace babe::dataplane
