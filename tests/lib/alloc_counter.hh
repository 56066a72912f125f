// SPDX-License-Identifier: Apache-2.0
// Heap allocations counted, for the zero-allocation tests of the packet
// paths: a test binary that links babe_test_alloc_counter gets global
// operator new/delete replaced by counting versions (alloc_counter.cc).
#pragma once

#include <cstdint>

namespace babe::testing {

// Every operator new (any form) since the program started.
std::uint64_t allocations();

} // namespace babe::testing
