#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpus of the codec fuzzer (corpus/): one IPv4 packet per
# DSR option type of RFC 4728 §6/§7, bare DSR headers, and edge cases
# (truncations, bad lengths, unknown option actions, longest options).
# Run it from this folder after changing the seeds; the files are committed.
import os
import struct

def a(d):
    return bytes([10, 0, 0, d])

def csum(h):
    s = sum(struct.unpack('!%dH' % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ipv4(payload, proto=48, src=a(1), dst=a(9), ihl=5, ttl=64):
    opts = b'\x01' * (4 * (ihl - 5))
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, 4 * ihl + len(payload), 1, 0x4000, ttl,
                    proto, 0, src, dst) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def dsr(opts, nh=59, pad=True):
    if pad and len(opts) % 4:
        n = 4 - len(opts) % 4
        opts += b'\xe0' if n == 1 else bytes([0, n - 2]) + bytes(n - 2)
    return bytes([nh, 0]) + struct.pack('!H', len(opts)) + opts

def opt(t, data):
    return bytes([t, len(data)]) + data

rreq = opt(1, b'\x12\x34' + a(9) + a(2) + a(3))
rrep = opt(2, b'\x80' + a(2) + a(9))
rerr_nu = opt(3, b'\x01\x03' + a(2) + a(1) + a(3))
rerr_fs = opt(3, b'\x02\x00' + a(4) + a(5))
rerr_ons = opt(3, b'\x03\x00' + a(4) + a(5) + b'\xa5')
rerr_uf = opt(3, b'\x81\x00' + a(4) + a(5) + a(9) + b'\xbe\xef')
rerr_dfu = opt(3, b'\x82\x00' + a(4) + a(5) + a(9))
ackreq = opt(160, b'\xab\xcd')
ackreq_ext = opt(160, b'\xab\xcd' + a(7))
ack = opt(32, b'\x00\x07' + a(3) + a(2))
srcrt = opt(96, b'\x81\x42' + a(2) + a(3))
timeout = opt(128, b'\x00\x1e')
flowid = opt(129, b'\x00\x05' + a(9))
udp = struct.pack('!HHHH', 9, 9, 12, 0) + b'\xde\xad\xbe\xef'

seeds = {
    'rreq': ipv4(dsr(rreq), dst=b'\xff\xff\xff\xff'),
    'rreq_empty': ipv4(dsr(opt(1, b'\x00\x01' + a(9))), dst=b'\xff\xff\xff\xff'),
    'rrep': ipv4(dsr(rrep)),
    'rerr_node_unreachable': ipv4(dsr(rerr_nu)),
    'rerr_flow_state_not_supported': ipv4(dsr(rerr_fs)),
    'rerr_option_not_supported': ipv4(dsr(rerr_ons)),
    'rerr_unknown_flow': ipv4(dsr(rerr_uf)),
    'rerr_default_flow_unknown': ipv4(dsr(rerr_dfu)),
    'rerr_reserved_type': ipv4(dsr(opt(3, b'\x07\x00' + a(4) + a(5) + b'xyz'))),
    'ack_req': ipv4(dsr(srcrt + ackreq, nh=17) + udp),
    'ack_req_prev_hop': ipv4(dsr(ackreq_ext)),
    'ack': ipv4(dsr(ack)),
    'srcrt': ipv4(dsr(srcrt, nh=17) + udp),
    'srcrt_segs0': ipv4(dsr(opt(96, b'\x00\x00' + a(2)), nh=17) + udp),
    'pad1_padn': ipv4(dsr(b'\xe0' + opt(0, b'\x00\x00'), nh=17) + udp),
    'timeout_flowid': ipv4(dsr(timeout + flowid)),
    'flow_state_pkt': ipv4(bytes([17, 0x85, 0x12, 0x34]) + udp),
    'unknown_ignore': ipv4(dsr(opt(0x05, b'\x11') + ack)),
    'unknown_remove_report': ipv4(dsr(opt(0xa6, b'\x22\x33') + ack)),
    'unknown_mark': ipv4(dsr(opt(0x47, b'\x01') + ack)),
    'unknown_drop': ipv4(dsr(opt(0x65, b'') + ack)),
    'all_options': ipv4(dsr(rreq + rrep + rerr_nu + ackreq + ack + srcrt + timeout + flowid)),
    'ip_options': ipv4(dsr(ack), ihl=15),
    'ttl0': ipv4(dsr(ack), ttl=0),
    'srcrt_63_hops': ipv4(dsr(opt(96, b'\x00\x3f' + b''.join(a(i) for i in range(63))))),
    'rreq_62_hops': ipv4(dsr(opt(1, b'\x00\x02' + a(9) + b''.join(a(i) for i in range(62))))),
    'padn_255': ipv4(dsr(opt(0, bytes(255)))),
    # edge cases the decoder must reject
    'bad_segs_left': ipv4(dsr(opt(96, b'\x00\x02' + a(2)))),
    'bad_rreq_len': ipv4(dsr(opt(1, b'\x00\x01' + a(9) + b'\x00'))),
    'bad_rrep_empty': ipv4(dsr(opt(2, b'\x00'))),
    'bad_payload_len': ipv4(bytes([59, 0, 0x10, 0x00]) + ack),
    'bad_option_overrun': ipv4(dsr(opt(32, b'\x00\x07' + a(3) + a(2)), pad=False)[:-3]),
    'duplicate_rreq': ipv4(dsr(rreq + rreq)),
    'truncated_ip': ipv4(dsr(ack))[:15],
    'ip_total_len_short': ipv4(dsr(ack))[:30],
    'not_dsr': ipv4(udp, proto=17),
    'bare_dsr_srcrt': dsr(srcrt, nh=17) + udp,
    'bare_dsr_rerr': dsr(rerr_nu + rerr_ons),
    'bare_flow_state': bytes([6, 0x81, 0xff, 0xfe]),
    'empty': b'',
}

os.makedirs('corpus', exist_ok=True)
for name, data in sorted(seeds.items()):
    with open(os.path.join('corpus', name), 'wb') as f:
        f.write(data)
print(len(seeds), 'seeds')
