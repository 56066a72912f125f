// SPDX-License-Identifier: Apache-2.0
// babe-example: libbabe in a few lines. Sends a generated message of SIZE
// bytes to NODE:PORT, or receives one on PORT and prints its length and a
// checksum, so two nodes can check each other:
//
//   babe-example recv SOCKET PORT
//   babe-example send SOCKET NODE PORT SIZE
#include "libbabe/babe.hh"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// The byte at stream position i (both sides compute it).
std::byte pattern(std::uint64_t i)
{
    return static_cast<std::byte>((i * 2654435761u) >> 13);
}

int usage()
{
    std::fprintf(stderr, "usage: babe-example recv SOCKET PORT | send SOCKET NODE PORT SIZE\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 4)
        return usage();
    std::string mode = argv[1];
    try {
        if (mode == "send" && argc == 6) {
            babe::lib::sender s(argv[2], argv[3], static_cast<std::uint16_t>(std::atoi(argv[4])));
            std::uint64_t size = std::strtoull(argv[5], nullptr, 10), pos = 0;
            std::vector<std::byte> buf(64 * 1024);
            while (pos < size) {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - pos));
                for (std::size_t i = 0; i < n; ++i)
                    buf[i] = pattern(pos + i);
                s.write(std::span<const std::byte>(buf.data(), n));
                pos += n;
            }
            std::printf("sent %llu bytes to %s\n", static_cast<unsigned long long>(s.finish()), s.peer().c_str());
            return 0;
        }
        if (mode == "recv" && argc == 4) {
            babe::lib::receiver r(argv[2], static_cast<std::uint16_t>(std::atoi(argv[3])));
            std::string peer = r.accept();
            std::vector<std::byte> buf(64 * 1024);
            std::uint64_t pos = 0, bad = 0;
            while (std::size_t n = r.read(buf)) {
                for (std::size_t i = 0; i < n; ++i)
                    bad += buf[i] != pattern(pos + i);
                pos += n;
            }
            std::printf("received %llu bytes from %s, %llu wrong\n", static_cast<unsigned long long>(pos),
                        peer.c_str(), static_cast<unsigned long long>(bad));
            return bad == 0 ? 0 : 1;
        }
    } catch (const babe::lib::error& e) {
        std::fprintf(stderr, "babe-example: %s: %s\n", e.code.c_str(), e.what());
        return 1;
    }
    return usage();
}
