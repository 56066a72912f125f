// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// An integer sysctl under /proc/sys, read before it is written: babed changes
// one only when its value is not already acceptable, so it runs where
// /proc/sys is read-only (a container whose privileged init container set
// the values) without a write, and says which key to set when it must write
// and cannot.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

namespace babe::sysctl {

// One key: its file and its name as sysctl(8) prints it (for messages).
struct key {
    std::string path; // "/proc/sys/net/ipv4/conf/m1/rp_filter"
    std::string name; // "net.ipv4.conf.m1.rp_filter"
};

// net.ipv4.conf.<ifname>.<setting> ("all" and "default" are names too).
inline key ipv4_conf(const std::string& ifname, const std::string& setting)
{
    return {"/proc/sys/net/ipv4/conf/" + ifname + "/" + setting, "net.ipv4.conf." + ifname + "." + setting};
}

// nullopt when the key does not exist or does not hold an integer.
inline std::optional<int> read_int(const key& k)
{
    std::FILE* f = std::fopen(k.path.c_str(), "re");
    if (!f)
        return std::nullopt;
    int v = 0;
    bool ok = std::fscanf(f, "%d", &v) == 1;
    std::fclose(f);
    return ok ? std::optional<int>(v) : std::nullopt;
}

enum class outcome { already_set, written, failed };

struct result {
    outcome what = outcome::failed;
    std::optional<int> before; // the value found (nullopt: unreadable)
    std::string error;         // failed: why the write did not happen
};

// Leaves `k` alone when `acceptable(current)` holds; writes `wanted`
// otherwise.
inline result ensure(const key& k, const std::function<bool(int)>& acceptable, int wanted)
{
    result r;
    r.before = read_int(k);
    if (r.before && acceptable(*r.before)) {
        r.what = outcome::already_set;
        return r;
    }
    std::FILE* f = std::fopen(k.path.c_str(), "we");
    bool ok = f && std::fprintf(f, "%d\n", wanted) > 0;
    int err = errno;
    if (f && std::fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        r.error = std::strerror(err);
        return r;
    }
    r.what = outcome::written;
    return r;
}

} // namespace babe::sysctl
