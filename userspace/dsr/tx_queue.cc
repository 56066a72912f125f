// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The transmit queue's FIFO and fixed min-heap: see tx_queue.hh.
#include "dsr/tx_queue.hh"

#include <utility>

namespace babe::dsr {

tx_queue::tx_queue(std::size_t capacity)
    : _items(capacity), _heap(capacity), _fifo(capacity), _free(capacity)
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
        if (l < _heap_size && less(_heap[l], _heap[m]))
            m = l;
        if (r < _heap_size && less(_heap[r], _heap[m]))
            m = r;
        if (m == i)
            return;
        std::swap(_heap[i], _heap[m]);
        i = m;
    }
}

tx_item* tx_queue::push(time_point due)
{
    const std::size_t n = size();
    if (n == _items.size())
        return nullptr;
    // _free[0, capacity - size) is a stack of the free item indices.
    const std::uint32_t idx = _free[_items.size() - n - 1];
    tx_item& it = _items[idx];
    static_cast<tx_item_fields&>(it) = tx_item_fields{};
    it.due = due;
    it.seq = _seq++;
    // Later seq than everything queued: the FIFO stays sorted as long as
    // due does not go back.
    if (_fifo.empty() || _items[_fifo.back()].due <= due) {
        _fifo.push_back(idx);
    } else {
        _heap[_heap_size] = idx;
        ++_heap_size;
        sift_up(_heap_size - 1);
    }
    return &it;
}

std::uint32_t tx_queue::front_index(bool& in_fifo) const
{
    if (_heap_size == 0) {
        in_fifo = true;
        return _fifo.front();
    }
    if (_fifo.empty()) {
        in_fifo = false;
        return _heap[0];
    }
    in_fifo = less(_fifo.front(), _heap[0]);
    return in_fifo ? _fifo.front() : _heap[0];
}

tx_item* tx_queue::front_due(time_point now)
{
    if (size() == 0)
        return nullptr;
    bool in_fifo = false;
    tx_item& it = _items[front_index(in_fifo)];
    return it.due > now ? nullptr : &it;
}

void tx_queue::pop_front()
{
    bool in_fifo = false;
    const std::uint32_t idx = front_index(in_fifo);
    if (in_fifo) {
        _fifo.pop_front();
    } else {
        --_heap_size;
        _heap[0] = _heap[_heap_size];
        if (_heap_size > 0)
            sift_down(0);
    }
    _free[_items.size() - size() - 1] = idx;
}

std::optional<time_point> tx_queue::next_due() const
{
    if (size() == 0)
        return std::nullopt;
    bool in_fifo = false;
    return _items[front_index(in_fifo)].due;
}

} // namespace babe::dsr
