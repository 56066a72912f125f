// SPDX-License-Identifier: Apache-2.0
// babe-sim: the command line of the deterministic DSR network simulator.
//   babe-sim run SCENARIO.yaml [--seed N] [--set key=value ...] [--json] [--pcap FILE]
//   babe-sim sweep SCENARIO.yaml --param KEY --values a,b,c [--seeds K] --out DIR
// Every run prints its seed on stderr; `--seed N` replays it exactly. Exit
// codes: 0 ok, 1 bad scenario or arguments, 3 a checker failed (the message
// names the seed and the command that replays it).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

#include <random>

#include "config/yaml_reader.hh"
#include "sim/results.hh"
#include "sim/scenario.hh"
#include "sim/sweep.hh"
#include "sim/world.hh"

namespace {

std::string quote_args(const std::vector<std::string>& sets)
{
    std::string s;
    for (const auto& x : sets)
        s += fmt::format(" --set '{}'", x);
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    using namespace babe::sim;
    CLI::App app{"babe-sim: deterministic network simulator running the Babe DSR core"};
    app.require_subcommand(1);

    std::string path;
    std::optional<std::uint64_t> seed;
    std::vector<std::string> sets;
    bool json = false;
    bool report_rss = false;
    std::string pcap;
    auto* run = app.add_subcommand("run", "run one scenario");
    run->add_option("scenario", path, "scenario YAML file")->required();
    run->add_option("--seed", seed, "run seed (default: the scenario's seed, else random)");
    run->add_option("--set", sets, "override a scenario key: a.b=value (repeatable)");
    run->add_flag("--json", json, "print one JSON object with the results");
    run->add_option("--pcap", pcap, "write every frame put on the medium to this pcap file");
    run->add_flag("--report-rss", report_rss,
                  "add peak_rss_bytes and cpu_s (machine-dependent, so off by default) to the JSON");

    sweep_options sw;
    std::string values;
    auto* sweep = app.add_subcommand("sweep", "run a scenario over values of one parameter and seeds");
    sweep->add_option("scenario", sw.scenario_path, "scenario YAML file")->required();
    sweep->add_option("--param", sw.param, "scenario key to vary")->required();
    sweep->add_option("--values", values, "comma-separated values")->required();
    sweep->add_option("--seeds", sw.seeds, "seeds per value (1..K, or from --seed)")->capture_default_str();
    sweep->add_option("--seed", sw.first_seed, "first seed")->capture_default_str();
    sweep->add_option("--set", sw.overrides, "override a scenario key: a.b=value (repeatable)");
    sweep->add_option("--out", sw.out_dir, "output folder (CSV, plot)")->required();
    sweep->add_option("--jobs,-j", sw.jobs, "runs in parallel")->capture_default_str();
    sweep->add_flag("!--no-plot", sw.plot, "skip the gnuplot PNG");

    CLI11_PARSE(app, argc, argv);

    if (*sweep) {
        std::size_t start = 0;
        while (start <= values.size()) {
            auto comma = values.find(',', start);
            auto v = values.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (!v.empty())
                sw.values.push_back(v);
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        if (sw.values.empty() || sw.seeds == 0) {
            fmt::print(stderr, "babe-sim sweep: need at least one value and one seed\n");
            return 1;
        }
        try {
            (void)load_scenario(sw.scenario_path, [&] {
                auto ov = sw.overrides;
                ov.push_back(sw.param + "=" + sw.values.front());
                return ov;
            }());
        } catch (const babe::config::config_exception& e) {
            fmt::print(stderr, "babe-sim: {}\n", e.err.what());
            return 1;
        }
        return run_sweep(sw);
    }

    scenario sc;
    try {
        sc = load_scenario(path, sets);
    } catch (const babe::config::config_exception& e) {
        fmt::print(stderr, "babe-sim: {}\n", e.err.what());
        return 1;
    }
    std::uint64_t s = seed ? *seed : sc.seed ? *sc.seed : std::random_device{}() & 0xffffffffu;
    fmt::print(stderr, "babe-sim: {} seed {}\n", path, s);
    run_result r;
    try {
        run_options ro;
        ro.pcap_path = pcap;
        world w(sc, s, ro);
        r = w.run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "babe-sim: {}\n", e.what());
        return 1;
    }
    if (json) {
        auto j = to_json(r);
        if (report_rss) { // machine-dependent figures
            j["peak_rss_bytes"] = peak_rss_bytes();
            rusage ru{};
            getrusage(RUSAGE_SELF, &ru);
            j["cpu_s"] = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        }
        fmt::print("{}\n", j.dump());
    } else {
        fmt::print("seed {}  nodes {}  {} s simulated in {:.2f} s ({} events)\n", r.seed, r.nodes,
                   r.duration_s, r.wall_s, r.events);
        fmt::print("data: sent {} delivered {} (pdr {:.3f}) dropped {} in flight {}\n", r.data_sent,
                   r.data_delivered, r.pdr, r.data_dropped, r.data_in_flight);
        fmt::print("control: {} packets {} bytes, {:.3f} per delivered packet\n", r.control_packets,
                   r.control_bytes, r.normalized_overhead);
        fmt::print("delay: mean {:.4f} s p99 {:.4f} s; hops mean {:.2f}, extra {:.3f}\n",
                   r.mean_delay_s, r.p99_delay_s, r.mean_hops, r.mean_extra_hops);
        for (const auto& [k, v] : r.drop_reasons)
            fmt::print("  dropped {}: {}\n", k, v);
    }
    if (r.failure) {
        fmt::print(stderr, "babe-sim: CHECKER FAILED (seed {}): {}\n", s, *r.failure);
        fmt::print(stderr, "babe-sim: replay with: babe-sim run {} --seed {}{}\n", path, s,
                   quote_args(sets));
        return 3;
    }
    return 0;
}
