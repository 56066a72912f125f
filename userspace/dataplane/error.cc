// SPDX-License-Identifier: Apache-2.0
// Names of the data plane error codes and the errno mapping (see error.hh).
#include "dataplane/error.hh"

#include <cerrno>

namespace babe::dataplane {

std::string_view to_string(errc code)
{
    switch (code) {
    case errc::no_bpffs: return "no_bpffs";
    case errc::no_privileges: return "no_privileges";
    case errc::verifier_rejected: return "verifier_rejected";
    case errc::no_interface: return "no_interface";
    case errc::mode_unsupported: return "mode_unsupported";
    case errc::busy: return "busy";
    case errc::not_found: return "not_found";
    case errc::map_mismatch: return "map_mismatch";
    case errc::no_netns: return "no_netns";
    case errc::invalid_argument: return "invalid_argument";
    case errc::full: return "full";
    case errc::system: return "system";
    }
    return "unknown";
}

std::string describe(const error& e)
{
    std::string out{to_string(e.code)};
    out += ": ";
    out += e.message;
    return out;
}

errc errc_from_errno(int err)
{
    switch (err) {
    case EPERM:
    case EACCES: return errc::no_privileges;
    case ENOENT: return errc::not_found;
    case ENODEV: return errc::no_interface;
    case EOPNOTSUPP: return errc::mode_unsupported;
    case EBUSY:
    case EEXIST: return errc::busy;
    case E2BIG:
    case ENOSPC: return errc::full;
    case EINVAL: return errc::invalid_argument;
    default: return errc::system;
    }
}

} // namespace babe::dataplane
