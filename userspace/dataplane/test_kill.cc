// SPDX-License-Identifier: Apache-2.0
// Test-only crash points (see test_kill.hh).
#include "dataplane/test_kill.hh"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace babe::dataplane {

void test_kill_point(std::string_view point)
{
    static const std::string wanted = [] {
        const char* v = std::getenv("BABE_TEST_KILL_AT");
        return std::string{v ? v : ""};
    }();
    if (wanted.empty() || point.substr(0, wanted.size()) != wanted)
        return;
    std::fprintf(stderr, "BABE_TEST_KILL_AT=%s: SIGKILL at %.*s\n", wanted.c_str(),
                 static_cast<int>(point.size()), point.data());
    std::fflush(stderr);
    std::raise(SIGKILL);
}

} // namespace babe::dataplane
