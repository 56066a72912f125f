// SPDX-License-Identifier: Apache-2.0
// Every control answer of the engine: the control_service (status, routes,
// neighbours, stats, histograms, discover, flush, streams) answered on
// shard 0's thread, where the calls arrive through a mailbox (front() is the
// thread-safe face the control server and the metrics scrape hold), and the
// core events turned into monitor events and discover answers. Control path:
// allocation is fine here, except in on_event when nobody listens.
#pragma once

#include "engine/bootstrap.hh"
#include "engine/event_hub.hh"
#include "engine/mailbox.hh"
#include "engine/shard_thread.hh"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace babe::engine {

class control_adapter final : public control_service, public shard_event_listener, public control_duties {
public:
    control_adapter(const settings& cfg, const engine_context& ctx, data_path& dp,
                    const std::vector<std::unique_ptr<shard_thread>>& shards);

    // Thread-safe: every call runs on shard 0's thread.
    control_service& front() { return _front; }
    void started() { _started = std::chrono::steady_clock::now(); }
    // The engine stops: calls still queued time out.
    void close() { _box.close(); }

    // control_service (shard 0's thread)
    status_info status() override;
    std::vector<route_info> routes() override;
    std::vector<neighbour_info> neighbours() override;
    std::vector<counter> stats() override;
    std::vector<histogram_info> histograms() override;
    void discover(ipv4 target, std::function<void(discover_result)> done) override;
    std::uint64_t flush() override;
    void open_stream(const stream_request& r, int fd) override;
    event_hub& events() override { return _hub; }

    // shard_event_listener (any shard's thread)
    void on_event(std::size_t shard_index, shard& sh, const dsr::event& e) override;

    // control_duties (shard 0's thread)
    void housekeeping(time_point now) override
    {
        _dp.check_carriers(now, first());
        _dp.recheck_redirect_targets();
    }
    std::size_t run_requests() override { return _box.run_pending(16); }
    int requests_fd() const override { return _box.wake_fd(); }

private:
    shard& first() { return _shards[0]->core_shard(); }
    dataplane::map_access& maps() { return _dp.maps(); }
    // Every shard's snapshot, shard 0's taken now (the others are at most
    // 100 ms old), and their sum.
    std::vector<shard_snapshot> snapshots(shard_snapshot& total);
    template <typename F>
    void publish(event_kind kind, F&& fill);

    const settings& _cfg;
    const engine_context& _ctx;
    data_path& _dp;
    const std::vector<std::unique_ptr<shard_thread>>& _shards;
    mailbox _box{256};
    mailbox_service _front{_box, *this};
    event_hub _hub;
    std::multimap<ipv4, std::function<void(discover_result)>> _waiting;
    std::chrono::steady_clock::time_point _started{};
};

} // namespace babe::engine
