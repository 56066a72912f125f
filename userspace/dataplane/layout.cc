// SPDX-License-Identifier: Apache-2.0
// Pinned map layouts: versions, per-map plans, the staging journal and the
// entry copy (see layout.hh).
#include "dataplane/layout.hh"

#include "babe/maps.h"

#include <bpf/bpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace babe::dataplane {

namespace fs = std::filesystem;

namespace {

// bpffs reserves names with a dot for the kernel.
constexpr const char* staged_suffix = "-next";

unexpected<error> sys_error(const std::string& what, int err)
{
    return make_dp_error(errc_from_errno(err), fmt::format("{}: {}", what, std::strerror(err)));
}

std::string shape_text(const map_shape& s)
{
    return fmt::format("type {} key {} value {} max {}", s.type, s.key_size, s.value_size, s.max_entries);
}

// Maps whose entries babed writes again on every start (tx_ports, xsks,
// xsk_slots) or that hold counters (stats): a new empty one loses nothing a
// start does not rebuild (counters restart from 0). XSKMAP entries cannot be
// read from user space at all.
bool rebuilt_on_start(const std::string& name)
{
    return name == BABE_MAP_STATS || name == BABE_MAP_XSKS || name == BABE_MAP_XSK_SLOTS ||
           name == BABE_MAP_TX_PORTS;
}

// Entries of these can be copied verbatim between maps of the same key and
// value sizes (a devmap's 8-byte value holds a program id that is not an fd).
bool copyable(const std::string& name, const map_shape& s)
{
    if (name == BABE_MAP_XSKS)
        return false;
    if (name == BABE_MAP_TX_PORTS)
        return s.value_size == 4;
    return true;
}

/*
 * Conversions from older layout versions: none yet (version 1 is the first).
 * When BABE_LAYOUT_VERSION goes to N, a map whose meaning changed gets a
 * step here from N-1 (read the old value, write the new one), maps whose
 * meaning did not change are planned as at the same version, and maps with
 * no step are refused.
 */
bool unchanged_since(const std::string& /*name*/, std::uint32_t version)
{
    return version == BABE_LAYOUT_VERSION;
}

} // namespace

std::string layout_fix(const std::string& pin_path)
{
    return fmt::format("stop babed, remove the pins with `babe-dpctl --pin {} teardown` (or `rm -r {}`: "
                       "transit stops until babed starts again) and start babed",
                       pin_path, pin_path);
}

plan_result plan_map(const std::string& name, const map_shape& pinned, const map_shape& wanted,
                     std::uint32_t version)
{
    if (version > BABE_LAYOUT_VERSION)
        return {map_plan::refuse, fmt::format("the pins have layout version {}, newer than this babed's {} "
                                              "(a downgrade)",
                                              version, BABE_LAYOUT_VERSION)};
    if (!unchanged_since(name, version)) {
        if (rebuilt_on_start(name))
            return {map_plan::fresh, fmt::format("layout version {} -> {}", version, BABE_LAYOUT_VERSION)};
        return {map_plan::refuse, fmt::format("layout version {} (pinned) -> {} (this babed) has no migration "
                                              "for this map",
                                              version, BABE_LAYOUT_VERSION)};
    }
    const bool same_entries = pinned.type == wanted.type && pinned.key_size == wanted.key_size &&
                              pinned.value_size == wanted.value_size;
    if (same_entries && pinned.max_entries == wanted.max_entries)
        return {map_plan::reuse, {}};
    if (same_entries && copyable(name, pinned))
        return {map_plan::copy, fmt::format("max entries {} -> {}", pinned.max_entries, wanted.max_entries)};
    if (rebuilt_on_start(name))
        return {map_plan::fresh, fmt::format("{} -> {}", shape_text(pinned), shape_text(wanted))};
    return {map_plan::refuse,
            fmt::format("pinned {}, this babed wants {} at the same layout version {} (a layout change "
                        "without a BABE_LAYOUT_VERSION bump, or pins from another build)",
                        shape_text(pinned), shape_text(wanted), version)};
}

dp_result<map_shape> shape_of(int fd)
{
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        return sys_error("map info", errno);
    return map_shape{info.type, info.key_size, info.value_size, info.max_entries};
}

dp_result<std::uint32_t> read_layout_version(const std::string& pin_path)
{
    std::string path = pin_path + "/" + BABE_MAP_LAYOUT;
    unique_fd fd(bpf_obj_get(path.c_str()));
    if (!fd) {
        if (errno == ENOENT)
            return 0u;
        return sys_error(path, errno);
    }
    auto shape = shape_of(fd.get());
    if (!shape)
        return unexpected(shape.error());
    if (shape->type != BPF_MAP_TYPE_ARRAY || shape->key_size != 4 || shape->value_size != sizeof(babe_layout))
        return make_dp_error(errc::map_mismatch,
                             fmt::format("pinned map {}: {} is not a layout map; {}", path,
                                         shape_text(shape.value()), layout_fix(pin_path)));
    std::uint32_t key = 0;
    babe_layout l{};
    if (bpf_map_lookup_elem(fd.get(), &key, &l) != 0)
        return sys_error(path, errno);
    if (l.version == 0)
        return make_dp_error(errc::map_mismatch,
                             fmt::format("pinned map {} holds layout version 0 (not written by babed); {}",
                                         path, layout_fix(pin_path)));
    return l.version;
}

dp_result<void> pin_new_layout(const std::string& path, std::uint32_t version)
{
    unique_fd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, BABE_MAP_LAYOUT, 4, sizeof(babe_layout), 1, nullptr));
    if (!fd)
        return sys_error("create the layout map", errno);
    std::uint32_t key = 0;
    babe_layout l{version, 0};
    if (bpf_map_update_elem(fd.get(), &key, &l, BPF_ANY) != 0)
        return sys_error("write the layout map", errno);
    // Written before pinned: a pinned layout map always holds its version.
    if (bpf_obj_pin(fd.get(), path.c_str()) != 0)
        return sys_error(fmt::format("pin {}", path), errno);
    return {};
}

std::string staged_pin(const std::string& pin_path, const std::string& name)
{
    return pin_path + "/" + name + staged_suffix;
}

dp_result<void> finish_staged(const std::string& pin_path, bool* rolled_forward)
{
    std::vector<std::string> staged;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator{pin_path, ec}) {
        std::string name = entry.path().filename().string();
        if (name.size() > std::strlen(staged_suffix) && name.ends_with(staged_suffix))
            staged.push_back(name.substr(0, name.size() - std::strlen(staged_suffix)));
    }
    const bool commit = std::find(staged.begin(), staged.end(), BABE_MAP_LAYOUT) != staged.end();
    if (rolled_forward)
        *rolled_forward = commit && !staged.empty();
    // The layout map last: until it moves, a crash rolls forward again.
    std::stable_partition(staged.begin(), staged.end(), [](const std::string& n) { return n != BABE_MAP_LAYOUT; });
    for (const auto& name : staged) {
        std::string from = staged_pin(pin_path, name);
        std::string to = pin_path + "/" + name;
        if (commit ? std::rename(from.c_str(), to.c_str()) != 0 : unlink(from.c_str()) != 0)
            return sys_error(fmt::format("{} {}", commit ? "rename" : "remove", from), errno);
    }
    return {};
}

dp_result<std::size_t> copy_entries(int from, int to)
{
    auto src = shape_of(from);
    if (!src)
        return unexpected(src.error());
    auto dst = shape_of(to);
    if (!dst)
        return unexpected(dst.error());
    if (src->key_size != dst->key_size || src->value_size != dst->value_size)
        return make_dp_error(errc::map_mismatch, "copy between maps of different key or value sizes");
    std::vector<unsigned char> key(src->key_size), next(src->key_size), value(src->value_size);
    std::size_t copied = 0;
    auto copy_one = [&]() -> dp_result<void> {
        if (bpf_map_lookup_elem(from, key.data(), value.data()) != 0)
            return errno == ENOENT ? dp_result<void>{} : sys_error("copy: lookup", errno); // deleted meanwhile
        if (bpf_map_update_elem(to, key.data(), value.data(), BPF_ANY) != 0)
            return sys_error(fmt::format("copy: entry {} of {} (is the new map smaller than the old one's "
                                         "entries?)",
                                         copied + 1, src->max_entries),
                             errno);
        ++copied;
        return {};
    };
    if (src->type == BPF_MAP_TYPE_ARRAY) {
        // The indexes both have (key_size 4).
        for (std::uint32_t i = 0; i < std::min(src->max_entries, dst->max_entries); ++i) {
            std::memcpy(key.data(), &i, sizeof(i));
            if (auto r = copy_one(); !r)
                return unexpected(r.error());
        }
        return copied;
    }
    const void* prev = nullptr;
    while (bpf_map_get_next_key(from, prev, next.data()) == 0) {
        key = next;
        prev = key.data();
        if (auto r = copy_one(); !r)
            return unexpected(r.error());
    }
    if (errno != ENOENT)
        return sys_error("copy: next key", errno);
    return copied;
}

} // namespace babe::dataplane
