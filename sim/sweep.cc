// SPDX-License-Identifier: Apache-2.0
// The sweep driver (see sweep.hh): runs, CSVs, the gnuplot script and PNG,
// and a progress line on a terminal.
#include "sim/sweep.hh"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "config/yaml_reader.hh"
#include "sim/scenario.hh"
#include "sim/world.hh"

namespace babe::sim {

std::uint64_t peak_rss_bytes()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stoull(line.substr(6)) * 1024;
    return 0;
}

namespace {

struct job_result {
    std::string value;
    std::uint64_t seed = 0;
    run_result r;
    std::string error;
};

struct stat3 {
    double mean = 0, lo = 0, hi = 0;
};

stat3 summarize(const std::vector<double>& v)
{
    stat3 s;
    if (v.empty())
        return s;
    s.lo = *std::min_element(v.begin(), v.end());
    s.hi = *std::max_element(v.begin(), v.end());
    for (double x : v)
        s.mean += x;
    s.mean /= double(v.size());
    return s;
}

} // namespace

int run_sweep(const sweep_options& opt)
{
    namespace fs = std::filesystem;
    fs::create_directories(opt.out_dir);
    std::vector<job_result> jobs;
    for (const auto& v : opt.values)
        for (std::uint32_t k = 0; k < opt.seeds; ++k)
            jobs.push_back(job_result{v, opt.first_seed + k, {}, {}});

    const bool tty = isatty(STDERR_FILENO);
    std::mutex mu;
    std::atomic<std::size_t> next{0};
    std::size_t done = 0;
    auto t0 = std::chrono::steady_clock::now();
    auto worker = [&] {
        for (;;) {
            std::size_t i = next.fetch_add(1);
            if (i >= jobs.size())
                return;
            auto& j = jobs[i];
            try {
                auto ov = opt.overrides;
                ov.push_back(opt.param + "=" + j.value);
                scenario sc = load_scenario(opt.scenario_path, ov);
                world w(sc, j.seed);
                j.r = w.run();
                if (j.r.failure)
                    j.error = *j.r.failure;
            } catch (const config::config_exception& e) {
                j.error = e.err.what();
            } catch (const std::exception& e) {
                j.error = e.what();
            }
            std::lock_guard lock(mu);
            ++done;
            double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            double eta = el / double(done) * double(jobs.size() - done);
            auto line = fmt::format("[{}/{}] {}={} seed={} pdr={:.3f} overhead={:.2f} ({:.0f}s elapsed, ~{:.0f}s left)",
                                    done, jobs.size(), opt.param, j.value, j.seed, j.r.pdr,
                                    j.r.normalized_overhead, el, eta);
            if (tty)
                fmt::print(stderr, "\r\033[K{}", line);
            else
                fmt::print(stderr, "{}\n", line);
            if (!j.error.empty())
                fmt::print(stderr, "{}FAILED {}={} seed {}: {}\n", tty ? "\n" : "", opt.param,
                           j.value, j.seed, j.error);
        }
    };
    std::vector<std::thread> threads;
    unsigned n = std::max(1u, std::min<unsigned>(opt.jobs, static_cast<unsigned>(jobs.size())));
    for (unsigned i = 1; i < n; ++i)
        threads.emplace_back(worker);
    worker();
    for (auto& t : threads)
        t.join();
    if (tty)
        fmt::print(stderr, "\n");

    int rc = 0;
    // Scenarios with transfers get their columns too (others print what they did).
    const bool transfers =
        std::any_of(jobs.begin(), jobs.end(), [](const auto& j) { return j.r.transfers.has_value(); });
    {
        std::ofstream csv(opt.out_dir + "/runs.csv");
        csv << "param,value,seed,pdr,normalized_overhead,mean_delay_s,p99_delay_s,mean_extra_hops,"
               "data_sent,data_delivered,control_packets,control_bytes,events,wall_s,checkers"
            << (transfers ? ",transfers_completed,transfers_failed,mean_goodput_bps,"
                            "segments_retransmitted,hop_retransmissions\n"
                          : "\n");
        for (const auto& j : jobs) {
            const auto& r = j.r;
            csv << fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{},{},{},{},{:.3f},{}",
                               opt.param, j.value, j.seed, r.pdr, r.normalized_overhead,
                               r.mean_delay_s, r.p99_delay_s, r.mean_extra_hops, r.data_sent,
                               r.data_delivered, r.control_packets, r.control_bytes, r.events,
                               r.wall_s, j.error.empty() ? "ok" : "failed");
            if (transfers) {
                const transfers_result t = r.transfers.value_or(transfers_result{});
                csv << fmt::format(",{},{},{:.1f},{},{}", t.completed, t.failed, t.mean_goodput_bps,
                                   t.segments_retransmitted, t.hop_retransmissions);
            }
            csv << "\n";
            if (!j.error.empty())
                rc = 3;
        }
    }
    {
        std::ofstream sum(opt.out_dir + "/summary.csv");
        std::ofstream dat(opt.out_dir + "/summary.dat");
        sum << "value,runs,pdr_mean,pdr_min,pdr_max,overhead_mean,overhead_min,overhead_max,"
               "delay_mean_s,delay_min_s,delay_max_s,extra_hops_mean\n";
        dat << "# value pdr(mean min max) overhead(mean min max) delay_s(mean min max)\n";
        for (const auto& v : opt.values) {
            std::vector<double> pdr, ovh, dly, ext;
            for (const auto& j : jobs)
                if (j.value == v && j.error.empty()) {
                    pdr.push_back(j.r.pdr);
                    ovh.push_back(j.r.normalized_overhead);
                    dly.push_back(j.r.mean_delay_s);
                    ext.push_back(j.r.mean_extra_hops);
                }
            auto a = summarize(pdr), b = summarize(ovh), c = summarize(dly), e = summarize(ext);
            sum << fmt::format("{},{},{:.4f},{:.4f},{:.4f},{:.3f},{:.3f},{:.3f},{:.4f},{:.4f},{:.4f},{:.3f}\n",
                               v, pdr.size(), a.mean, a.lo, a.hi, b.mean, b.lo, b.hi, c.mean, c.lo,
                               c.hi, e.mean);
            dat << fmt::format("{} {} {} {} {} {} {} {} {} {}\n", v, a.mean, a.lo, a.hi, b.mean,
                               b.lo, b.hi, c.mean, c.lo, c.hi);
        }
    }
    if (opt.plot) {
        auto scen = fs::path(opt.scenario_path).filename().string();
        std::ofstream gp(opt.out_dir + "/plot.gp");
        gp << "set terminal pngcairo size 800,900 font ',10'\n"
           << "set output '" << opt.out_dir << "/plot.png'\n"
           << "set multiplot layout 3,1 title '" << scen << ": mean and min-max over "
           << opt.seeds << " seed(s)'\n"
           << "set termoption noenhanced\nset grid\nset key off\nset xlabel '" << opt.param << "'\n"
           << "set ylabel 'packet delivery ratio'\nset yrange [0:1.05]\n"
           << "plot '" << opt.out_dir << "/summary.dat' using 1:2:3:4 with yerrorlines lw 2 pt 7\n"
           << "set ylabel 'control packets per delivered packet'\nset yrange [0:*]\n"
           << "plot '" << opt.out_dir << "/summary.dat' using 1:5:6:7 with yerrorlines lw 2 pt 7\n"
           << "set ylabel 'mean delay (s)'\nset yrange [0:*]\n"
           << "plot '" << opt.out_dir << "/summary.dat' using 1:8:9:10 with yerrorlines lw 2 pt 7\n"
           << "unset multiplot\n";
        gp.close();
        int g = std::system(fmt::format("gnuplot '{}/plot.gp'", opt.out_dir).c_str());
        if (g != 0) {
            fmt::print(stderr, "sweep: gnuplot failed (exit {}); CSVs are in {}\n", g, opt.out_dir);
            if (rc == 0)
                rc = 4;
        }
    }
    fmt::print(stderr, "sweep: {} runs; {}/runs.csv, {}/summary.csv{}\n", jobs.size(), opt.out_dir,
               opt.out_dir, opt.plot ? fmt::format(", {}/plot.png", opt.out_dir) : "");
    return rc;
}

} // namespace babe::sim
