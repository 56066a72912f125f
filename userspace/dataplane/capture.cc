// SPDX-License-Identifier: Apache-2.0
// capture_reader: the pinned capture_ctl / capture_ring of bpf/lib/capture.h
// read through libbpf's ring_buffer.
#include "dataplane/capture.hh"

#include "dataplane/map_access.hh"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace babe::dataplane {

namespace {

dp_result<unique_fd> open_pin(const std::string& path)
{
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0)
        return make_dp_error(errno == ENOENT ? errc::not_found : errc_from_errno(errno),
                             fmt::format("{}: {} (is babed running with this pin path, at a "
                                         "version with packet capture?)",
                                         path, std::strerror(errno)));
    return unique_fd(fd);
}

dp_result<babe_capture_ctl> read_ctl(int fd)
{
    __u32 key = 0;
    babe_capture_ctl c{};
    if (bpf_map_lookup_elem(fd, &key, &c) != 0)
        return make_dp_error(errc_from_errno(errno),
                             fmt::format("capture_ctl: {}", std::strerror(errno)));
    return c;
}

dp_result<void> write_ctl(int fd, std::uint32_t on, std::uint32_t snaplen)
{
    // Only on and snaplen: lost is the programs' (read-modify-write of one
    // entry; a loss counted in between is at worst attributed to the
    // previous capture, never negative: stop() subtracts the start value).
    auto c = read_ctl(fd);
    if (!c)
        return unexpected(c.error());
    babe_capture_ctl v = c.value();
    v.on = on;
    v.snaplen = snaplen;
    __u32 key = 0;
    if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) != 0)
        return make_dp_error(errc_from_errno(errno),
                             fmt::format("capture_ctl: {}", std::strerror(errno)));
    return {};
}

} // namespace

dp_result<std::unique_ptr<capture_reader>> capture_reader::start(const std::string& pin_path,
                                                                 std::uint32_t snaplen,
                                                                 capture_sink sink, bool take_over)
{
    if (snaplen == 0 || snaplen > BABE_CAPTURE_SNAP_MAX)
        return make_dp_error(errc::invalid_argument,
                             fmt::format("snaplen {}: 1 to {}", snaplen, BABE_CAPTURE_SNAP_MAX));
    std::unique_ptr<capture_reader> self(new capture_reader());
    auto ctl = open_pin(pin_path + "/" + BABE_CAPTURE_CTL_MAP);
    if (!ctl)
        return unexpected(ctl.error());
    auto ring = open_pin(pin_path + "/" + BABE_CAPTURE_RING_MAP);
    if (!ring)
        return unexpected(ring.error());
    self->_ctl = std::move(ctl.value());
    self->_ring = std::move(ring.value());
    self->_sink = std::move(sink);
    auto c = read_ctl(self->_ctl.get());
    if (!c)
        return unexpected(c.error());
    if (c.value().on && !take_over)
        return make_dp_error(errc::busy, "a capture is already running on this node (a ring "
                                         "buffer has one reader); if its reader was killed, "
                                         "take over with --take-over");
    self->_lost_at_start = c.value().lost;
    self->_rb = ring_buffer__new(self->_ring.get(), &capture_reader::on_record, self.get(), nullptr);
    if (self->_rb == nullptr)
        return make_dp_error(errc_from_errno(errno),
                             fmt::format("capture_ring: {}", std::strerror(errno)));
    // Records left by an earlier reader are not this capture's.
    ring_buffer__consume(self->_rb);
    self->_on = true; // before the switch: stop() must undo a half start
    if (auto r = write_ctl(self->_ctl.get(), 1, snaplen); !r)
        return unexpected(r.error());
    return self;
}

capture_reader::~capture_reader()
{
    stop();
    if (_rb != nullptr)
        ring_buffer__free(_rb);
}

int capture_reader::on_record(void* self, void* data, std::size_t size)
{
    auto* r = static_cast<capture_reader*>(self);
    if (!r->_on || size < sizeof(babe_capture_hdr))
        return 0;
    babe_capture_hdr h;
    std::memcpy(&h, data, sizeof(h));
    std::size_t n = h.caplen;
    if (n > size - sizeof(h))
        n = size - sizeof(h);
    r->_sink(h, std::span<const std::byte>(static_cast<const std::byte*>(data) + sizeof(h), n));
    return 0;
}

dp_result<int> capture_reader::poll(int timeout_ms)
{
    int n = ring_buffer__poll(_rb, timeout_ms);
    if (n < 0 && n != -EINTR)
        return make_dp_error(errc_from_errno(-n),
                             fmt::format("capture_ring: {}", std::strerror(-n)));
    return n < 0 ? 0 : n;
}

std::uint64_t capture_reader::stop()
{
    if (!_on)
        return 0;
    (void)write_ctl(_ctl.get(), 0, 0);
    // Records submitted before the switch went off.
    ring_buffer__consume(_rb);
    _on = false;
    auto c = read_ctl(_ctl.get());
    return c && c.value().lost >= _lost_at_start ? c.value().lost - _lost_at_start : 0;
}

const char* capture_reader::verdict_label(unsigned verdict)
{
    switch (verdict) {
    case XDP_ABORTED: return "aborted";
    case XDP_DROP: return "drop";
    case XDP_PASS: return "pass";
    case XDP_TX: return "tx";
    case XDP_REDIRECT: return "redirect";
    default: return "unknown";
    }
}

std::string capture_reader::describe(const babe_capture_hdr& h)
{
    std::string s = h.hook == BABE_CAPTURE_ENGINE_TX   ? "egress (engine AF_XDP TX)"
                    : h.dir == BABE_CAPTURE_DIR_EGRESS ? "egress (redirect decision)"
                                                       : "ingress";
    s += h.hook == BABE_CAPTURE_LOCAL_EGRESS ? " local " : " ";
    s += fmt::format("verdict={} ", verdict_label(h.verdict));
    s += h.stat_id < BABE_STAT_MAX ? stat_label(h.stat_id) : "unknown";
    if (h.engine_reason < BABE_STAT_MAX)
        s += fmt::format(" {}", stat_label(h.engine_reason));
    return s;
}

} // namespace babe::dataplane
