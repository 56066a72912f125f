// SPDX-License-Identifier: Apache-2.0
// pcapng blocks as the pcapng specification (draft-ietf-opsawg-pcapng)
// lays them out, in host byte order (the byte-order magic tells readers).
#include "pcap/pcapng_writer.hh"

#include <cerrno>
#include <cstring>

namespace babe::pcap {

namespace {

constexpr std::uint32_t block_shb = 0x0A0D0D0A;
constexpr std::uint32_t block_idb = 0x00000001;
constexpr std::uint32_t block_epb = 0x00000006;
constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t linktype_ethernet = 1;

std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// n bytes at p, then zeros up to a multiple of 4 (resize + memcpy: GCC 12
// misreads vector::insert of small spans as overflowing).
void append(std::vector<std::byte>& v, const void* p, std::size_t n)
{
    const std::size_t at = v.size();
    v.resize(at + pad4(n), std::byte{0});
    if (n != 0)
        std::memcpy(v.data() + at, p, n);
}

} // namespace

pcapng_writer::~pcapng_writer() { close(); }

void pcapng_writer::put32(std::uint32_t v)
{
    append(_body, &v, 4);
}

void pcapng_writer::option(std::uint16_t code, std::string_view value)
{
    const std::uint16_t hdr[2] = {code, static_cast<std::uint16_t>(value.size())};
    append(_body, hdr, 4);
    append(_body, value.data(), value.size());
}

// type, total length, _body, total length again.
bool pcapng_writer::emit(std::uint32_t type)
{
    if (_file == nullptr) {
        _error = "pcapng: not open";
        return false;
    }
    const std::uint32_t total = static_cast<std::uint32_t>(12 + _body.size());
    const std::uint32_t head[2] = {type, total};
    if (std::fwrite(head, sizeof(head), 1, _file) != 1 ||
        (!_body.empty() && std::fwrite(_body.data(), _body.size(), 1, _file) != 1) ||
        std::fwrite(&total, sizeof(total), 1, _file) != 1) {
        _error = std::string("pcapng: write: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool pcapng_writer::open(const std::string& path)
{
    close();
    _error.clear();
    if (path == "-") {
        _file = stdout;
        _owned = false;
    } else {
        _file = std::fopen(path.c_str(), "wb");
        _owned = true;
        if (_file == nullptr) {
            _error = "pcapng: " + path + ": " + std::strerror(errno);
            return false;
        }
    }
    _body.clear();
    put32(0x1A2B3C4D);               // byte-order magic
    put32(1);                        // major 1, minor 0 (two 16-bit fields)
    put32(0xFFFFFFFF);               // section length: not given (-1, 64 bits)
    put32(0xFFFFFFFF);
    option(shb_userappl, "babe");
    option(opt_endofopt, {});
    return emit(block_shb);
}

std::uint32_t pcapng_writer::add_interface(std::string_view name, std::uint32_t snaplen)
{
    _body.clear();
    put32(linktype_ethernet); // link type (16 bits), reserved (16 bits)
    put32(snaplen);
    option(if_name, name);
    const char resol = 9; // 10^-9 s
    option(if_tsresol, std::string_view(&resol, 1));
    option(opt_endofopt, {});
    emit(block_idb);
    return _interfaces++;
}

bool pcapng_writer::write(std::uint32_t interface_id, std::int64_t time_ns,
                          std::span<const std::byte> data, std::uint32_t orig_len,
                          std::string_view comment)
{
    if (interface_id >= _interfaces) {
        _error = "pcapng: packet for an interface never described";
        return false;
    }
    const auto ts = static_cast<std::uint64_t>(time_ns);
    _body.clear();
    put32(interface_id);
    put32(static_cast<std::uint32_t>(ts >> 32));
    put32(static_cast<std::uint32_t>(ts));
    put32(static_cast<std::uint32_t>(data.size()));
    put32(orig_len);
    append(_body, data.data(), data.size());
    if (!comment.empty()) {
        option(opt_comment, comment);
        option(opt_endofopt, {});
    }
    if (!emit(block_epb))
        return false;
    ++_packets;
    return true;
}

bool pcapng_writer::flush()
{
    if (_file != nullptr && std::fflush(_file) != 0) {
        _error = std::string("pcapng: flush: ") + std::strerror(errno);
        return false;
    }
    return true;
}

void pcapng_writer::close()
{
    if (_file == nullptr)
        return;
    std::fflush(_file);
    if (_owned)
        std::fclose(_file);
    _file = nullptr;
}

} // namespace babe::pcap
