// SPDX-License-Identifier: Apache-2.0
// xdp_loader: skeleton load, map pinning and reuse, bpf_link attach/update
// and detach (see loader.hh).
#include "dataplane/loader.hh"

#include "core/unique_fd.hh"
#include "dataplane/system.hh"
#include "dataplane/test_kill.hh"

#include "babe_xdp.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace babe::dataplane {

namespace fs = std::filesystem;

namespace {

// Every map of the object is pinned and reused (xsks, xsk_slots included)
// except libbpf's internal ones (.rodata, .bss) and those named babe_*:
// per-CPU caches and scratch space private to the programs, fresh on every
// load (a new layout never blocks a restart, a cache never outlives the
// program that fills it).
bool is_pinned_map(const bpf_map* map)
{
    const char* name = bpf_map__name(map);
    return !bpf_map__is_internal(map) && std::strncmp(name, "babe_", 5) != 0 &&
           std::strchr(name, '.') == nullptr;
}

// libbpf reports through one global print callback: while a load runs, its
// warnings (and the verifier log it prints on a rejection) go into a string.
std::mutex capture_mutex;
std::string* capture_target = nullptr;

int capture_print(enum libbpf_print_level level, const char* format, va_list args)
{
    if (level == LIBBPF_DEBUG || capture_target == nullptr)
        return 0;
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (n > 0) {
        std::string line(static_cast<std::size_t>(n) + 1, '\0');
        std::vsnprintf(line.data(), line.size(), format, args);
        line.resize(static_cast<std::size_t>(n));
        capture_target->append(line);
    }
    return 0;
}

class log_capture {
public:
    explicit log_capture(std::string& out) : _lock(capture_mutex)
    {
        capture_target = &out;
        _previous = libbpf_set_print(capture_print);
    }
    ~log_capture()
    {
        libbpf_set_print(_previous);
        capture_target = nullptr;
    }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

private:
    std::lock_guard<std::mutex> _lock;
    libbpf_print_fn_t _previous = nullptr;
};

unexpected<error> load_error(int err, std::string log)
{
    if (log.find("couldn't reuse pinned map") != std::string::npos)
        return make_dp_error(errc::map_mismatch,
                             "a pinned map differs from this program's (an older layout?): "
                             "remove the pins (babe-dpctl teardown) and load again",
                             std::move(log));
    if (log.find("BEGIN PROG LOAD LOG") != std::string::npos)
        return make_dp_error(errc::verifier_rejected,
                             "the kernel verifier rejected a program: see the log",
                             std::move(log));
    if (err == EPERM)
        return make_dp_error(errc::no_privileges,
                             "loading BPF needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)",
                             std::move(log));
    return make_dp_error(errc_from_errno(err), fmt::format("load failed: {}", std::strerror(err)),
                         std::move(log));
}

dp_result<void> check_reusable(int fd, const bpf_map* map, const std::string& path)
{
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        return make_dp_error(errc_from_errno(errno),
                             fmt::format("{}: {}", path, std::strerror(errno)));
    if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
        info.value_size != bpf_map__value_size(map) ||
        info.max_entries != bpf_map__max_entries(map))
        return make_dp_error(
            errc::map_mismatch,
            fmt::format("pinned map {} (type {} key {} value {} max {}) differs from this "
                        "program's (type {} key {} value {} max {}): an older layout? remove "
                        "the pins (babe-dpctl teardown) and load again",
                        path, info.type, info.key_size, info.value_size, info.max_entries,
                        static_cast<unsigned>(bpf_map__type(map)), bpf_map__key_size(map),
                        bpf_map__value_size(map), bpf_map__max_entries(map)));
    return {};
}

// CLOCK_BOOTTIME in ns: the clock of bpf_prog_info.load_time.
std::uint64_t boottime_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

double ms_between(std::uint64_t a, std::uint64_t b) { return b > a ? static_cast<double>(b - a) / 1e6 : 0.0; }

// Splits the load's time between map creation and each program's
// verification, from the programs' kernel load stamps (see load_timing).
void fill_load_timing(bpf_object* obj, std::uint64_t load_start, std::uint64_t load_end, load_timing& t)
{
    struct stamp {
        load_timing::program p;
        std::uint64_t at;
    };
    std::vector<stamp> stamps;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj)
    {
        bpf_prog_info info{};
        __u32 len = sizeof(info);
        if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) != 0)
            continue;
        load_timing::program p;
        p.name = bpf_program__name(prog);
        p.insns = info.xlated_prog_len / 8;
        p.verified_insns = info.verified_insns;
        stamps.push_back({p, info.load_time});
    }
    std::sort(stamps.begin(), stamps.end(), [](const stamp& a, const stamp& b) { return a.at < b.at; });
    if (!stamps.empty())
        t.maps_ms = ms_between(load_start, stamps.front().at);
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        stamps[i].p.verify_ms = ms_between(stamps[i].at, i + 1 < stamps.size() ? stamps[i + 1].at : load_end);
        t.programs.push_back(stamps[i].p);
    }
}

// How XDP runs on the interface now, as the kernel reports it.
std::optional<xdp_mode> attached_mode(std::uint32_t ifindex)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query(static_cast<int>(ifindex), 0, &q) != 0)
        return std::nullopt;
    if (q.attach_mode == XDP_ATTACHED_DRV)
        return xdp_mode::native;
    if (q.attach_mode == XDP_ATTACHED_SKB)
        return xdp_mode::generic;
    return std::nullopt;
}

bpf_program* program_of(babe_xdp* skel, xdp_role role)
{
    return role == xdp_role::mesh_ingress ? skel->progs.babe_mesh_ingress
                                          : skel->progs.babe_local_egress;
}

} // namespace

dp_result<xdp_mode> parse_xdp_mode(std::string_view text)
{
    if (text == "auto")
        return xdp_mode::automatic;
    if (text == "native" || text == "drv")
        return xdp_mode::native;
    if (text == "generic" || text == "skb")
        return xdp_mode::generic;
    return make_dp_error(errc::invalid_argument,
                         fmt::format("XDP mode '{}': expected auto, native or generic",
                                     std::string{text}));
}

const char* to_string(xdp_mode mode)
{
    switch (mode) {
    case xdp_mode::automatic: return "auto";
    case xdp_mode::native: return "native";
    case xdp_mode::generic: return "generic";
    }
    return "?";
}

dp_result<xdp_role> parse_xdp_role(std::string_view text)
{
    if (text == "mesh" || text == "mesh_ingress")
        return xdp_role::mesh_ingress;
    if (text == "local" || text == "local_egress")
        return xdp_role::local_egress;
    return make_dp_error(errc::invalid_argument,
                         fmt::format("program '{}': expected mesh or local", std::string{text}));
}

const char* to_string(xdp_role role)
{
    return role == xdp_role::mesh_ingress ? "mesh_ingress" : "local_egress";
}

std::string link_pin(const std::string& pin_path, const std::string& ifname)
{
    return pin_path + "/links/" + ifname;
}

dp_result<std::unique_ptr<xdp_loader>> xdp_loader::load(const loader_options& options)
{
    if (auto r = prepare_pin_path(options.pin_path, options.mount_bpffs); !r)
        return unexpected(r.error());

    std::unique_ptr<xdp_loader> self{new xdp_loader()};
    self->_pin_path = options.pin_path;
    std::string log;
    const auto t_open = boottime_ns();
    {
        log_capture capture{log};
        self->_skel = babe_xdp__open();
        if (!self->_skel)
            return make_dp_error(errc_from_errno(errno),
                                 fmt::format("cannot open the babe_xdp skeleton: {}",
                                             std::strerror(errno)),
                                 log);
        // Arrays indexed by CPU id, sized before any pin is checked: the
        // neighbour cache (one entry per possible CPU; CPUs past the end read
        // `neighbours` directly) and `stats` (entry 1 + CPU, entry 0 shared).
        int ncpu = libbpf_num_possible_cpus();
        if (ncpu <= 0)
            return make_dp_error(errc::system, "cannot count the possible CPUs");
        if (bpf_map__set_max_entries(self->_skel->maps.babe_neigh_cache,
                                     static_cast<__u32>(ncpu)) != 0 ||
            bpf_map__set_max_entries(self->_skel->maps.stats, static_cast<__u32>(ncpu) + 1) != 0)
            return make_dp_error(errc::system, "size the per-CPU arrays to the possible CPUs");
        const auto t_reuse = boottime_ns();
        self->_timing.open_ms = ms_between(t_open, t_reuse);
        for (const char* name : {BABE_MAP_ROUTES, BABE_MAP_NEIGHBOURS, BABE_MAP_TX_PORTS,
                                 BABE_MAP_XSKS, BABE_MAP_STATS, BABE_MAP_CONFIG})
            if (!bpf_object__find_map_by_name(self->_skel->obj, name))
                return make_dp_error(errc::map_mismatch,
                                     fmt::format("babe_xdp has no map {}", name));
        auto planned = self->plan_pins(options.pin_path);
        if (!planned)
            return unexpected(planned.error());
        const auto t_load = boottime_ns();
        self->_timing.reuse_ms = ms_between(t_reuse, t_load);
        if (babe_xdp__load(self->_skel) != 0)
            return load_error(errno, log);
        const auto t_end = boottime_ns();
        self->_timing.total_ms = ms_between(t_open, t_end);
        fill_load_timing(self->_skel->obj, t_load, t_end, self->_timing);
    }
    test_kill_point("bpf-loaded");
    if (auto m = self->swap_pins(options.pin_path); !m)
        return unexpected(m.error());
    auto maps = bpf_maps::from_object(self->_skel->obj);
    if (!maps)
        return unexpected(maps.error());
    self->_maps = std::move(maps.value());
    return self;
}

dp_result<void> xdp_loader::plan_pins(const std::string& pin)
{
    bool rolled = false;
    if (auto r = finish_staged(pin, &rolled); !r)
        return r;
    if (rolled)
        _notes.emplace_back("finished the pin swap of an interrupted migration");
    struct found {
        bpf_map* map;
        std::string path;
        unique_fd fd;
        plan_result plan;
    };
    std::vector<found> maps;
    bool any_pinned = false;
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, _skel->obj)
    {
        if (!is_pinned_map(map))
            continue;
        std::string path = pin + "/" + bpf_map__name(map);
        unique_fd fd(bpf_obj_get(path.c_str()));
        any_pinned = any_pinned || fd;
        maps.push_back(found{map, std::move(path), std::move(fd), {}});
    }
    auto version = read_layout_version(pin);
    if (!version)
        return unexpected(version.error());
    // No layout map: pins from a babed older than it (version 1), or none.
    const bool have_layout = version.value() != 0;
    _layout_version = have_layout ? version.value() : any_pinned ? 1 : BABE_LAYOUT_VERSION;
    if (_layout_version > BABE_LAYOUT_VERSION)
        return make_dp_error(errc::map_mismatch,
                             fmt::format("pinned map {}/{}: the pins have layout version {}, newer than this "
                                         "babed's {} (a downgrade); babed cannot use them: {}",
                                         pin, BABE_MAP_LAYOUT, _layout_version, BABE_LAYOUT_VERSION,
                                         layout_fix(pin)));

    // Every plan before anything changes: a refusal leaves the pins as they were.
    for (auto& f : maps) {
        if (!f.fd)
            continue;
        auto shape = shape_of(f.fd.get());
        if (!shape)
            return unexpected(shape.error());
        map_shape wanted{static_cast<std::uint32_t>(bpf_map__type(f.map)), bpf_map__key_size(f.map),
                         bpf_map__value_size(f.map), bpf_map__max_entries(f.map)};
        f.plan = plan_map(bpf_map__name(f.map), shape.value(), wanted, _layout_version);
        if (f.plan.plan == map_plan::refuse)
            return make_dp_error(errc::map_mismatch,
                                 fmt::format("pinned map {}: {}; babed cannot use it: {}", f.path, f.plan.why,
                                             layout_fix(pin)));
    }
    // Written before any other map is created: pins always carry their version.
    if (!have_layout)
        if (auto r = pin_new_layout(pin + "/" + BABE_MAP_LAYOUT, _layout_version); !r)
            return r;

    int kept = 0;
    for (auto& f : maps) {
        if (!f.fd) {
            // Not pinned yet: libbpf creates the map and pins it at load.
            if (bpf_map__set_pin_path(f.map, f.path.c_str()) != 0)
                return make_dp_error(errc::system, fmt::format("set pin path {}", f.path));
            continue;
        }
        if (f.plan.plan != map_plan::reuse) {
            // Created unpinned by the load, then swapped in (swap_pins).
            kept += f.plan.plan == map_plan::copy;
            _pending.push_back(pending_pin{bpf_map__name(f.map), std::move(f.fd), f.plan.plan, f.plan.why});
            continue;
        }
        // Pinned by an earlier load: reuse it. Checked here rather than by
        // libbpf's pin_path reuse, which rejects every devmap (the kernel
        // adds BPF_F_RDONLY_PROG to its flags).
        // reuse_fd takes its own duplicate: ours is closed here.
        auto ok = check_reusable(f.fd.get(), f.map, f.path);
        if (ok && bpf_map__reuse_fd(f.map, f.fd.get()) != 0)
            ok = make_dp_error(errc::system, fmt::format("reuse {}: {}", f.path, std::strerror(errno)));
        f.fd.reset();
        if (!ok)
            return unexpected(ok.error());
        ++kept;
    }
    _reused = !maps.empty() && kept == static_cast<int>(maps.size());
    return {};
}

dp_result<void> xdp_loader::swap_pins(const std::string& pin)
{
    if (_pending.empty() && _layout_version == BABE_LAYOUT_VERSION)
        return {};
    for (auto& p : _pending) {
        int fd = bpf_map__fd(bpf_object__find_map_by_name(_skel->obj, p.name.c_str()));
        std::size_t copied = 0;
        if (p.plan == map_plan::copy) {
            auto c = copy_entries(p.old.get(), fd);
            if (!c)
                return make_dp_error(c.error().code, fmt::format("migrate pinned map {}/{} ({}): {}; {}", pin, p.name,
                                                                 p.why, c.error().message, layout_fix(pin)));
            copied = c.value();
        }
        std::string staged = staged_pin(pin, p.name);
        if (bpf_obj_pin(fd, staged.c_str()) != 0)
            return make_dp_error(errc_from_errno(errno), fmt::format("pin {}: {}", staged, std::strerror(errno)));
        _notes.push_back(p.plan == map_plan::copy
                             ? fmt::format("{}: migrated into a new map ({}), {} entries copied", p.name, p.why, copied)
                             : fmt::format("{}: recreated empty ({})", p.name, p.why));
        p.old.reset();
    }
    test_kill_point("migrate-staged");
    if (auto r = pin_new_layout(staged_pin(pin, BABE_MAP_LAYOUT), BABE_LAYOUT_VERSION); !r)
        return r;
    test_kill_point("migrate-committed");
    if (auto r = finish_staged(pin); !r)
        return r;
    if (_layout_version != BABE_LAYOUT_VERSION)
        _notes.push_back(fmt::format("layout version {} -> {}", _layout_version, BABE_LAYOUT_VERSION));
    _layout_version = BABE_LAYOUT_VERSION;
    _pending.clear();
    return {};
}

xdp_loader::~xdp_loader()
{
    _maps.reset();
    if (_skel)
        babe_xdp__destroy(_skel);
}

int xdp_loader::prog_fd(xdp_role role) const
{
    return bpf_program__fd(program_of(_skel, role));
}

dp_result<attach_result> xdp_loader::attach(xdp_role role, const std::string& ifname,
                                            xdp_mode mode)
{
    auto ifindex = find_ifindex(ifname);
    if (!ifindex)
        return unexpected(ifindex.error());
    attach_result out;
    out.ifindex = ifindex.value();
    int prog = prog_fd(role);
    std::string pin = link_pin(_pin_path, ifname);
    std::error_code ec;
    fs::create_directories(_pin_path + "/links", ec);

    test_kill_point("attach:" + ifname);
    // A pinned link for this interface: swap the program in place.
    unique_fd link(bpf_obj_get(pin.c_str()));
    if (link) {
        bpf_link_info info{};
        __u32 len = sizeof(info);
        int rc = bpf_obj_get_info_by_fd(link.get(), &info, &len);
        // A link in another mode than the one asked for (native where
        // generic is wanted now) is replaced: a link keeps its mode.
        const bool ours = rc == 0 && info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex == out.ifindex;
        if (ours && mode != xdp_mode::automatic && attached_mode(out.ifindex) != mode) {
            bpf_link_detach(link.get());
        } else if (ours) {
            if (bpf_link_update(link.get(), prog, nullptr) != 0) {
                int err = errno;
                return make_dp_error(errc_from_errno(err),
                                     fmt::format("update the link of {}: {}", ifname,
                                                 std::strerror(err)));
            }
            out.link_id = info.id;
            out.updated = true;
            out.attached = attached_mode(out.ifindex);
            return out;
        }
        // The interface went away (and maybe came back): the pin is stale.
        link.reset();
        unlink(pin.c_str());
    }

    LIBBPF_OPTS(bpf_link_create_opts, opts);
    opts.flags = mode == xdp_mode::native    ? XDP_FLAGS_DRV_MODE
                 : mode == xdp_mode::generic ? XDP_FLAGS_SKB_MODE
                                             : 0;
    link.reset(bpf_link_create(prog, static_cast<int>(out.ifindex), BPF_XDP, &opts));
    if (!link) {
        int err = errno;
        switch (err) {
        case EOPNOTSUPP:
            return make_dp_error(errc::mode_unsupported,
                                 fmt::format("{} does not support XDP in {} mode", ifname,
                                             to_string(mode)));
        case EBUSY:
        case EEXIST:
            return make_dp_error(errc::busy,
                                 fmt::format("{} already has an XDP program not attached by "
                                             "this pin path (`ip link set {} xdp off`?)",
                                             ifname, ifname));
        case EPERM:
            return make_dp_error(errc::no_privileges,
                                 fmt::format("attaching XDP to {} needs CAP_NET_ADMIN", ifname));
        default:
            return make_dp_error(errc_from_errno(err),
                                 fmt::format("attach XDP to {}: {}", ifname,
                                             std::strerror(err)));
        }
    }
    // Killed here, the link dies with its only fd: nothing stays attached.
    test_kill_point("link-created:" + ifname);
    if (bpf_obj_pin(link.get(), pin.c_str()) != 0) {
        int err = errno; // closing `link` on return detaches: its last fd goes
        return make_dp_error(errc_from_errno(err),
                             fmt::format("pin link {}: {}", pin, std::strerror(err)));
    }
    bpf_link_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(link.get(), &info, &len) == 0)
        out.link_id = info.id;
    out.attached = attached_mode(out.ifindex);
    return out;
}

dp_result<void> detach(const std::string& pin_path, const std::string& ifname)
{
    std::string pin = link_pin(pin_path, ifname);
    unique_fd fd(bpf_obj_get(pin.c_str()));
    if (!fd) {
        int err = errno;
        if (err == ENOENT)
            return make_dp_error(errc::not_found, fmt::format("no pinned link {}", pin));
        return make_dp_error(errc_from_errno(err),
                             fmt::format("open {}: {}", pin, std::strerror(err)));
    }
    int rc = bpf_link_detach(fd.get());
    int err = errno;
    fd.reset();
    unlink(pin.c_str());
    // ENOLINK: the interface is gone, the link was already detached.
    if (rc != 0 && err != ENOLINK)
        return make_dp_error(errc_from_errno(err),
                             fmt::format("detach {}: {}", pin, std::strerror(err)));
    return {};
}

dp_result<std::vector<std::string>> list_links(const std::string& pin_path)
{
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it{pin_path + "/links", ec};
    if (ec)
        return out;
    for (const auto& entry : it)
        out.push_back(entry.path().filename().string());
    return out;
}

dp_result<void> remove_pins(const std::string& pin_path)
{
    auto links = list_links(pin_path);
    for (const auto& ifname : links.value())
        if (auto r = detach(pin_path, ifname); !r && r.error().code != errc::not_found)
            return r;
    std::error_code ec;
    fs::remove(pin_path + "/links", ec);
    // The map pins: every file left in the directory.
    std::vector<fs::path> pins;
    for (const auto& entry : fs::directory_iterator{pin_path, ec})
        pins.push_back(entry.path());
    for (const auto& p : pins)
        fs::remove(p, ec);
    ec.clear();
    fs::remove(pin_path, ec);
    if (ec)
        return make_dp_error(errc::system,
                             fmt::format("remove {}: {}", pin_path, ec.message()));
    return {};
}

} // namespace babe::dataplane
