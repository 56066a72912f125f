// SPDX-License-Identifier: Apache-2.0
// babe-mesh-old-layout: turns a node's pins into those of an older babed
// whose routes and neighbours maps were smaller (the previous layout of the
// upgrade test), with its programs running on them, as that babed would
// have left them: same programs and other maps, routes and neighbours in
// maps of the given sizes holding the same entries, every pinned link
// switched to programs that use them, and no `layout` pin (made before
// there was one). Run with babed stopped.
//
//   babe-mesh-old-layout PIN_PATH ROUTES_MAX NEIGHBOURS_MAX
#include "babe/maps.h"
#include "babe_xdp.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int die(const std::string& what)
{
    std::fprintf(stderr, "babe-mesh-old-layout: %s: %s\n", what.c_str(), std::strerror(errno));
    return 1;
}

// Every entry of `from` into `to` (both keyed by __be32); the count, or -1.
int copy(int from, int to, std::size_t value_size)
{
    std::vector<unsigned char> value(value_size);
    __u32 key = 0;
    __u32 next = 0;
    const void* prev = nullptr;
    int n = 0;
    while (bpf_map_get_next_key(from, prev, &next) == 0) {
        if (bpf_map_lookup_elem(from, &next, value.data()) == 0) {
            if (bpf_map_update_elem(to, &next, value.data(), BPF_ANY) != 0)
                return -1;
            ++n;
        }
        key = next;
        prev = &key;
    }
    return n;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fputs("usage: babe-mesh-old-layout PIN_PATH ROUTES_MAX NEIGHBOURS_MAX\n", stderr);
        return 2;
    }
    std::string pin = argv[1];
    auto* skel = babe_xdp__open();
    if (!skel)
        return die("open babe_xdp");
    int ncpu = libbpf_num_possible_cpus();
    bpf_map__set_max_entries(skel->maps.babe_neigh_cache, static_cast<__u32>(ncpu));
    bpf_map__set_max_entries(skel->maps.stats, static_cast<__u32>(ncpu) + 1);
    bpf_map__set_max_entries(skel->maps.routes, static_cast<__u32>(std::atoi(argv[2])));
    bpf_map__set_max_entries(skel->maps.neighbours, static_cast<__u32>(std::atoi(argv[3])));
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, skel->obj)
    {
        std::string name = bpf_map__name(map);
        if (bpf_map__is_internal(map) || name.starts_with("babe_") || name == BABE_MAP_ROUTES ||
            name == BABE_MAP_NEIGHBOURS)
            continue;
        int fd = bpf_obj_get((pin + "/" + name).c_str());
        if (fd < 0 || bpf_map__reuse_fd(map, fd) != 0)
            return die("reuse " + name);
        close(fd);
    }
    if (babe_xdp__load(skel) != 0)
        return die("load babe_xdp");
    int copied[2] = {0, 0};
    const char* names[2] = {BABE_MAP_ROUTES, BABE_MAP_NEIGHBOURS};
    bpf_map* maps[2] = {skel->maps.routes, skel->maps.neighbours};
    for (int i = 0; i < 2; ++i) {
        int old = bpf_obj_get((pin + "/" + names[i]).c_str());
        if (old < 0 || (copied[i] = copy(old, bpf_map__fd(maps[i]), bpf_map__value_size(maps[i]))) < 0)
            return die(std::string("copy ") + names[i]);
        close(old);
    }
    // Every pinned link onto this load's programs (they use the new maps).
    int links = 0;
    if (DIR* d = opendir((pin + "/links").c_str())) {
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] == '.')
                continue;
            std::string path = pin + "/links/" + e->d_name;
            int link = bpf_obj_get(path.c_str());
            bpf_link_info li{};
            __u32 len = sizeof(li);
            if (link < 0 || bpf_obj_get_info_by_fd(link, &li, &len) != 0)
                return die(path);
            int prog = bpf_prog_get_fd_by_id(li.prog_id);
            bpf_prog_info pi{};
            len = sizeof(pi);
            if (prog < 0 || bpf_obj_get_info_by_fd(prog, &pi, &len) != 0)
                return die(path + " program");
            bool mesh = std::strncmp(pi.name, "babe_mesh", 9) == 0;
            int next = bpf_program__fd(mesh ? skel->progs.babe_mesh_ingress : skel->progs.babe_local_egress);
            if (bpf_link_update(link, next, nullptr) != 0)
                return die("update " + path);
            close(prog);
            close(link);
            ++links;
        }
        closedir(d);
    }
    for (int i = 0; i < 2; ++i) {
        std::string path = pin + "/" + names[i];
        if (unlink(path.c_str()) != 0 || bpf_map__pin(maps[i], path.c_str()) != 0)
            return die("pin " + path);
    }
    unlink((pin + "/" + BABE_MAP_LAYOUT).c_str());
    std::printf("old layout under %s: routes max %s (%d entries), neighbours max %s (%d entries), %d link(s) "
                "switched\n",
                pin.c_str(), argv[2], copied[0], argv[3], copied[1], links);
    babe_xdp__destroy(skel);
    return 0;
}
