// SPDX-License-Identifier: Apache-2.0
// redirect_errors (see redirect_errors.hh).
#include "dataplane/redirect_errors.hh"

#include "babe_redirect_errors.skel.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace babe::dataplane {

std::unique_ptr<redirect_errors> redirect_errors::open(std::string& why)
{
    struct stat ns{};
    if (::stat("/proc/self/ns/net", &ns) != 0) {
        why = fmt::format("/proc/self/ns/net: {}", std::strerror(errno));
        return nullptr;
    }
    std::unique_ptr<redirect_errors> r{new redirect_errors()};
    r->_skel = babe_redirect_errors__open();
    if (!r->_skel) {
        why = fmt::format("open: {}", std::strerror(errno));
        return nullptr;
    }
    r->_skel->rodata->babe_netns_inum = static_cast<__u32>(ns.st_ino);
    // Recent kernels folded xdp_redirect_map_err into xdp_redirect_err
    // (asked of the BTF directly: libbpf's lookup warns when it is absent).
    btf* vmlinux = btf__load_vmlinux_btf();
    if (!vmlinux || btf__find_by_name_kind(vmlinux, "btf_trace_xdp_redirect_map_err", BTF_KIND_TYPEDEF) < 0)
        bpf_program__set_autoload(r->_skel->progs.babe_redirect_map_err, false);
    btf__free(vmlinux);
    if (int err = babe_redirect_errors__load(r->_skel)) {
        why = fmt::format("load: {}", std::strerror(-err));
        return nullptr;
    }
    if (int err = babe_redirect_errors__attach(r->_skel)) {
        why = fmt::format("attach to the xdp tracepoints: {}", std::strerror(-err));
        return nullptr;
    }
    return r;
}

redirect_errors::~redirect_errors()
{
    if (_skel)
        babe_redirect_errors__destroy(_skel);
}

babe_redirect_counts redirect_errors::read(std::uint32_t ifindex) const
{
    babe_redirect_counts e{};
    bpf_map_lookup_elem(bpf_map__fd(_skel->maps.babe_redirect_errors), &ifindex, &e);
    return e;
}

} // namespace babe::dataplane
