// SPDX-License-Identifier: Apache-2.0
// pcap writing for --pcap (see capture.hh): the classic libpcap file format
// (magic a1b2c3d4, microsecond timestamps, link type 1 = Ethernet), written
// with stdio in host byte order as the format allows.
#include "sim/capture.hh"

#include <cstring>
#include <stdexcept>

namespace babe::sim {

namespace {

void put_mac(std::byte* p, std::uint32_t node)
{
    if (node == 0xffffffffu) {
        std::memset(p, 0xff, 6);
        return;
    }
    std::uint32_t v = node + 1;
    p[0] = std::byte{0x02};
    p[1] = std::byte{0};
    p[2] = std::byte{0};
    p[3] = std::byte(v >> 16);
    p[4] = std::byte(v >> 8);
    p[5] = std::byte(v);
}

struct file_header {
    std::uint32_t magic = 0xa1b2c3d4;
    std::uint16_t major = 2, minor = 4;
    std::int32_t thiszone = 0;
    std::uint32_t sigfigs = 0;
    std::uint32_t snaplen = 65535;
    std::uint32_t linktype = 1;
};
struct record_header {
    std::uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

} // namespace

capture::~capture() { close(); }

void capture::open(const std::string& path)
{
    close();
#ifdef BABE_SIM_HAVE_PCAP
    if (!_w.open(path, babe::pcap::linktype::ethernet))
        throw std::runtime_error(path + ": " + _w.error());
    return;
#endif
    _f = std::fopen(path.c_str(), "wb");
    if (!_f)
        throw std::runtime_error(path + ": cannot open for writing");
    file_header h;
    std::fwrite(&h, sizeof h, 1, _f);
}

void capture::write(std::int64_t t_ns, std::uint32_t src, std::uint32_t dst,
                    std::span<const std::byte> ip)
{
    if (!is_open())
        return;
    _buf.resize(14 + ip.size());
    put_mac(_buf.data(), dst);
    put_mac(_buf.data() + 6, src);
    _buf[12] = std::byte{0x08};
    _buf[13] = std::byte{0x00};
    std::memcpy(_buf.data() + 14, ip.data(), ip.size());
#ifdef BABE_SIM_HAVE_PCAP
    _w.write(t_ns, _buf);
    return;
#endif
    record_header r{static_cast<std::uint32_t>(t_ns / 1'000'000'000),
                    static_cast<std::uint32_t>((t_ns % 1'000'000'000) / 1000),
                    static_cast<std::uint32_t>(_buf.size()), static_cast<std::uint32_t>(_buf.size())};
    std::fwrite(&r, sizeof r, 1, _f);
    std::fwrite(_buf.data(), 1, _buf.size(), _f);
}

void capture::close()
{
#ifdef BABE_SIM_HAVE_PCAP
    _w.close();
#endif
    if (_f)
        std::fclose(_f);
    _f = nullptr;
}

} // namespace babe::sim
