// SPDX-License-Identifier: Apache-2.0
// AF_XDP socket sharing a UMEM, libxdp program loading inhibited (see socket.hh).
#include "afxdp/socket.hh"

#include <bpf/bpf.h>
#include <linux/if_link.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace babe::afxdp {

socket::socket(umem& mem, const socket_config& cfg) : _umem(mem), _cfg(cfg)
{
    if (!_umem._rings0_taken) {
        _fill = &_umem._fill0;
        _comp = &_umem._comp0;
    } else {
        _fill = &_fill_own;
        _comp = &_comp_own;
    }
    xsk_socket_config scfg{};
    scfg.rx_size = cfg.ring_size;
    scfg.tx_size = cfg.ring_size;
    scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    scfg.xdp_flags = 0;
    scfg.bind_flags = cfg.need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
    if (cfg.mode == bind_mode::copy)
        scfg.bind_flags |= XDP_COPY;
    else if (cfg.mode == bind_mode::zero_copy)
        scfg.bind_flags |= XDP_ZEROCOPY;
    int err = xsk_socket__create_shared(&_xsk, cfg.ifname.c_str(), cfg.queue, _umem.raw(), &_rx, &_tx,
                                        _fill, _comp, &scfg);
    if (err)
        throw std::system_error(-err, std::generic_category(),
                                fmt::format("AF_XDP socket on {} queue {}", cfg.ifname, cfg.queue));
    _umem._rings0_taken = true;
    xdp_options opts{};
    socklen_t optlen = sizeof(opts);
    // Unknown: treated as zero-copy (reap() kicks as it always did).
    _zero_copy = getsockopt(fd(), SOL_XDP, XDP_OPTIONS, &opts, &optlen) != 0 ||
                 (opts.flags & XDP_OPTIONS_ZEROCOPY) != 0;
    refill();
}

socket::~socket()
{
    if (_xsk)
        xsk_socket__delete(_xsk);
}

int socket::fd() const { return xsk_socket__fd(_xsk); }

void socket::register_in(int xskmap_fd, std::optional<std::uint32_t> slot)
{
    int err = 0;
    if (slot) {
        int fd = this->fd();
        err = bpf_map_update_elem(xskmap_fd, &*slot, &fd, 0) ? -errno : 0;
    } else {
        err = xsk_socket__update_xskmap(_xsk, xskmap_fd);
    }
    if (err)
        throw std::system_error(-err, std::generic_category(),
                                fmt::format("insert AF_XDP socket of {} queue {} into the XSKMAP",
                                            _cfg.ifname, _cfg.queue));
}

void socket::refill()
{
    std::uint32_t want = xsk_prod_nb_free(_fill, _umem.config().ring_size);
    if (want == 0)
        return;
    // Keep a quarter of the UMEM for transmissions (control packets the
    // engine writes, frames parked in its buffers): the fill rings of several
    // sockets must not take every frame.
    const std::uint32_t reserve = _umem.config().frame_count / 4;
    const std::uint32_t spare = _umem.free_frames() > reserve ? _umem.free_frames() - reserve : 0;
    if (want > spare) {
        if (spare == 0) {
            ++_stats.fill_starved;
            return;
        }
        want = spare;
    }
    std::uint32_t idx = 0;
    std::uint32_t got = xsk_ring_prod__reserve(_fill, want, &idx);
    for (std::uint32_t i = 0; i < got; ++i) {
        frame_addr a = 0;
        _umem.alloc(a);
        *xsk_ring_prod__fill_addr(_fill, idx + i) = a;
    }
    xsk_ring_prod__submit(_fill, got);
}

std::size_t socket::receive(std::span<rx_frame> out)
{
    std::uint32_t idx = 0;
    std::uint32_t n = xsk_ring_cons__peek(&_rx, static_cast<std::uint32_t>(out.size()), &idx);
    for (std::uint32_t i = 0; i < n; ++i) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&_rx, idx + i);
        out[i] = rx_frame{d->addr, d->len};
    }
    if (n) {
        xsk_ring_cons__release(&_rx, n);
        _stats.rx_packets += n;
    }
    refill();
    return n;
}

bool socket::transmit(frame_addr addr, std::uint32_t len)
{
    std::uint32_t idx = 0;
    if (xsk_ring_prod__reserve(&_tx, 1, &idx) != 1) {
        // Full: descriptors the kernel has not taken yet. Kick it (copy
        // mode sends a batch per kick) and try again, once per reap(): when
        // the device itself pushes back, more kicks would only add syscalls.
        if (!_kicked_full) {
            _kicked_full = true;
            _tx_pending = 0;
            kick();
        }
        if (xsk_ring_prod__reserve(&_tx, 1, &idx) != 1) {
            ++_stats.tx_ring_full;
            return false;
        }
    }
    xdp_desc* d = xsk_ring_prod__tx_desc(&_tx, idx);
    d->addr = addr;
    d->len = len;
    d->options = 0;
    xsk_ring_prod__submit(&_tx, 1);
    ++_tx_outstanding;
    ++_stats.tx_packets;
    // Copy mode transmits at most kick_batch descriptors per kick (the
    // kernel's TX_BATCH_SIZE): kick as each batch fills, so a burst larger
    // than one batch never waits on a full ring.
    if (++_tx_pending >= kick_batch)
        flush();
    return true;
}

void socket::kick()
{
    if (!_cfg.need_wakeup || xsk_ring_prod__needs_wakeup(&_tx))
        sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
}

bool socket::tx_ring_holds_descs() const
{
    // The kernel publishes its consumer index when it has taken what the
    // ring held (or stopped at a batch's end): equal to our producer means
    // nothing is left to send.
    return __atomic_load_n(_tx.consumer, __ATOMIC_ACQUIRE) != *_tx.producer;
}

std::uint32_t socket::flush(bool more_coming)
{
    const std::uint32_t n = _tx_pending;
    if (more_coming && n < coalesce_min && !_deferred) {
        _deferred = n > 0;
        return 0;
    }
    flush();
    return n;
}

void socket::flush()
{
    _deferred = false;
    if (_tx_pending == 0)
        return;
    _tx_pending = 0;
    kick();
}

void socket::reap()
{
    _kicked_full = false;
    if (_tx_outstanding) {
        std::uint32_t idx = 0;
        std::uint32_t n = xsk_ring_cons__peek(_comp, _tx_outstanding, &idx);
        for (std::uint32_t i = 0; i < n; ++i)
            _umem.release(*xsk_ring_cons__comp_addr(_comp, idx + i));
        if (n) {
            xsk_ring_cons__release(_comp, n);
            _tx_outstanding -= n;
        }
        // Kick for frames already kicked that the kernel has not taken yet
        // (a kick sends at most a batch); frames a coalescing flush left
        // queued wait for the next flush. Copy mode completes a frame when
        // its skb is freed (on veth: in the next hop's NAPI poll), not on a
        // kick: with nothing left in the TX ring a kick is a syscall for
        // nothing, and it was one in every busy turn. Zero-copy drivers may
        // complete on a wake-up: kicked as before.
        if (_tx_outstanding && _tx_pending == 0 && (_zero_copy || tx_ring_holds_descs()) &&
            xsk_ring_prod__needs_wakeup(&_tx))
            kick();
    }
    refill();
}

socket_stats socket::stats() const
{
    xdp_statistics k{};
    socklen_t len = sizeof(k);
    if (getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &k, &len) == 0) {
        _stats.rx_dropped = k.rx_dropped;
        _stats.rx_invalid_descs = k.rx_invalid_descs;
        _stats.tx_invalid_descs = k.tx_invalid_descs;
        _stats.rx_ring_full = k.rx_ring_full;
        _stats.rx_fill_ring_empty = k.rx_fill_ring_empty_descs;
        _stats.tx_ring_empty = k.tx_ring_empty_descs;
    }
    return _stats;
}

} // namespace babe::afxdp
