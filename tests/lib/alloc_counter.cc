// SPDX-License-Identifier: Apache-2.0
// Counting replacements of the global allocation functions (see
// alloc_counter.hh). A static library member: linked into a test binary only
// through the symbol `allocations()`, so the replacements come with it.
#include "lib/alloc_counter.hh"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}

namespace babe::testing {
std::uint64_t allocations() { return g_allocs.load(std::memory_order_relaxed); }
} // namespace babe::testing

void* operator new(std::size_t n)
{
    g_allocs.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
