// SPDX-License-Identifier: Apache-2.0
// Redirect failures per interface (bpf/babe_redirect_errors.bpf.c): BPF
// programs on the xdp:xdp_devmap_xmit, xdp_redirect_err and
// xdp_redirect_map_err tracepoints count, for this network namespace's
// devices, frames a device's ndo_xdp_xmit refused and redirects that failed.
// Devmaps keep no counters; without these a target that cannot take
// natively redirected frames loses all of them silently. Not pinned: the
// counts start at 0 with each babed.
#pragma once

#include <babe/maps.h>

#include <cstdint>
#include <memory>
#include <string>

struct babe_redirect_errors; // the skeleton (bpf/babe_redirect_errors.bpf.c)

namespace babe::dataplane {

class redirect_errors {
public:
    // nullptr when the programs cannot be loaded or attached; `why` says why.
    static std::unique_ptr<redirect_errors> open(std::string& why);
    ~redirect_errors();
    redirect_errors(const redirect_errors&) = delete;
    redirect_errors& operator=(const redirect_errors&) = delete;

    // The counts of one interface of this namespace (zeros when none).
    babe_redirect_counts read(std::uint32_t ifindex) const;

private:
    redirect_errors() = default;
    ::babe_redirect_errors* _skel = nullptr;
};

} // namespace babe::dataplane
