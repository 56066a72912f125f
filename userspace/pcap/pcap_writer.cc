// SPDX-License-Identifier: Apache-2.0
// pcap_writer on top of libpcap's dump API (see pcap_writer.hh). The only
// file of the project that includes <pcap.h>.
#include "pcap/pcap_writer.hh"

#include <pcap/pcap.h>

#include <utility>

namespace babe::pcap {

pcap_writer::~pcap_writer() { close(); }

pcap_writer::pcap_writer(pcap_writer&& o) noexcept
    : _pcap(std::exchange(o._pcap, nullptr)), _dumper(std::exchange(o._dumper, nullptr)),
      _snaplen(o._snaplen), _frames(o._frames), _error(std::move(o._error))
{
}

pcap_writer& pcap_writer::operator=(pcap_writer&& o) noexcept
{
    if (this != &o) {
        close();
        _pcap = std::exchange(o._pcap, nullptr);
        _dumper = std::exchange(o._dumper, nullptr);
        _snaplen = o._snaplen;
        _frames = o._frames;
        _error = std::move(o._error);
    }
    return *this;
}

bool pcap_writer::open(const std::string& path, linktype type, std::uint32_t snaplen)
{
    close();
    _error.clear();
    _frames = 0;
    _snaplen = snaplen;
    const int dlt = type == linktype::ethernet ? DLT_EN10MB : DLT_RAW;
    _pcap = pcap_open_dead_with_tstamp_precision(dlt, static_cast<int>(snaplen),
                                                 PCAP_TSTAMP_PRECISION_NANO);
    if (!_pcap) {
        _error = "pcap_open_dead failed";
        return false;
    }
    _dumper = pcap_dump_open(_pcap, path.c_str());
    if (!_dumper) {
        _error = std::string("cannot open ") + path + ": " + pcap_geterr(_pcap);
        pcap_close(_pcap);
        _pcap = nullptr;
        return false;
    }
    return true;
}

bool pcap_writer::write(std::int64_t time_ns, std::span<const std::byte> frame)
{
    if (!_dumper) {
        _error = "pcap_writer: not open";
        return false;
    }
    if (time_ns < 0) {
        _error = "pcap_writer: negative timestamp";
        return false;
    }
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(time_ns / 1000000000);
    // With nanosecond precision, libpcap stores tv_usec as nanoseconds.
    h.ts.tv_usec = static_cast<suseconds_t>(time_ns % 1000000000);
    h.len = static_cast<bpf_u_int32>(frame.size());
    h.caplen = static_cast<bpf_u_int32>(frame.size() < _snaplen ? frame.size() : _snaplen);
    pcap_dump(reinterpret_cast<u_char*>(_dumper), &h,
              reinterpret_cast<const u_char*>(frame.data()));
    ++_frames;
    return true;
}

bool pcap_writer::flush()
{
    if (!_dumper)
        return false;
    if (pcap_dump_flush(_dumper) != 0) {
        _error = "pcap_writer: flush failed";
        return false;
    }
    return true;
}

void pcap_writer::close()
{
    if (_dumper) {
        pcap_dump_close(_dumper);
        _dumper = nullptr;
    }
    if (_pcap) {
        pcap_close(_pcap);
        _pcap = nullptr;
    }
}

} // namespace babe::pcap
