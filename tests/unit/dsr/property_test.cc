// SPDX-License-Identifier: Apache-2.0
// Property tests (rapidcheck) of the DSR core over random connected graphs
// with random loss and traffic: no routing loop in any source route (§8.1),
// every Route Reply lists a real path when formed (§8.2.4), and every data
// packet is delivered or dropped with a reason, each handle returned once.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "harness.hh"

namespace babe::dsr::testing {
namespace {

RC_GTEST_PROP(DsrProperty, NoLoopsRealRepliesConservation, ())
{
    const auto n = *rc::gen::inRange<std::size_t>(3, 12);
    const auto seed = *rc::gen::arbitrary<std::uint32_t>();
    const auto density = *rc::gen::inRange(10, 70);
    const auto loss_pct = *rc::gen::inRange(0, 15);
    harness_options o;
    o.nodes = n;
    o.seed = seed;
    o.cfg.cache = *rc::gen::element(cache_kind::link, cache_kind::path);
    harness h(o);
    // A random spanning tree keeps the graph connected; extra edges at `density`.
    std::uint64_t x = seed | 1;
    auto next = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    const double loss = loss_pct / 100.0;
    for (std::size_t i = 1; i < n; ++i)
        h.set_bidi(i, next() % i, true, loss);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
            if (int(next() % 100) < density)
                h.set_bidi(i, j, true, loss);
    const auto packets = *rc::gen::inRange(1, 25);
    for (int k = 0; k < packets; ++k) {
        const std::size_t a = next() % n;
        std::size_t b = next() % n;
        if (b == a)
            b = (a + 1) % n;
        h.send(a, b);
        h.run_for(std::chrono::milliseconds(next() % 300));
    }
    // Long enough for every send buffer, discovery and maintenance timer.
    h.run_for(120s);
    for (const auto& v : h.violations())
        RC_FAIL(v);
    RC_ASSERT(h.outstanding_handles() == 0u);
    std::uint64_t overflow = 0;
    for (std::size_t i = 0; i < n; ++i)
        overflow += h.at(i).stats().maint_buffer_overflows;
    for (auto id : h.sent_ids()) {
        // Delivered, dropped with a reason, or released after a frame lost
        // in the air that no maintenance entry watched (sent past a full
        // maintenance buffer).
        const bool accounted = h.delivered(id) ||
                               (h.dropped(id) && h.drop_reason_of(id) != drop_reason::none) ||
                               h.lost_unmaintained(id);
        RC_ASSERT(accounted);
    }
    // Only a full maintenance buffer sends a data packet unwatched (link
    // feedback on, no hop-by-hop recovery): each such loss had its overflow.
    RC_ASSERT(h.lost_unmaintained_count() <= overflow);
}

} // namespace
} // namespace babe::dsr::testing
