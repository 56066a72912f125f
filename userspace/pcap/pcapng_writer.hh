// SPDX-License-Identifier: Apache-2.0
// A pcapng writer of the project's own (libpcap writes only pcap): one
// Section Header Block, one Interface Description Block per interface
// (name, link type Ethernet, nanosecond timestamps), then Enhanced Packet
// Blocks, each with an optional comment (opt_comment) — `babectl capture`
// and babe-dpctl capture put the XDP verdict and drop reason there, where
// Wireshark shows it as the packet comment. Writes to a file or to stdout
// ("-", for `wireshark -k -i -`). Errors are false plus error(), never
// thrown; write() reuses one buffer.
//
//     babe::pcap::pcapng_writer w;
//     if (!w.open("out.pcapng")) fmt::print("{}\n", w.error());
//     auto m1 = w.add_interface("m1", 2048);
//     w.write(m1, realtime_ns, frame, frame.size(), "verdict=redirect transit");
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace babe::pcap {

class pcapng_writer {
public:
    pcapng_writer() = default;
    ~pcapng_writer();
    pcapng_writer(const pcapng_writer&) = delete;
    pcapng_writer& operator=(const pcapng_writer&) = delete;

    // Create (truncate) `path`, or write to stdout for "-"; writes the
    // Section Header Block.
    bool open(const std::string& path);
    // An Interface Description Block; returns the interface id packets name
    // (0, 1, ... in call order).
    std::uint32_t add_interface(std::string_view name, std::uint32_t snaplen);
    // One Enhanced Packet Block: `data` (the captured bytes) of a frame of
    // orig_len bytes at time_ns (ns since the Unix epoch), with `comment`
    // unless empty.
    bool write(std::uint32_t interface_id, std::int64_t time_ns, std::span<const std::byte> data,
               std::uint32_t orig_len, std::string_view comment = {});
    bool flush();
    // Flush and close; safe to call twice. The destructor calls it.
    void close();

    bool is_open() const { return _file != nullptr; }
    std::uint32_t interfaces() const { return _interfaces; }
    std::uint64_t packets_written() const { return _packets; }
    const std::string& error() const { return _error; }

private:
    bool emit(std::uint32_t type);
    void option(std::uint16_t code, std::string_view value);
    void put32(std::uint32_t v);

    std::FILE* _file = nullptr;
    bool _owned = false;
    std::uint32_t _interfaces = 0;
    std::uint64_t _packets = 0;
    std::vector<std::byte> _body; // the block being built, without type and lengths
    std::string _error;
};

} // namespace babe::pcap
