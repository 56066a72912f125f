// SPDX-License-Identifier: Apache-2.0
// libFuzzer target of the transport segment parser and of the endpoint that
// consumes what it parses. Each input is split in two uses:
//  - the whole input as one segment: decode_segment either refuses it with a
//    typed error or returns a header whose length, SACK blocks and payload
//    lie inside the input, and which re-encodes to the same bytes (checksum
//    included);
//  - the input as a script of segments, clock steps and application calls
//    run against an endpoint (session.hh), checking its outputs and, at the
//    end, that no connection or handle remains inside it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "require.hh"
#include "transport/session.hh"

using namespace babe::transport;

namespace {

void check_decode(std::span<const std::byte> in)
{
    auto d = decode_segment(in);
    if (!d) {
        BABE_FUZZ_REQUIRE(d.error() <= decode_error::bad_checksum);
        BABE_FUZZ_REQUIRE(std::strcmp(to_string(d.error()), "unknown") != 0);
        return;
    }
    const segment_header& h = d->header;
    BABE_FUZZ_REQUIRE(d->header_length == h.length() && h.length() <= in.size());
    BABE_FUZZ_REQUIRE(h.sack_count <= max_sack_blocks);
    BABE_FUZZ_REQUIRE((h.flags & ~flag::all) == 0);
    BABE_FUZZ_REQUIRE(d->payload.data() == in.data() + d->header_length);
    BABE_FUZZ_REQUIRE(d->payload.size() == in.size() - d->header_length);
    for (std::size_t i = 0; i < h.sack_count; ++i)
        BABE_FUZZ_REQUIRE(seq_lt(h.sacks[i].start, h.sacks[i].end));
    std::byte out[header_max];
    auto n = encode_header(out, h, d->payload);
    BABE_FUZZ_REQUIRE(n.has_value() && n.value() == d->header_length);
    BABE_FUZZ_REQUIRE(std::memcmp(out, in.data(), d->header_length) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    check_decode(std::span(reinterpret_cast<const std::byte*>(data), size));
    fuzz::session s;
    s.run(data, size);
    return 0;
}
