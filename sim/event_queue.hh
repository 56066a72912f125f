// SPDX-License-Identifier: Apache-2.0
// The discrete-event engine's agenda: a binary min-heap of small fixed-size
// events ordered by (time, sequence). The sequence number is the insertion
// order, so two events at the same virtual time always run in the order they
// were scheduled: runs are reproducible bit for bit. The heap's vector keeps
// its capacity, so scheduling allocates nothing in steady state.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace babe::sim {

enum class ev : std::uint8_t {
    mac_backoff,  // a: node, b: backoff generation
    tx_end,       // a: transmission record
    ack_end,      // a: node (link-layer ack received, sender free again)
    node_timer,   // a: node (the core's poll_timeout)
    traffic,      // a: flow
    fault_start,  // a: fault index
    fault_end,    // a: fault index
    rebin,        // spatial grid refresh
    transfer,     // a: transfer index (its connection opens)
    stop,         // end of the run
};

struct event {
    std::int64_t t_ns;
    std::uint64_t seq;
    ev kind;
    std::uint32_t a;
    std::uint32_t b;
};

class event_queue {
public:
    void reserve(std::size_t n) { _heap.reserve(n); }

    void push(std::int64_t t_ns, ev kind, std::uint32_t a = 0, std::uint32_t b = 0)
    {
        _heap.push_back(event{t_ns, _next_seq++, kind, a, b});
        std::push_heap(_heap.begin(), _heap.end(), later);
    }

    bool empty() const { return _heap.empty(); }
    std::size_t size() const { return _heap.size(); }
    const event& top() const { return _heap.front(); }

    event pop()
    {
        std::pop_heap(_heap.begin(), _heap.end(), later);
        event e = _heap.back();
        _heap.pop_back();
        return e;
    }

private:
    // std::*_heap build a max-heap: "later" first means the earliest on top.
    static bool later(const event& x, const event& y)
    {
        if (x.t_ns != y.t_ns)
            return x.t_ns > y.t_ns;
        return x.seq > y.seq;
    }

    std::vector<event> _heap;
    std::uint64_t _next_seq = 0;
};

} // namespace babe::sim
