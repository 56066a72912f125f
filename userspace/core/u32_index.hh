// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// A fixed-capacity hash index from a 32-bit key (an IPv4 address) to a
// 32-bit slot number: open addressing with linear probing and backward-shift
// deletion (no tombstones), sized at construction to a power of two at least
// twice the capacity. Lookups, inserts and erases never allocate. The tables
// of the protocol cores keep their records in fixed arrays and use this to
// find a record by address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace babe {

class u32_index {
public:
    explicit u32_index(std::size_t capacity) : _capacity(capacity)
    {
        std::size_t n = 8;
        while (n < 2 * capacity)
            n <<= 1;
        _slots.assign(n, slot{});
        _mask = n - 1;
    }

    std::optional<std::uint32_t> find(std::uint32_t key) const
    {
        for (std::size_t i = hash(key);; i = (i + 1) & _mask) {
            const slot& s = _slots[i];
            if (!s.used)
                return std::nullopt;
            if (s.key == key)
                return s.value;
        }
    }

    // False when the index already holds `capacity` keys. Replaces an existing value.
    bool insert(std::uint32_t key, std::uint32_t value)
    {
        std::size_t i = hash(key);
        for (;; i = (i + 1) & _mask) {
            slot& s = _slots[i];
            if (!s.used)
                break;
            if (s.key == key) {
                s.value = value;
                return true;
            }
        }
        if (_size >= _capacity)
            return false;
        _slots[i] = slot{key, value, true};
        ++_size;
        return true;
    }

    bool erase(std::uint32_t key)
    {
        std::size_t i = hash(key);
        for (;; i = (i + 1) & _mask) {
            if (!_slots[i].used)
                return false;
            if (_slots[i].key == key)
                break;
        }
        // Backward-shift: pull later members of the cluster into the hole.
        std::size_t hole = i;
        for (std::size_t j = (i + 1) & _mask; _slots[j].used; j = (j + 1) & _mask) {
            const std::size_t home = hash(_slots[j].key);
            // Move j into hole if its home is not cyclically within (hole, j].
            const bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                _slots[hole] = _slots[j];
                hole = j;
            }
        }
        _slots[hole] = slot{};
        --_size;
        return true;
    }

    void clear()
    {
        for (auto& s : _slots)
            s = slot{};
        _size = 0;
    }
    std::size_t size() const { return _size; }
    std::size_t capacity() const { return _capacity; }

private:
    struct slot {
        std::uint32_t key = 0;
        std::uint32_t value = 0;
        bool used = false;
    };

    std::size_t hash(std::uint32_t key) const
    {
        std::uint64_t h = key * 0x9e3779b97f4a7c15ull;
        return static_cast<std::size_t>(h >> 32) & _mask;
    }

    std::vector<slot> _slots;
    std::size_t _mask = 0;
    std::size_t _capacity = 0;
    std::size_t _size = 0;
};

} // namespace babe
