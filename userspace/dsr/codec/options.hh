// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-or-later
// Zero-copy decoding of the DSR Options header and its options (RFC 4728 §6)
// and of the DSR Flow State header and its options (§7). parse_dsr() checks
// the whole header once (every length, every option's Opt Data Len against
// its type, Segments Left against the route, duplicates of options that may
// appear only once); after it succeeds, iterating the options cannot fail and
// yields a std::variant of typed views. Views borrow the caller's bytes: they
// stay valid as long as the buffer does. Nothing here allocates.
//
//     auto dsr = parse_dsr(ip.payload());
//     if (!dsr) return count_drop(dsr.error());
//     for (const option& o : dsr->options())
//         std::visit(overloaded{[&](const rreq_view& r) { ... r.target() ... },
//                               [&](const auto&) {}}, o);
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <variant>

#include "babe/wire.h"
#include "dsr/codec/bytes.hh"
#include "dsr/codec/codec_error.hh"

namespace babe::dsr::codec {

using bytes_view = std::span<const std::byte>;
using bytes_mut = std::span<std::byte>;

// Size of the fixed part of the DSR Options header and of the Flow State header.
inline constexpr std::size_t dsr_header_len = sizeof(babe_dsr_hdr);
inline constexpr std::size_t flow_state_header_len = sizeof(babe_dsr_flow_hdr);
// Most addresses an option can list: Opt Data Len is one byte.
inline constexpr std::size_t max_rreq_addresses = (255 - BABE_DSR_RREQ_FIXED_DATA) / 4;   // 62
inline constexpr std::size_t max_rrep_addresses = (255 - BABE_DSR_RREP_FIXED_DATA) / 4;   // 63
inline constexpr std::size_t max_srcrt_addresses = (255 - BABE_DSR_SRCRT_FIXED_DATA) / 4; // 63

// A range over n consecutive big-endian IPv4 addresses at any alignment.
class address_range {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = ipv4_addr;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = ipv4_addr;

        iterator() = default;
        explicit iterator(const std::byte* p) : _p(p) {}
        ipv4_addr operator*() const { return load_addr(_p); }
        iterator& operator++()
        {
            _p += 4;
            return *this;
        }
        iterator operator++(int)
        {
            iterator old = *this;
            _p += 4;
            return old;
        }
        bool operator==(const iterator&) const = default;

    private:
        const std::byte* _p = nullptr;
    };

    address_range() = default;
    // `b.size()` must be a multiple of 4 (the decoders guarantee it).
    explicit address_range(bytes_view b) : _b(b) {}

    std::size_t size() const { return _b.size() / 4; }
    bool empty() const { return _b.empty(); }
    // 0-based; i < size().
    ipv4_addr operator[](std::size_t i) const { return load_addr(_b.data() + 4 * i); }
    ipv4_addr front() const { return (*this)[0]; }
    ipv4_addr back() const { return (*this)[size() - 1]; }
    iterator begin() const { return iterator(_b.data()); }
    iterator end() const { return iterator(_b.data() + _b.size()); }
    bytes_view bytes() const { return _b; }

private:
    bytes_view _b;
};

// What every option view knows: its bytes (type through the end of its data)
// and where it starts, counted from the first byte of the DSR Options header
// (for in-place edits through the set_* functions below).
class option_base {
public:
    option_base() = default;
    option_base(bytes_view bytes, std::size_t offset) : _bytes(bytes), _offset(offset) {}

    std::uint8_t type() const { return load_u8(_bytes.data()); }
    // Opt Data Len; 0 for Pad1, which has none.
    std::uint8_t data_len() const { return _bytes.size() > 1 ? load_u8(_bytes.data() + 1) : 0; }
    bytes_view data() const { return _bytes.size() > 1 ? _bytes.subspan(2) : bytes_view{}; }
    bytes_view bytes() const { return _bytes; }
    std::size_t offset() const { return _offset; }

protected:
    const std::byte* at(std::size_t i) const { return _bytes.data() + i; }

    bytes_view _bytes;
    std::size_t _offset = 0;
};

// Pad1 (224): a single zero-length byte.
class pad1_view : public option_base {
public:
    using option_base::option_base;
};

// PadN (0): Opt Data Len bytes of padding.
class padn_view : public option_base {
public:
    using option_base::option_base;
};

// Route Request (1), §6.2: Identification, Target Address, Address[1..n].
class rreq_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t id() const { return load_be16(at(2)); }
    ipv4_addr target() const { return load_addr(at(4)); }
    address_range addresses() const { return address_range(_bytes.subspan(8)); }
};

// Route Reply (2), §6.3: Last Hop External, Address[1..n] from offset 3.
class rrep_view : public option_base {
public:
    using option_base::option_base;
    bool last_hop_external() const { return (load_u8(at(2)) & BABE_DSR_RREP_L) != 0; }
    address_range addresses() const { return address_range(_bytes.subspan(3)); }
};

// Route Error (3), §6.4 and §7.3: Error Type, Salvage, Error Source and
// Destination, Type-Specific Information (checked against the error type).
class rerr_view : public option_base {
public:
    using option_base::option_base;
    std::uint8_t error_type() const { return load_u8(at(2)); }
    std::uint8_t salvage() const { return load_u8(at(3)) & BABE_DSR_RERR_SALVAGE_MASK; }
    ipv4_addr source() const { return load_addr(at(4)); }
    ipv4_addr destination() const { return load_addr(at(8)); }
    // Everything after Error Destination Address (type-specific info and any extension).
    bytes_view type_specific() const { return _bytes.subspan(12); }
    // NODE_UNREACHABLE: the next hop that could not be reached.
    std::optional<ipv4_addr> unreachable_node() const;
    // OPTION_NOT_SUPPORTED: the option type that triggered the error.
    std::optional<std::uint8_t> unsupported_option() const;
    // UNKNOWN_FLOW (129) and DEFAULT_FLOW_UNKNOWN (130): Original IP Destination.
    std::optional<ipv4_addr> original_destination() const;
    // UNKNOWN_FLOW (129): the Flow ID.
    std::optional<std::uint16_t> flow_id() const;
};

// Acknowledgement Request (160), §6.5, with the §7.4.1 Previous Hop Address
// extension when Opt Data Len >= 6.
class ack_req_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t id() const { return load_be16(at(2)); }
    std::optional<ipv4_addr> previous_hop() const;
};

// Acknowledgement (32), §6.6.
class ack_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t id() const { return load_be16(at(2)); }
    ipv4_addr source() const { return load_addr(at(4)); }
    ipv4_addr destination() const { return load_addr(at(8)); }
};

// DSR Source Route (96), §6.7: F, L, Salvage, Segments Left, Address[1..n]
// (the intermediate nodes only; the IP destination is the final one).
class srcrt_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t flags_segs() const { return load_be16(at(2)); }
    bool first_hop_external() const { return (flags_segs() & BABE_DSR_SRCRT_F) != 0; }
    bool last_hop_external() const { return (flags_segs() & BABE_DSR_SRCRT_L) != 0; }
    std::uint8_t salvage() const
    {
        return (flags_segs() & BABE_DSR_SRCRT_SALVAGE_MASK) >> BABE_DSR_SRCRT_SALVAGE_SHIFT;
    }
    std::uint8_t segments_left() const { return flags_segs() & BABE_DSR_SRCRT_SEGS_MASK; }
    address_range addresses() const { return address_range(_bytes.subspan(4)); }
};

// The DSR hop a received packet came from (RFC 4728 §8.1.4, §8.2.2), given
// its IP source and the packet's last Source Route and Route Request
// options: the address before the receiver's in the Source Route, else the
// last address the Route Request recorded, else the IP source (the packet
// came straight from its originator). The one definition, for the engine
// (which reads the link-layer sender from no other place) and the DSR core
// when its caller gives none. 0 when Segments Left exceeds the route (the
// parser refuses such a packet first).
inline ipv4_addr previous_hop(ipv4_addr src, const std::optional<srcrt_view>& srcrt,
                              const std::optional<rreq_view>& rreq)
{
    if (srcrt) {
        const address_range a = srcrt->addresses();
        const std::size_t n = a.size(), sl = srcrt->segments_left();
        if (sl > n)
            return ipv4_addr{};
        return sl == n ? src : a[n - sl - 1];
    }
    if (rreq) {
        const address_range a = rreq->addresses();
        return a.empty() ? src : a.back();
    }
    return src;
}

// Timeout (128), §7.2.1: seconds the flow stays valid.
class timeout_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t timeout_s() const { return load_be16(at(2)); }
};

// Destination and Flow ID (129), §7.2.2.
class flowid_view : public option_base {
public:
    using option_base::option_base;
    std::uint16_t flow_id() const { return load_be16(at(2)); }
    ipv4_addr destination() const { return load_addr(at(4)); }
};

// Any other type: see unknown.hh for what RFC 4728 §6.1 says to do with it.
class unknown_view : public option_base {
public:
    using option_base::option_base;
};

using option = std::variant<pad1_view, padn_view, rreq_view, rrep_view, rerr_view, ack_req_view,
                            ack_view, srcrt_view, timeout_view, flowid_view, unknown_view>;

// Decode the one option starting at `pos` of `options` (the Options field of
// a DSR Options header, which starts at byte `options_offset` of the header).
// Every length is checked; on success, *next receives the position after it.
codec_result<option> decode_option(bytes_view options, std::size_t pos, std::size_t* next,
                                   std::size_t options_offset = dsr_header_len);

// The options of a checked DSR Options header, in order.
class option_range {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = option;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = option;

        iterator() = default;
        iterator(bytes_view options, std::size_t pos) : _options(options), _pos(pos) {}
        option operator*() const;
        iterator& operator++();
        iterator operator++(int)
        {
            iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const iterator& o) const { return _pos == o._pos; }

    private:
        bytes_view _options;
        std::size_t _pos = 0;
    };

    option_range() = default;
    explicit option_range(bytes_view options) : _options(options) {}
    iterator begin() const { return iterator(_options, 0); }
    iterator end() const { return iterator(_options, _options.size()); }

private:
    bytes_view _options;
};

// A DSR Options header (F = 0) whose options have all been checked.
class dsr_view {
public:
    dsr_view() = default;
    dsr_view(bytes_view header, bytes_view rest) : _header(header), _rest(rest) {}

    std::uint8_t next_header() const { return load_u8(_header.data()); }
    std::uint8_t reserved() const { return load_u8(_header.data() + 1) & 0x7f; }
    std::uint16_t payload_len() const { return load_be16(_header.data() + 2); }
    // 4 + Payload Length.
    std::size_t header_len() const { return _header.size(); }
    // The fixed part and the options.
    bytes_view bytes() const { return _header; }
    bytes_view options_bytes() const { return _header.subspan(dsr_header_len); }
    // Whatever followed the DSR Options header in the parsed span (the payload).
    bytes_view rest() const { return _rest; }
    option_range options() const { return option_range(options_bytes()); }

    // The first option of type View, if any (e.g. find<srcrt_view>()).
    template <class View>
    std::optional<View> find() const
    {
        for (const option& o : options())
            if (const View* v = std::get_if<View>(&o))
                return *v;
        return std::nullopt;
    }

private:
    bytes_view _header;
    bytes_view _rest;
};

// A DSR Flow State header (§7.1, F = 1).
class flow_state_view {
public:
    flow_state_view() = default;
    flow_state_view(bytes_view header, bytes_view rest) : _header(header), _rest(rest) {}

    std::uint8_t next_header() const { return load_u8(_header.data()); }
    std::uint8_t hop_count() const
    {
        return load_u8(_header.data() + 1) & BABE_DSR_FLOW_HOP_COUNT_MASK;
    }
    std::uint16_t flow_id() const { return load_be16(_header.data() + 2); }
    bytes_view bytes() const { return _header; }
    bytes_view rest() const { return _rest; }

private:
    bytes_view _header;
    bytes_view _rest;
};

// True when `b` starts with a header whose F bit is set (a Flow State header).
inline bool is_flow_state_header(bytes_view b)
{
    return b.size() >= 2 && (load_u8(b.data() + 1) & BABE_DSR_HDR_F) != 0;
}

// Parse the DSR Options header at the start of `b` (the IPv4 payload).
codec_result<dsr_view> parse_dsr(bytes_view b);
// Parse the DSR Flow State header at the start of `b`.
codec_result<flow_state_view> parse_flow_state(bytes_view b);

// In-place edits of a checked header: `dsr` is the mutable span the view was
// parsed from (starting at the DSR Options header), `v` a view from it.
// Segments Left and Salvage must fit (segs <= number of addresses, salvage <= 15).
codec_result<void> set_segments_left(bytes_mut dsr, const srcrt_view& v, std::uint8_t segs);
codec_result<void> set_salvage(bytes_mut dsr, const srcrt_view& v, std::uint8_t salvage);

} // namespace babe::dsr::codec
