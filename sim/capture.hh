// SPDX-License-Identifier: Apache-2.0
// `--pcap FILE`: every frame put on the medium, as Ethernet + IPv4 + DSR, so
// Wireshark and tshark dissect the protocol. Node i has the stable MAC
// 02:00:00:xx:xx:xx (xx = i + 1) and the IPv4 address 10.0.0.0 + i + 1;
// a broadcast goes to ff:ff:ff:ff:ff:ff. Timestamps are virtual time.
// Files are written by babe_pcap (userspace/pcap, nanosecond timestamps)
// when the build has it, else by a minimal built-in classic pcap writer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#ifdef BABE_SIM_HAVE_PCAP
#include "pcap/pcap_writer.hh"
#endif

namespace babe::sim {

constexpr std::uint32_t node_addr_base = 0x0a000001; // 10.0.0.1 is node 0
inline std::uint32_t node_addr(std::uint32_t i) { return node_addr_base + i; }

class capture {
public:
    capture() = default;
    ~capture();
    capture(const capture&) = delete;
    capture& operator=(const capture&) = delete;

    // Throws std::runtime_error when the file cannot be written.
    void open(const std::string& path);
    bool is_open() const
    {
#ifdef BABE_SIM_HAVE_PCAP
        return _w.is_open();
#else
        return _f != nullptr;
#endif
    }
    // One frame from node `src` to node `dst` (0xffffffff: broadcast).
    void write(std::int64_t t_ns, std::uint32_t src, std::uint32_t dst, std::span<const std::byte> ip);
    void close();

private:
#ifdef BABE_SIM_HAVE_PCAP
    babe::pcap::pcap_writer _w;
#endif
    std::FILE* _f = nullptr;
    std::vector<std::byte> _buf;
};

} // namespace babe::sim
