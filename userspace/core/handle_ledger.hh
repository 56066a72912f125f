// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// The checker of the handle contract the sans-IO cores share (dsr::node,
// transport::endpoint): every caller buffer handed to a core by handle comes
// back exactly once (delivered, released or dropped), and a core names (in a
// transmit) or returns only handles it holds. The callers that check it —
// the simulator, the DSR and transport test harnesses — record here who holds
// each handle and report what the ledger refuses; one definition, so the
// three agree on what a violation is and how it reads.
//
// Handles are dense small integers (pool slots, counters): the ledger is a
// vector indexed by handle id, grown on demand. Owners are the caller's
// numbers for its cores (a node index). Not for hot paths of the daemon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace babe {

class handle_ledger {
public:
    using owner_id = std::uint32_t;
    static constexpr owner_id nobody = 0xffffffffu;

    // `owner` hands handle `id` to its core. False (nothing recorded) when
    // the id is held already: the caller reused a buffer still in a core.
    bool give(owner_id owner, std::uint32_t id)
    {
        if (id >= _holder.size())
            _holder.resize(std::size_t(id) + 1, nobody);
        if (_holder[id] != nobody)
            return false;
        _holder[id] = owner;
        ++_outstanding;
        return true;
    }

    // Does `owner`'s core hold `id` (may it name it in a transmit)?
    bool holds(owner_id owner, std::uint32_t id) const
    {
        return owner != nobody && holder(id) == owner;
    }

    // `owner`'s core returns `id`. False (nothing changed) when it does not
    // hold it: a second return, a handle never given, or another core's.
    bool give_back(owner_id owner, std::uint32_t id)
    {
        if (!holds(owner, id))
            return false;
        _holder[id] = nobody;
        --_outstanding;
        return true;
    }

    // `owner`'s core is gone (a crashed node): every handle it held is taken
    // back without an event; `each(id)` sees them in id order.
    template <class F> void drop_owner(owner_id owner, F&& each)
    {
        for (std::uint32_t id = 0; id < _holder.size(); ++id)
            if (_holder[id] == owner && owner != nobody) {
                _holder[id] = nobody;
                --_outstanding;
                each(id);
            }
    }

    owner_id holder(std::uint32_t id) const { return id < _holder.size() ? _holder[id] : nobody; }
    std::size_t outstanding() const { return _outstanding; }
    std::size_t outstanding(owner_id owner) const
    {
        std::size_t n = 0;
        for (owner_id h : _holder)
            n += h == owner && owner != nobody ? 1 : 0;
        return n;
    }

    // `each(id, owner)` for every handle held, in id order.
    template <class F> void for_each_held(F&& each) const
    {
        for (std::uint32_t id = 0; id < _holder.size(); ++id)
            if (_holder[id] != nobody)
                each(id, _holder[id]);
    }

    // Ids the ledger has room for without growing (memory accounting).
    std::size_t capacity() const { return _holder.capacity(); }
    // Room for ids below `n` now (keeps growth out of a measured loop).
    void reserve_ids(std::size_t n)
    {
        if (n > _holder.size())
            _holder.resize(n, nobody);
    }

    // The one wording of a refused give_back or transmit, e.g. "node 3
    // reports handle 17 released but does not hold it (a second return, or
    // never given)"; `what` is the event or "transmits".
    std::string refusal(const std::string& who, std::uint32_t id, const std::string& what) const
    {
        std::string s =
            who + (what == "transmits" ? " transmits handle " + std::to_string(id)
                                       : " reports handle " + std::to_string(id) + " " + what);
        const owner_id h = holder(id);
        if (h == nobody)
            return s + " but does not hold it (a second return, or never given)";
        return s + " but does not hold it (held by owner " + std::to_string(h) + ")";
    }

private:
    std::vector<owner_id> _holder; // by handle id: the owner whose core holds it
    std::size_t _outstanding = 0;
};

} // namespace babe
