// SPDX-License-Identifier: Apache-2.0
// /proc/self figures for /metrics (see process.hh).
#include "metrics/process.hh"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace babe::metrics {

namespace {

std::vector<std::string_view> split_ws(std::string_view s)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t'))
            ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\n' && s[j] != '\t')
            ++j;
        if (j > i)
            out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<double> number(std::string_view s)
{
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        return std::nullopt;
    return static_cast<double>(v);
}

std::string slurp(const char* path)
{
    std::ifstream in(path);
    if (!in)
        return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

std::optional<process_stats> parse_process_stat(std::string_view stat, std::string_view statm,
                                                long ticks_per_second, long page_size,
                                                double boot_time_seconds)
{
    if (ticks_per_second <= 0 || page_size <= 0)
        return std::nullopt;
    // The command name is in parentheses and may hold spaces or ')'.
    auto close = stat.rfind(')');
    if (close == std::string_view::npos)
        return std::nullopt;
    auto f = split_ws(stat.substr(close + 1));
    // f[0] is field 3 (state): field N is f[N - 3].
    if (f.size() < 22)
        return std::nullopt;
    auto utime = number(f[11]), stime = number(f[12]), threads = number(f[17]), start = number(f[19]),
         vsize = number(f[20]);
    auto m = split_ws(statm);
    if (!utime || !stime || !threads || !start || !vsize || m.size() < 2)
        return std::nullopt;
    auto resident = number(m[1]);
    if (!resident)
        return std::nullopt;
    process_stats p;
    auto tps = static_cast<double>(ticks_per_second);
    p.cpu_seconds = (*utime + *stime) / tps;
    p.threads = *threads;
    p.start_time_seconds = boot_time_seconds + *start / tps;
    p.virtual_bytes = *vsize;
    p.resident_bytes = *resident * static_cast<double>(page_size);
    return p;
}

std::optional<double> parse_boot_time(std::string_view proc_stat)
{
    auto pos = proc_stat.find("\nbtime ");
    if (pos == std::string_view::npos)
        return std::nullopt;
    auto rest = proc_stat.substr(pos + 7);
    return number(rest.substr(0, rest.find('\n')));
}

std::optional<process_stats> read_process_stats()
{
    auto boot = parse_boot_time(slurp("/proc/stat"));
    auto p = parse_process_stat(slurp("/proc/self/stat"), slurp("/proc/self/statm"), ::sysconf(_SC_CLK_TCK),
                                ::sysconf(_SC_PAGESIZE), boot.value_or(0));
    if (!p)
        return std::nullopt;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        double n = 0;
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.')
                n += 1;
        ::closedir(d);
        p->open_fds = n - 1; // the directory stream's own descriptor
    }
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0)
        p->max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(rl.rlim_cur);
    return p;
}

} // namespace babe::metrics
