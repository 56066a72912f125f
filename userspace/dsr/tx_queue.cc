// SPDX-License-Identifier: Apache-2.0
// The transmit queue's fixed min-heap: see tx_queue.hh.
#include "dsr/tx_queue.hh"

#include <utility>

namespace babe::dsr {

tx_queue::tx_queue(std::size_t capacity) : _items(capacity), _heap(capacity), _free(capacity)
{
    for (std::size_t i = 0; i < capacity; ++i)
        _free[i] = static_cast<std::uint32_t>(capacity - 1 - i);
}

bool tx_queue::less(std::uint32_t a, std::uint32_t b) const
{
    const tx_item& x = _items[a];
    const tx_item& y = _items[b];
    return x.due != y.due ? x.due < y.due : x.seq < y.seq;
}

void tx_queue::sift_up(std::size_t i)
{
    while (i > 0) {
        const std::size_t p = (i - 1) / 2;
        if (!less(_heap[i], _heap[p]))
            break;
        std::swap(_heap[i], _heap[p]);
        i = p;
    }
}

void tx_queue::sift_down(std::size_t i)
{
    for (;;) {
        const std::size_t l = 2 * i + 1, r = l + 1;
        std::size_t m = i;
        if (l < _size && less(_heap[l], _heap[m]))
            m = l;
        if (r < _size && less(_heap[r], _heap[m]))
            m = r;
        if (m == i)
            return;
        std::swap(_heap[i], _heap[m]);
        i = m;
    }
}

tx_item* tx_queue::push(time_point due)
{
    if (_size == _items.size())
        return nullptr;
    // _free[0, capacity - size) is a stack of the free item indices.
    const std::uint32_t idx = _free[_items.size() - _size - 1];
    tx_item& it = _items[idx];
    it = tx_item{};
    it.due = due;
    it.seq = _seq++;
    _heap[_size] = idx;
    ++_size;
    sift_up(_size - 1);
    return &it;
}

tx_item* tx_queue::front_due(time_point now)
{
    if (_size == 0 || _items[_heap[0]].due > now)
        return nullptr;
    return &_items[_heap[0]];
}

void tx_queue::pop_front()
{
    const std::uint32_t idx = _heap[0];
    --_size;
    _heap[0] = _heap[_size];
    if (_size > 0)
        sift_down(0);
    _free[_items.size() - _size - 1] = idx;
}

std::optional<time_point> tx_queue::next_due() const
{
    if (_size == 0)
        return std::nullopt;
    return _items[_heap[0]].due;
}

} // namespace babe::dsr
