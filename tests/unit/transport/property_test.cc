// SPDX-License-Identifier: Apache-2.0
// Property test (rapidcheck) of the transport core over random link
// parameters (loss, duplication, reordering, corruption, delay, rate),
// transfer sizes, chunking and initial sequence numbers: the delivered bytes
// are exactly the sent bytes in order, or the sender saw a reset/timeout;
// every handle comes back exactly once; with moderate loss it always completes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "harness.hh"

namespace babe::transport::testing {
namespace {

RC_GTEST_PROP(TransportProperty, DeliveredEqualsSentOrError, ())
{
    harness_options o;
    o.seed = *rc::gen::arbitrary<std::uint32_t>();
    o.cfg.idle_timeout = 30s;
    o.cfg.time_wait = 1s;
    o.cfg.max_rto = 4s;
    if (*rc::gen::arbitrary<bool>())
        o.cfg.fixed_isn = *rc::gen::arbitrary<std::uint32_t>();
    o.cfg.loss_differentiation = *rc::gen::arbitrary<bool>();
    o.cfg.recv_window = *rc::gen::element(8000u, 64000u, 1u << 20);
    o.message_mode = *rc::gen::arbitrary<bool>();
    o.total_bytes = *rc::gen::inRange<std::uint64_t>(1, 150000);
    o.max_chunk = *rc::gen::inRange<std::uint32_t>(1, 6000);
    const int loss_pct = *rc::gen::inRange(0, 20);
    auto link = [&] {
        link_params p;
        p.delay = std::chrono::milliseconds(*rc::gen::inRange(1, 60));
        p.loss = loss_pct / 100.0;
        p.dup = *rc::gen::inRange(0, 10) / 100.0;
        p.reorder = *rc::gen::inRange(0, 30) / 100.0;
        p.corrupt = *rc::gen::inRange(0, 3) / 100.0;
        if (*rc::gen::arbitrary<bool>()) {
            p.rate = 2000000;
            p.queue_bytes = 50000;
        }
        return p;
    };
    o.ab = link();
    o.ba = link();
    harness h(o);
    h.run(300s);
    h.check_outcome();
    for (const auto& v : h.violations())
        RC_FAIL(v);
    RC_ASSERT(h.outstanding(0) == 0u);
    RC_ASSERT(h.outstanding(1) == 0u);
    if (loss_pct <= 10)
        RC_ASSERT(h.sender_closed());
}

} // namespace
} // namespace babe::transport::testing
