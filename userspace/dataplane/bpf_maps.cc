// SPDX-License-Identifier: Apache-2.0
// bpf_maps: map_access over kernel map fds (see bpf_maps.hh).
#include "dataplane/bpf_maps.hh"

#include "dataplane/layout.hh"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace babe::dataplane {

namespace {

unexpected<error> map_errno(const char* what, int err)
{
    return make_dp_error(errc_from_errno(err), fmt::format("{}: {}", what, std::strerror(err)));
}

// One map operation with the errors every typed accessor reports alike.
template <class K, class V>
dp_result<void> update(int fd, const K& key, const V& value, const char* what)
{
    if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0)
        return map_errno(what, errno);
    return {};
}

// max_entries of a map fd (0 when it cannot be read).
std::uint32_t max_entries_of(int fd)
{
    bpf_map_info info{};
    __u32 len = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.max_entries : 0;
}

template <class K>
dp_result<void> erase(int fd, const K& key, const char* what)
{
    if (bpf_map_delete_elem(fd, &key) != 0)
        return map_errno(what, errno);
    return {};
}

// nullopt when the key is absent (not an error).
template <class V, class K>
dp_result<std::optional<V>> lookup(int fd, const K& key, const char* what)
{
    V v{};
    if (bpf_map_lookup_elem(fd, &key, &v) != 0) {
        if (errno == ENOENT)
            return std::optional<V>{};
        return map_errno(what, errno);
    }
    return std::optional<V>{v};
}

template <class V>
dp_result<std::vector<std::pair<be32, V>>> dump(int fd, const char* name)
{
    std::vector<std::pair<be32, V>> out;
    be32 key = 0;
    be32 next = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        V value{};
        if (bpf_map_lookup_elem(fd, &next, &value) == 0)
            out.emplace_back(next, value);
        key = next;
        prev = &key;
    }
    if (errno != ENOENT)
        return map_errno(name, errno);
    return out;
}

} // namespace

dp_result<void> bpf_maps::check(int fd, const char* name, unsigned type, unsigned key_size,
                                unsigned value_size)
{
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        return map_errno(name, errno);
    if (info.type != type || info.key_size != key_size ||
        (value_size != 0 && info.value_size != value_size))
        return make_dp_error(errc::map_mismatch,
                             fmt::format("map {}: type {} key {} value {}, expected type {} key "
                                         "{} value {} (stale pin from another version? remove "
                                         "it and reload)",
                                         name, info.type, info.key_size, info.value_size, type,
                                         key_size, value_size));
    return {};
}

dp_result<std::unique_ptr<bpf_maps>> bpf_maps::open_pinned(const std::string& pin_path)
{
    // Same sizes can still mean other things: the layout version must match
    // too (none pinned: pins older than the layout map, version 1).
    auto version = read_layout_version(pin_path);
    if (!version)
        return unexpected(version.error());
    if (const std::uint32_t v = version.value() ? version.value() : 1; v != BABE_LAYOUT_VERSION)
        return make_dp_error(errc::map_mismatch,
                             fmt::format("the pins under {} have layout version {}, this tool reads {}: use the "
                                         "babe-dpctl of the babed that made them, or start this build's babed "
                                         "to migrate them",
                                         pin_path, v, BABE_LAYOUT_VERSION));
    std::unique_ptr<bpf_maps> m{new bpf_maps()};
    struct slot {
        const char* name;
        unique_fd* fd;
    } slots[] = {{BABE_MAP_ROUTES, &m->_routes},
                 {BABE_MAP_NEIGHBOURS, &m->_neighbours},
                 {BABE_MAP_TX_PORTS, &m->_tx_ports},
                 {BABE_MAP_STATS, &m->_stats},
                 {BABE_MAP_CONFIG, &m->_config}};
    for (auto& s : slots) {
        std::string path = pin_path + "/" + s.name;
        s.fd->reset(bpf_obj_get(path.c_str()));
        if (!*s.fd) {
            int err = errno;
            if (err == ENOENT)
                return make_dp_error(errc::not_found,
                                     fmt::format("no pinned map {} (is the data plane loaded "
                                                 "with this pin path?)",
                                                 path));
            return map_errno(path.c_str(), err);
        }
    }
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(m->_tx_ports.get(), &info, &len) == 0)
        m->_tx_value_size = info.value_size;
    if (auto r = check(m->_routes.get(), BABE_MAP_ROUTES, BPF_MAP_TYPE_LRU_HASH, 4, sizeof(babe_route));
        !r)
        return unexpected(r.error());
    if (auto r = check(m->_neighbours.get(), BABE_MAP_NEIGHBOURS, BPF_MAP_TYPE_HASH, 4,
                       sizeof(babe_neighbour));
        !r)
        return unexpected(r.error());
    if (auto r = check(m->_tx_ports.get(), BABE_MAP_TX_PORTS, BPF_MAP_TYPE_DEVMAP_HASH, 4, 0); !r)
        return unexpected(r.error());
    if (auto r = check(m->_stats.get(), BABE_MAP_STATS, BPF_MAP_TYPE_ARRAY, 4, sizeof(babe_stats_cpu));
        !r)
        return unexpected(r.error());
    m->_stats_entries = max_entries_of(m->_stats.get());
    if (auto r = check(m->_config.get(), BABE_MAP_CONFIG, BPF_MAP_TYPE_ARRAY, 4, sizeof(babe_config));
        !r)
        return unexpected(r.error());
    return m;
}

dp_result<std::unique_ptr<bpf_maps>> bpf_maps::from_object(bpf_object* obj)
{
    std::unique_ptr<bpf_maps> m{new bpf_maps()};
    struct slot {
        const char* name;
        unique_fd* fd;
    } slots[] = {{BABE_MAP_ROUTES, &m->_routes},
                 {BABE_MAP_NEIGHBOURS, &m->_neighbours},
                 {BABE_MAP_TX_PORTS, &m->_tx_ports},
                 {BABE_MAP_STATS, &m->_stats},
                 {BABE_MAP_CONFIG, &m->_config}};
    for (auto& s : slots) {
        bpf_map* map = bpf_object__find_map_by_name(obj, s.name);
        if (!map || bpf_map__fd(map) < 0)
            return make_dp_error(errc::not_found,
                                 fmt::format("the object has no loaded map {}", s.name));
        s.fd->reset(fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0));
        if (!*s.fd)
            return map_errno(s.name, errno);
    }
    m->_stats_entries = max_entries_of(m->_stats.get());
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(m->_tx_ports.get(), &info, &len) == 0)
        m->_tx_value_size = info.value_size;
    return m;
}

dp_result<void> bpf_maps::put_route(be32 dst, const babe_route& route)
{
    if (route.n_hops > BABE_MAX_ROUTE_HOPS)
        return make_dp_error(errc::invalid_argument, "route longer than BABE_MAX_ROUTE_HOPS");
    return update(_routes.get(), dst, route, "routes update");
}

dp_result<void> bpf_maps::erase_route(be32 dst) { return erase(_routes.get(), dst, "routes delete"); }

dp_result<std::optional<babe_route>> bpf_maps::find_route(be32 dst) const
{
    return lookup<babe_route>(_routes.get(), dst, "routes lookup");
}

dp_result<std::vector<std::pair<be32, babe_route>>> bpf_maps::list_routes() const
{
    return dump<babe_route>(_routes.get(), "routes");
}

dp_result<std::size_t> bpf_maps::used_routes(std::uint16_t a, std::uint16_t b, std::span<be32> out) const
{
    std::size_t n = 0;
    be32 key = 0;
    be32 next = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(_routes.get(), prev, &next) == 0) {
        babe_route r{};
        // A lookup from a syscall leaves the LRU order alone.
        if (bpf_map_lookup_elem(_routes.get(), &next, &r) == 0 && (r.used_epoch == a || r.used_epoch == b)) {
            if (n < out.size())
                out[n] = next;
            ++n;
        }
        key = next;
        prev = &key;
    }
    if (errno != ENOENT)
        return map_errno("routes", errno);
    return n;
}

dp_result<void> bpf_maps::put_neighbour(be32 addr, const babe_neighbour& n)
{
    return update(_neighbours.get(), addr, n, "neighbours update");
}

dp_result<void> bpf_maps::erase_neighbour(be32 addr)
{
    return erase(_neighbours.get(), addr, "neighbours delete");
}

dp_result<std::optional<babe_neighbour>> bpf_maps::find_neighbour(be32 addr) const
{
    return lookup<babe_neighbour>(_neighbours.get(), addr, "neighbours lookup");
}

dp_result<std::vector<std::pair<be32, babe_neighbour>>> bpf_maps::list_neighbours() const
{
    return dump<babe_neighbour>(_neighbours.get(), "neighbours");
}

dp_result<void> bpf_maps::put_tx_port(std::uint32_t ifindex)
{
    // DEVMAP_HASH values are an ifindex, or struct bpf_devmap_val (ifindex + prog fd).
    bpf_devmap_val val{};
    val.ifindex = ifindex;
    val.bpf_prog.fd = -1;
    int rc = _tx_value_size == sizeof(bpf_devmap_val)
                 ? bpf_map_update_elem(_tx_ports.get(), &ifindex, &val, BPF_ANY)
                 : bpf_map_update_elem(_tx_ports.get(), &ifindex, &ifindex, BPF_ANY);
    if (rc != 0)
        return map_errno("tx_ports update", errno);
    return {};
}

dp_result<void> bpf_maps::erase_tx_port(std::uint32_t ifindex)
{
    if (bpf_map_delete_elem(_tx_ports.get(), &ifindex) != 0)
        return map_errno("tx_ports delete", errno);
    return {};
}

dp_result<std::vector<std::uint32_t>> bpf_maps::list_tx_ports() const
{
    std::vector<std::uint32_t> out;
    std::uint32_t key = 0;
    std::uint32_t next = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(_tx_ports.get(), prev, &next) == 0) {
        out.push_back(next);
        key = next;
        prev = &key;
    }
    return out;
}

dp_result<void> bpf_maps::write_config(const babe_config& config)
{
    std::uint32_t key = 0;
    if (bpf_map_update_elem(_config.get(), &key, &config, BPF_ANY) != 0)
        return map_errno("config update", errno);
    return {};
}

dp_result<babe_config> bpf_maps::read_config() const
{
    std::uint32_t key = 0;
    babe_config c{};
    if (bpf_map_lookup_elem(_config.get(), &key, &c) != 0)
        return map_errno("config lookup", errno);
    return c;
}

dp_result<stats_snapshot> bpf_maps::read_stats() const
{
    // One entry per CPU plus the shared entry 0 (headers/babe/stats.h): sum them.
    stats_snapshot out{};
    for (std::uint32_t k = 0; k < _stats_entries; ++k) {
        babe_stats_cpu v{};
        if (bpf_map_lookup_elem(_stats.get(), &k, &v) != 0)
            return map_errno("stats lookup", errno);
        babe_stat c[BABE_STAT_MAX];
        std::memcpy(c, &v, sizeof(c)); // the fields are the counters in id order
        for (std::uint32_t id = 0; id < BABE_STAT_MAX; ++id) {
            out[id].packets += c[id].packets;
            out[id].bytes += c[id].bytes;
        }
    }
    return out;
}

dp_result<void> bpf_maps::clear_stats()
{
    babe_stats_cpu zero{};
    for (std::uint32_t k = 0; k < _stats_entries; ++k)
        if (bpf_map_update_elem(_stats.get(), &k, &zero, BPF_ANY) != 0)
            return map_errno("stats update", errno);
    return {};
}

} // namespace babe::dataplane
