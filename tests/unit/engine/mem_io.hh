// SPDX-License-Identifier: Apache-2.0
// An in-memory packet_io for engine tests: frames in a plain area with the
// real frame pool, received frames injected by the test, transmitted frames
// kept in a bounded queue for the test to inspect or carry to another
// shard's mem_io (a "wire"). No kernel, no root.
#pragma once

#include "engine/packet_io.hh"

#include <cstring>
#include <array>
#include <memory>
#include <vector>

namespace babe::engine::testing {

struct sent_frame {
    port_id port = 0;
    std::uint32_t len = 0;
    std::array<std::byte, 2048> data{};
    std::span<const std::byte> bytes() const { return {data.data(), len}; }
};

// A bounded FIFO of transmitted frames, allocated once (so that a steady-state
// test can count the engine's allocations alone).
class sent_queue {
public:
    explicit sent_queue(std::size_t capacity) : _slots(capacity) {}
    bool empty() const { return _head == _tail; }
    std::size_t size() const { return _tail - _head; }
    sent_frame& front() { return _slots[_head % _slots.size()]; }
    void pop_front() { ++_head; }
    // nullptr when full.
    sent_frame* push()
    {
        if (size() == _slots.size())
            return nullptr;
        return &_slots[_tail++ % _slots.size()];
    }

private:
    std::vector<sent_frame> _slots;
    std::size_t _head = 0, _tail = 0;
};

class mem_io final : public packet_io {
public:
    mem_io(std::size_t ports, std::uint32_t frames = 256, std::uint32_t frame_size = 2048,
           std::uint32_t headroom = 256)
        : _pool(frames, frame_size), _area(std::make_unique<std::byte[]>(std::size_t{frames} * frame_size)),
          _headroom(headroom), _ports(ports), _stats(ports), _sent(1024)
    {
        bind_memory(_pool, _area.get());
        _rx.reserve(1024);
        _tx.reserve(1024);
    }

    // A frame arriving on `port`; false when no frame is free.
    bool inject(port_id port, std::span<const std::byte> bytes)
    {
        frame_addr a = 0;
        if (!_pool.alloc(a))
            return false;
        a += _headroom;
        std::memcpy(data(a), bytes.data(), bytes.size());
        _rx.push_back(rx_frame{a, static_cast<std::uint32_t>(bytes.size()), port});
        return true;
    }

    std::size_t receive(std::span<rx_frame> out) override
    {
        std::size_t n = std::min(out.size(), _rx.size() - _rx_head);
        for (std::size_t i = 0; i < n; ++i)
            out[i] = _rx[_rx_head++];
        if (_rx_head == _rx.size()) {
            _rx.clear();
            _rx_head = 0;
        }
        _stats[0].rx_packets += n;
        return n;
    }

    bool transmit(port_id port, frame_addr addr, std::uint32_t len) override
    {
        if (_tx.size() == _tx.capacity()) {
            ++_stats[port].tx_ring_full;
            return false;
        }
        _tx.push_back(tx{port, addr, len});
        ++_stats[port].tx_packets;
        return true;
    }

    // The kernel's part: frames leave (are copied out) and their references drop.
    // While paused (a stalled TX ring) frames stay queued and referenced.
    void flush() override
    {
        if (_tx_paused)
            return;
        for (const auto& t : _tx) {
            if (sent_frame* f = _sent.push()) {
                f->port = t.port;
                f->len = t.len;
                std::memcpy(f->data.data(), data(t.addr), t.len);
            } else {
                ++_sent_overflow;
            }
            _pool.release(t.addr);
        }
        _tx.clear();
    }

    std::span<const int> wait_fds() const override { return {}; }
    io_stats stats(port_id port) const override { return _stats[port]; }
    std::size_t port_count() const override { return _ports; }

    sent_queue& sent() { return _sent; }
    void pause_tx(bool paused) { _tx_paused = paused; }
    std::uint64_t sent_overflow() const { return _sent_overflow; }

private:
    struct tx {
        port_id port;
        frame_addr addr;
        std::uint32_t len;
    };
    frame_pool _pool;
    std::unique_ptr<std::byte[]> _area;
    std::uint32_t _headroom;
    std::size_t _ports;
    std::vector<io_stats> _stats;
    std::vector<rx_frame> _rx;
    std::size_t _rx_head = 0;
    std::vector<tx> _tx;
    sent_queue _sent;
    std::uint64_t _sent_overflow = 0;
    bool _tx_paused = false;
};

} // namespace babe::engine::testing
