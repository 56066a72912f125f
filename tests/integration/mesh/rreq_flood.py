#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A hostile node for the Route Request flood test: sends COUNT well-formed
# RFC 4728 Route Requests (IPv4 protocol 48 to 255.255.255.255, one DSR
# Options header with one Route Request option, §6.2) from one initiator
# with a new Identification each, as fast as it can, out of one interface
# through an AF_PACKET socket (Ethernet broadcast). No route is recorded
# yet: the receiver is the first hop. Prints how many frames were sent.
#
#   rreq_flood.py IFACE INITIATOR TARGET COUNT [TTL]
import socket
import struct
import sys


def checksum(data: bytes) -> int:
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rreq_frame(src_mac: bytes, initiator: str, target: str, ident: int, ttl: int) -> bytes:
    # Route Request option: type 1, Opt Data Len 6 (no addresses), id, target.
    opt = struct.pack("!BBH4s", 1, 6, ident & 0xFFFF, socket.inet_aton(target))
    # DSR Options header: Next Header 59 (none), F 0, Payload Length.
    dsr = struct.pack("!BBH", 59, 0, len(opt)) + opt
    total = 20 + len(dsr)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0, ttl, 48, 0,
                     socket.inet_aton(initiator), socket.inet_aton("255.255.255.255"))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\xff" * 6 + src_mac + struct.pack("!H", 0x0800)
    return eth + ip + dsr


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__ or "usage: rreq_flood.py IFACE INITIATOR TARGET COUNT [TTL]", file=sys.stderr)
        return 2
    iface, initiator, target, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ttl = int(sys.argv[5]) if len(sys.argv) > 5 else 16
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4][:6]
    sent = 0
    for i in range(count):
        try:
            s.send(rreq_frame(src_mac, initiator, target, 1000 + i, ttl))
            sent += 1
        except BlockingIOError:
            pass
    print(sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
