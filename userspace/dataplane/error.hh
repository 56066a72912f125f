// SPDX-License-Identifier: Apache-2.0
// Typed errors of the data plane (loader, pinned maps, netns helpers): one
// code per condition an operator can act on, a one-line message that says
// what to do, and for a verifier rejection the log that libbpf captured.
// Control-path only: building an error allocates.
#pragma once

#include "core/result.hh"

#include <string>
#include <string_view>

namespace babe::dataplane {

enum class errc {
    no_bpffs,             // the pin path is not on a bpffs mount
    no_privileges,        // EPERM: needs root / CAP_BPF + CAP_NET_ADMIN
    verifier_rejected,    // the kernel refused a program; see error::log
    no_interface,         // no such network interface (in this netns)
    mode_unsupported,     // the XDP mode asked for is not available on the device
    busy,                 // another XDP program/link owns the interface
    not_found,            // a pinned object or map entry is missing
    map_mismatch,         // a pinned map's layout differs from the program's
    no_netns,             // the network namespace does not exist
    invalid_argument,     // bad input (address, MAC, route too long, ...)
    full,                 // a map is full
    system,               // any other errno; see the message
};

std::string_view to_string(errc code);

struct error {
    errc code = errc::system;
    std::string message;  // what failed and what to do
    std::string log;      // verifier / libbpf log, if any
};

// The message with its code: "no_bpffs: /x is not on a bpffs mount ...".
std::string describe(const error& e);

template <class T>
using dp_result = babe::result<T, error>;

inline babe::unexpected<error> make_dp_error(errc code, std::string message,
                                             std::string log = {})
{
    return babe::unexpected<error>(error{code, std::move(message), std::move(log)});
}

// Maps an errno from a libbpf/syscall failure to a code (EPERM -> no_privileges, ...).
errc errc_from_errno(int err);

} // namespace babe::dataplane
