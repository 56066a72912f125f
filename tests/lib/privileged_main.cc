// SPDX-License-Identifier: Apache-2.0
// main() for tests that load BPF programs: runs GoogleTest when this process
// may load XDP programs, otherwise prints SKIP with the reason and exits 77 so
// ctest reports the test as skipped, never as passed.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (geteuid() != 0) {
        std::printf("SKIP: needs root to load BPF programs (euid %u)\n", geteuid());
        return 77;
    }
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &unlimited);
    int probe = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr);
    if (probe != 1) {
        std::printf("SKIP: this kernel does not load XDP programs (probe %d)\n", probe);
        return 77;
    }
    return RUN_ALL_TESTS();
}
