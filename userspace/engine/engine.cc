// SPDX-License-Identifier: Apache-2.0
// make_engine(): the engine behind babed (engine/api.hh). It loads or
// reuses the pinned XDP programs and maps, attaches them to the mesh
// interfaces and the babe0 peer, opens the packet I/O (AF_XDP, or AF_PACKET
// as fallback) and runs each shard on its own pinned thread, from its parts:
// the data path (bootstrap.hh), the shard bus (bus.hh), one shard thread per
// queue (shard_thread.hh) and the control answers (control_adapter.hh).
#include "engine/api.hh"

#include "engine/bootstrap.hh"
#include "engine/bus.hh"
#include "engine/clock.hh"
#include "engine/control_adapter.hh"
#include "engine/shard_thread.hh"
#include "engine/transport_service.hh"

#include <sched.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <thread>

namespace babe::engine {

namespace {

class engine_impl final : public engine_handle {
public:
    engine_impl(const settings& cfg, const engine_context& ctx)
        : _cfg(cfg), _ctx(ctx), _dp(_cfg, _ctx), _control(_cfg, _ctx, _dp, _shards)
    {
    }

    ~engine_impl() override { stop(); }

    void start() override
    {
        const auto cpus = checked_cpus();
        auto ios = _dp.open();
        const std::size_t n = ios.size();
        _bus = std::make_unique<bus>(n);
        const auto seed_base = static_cast<std::uint64_t>(monotonic_now().time_since_epoch().count());
        for (std::size_t q = 0; q < n; ++q) {
            auto rt = std::make_unique<shard_thread>(q, *_bus, std::move(ios[q]), &_control);
            shard_config sc;
            sc.dsr = _cfg.dsr;
            sc.self = _cfg.node_address;
            sc.seed = seed_base ^ (_cfg.node_address * 0x9e3779b97f4a7c15ULL) ^ q;
            sc.ports = _dp.ports();
            sc.host_mac = _ctx.local_mac;
            // XDP's "used" marks: shard 0 scans them for every core (only
            // the kernel's fast path bypasses the cores).
            if (q == 0 && _dp.xdp())
                sc.route_scan_interval = 1s;
            rt->attach(std::make_unique<shard>(sc, rt->io(), _dp.maps(), rt.get(), n > 1 ? rt.get() : nullptr));
            phase(fmt::format("shard {}: DSR core and tables", q));
            if (q == 0) {
                rt->attach_transport(std::make_unique<transport_service>(
                    node_transport_config(sc.dsr.hop_reliable_next_header == BABE_NEXT_HEADER_TRANSPORT),
                    _cfg.node_address, sc.seed * 31 + 7, rt->core_shard()));
                phase("transport endpoint (shard 0)");
            } else {
                rt->core_shard().set_transport(rt.get());
            }
            _shards.push_back(std::move(rt));
        }
        phase("shard buses");
        spdlog::info("engine: {} shard(s), packet I/O {}", n, _dp.backend());
        _control.started();
        _stop.store(false);
        shard_thread_options o;
        o.cpus = cpus;
        o.sched_slice_us = _cfg.sched_slice_us;
        o.self = _cfg.node_address;
        for (auto& rt : _shards)
            rt->start(o, _stop, rt->index() == 0 ? &_control : nullptr);
        phase("shard threads started");
    }

    void stop() override
    {
        _dp.release_xsk_slots(_shards.size());
        _stop.store(true);
        if (_bus)
            for (std::size_t k = 0; k < _bus->shards(); ++k)
                _bus->wake(k); // a sleeping shard sees _stop now, not after its 100 ms
        for (auto& rt : _shards)
            rt->join();
        _control.close();
        _shards.clear();
        _bus.reset();
        _dp.close_xdp(); // pinned maps and links stay: transit keeps flowing
    }

    void reload(const settings& cfg) override
    {
        // The DSR constants go to every running core on its own thread; caches
        // and buffers stay (node::reconfigure keeps table bounds).
        if (_shards.empty())
            throw engine_error("the engine is not running");
        std::vector<std::future<bool>> results;
        for (auto& rt : _shards) {
            auto done = std::make_shared<std::promise<bool>>();
            results.push_back(done->get_future());
            rt->reload(cfg.dsr, done);
        }
        for (auto& r : results) {
            if (r.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
                throw engine_error("the engine did not take the new configuration in time");
            if (!r.get())
                throw engine_error("the new DSR configuration does not validate");
        }
        _cfg = cfg;
    }

    control_service& control() override { return _control.front(); }

    bool healthy(std::chrono::milliseconds within) override
    {
        if (_shards.empty())
            return false;
        auto now = monotonic_now().time_since_epoch();
        for (const auto& rt : _shards)
            if (now - std::chrono::nanoseconds(rt->last_turn_ns()) > within)
                return false;
        return true;
    }

private:
    // engine.cpus: every CPU listed must be one babed may run on (checked
    // before anything of the data plane is touched).
    std::vector<unsigned> checked_cpus() const
    {
        const auto& cpus = _cfg.cpus;
        if (cpus.empty())
            return cpus;
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
            for (unsigned c : cpus)
                if (!CPU_ISSET(c, &allowed))
                    throw engine_error(fmt::format("engine.cpus: CPU {} is not one babed may run on ({} online)", c,
                                                   std::thread::hardware_concurrency()));
        }
        return cpus;
    }

    // The end of a start-up phase, for the daemon's start-up log.
    void phase(std::string_view name) const
    {
        if (_ctx.phase)
            _ctx.phase(name);
    }

    settings _cfg;
    engine_context _ctx;
    data_path _dp;
    std::vector<std::unique_ptr<shard_thread>> _shards;
    std::unique_ptr<bus> _bus;
    control_adapter _control;
    std::atomic<bool> _stop{false};
};

} // namespace

std::unique_ptr<engine_handle> make_engine(const settings& cfg, const engine_context& ctx)
{
    return std::make_unique<engine_impl>(cfg, ctx);
}

} // namespace babe::engine
