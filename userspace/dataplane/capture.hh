// SPDX-License-Identifier: Apache-2.0
// The reading end of the XDP programs' packet capture (bpf/lib/capture.h):
// open the pinned capture_ctl and capture_ring of a pin path, switch the
// capture on with a snaplen, hand each record to a callback, switch it off
// and report the records the ring had no room for. One reader at a time:
// a BPF ring buffer has one consumer.
#pragma once

#include "core/unique_fd.hh"
#include "dataplane/error.hh"

#include <babe/capture.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

struct ring_buffer;

namespace babe::dataplane {

// One record: its header and the captured bytes of the frame.
using capture_sink = std::function<void(const babe_capture_hdr&, std::span<const std::byte>)>;

class capture_reader {
public:
    // Opens the pins under pin_path and switches the capture on. Refused
    // when another reader has it on, unless `take_over` (a reader that was
    // killed leaves it on).
    static dp_result<std::unique_ptr<capture_reader>> start(const std::string& pin_path,
                                                            std::uint32_t snaplen, capture_sink sink,
                                                            bool take_over = false);
    ~capture_reader();
    capture_reader(const capture_reader&) = delete;
    capture_reader& operator=(const capture_reader&) = delete;

    // Waits up to timeout_ms for records and delivers them; the number
    // delivered, or an error.
    dp_result<int> poll(int timeout_ms);
    // Switches the capture off, delivers what is left; records lost while on.
    std::uint64_t stop();

    // The label of an XDP verdict ("redirect", "drop"...).
    static const char* verdict_label(unsigned verdict);
    // "ingress|egress (redirect decision) VERDICT ACTION-OR-DROP [engine: REASON]".
    static std::string describe(const babe_capture_hdr& h);

private:
    capture_reader() = default;
    static int on_record(void* self, void* data, std::size_t size);

    unique_fd _ctl;
    unique_fd _ring;
    ::ring_buffer* _rb = nullptr;
    capture_sink _sink;
    std::uint64_t _lost_at_start = 0;
    bool _on = false;
};

} // namespace babe::dataplane
