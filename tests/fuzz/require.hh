// SPDX-License-Identifier: Apache-2.0
// The fuzz targets' invariant check: a broken invariant prints what broke
// and aborts, which libFuzzer reports as a crash with the input kept.
#pragma once

#include <cstdio>
#include <cstdlib>

#define BABE_FUZZ_REQUIRE(cond)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);     \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
