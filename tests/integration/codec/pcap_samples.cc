// SPDX-License-Identifier: Apache-2.0
// Writes a pcap with one Ethernet/IPv4/DSR frame per option type of RFC 4728
// (§6 and §7), built by the project's encoder, for tshark_dsr.sh to decode
// with Wireshark's DSR dissector. The frame order and field values are the
// contract with that script (listed in the table below).
//
// usage: codec_pcap_samples OUT.pcap
//        codec_pcap_samples --malformed OUT.pcap   (one Route Request whose
//        Payload Length runs past the packet: the script's proof that its
//        malformed check can fire)
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include "dsr/codec/codec.hh"
#include "pcap/pcap_writer.hh"

using namespace babe::dsr::codec;

namespace {

constexpr ipv4_addr A(int d) { return ipv4_addr::from_octets(10, 0, 0, std::uint8_t(d)); }
constexpr std::uint8_t ipproto_udp = 17;
constexpr std::uint8_t ipproto_none = 59; // No Next Header: control packets

// Ethernet (broadcast, EtherType IPv4) + IPv4 (protocol 48) + DSR + payload.
std::vector<std::byte> frame(ipv4_addr src, ipv4_addr dst, bytes_view dsr, bytes_view payload)
{
    std::vector<std::byte> f(14 + 20 + dsr.size() + payload.size());
    for (int i = 0; i < 6; ++i) {
        f[i] = std::byte{0xff};
        f[6 + i] = std::byte(0x02 + i);
    }
    f[12] = std::byte{0x08};
    f[13] = std::byte{0x00};
    ipv4_fields ip{.tos = 0, .id = 1, .dont_fragment = true, .ttl = 64,
                   .protocol = BABE_IPPROTO_DSR, .source = src, .destination = dst};
    const auto total = static_cast<std::uint16_t>(20 + dsr.size() + payload.size());
    if (!encode_ipv4_header(bytes_mut(f).subspan(14), ip, total))
        return {};
    std::copy(dsr.begin(), dsr.end(), f.begin() + 34);
    std::copy(payload.begin(), payload.end(), f.begin() + 34 + dsr.size());
    return f;
}

// A UDP header (port 9 -> 9, checksum 0 = none) with 4 bytes of data.
std::array<std::byte, 12> udp_payload()
{
    std::array<std::byte, 12> u{};
    store_be16(u.data(), 9);
    store_be16(u.data() + 2, 9);
    store_be16(u.data() + 4, 12);
    store_be32(u.data() + 8, 0xdeadbeef);
    return u;
}

} // namespace

int main(int argc, char** argv)
{
    const bool malformed = argc == 3 && std::string_view(argv[1]) == "--malformed";
    if (argc != 2 && !malformed) {
        std::fprintf(stderr, "usage: %s [--malformed] OUT.pcap\n", argv[0]);
        return 2;
    }
    const char* path = argv[argc - 1];
    babe::pcap::pcap_writer w;
    if (!w.open(path)) {
        std::fprintf(stderr, "%s\n", w.error().c_str());
        return 1;
    }
    const std::array two{A(2), A(3)};
    const std::array rrep_route{A(2), A(9)};
    const auto udp = udp_payload();
    std::array<std::byte, 256> buf;
    int failures = 0;
    std::int64_t t = 1'000'000'000;

    auto emit = [&](dsr_builder& b, ipv4_addr src, ipv4_addr dst, bytes_view payload) {
        auto n = b.finish();
        if (!n) {
            std::fprintf(stderr, "encode: %s\n", std::string(to_string(n.error())).c_str());
            ++failures;
            return;
        }
        auto f = frame(src, dst, bytes_view(buf).first(*n), payload);
        if (f.empty() || !w.write(t, f))
            ++failures;
        t += 1'000'000;
    };

    if (malformed) {
        dsr_builder b(buf, ipproto_none);
        auto n = b.rreq(0x1234, A(9), two).finish();
        if (!n)
            return 1;
        // Cut the last address off but leave Payload Length as it was.
        auto f = frame(A(1), ipv4_addr{0xffffffff}, bytes_view(buf).first(*n - 4), {});
        return !f.empty() && w.write(t, f) ? 0 : 1;
    }

    // 1: Route Request id 0x1234, target 10.0.0.9, recorded 10.0.0.2 10.0.0.3.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.rreq(0x1234, A(9), two), A(1), ipv4_addr{0xffffffff}, {});
    }
    // 2: Route Reply L=1, route 10.0.0.2 10.0.0.9.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.rrep(true, rrep_route), A(9), A(1), {});
    }
    // 3: Route Error NODE_UNREACHABLE, salvage 3, 10.0.0.2 -> 10.0.0.1, unreachable 10.0.0.3.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.rerr_node_unreachable(3, A(2), A(1), A(3)), A(2), A(1), {});
    }
    // 4: Route Error FLOW_STATE_NOT_SUPPORTED, salvage 0.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.add([&](bytes_mut o) {
            return encode_rerr_flow_state_not_supported(o, 0, A(4), A(5));
        }),
             A(4), A(5), {});
    }
    // 5: Route Error OPTION_NOT_SUPPORTED, unsupported type 0xa5.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.rerr_option_not_supported(1, A(4), A(5), 0xa5), A(4), A(5), {});
    }
    // 6: Acknowledgement Request id 0xabcd with a Source Route (segs left 1) and UDP.
    {
        dsr_builder b(buf, ipproto_udp);
        const std::array one{A(2)};
        emit(b.srcrt({}, one).ack_req(0xabcd), A(1), A(3), udp);
    }
    // 7: Acknowledgement id 7, 10.0.0.3 -> 10.0.0.2.
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.ack(7, A(3), A(2)), A(3), A(2), {});
    }
    // 8: Source Route F=1 L=0 salvage 5 segs left 2, hops 10.0.0.2 10.0.0.3, UDP.
    {
        dsr_builder b(buf, ipproto_udp);
        emit(b.srcrt({.first_hop_external = true,
                      .last_hop_external = false,
                      .salvage = 5,
                      .segments_left = 2},
                     two),
             A(1), A(9), udp);
    }
    // 9: Pad1 then PadN (2 data bytes) with UDP: 4 + 1 + 4 = 9, builder pads to 12.
    {
        dsr_builder b(buf, ipproto_udp);
        emit(b.pad1().padn(2), A(1), A(2), udp);
    }
    // 10: Timeout 30 s and Destination and Flow ID (flow 5, 10.0.0.9).
    {
        dsr_builder b(buf, ipproto_none);
        emit(b.timeout(30).flowid(5, A(9)), A(1), A(2), {});
    }
    // 11: DSR Flow State header, hop count 5, flow id 0x1234, UDP.
    {
        std::array<std::byte, 4> fs;
        if (!encode_flow_state_header(fs, ipproto_udp, 5, 0x1234)) {
            ++failures;
        } else {
            auto f = frame(A(1), A(9), fs, udp);
            if (f.empty() || !w.write(t, f))
                ++failures;
        }
    }
    w.close();
    if (failures) {
        std::fprintf(stderr, "%d frames failed\n", failures);
        return 1;
    }
    std::printf("%s: %llu frames\n", path, static_cast<unsigned long long>(w.frames_written()));
    return 0;
}
