// SPDX-License-Identifier: Apache-2.0
// UMEM area and free-frame stack (see umem.hh).
#include "afxdp/umem.hh"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>

namespace babe::afxdp {

umem::umem(const umem_config& cfg) : _cfg(cfg), _frames(cfg.frame_count, cfg.frame_size)
{
    _area_size = static_cast<std::size_t>(cfg.frame_count) * cfg.frame_size;
    _area = mmap(nullptr, _area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
    if (_area == MAP_FAILED) {
        _area = nullptr;
        throw std::system_error(errno, std::generic_category(), "mmap of the UMEM area");
    }
    xsk_umem_config ucfg{};
    ucfg.fill_size = cfg.ring_size;
    ucfg.comp_size = cfg.ring_size;
    ucfg.frame_size = cfg.frame_size;
    ucfg.frame_headroom = cfg.headroom;
    ucfg.flags = 0;
    int err = xsk_umem__create(&_umem, _area, _area_size, &_fill0, &_comp0, &ucfg);
    if (err) {
        munmap(_area, _area_size);
        _area = nullptr;
        throw std::system_error(-err, std::generic_category(),
                                "AF_XDP UMEM registration (needs CAP_NET_RAW and CAP_IPC_LOCK)");
    }
}

umem::~umem()
{
    if (_umem)
        xsk_umem__delete(_umem);
    if (_area)
        munmap(_area, _area_size);
}

} // namespace babe::afxdp
