// SPDX-License-Identifier: Apache-2.0
// Test-only crash points. With BABE_TEST_KILL_AT=<name> in its environment,
// the process raises SIGKILL when it reaches the point <name> (or a point
// whose name starts with it): the start-up phases of babed, the loader's
// steps ("bpf-loaded", "migrate-staged", "migrate-committed",
// "attach:<ifname>", "link-created:<ifname>") and "reload" (SIGHUP). The
// namespace tests use it to check that a babed killed anywhere in its
// start-up or a reload leaves nothing half-attached. Compiled in always; an
// unset variable costs one getenv at the first point. Never set it in
// production: the process dies on purpose.
#pragma once

#include <string_view>

namespace babe::dataplane {

// SIGKILL now when BABE_TEST_KILL_AT names this point (a prefix of `point`).
void test_kill_point(std::string_view point);

} // namespace babe::dataplane
