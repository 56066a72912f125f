// SPDX-License-Identifier: Apache-2.0
// UMEM area and free-frame stack (see umem.hh).
#include "afxdp/umem.hh"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace babe::afxdp {

namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
}

umem::umem(const umem_config& cfg) : _cfg(cfg), _frames(cfg.frame_count, cfg.frame_size)
{
    _area_size = static_cast<std::size_t>(cfg.frame_count) * cfg.frame_size;
    // Backed by transparent huge pages where the kernel gives them
    // (MADV_HUGEPAGE; THP "madvise" or "always"): frames cycle through the
    // fill ring across hundreds of 4 KiB pages, and the first touch of each
    // received frame was a TLB miss on top of the cache miss. The mapping
    // is over-allocated by one huge page so the area starts on a 2 MiB
    // boundary; without THP it is ordinary pages, as before.
    _map_size = _area_size + huge_page;
    _map = mmap(nullptr, _map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (_map == MAP_FAILED) {
        _map = nullptr;
        throw std::system_error(errno, std::generic_category(), "mmap of the UMEM area");
    }
    const auto base = reinterpret_cast<std::uintptr_t>(_map);
    _area = reinterpret_cast<void*>((base + huge_page - 1) & ~(huge_page - 1));
    madvise(_area, _area_size, MADV_HUGEPAGE); // advice: refused, the area keeps small pages
    // Fault the area in now (as MAP_POPULATE did): registration pins it.
    if (madvise(_area, _area_size, MADV_POPULATE_WRITE) != 0) {
        for (std::size_t off = 0; off < _area_size; off += 4096)
            static_cast<volatile char*>(_area)[off] = 0;
    }
    xsk_umem_config ucfg{};
    ucfg.fill_size = cfg.ring_size;
    ucfg.comp_size = cfg.ring_size;
    ucfg.frame_size = cfg.frame_size;
    ucfg.frame_headroom = cfg.headroom;
    ucfg.flags = 0;
    int err = xsk_umem__create(&_umem, _area, _area_size, &_fill0, &_comp0, &ucfg);
    if (err) {
        munmap(_map, _map_size);
        _map = _area = nullptr;
        throw std::system_error(-err, std::generic_category(),
                                "AF_XDP UMEM registration (needs CAP_NET_RAW and CAP_IPC_LOCK)");
    }
}

umem::~umem()
{
    if (_umem)
        xsk_umem__delete(_umem);
    if (_map)
        munmap(_map, _map_size);
}

} // namespace babe::afxdp
