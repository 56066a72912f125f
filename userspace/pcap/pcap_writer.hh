// SPDX-License-Identifier: Apache-2.0
// A small pcap file writer (libpcap underneath) so that tests, tools and the
// simulator (babe-sim --pcap) can dump the frames they make: open a file
// with a link type, write frames with a nanosecond timestamp, close. The
// header does not include <pcap.h> (it clashes with <linux/bpf.h>); errors
// are returned as false plus a message from error(), never thrown, and
// write() does not allocate.
//
//     babe::pcap::pcap_writer w;
//     if (!w.open("out.pcap")) fmt::print("{}\n", w.error());
//     w.write(now_ns, frame_bytes);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

struct pcap;
struct pcap_dumper;

namespace babe::pcap {

// Link-layer header types (the file holds LINKTYPE_ETHERNET / LINKTYPE_RAW).
enum class linktype {
    ethernet, // frames start with a 14-byte Ethernet header
    raw,      // frames start with the IPv4 (or IPv6) header
};

class pcap_writer {
public:
    pcap_writer() = default;
    ~pcap_writer();
    pcap_writer(const pcap_writer&) = delete;
    pcap_writer& operator=(const pcap_writer&) = delete;
    pcap_writer(pcap_writer&& o) noexcept;
    pcap_writer& operator=(pcap_writer&& o) noexcept;

    // Create (truncate) `path`; timestamps are stored with nanosecond
    // precision. Frames longer than snaplen are cut to it in the file.
    bool open(const std::string& path, linktype type = linktype::ethernet,
              std::uint32_t snaplen = 65535);
    // One frame at `time_ns` (any epoch: CLOCK_MONOTONIC or virtual time).
    bool write(std::int64_t time_ns, std::span<const std::byte> frame);
    // Push buffered frames to the file.
    bool flush();
    // Flush and close; safe to call twice. The destructor calls it.
    void close();

    bool is_open() const { return _dumper != nullptr; }
    std::uint64_t frames_written() const { return _frames; }
    // The last error, empty when none.
    const std::string& error() const { return _error; }

private:
    ::pcap* _pcap = nullptr;
    ::pcap_dumper* _dumper = nullptr;
    std::uint32_t _snaplen = 0;
    std::uint64_t _frames = 0;
    std::string _error;
};

} // namespace babe::pcap
