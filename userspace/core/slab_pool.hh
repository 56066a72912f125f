// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Fixed-size slab classes (256/512/1024/4096 bytes) for small messages
// between modules, per core (ARCHITECTURE.md §4). One arena allocated at
// construction; alloc/free are O(1) pops/pushes on per-class index stacks,
// owned by one thread (a buffer freed on another core travels back through
// a shared ring, core/ring.hh). Exhaustion is a counted refusal, never a heap fallback.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace babe {

struct slab_handle {
    std::uint8_t cls = 0;    // index into slab_pool::class_sizes
    std::uint32_t index = 0; // slot within the class
    friend bool operator==(slab_handle, slab_handle) = default;
};

class slab_pool {
public:
    static constexpr std::array<std::size_t, 4> class_sizes{256, 512, 1024, 4096};

    // slots_per_class[i] buffers of class_sizes[i] bytes.
    explicit slab_pool(std::array<std::uint32_t, 4> slots_per_class);

    // The smallest class that fits `size` and has a free buffer; nullopt
    // when every such class is exhausted or size > 4096 (both counted).
    std::optional<slab_handle> alloc(std::size_t size);
    void free(slab_handle h);
    std::span<std::byte> data(slab_handle h);

    std::uint32_t in_use(std::size_t cls) const { return _classes[cls].capacity - _classes[cls].free_top; }
    std::uint32_t capacity(std::size_t cls) const { return _classes[cls].capacity; }
    std::uint64_t exhausted_count() const { return _exhausted; }
    std::uint64_t too_large_count() const { return _too_large; }

private:
    struct klass {
        std::byte* base = nullptr;
        std::uint32_t capacity = 0;
        std::uint32_t free_top = 0;          // number of free indices on the stack
        std::unique_ptr<std::uint32_t[]> free_stack;
    };
    std::unique_ptr<std::byte[]> _arena;
    std::array<klass, 4> _classes;
    std::uint64_t _exhausted = 0;
    std::uint64_t _too_large = 0;
};

inline slab_pool::slab_pool(std::array<std::uint32_t, 4> slots_per_class)
{
    std::size_t total = 0;
    for (std::size_t i = 0; i < 4; ++i)
        total += class_sizes[i] * slots_per_class[i];
    _arena = std::make_unique<std::byte[]>(total);
    std::byte* p = _arena.get();
    for (std::size_t i = 0; i < 4; ++i) {
        auto& k = _classes[i];
        k.base = p;
        k.capacity = slots_per_class[i];
        k.free_top = k.capacity;
        k.free_stack = std::make_unique<std::uint32_t[]>(k.capacity);
        for (std::uint32_t j = 0; j < k.capacity; ++j)
            k.free_stack[j] = k.capacity - 1 - j; // pop yields 0, 1, 2, ...
        p += class_sizes[i] * k.capacity;
    }
}

inline std::optional<slab_handle> slab_pool::alloc(std::size_t size)
{
    if (size > class_sizes.back()) {
        ++_too_large;
        return std::nullopt;
    }
    for (std::size_t i = 0; i < 4; ++i) {
        if (size > class_sizes[i] || _classes[i].free_top == 0)
            continue; // too small, or exhausted: a larger class will do
        auto& k = _classes[i];
        return slab_handle{static_cast<std::uint8_t>(i), k.free_stack[--k.free_top]};
    }
    ++_exhausted;
    return std::nullopt;
}

inline void slab_pool::free(slab_handle h)
{
    auto& k = _classes[h.cls];
    k.free_stack[k.free_top++] = h.index;
}

inline std::span<std::byte> slab_pool::data(slab_handle h)
{
    return {_classes[h.cls].base + class_sizes[h.cls] * h.index, class_sizes[h.cls]};
}

} // namespace babe
