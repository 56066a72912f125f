// SPDX-License-Identifier: Apache-2.0
// babe-dpctl: drives the XDP data plane without the daemon. Loads babe_xdp,
// attaches its programs through pinned bpf_links, writes routes, neighbours,
// tx ports and config into the pinned maps and reads the counters. Used by
// the namespace tests, the demo and the benchmarks; usage in
// dpctl_commands.cc (dpctl_usage) and docs/dataplane.md.
#include "dataplane/bpf_maps.hh"
#include "dataplane/dpctl_capture.hh"
#include "dataplane/dpctl_commands.hh"
#include "dataplane/loader.hh"
#include "dataplane/system.hh"

#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace babe::dataplane;

namespace {

bool verbose = false;

// The error, then libbpf's log: its last 60 lines (where the verifier says
// why) unless --verbose.
int report(const error& e)
{
    std::fprintf(stderr, "babe-dpctl: %s\n", describe(e).c_str());
    if (e.log.empty())
        return 1;
    std::size_t start = 0;
    if (!verbose) {
        std::size_t lines = 0;
        for (std::size_t pos = e.log.size(); pos > 0 && lines <= 60; --pos)
            if (e.log[pos - 1] == '\n' && ++lines > 60)
                start = pos;
    }
    if (start > 0)
        std::fprintf(stderr, "[... log truncated: --verbose for all of it]\n");
    std::fprintf(stderr, "%s\n", e.log.c_str() + start);
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    loader_options options;
    std::string netns;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "--pin" || a == "--netns") && i + 1 < argc) {
            (a == "--pin" ? options.pin_path : netns) = argv[++i];
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a == "--mount-bpffs") {
            options.mount_bpffs = true;
        } else if (a == "-h" || a == "--help") {
            std::fputs(dpctl_usage(), stdout);
            return 0;
        } else {
            args.push_back(std::move(a));
        }
    }
    if (args.empty()) {
        std::fputs(dpctl_usage(), stderr);
        return 2;
    }
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &unlimited);
    if (!netns.empty())
        if (auto r = enter_netns(netns); !r)
            return report(r.error());

    const std::string& cmd = args[0];
    if (cmd == "load" || cmd == "attach") {
        // attach ROLE IFNAME [ROLE IFNAME ...] [mode M]: one load, several links.
        xdp_mode mode = xdp_mode::automatic;
        std::vector<std::pair<xdp_role, std::string>> targets;
        for (std::size_t i = 1; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                std::fputs("babe-dpctl: attach mesh|local IFNAME [...] [mode M]\n", stderr);
                return 2;
            }
            if (args[i] == "mode") {
                auto m = parse_xdp_mode(args[i + 1]);
                if (!m)
                    return report(m.error());
                mode = m.value();
                continue;
            }
            auto role = parse_xdp_role(args[i]);
            if (!role)
                return report(role.error());
            targets.emplace_back(role.value(), args[i + 1]);
        }
        if (cmd == "attach" && targets.empty()) {
            std::fputs("babe-dpctl: attach mesh|local IFNAME [...] [mode M]\n", stderr);
            return 2;
        }
        auto loader = xdp_loader::load(options);
        if (!loader)
            return report(loader.error());
        std::printf("loaded babe_xdp, maps %s under %s\n",
                    loader.value()->reused_maps() ? "reused" : "created",
                    options.pin_path.c_str());
        for (const auto& note : loader.value()->pin_notes())
            std::printf("pinned maps: %s\n", note.c_str());
        for (const auto& [role, ifname] : targets) {
            auto attached = loader.value()->attach(role, ifname, mode);
            if (!attached)
                return report(attached.error());
            std::printf("%s %s on %s (ifindex %u, link %u)\n",
                        attached.value().updated ? "updated" : "attached", to_string(role),
                        ifname.c_str(), attached.value().ifindex, attached.value().link_id);
        }
        return 0;
    }
    if (cmd == "detach") {
        if (args.size() < 2) {
            std::fputs("babe-dpctl: detach IFNAME\n", stderr);
            return 2;
        }
        if (auto r = detach(options.pin_path, args[1]); !r)
            return report(r.error());
        return 0;
    }
    if (cmd == "links") {
        auto links = list_links(options.pin_path);
        for (const auto& name : links.value())
            std::printf("%s\n", name.c_str());
        return 0;
    }
    if (cmd == "capture")
        return run_capture(options.pin_path, args);
    if (cmd == "teardown") {
        if (auto r = remove_pins(options.pin_path); !r)
            return report(r.error());
        return 0;
    }
    if (!is_map_command(cmd) && cmd != "batch") {
        std::fprintf(stderr, "babe-dpctl: unknown command %s\n\n%s", cmd.c_str(), dpctl_usage());
        return 2;
    }
    if (!is_on_bpffs(options.pin_path)) {
        if (auto r = prepare_pin_path(options.pin_path, options.mount_bpffs); !r)
            return report(r.error());
    }
    auto maps = bpf_maps::open_pinned(options.pin_path);
    if (!maps)
        return report(maps.error());
    dpctl_env env;
    env.maps = maps.value().get();
    env.ifindex_of = find_ifindex;
    env.mac_of = find_mac;
    if (cmd != "batch") {
        auto r = run_map_command(env, args);
        std::fputs(env.out.c_str(), stdout);
        if (!r)
            return report(r.error());
        return 0;
    }
    // batch: map commands from stdin, one per line, stop at the first error.
    std::string line;
    int lineno = 0;
    for (int c = std::getchar();; c = std::getchar()) {
        if (c != '\n' && c != EOF) {
            line.push_back(static_cast<char>(c));
            continue;
        }
        ++lineno;
        std::vector<std::string> words;
        std::size_t pos = 0;
        while ((pos = line.find_first_not_of(" \t", pos)) != std::string::npos) {
            std::size_t end = line.find_first_of(" \t", pos);
            words.push_back(line.substr(pos, end - pos));
            pos = end;
        }
        line.clear();
        if (!words.empty() && words[0][0] != '#') {
            env.out.clear();
            auto r = run_map_command(env, words);
            std::fputs(env.out.c_str(), stdout);
            if (!r) {
                std::fprintf(stderr, "babe-dpctl: batch line %d\n", lineno);
                return report(r.error());
            }
        }
        if (c == EOF)
            break;
    }
    return 0;
}
