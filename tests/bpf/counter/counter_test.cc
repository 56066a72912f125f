// SPDX-License-Identifier: Apache-2.0
// The first XDP program loads into the kernel and counts what it is given
// through BPF_PROG_RUN: proves clang -> object -> skeleton -> load -> run.
#include "babe_counter.skel.h"

#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

struct skel_deleter {
    void operator()(babe_counter* s) const { babe_counter::destroy(s); }
};

std::uint64_t sum_percpu(int map_fd, std::uint32_t key)
{
    int ncpu = libbpf_num_possible_cpus();
    std::vector<std::uint64_t> values(static_cast<std::size_t>(ncpu));
    if (bpf_map_lookup_elem(map_fd, &key, values.data()) != 0)
        return ~0ULL;
    std::uint64_t sum = 0;
    for (auto v : values)
        sum += v;
    return sum;
}

TEST(BpfCounter, CountsPacketsAndBytesAndPasses)
{
    std::unique_ptr<babe_counter, skel_deleter> skel{babe_counter::open_and_load()};
    ASSERT_TRUE(skel) << "open_and_load failed";

    std::array<unsigned char, 60> pkt{};
    pkt[12] = 0x08; // EtherType IPv4
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data(), .data_size_in = pkt.size(),
                .repeat = 1);
    int prog_fd = bpf_program__fd(skel->progs.babe_count_xdp);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(bpf_prog_test_run_opts(prog_fd, &opts), 0);
        EXPECT_EQ(opts.retval, static_cast<unsigned>(XDP_PASS));
    }
    int map_fd = bpf_map__fd(skel->maps.babe_counter);
    EXPECT_EQ(sum_percpu(map_fd, 0), 3U);
    EXPECT_EQ(sum_percpu(map_fd, 1), 3U * pkt.size());
}

} // namespace
