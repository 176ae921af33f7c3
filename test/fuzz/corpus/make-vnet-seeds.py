#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-vnet-seeds.py - seed corpus for fuzz_vnet: a virtio-net header and
the packet behind it, as a TUN with offloads hands them over (TCP and UDP
GSO over IPv4 and IPv6, a partial checksum alone, a plain packet).

Run from the repository root:  /usr/bin/python3 test/fuzz/corpus/make-vnet-seeds.py
It rewrites test/fuzz/corpus/vnet/. Standard library only.
"""
import hashlib
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
NEEDS_CSUM = 1
GSO = {"none": 0, "tcp4": 1, "tcp6": 4, "udp": 5}


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def sum16(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def ipv4(proto, payload_len):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 0x1234, 0x4000,
                    64, proto, 0, bytes([10, 0, 2, 100]), bytes([198, 18, 0, 80]))
    c = 0xFFFF ^ fold(sum16(h))
    return h[:10] + struct.pack("!H", c) + h[12:]


def ipv6(proto, payload_len):
    src = bytes.fromhex("fd000000000000000000000000000100")
    dst = bytes.fromhex("20010db8000000000000000000000080")
    return struct.pack("!IHBB", 6 << 28, payload_len, proto, 64) + src + dst


def pseudo(ip, v6, proto, l4len):
    if v6:
        s = sum16(ip[8:40]) + sum16(struct.pack("!IxxxB", l4len, proto))
    else:
        s = sum16(ip[12:20]) + sum16(struct.pack("!xBH", proto, l4len))
    return fold(s)


def packet(v6, tcp, payload, gso, size):
    proto = 6 if tcp else 17
    l4hdr = 20 if tcp else 8
    ip = (ipv6 if v6 else ipv4)(proto, l4hdr + len(payload))
    if tcp:
        l4 = struct.pack("!HHIIBBHHH", 40000, 443, 1, 2, 5 << 4, 0x18, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", 40000, 443, l4hdr + len(payload), 0)
    ck = pseudo(ip, v6, proto, l4hdr + len(payload))
    at = 16 if tcp else 6
    l4 = l4[:at] + struct.pack("!H", ck) + l4[at + 2:]
    hdr = struct.pack("<BBHHHH", NEEDS_CSUM if gso != "plain" else 0,
                      GSO.get(gso, 0), len(ip) + l4hdr, size,
                      len(ip) if gso != "plain" else 0, at if gso != "plain" else 0)
    return hdr + ip + l4 + payload


def main():
    d = os.path.join(HERE, "vnet")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    body = bytes(range(256)) * 12
    seeds = [
        packet(False, True, body, "tcp4", 1448),
        packet(True, True, body, "tcp6", 1428),
        packet(False, False, body, "udp", 1200),
        packet(True, False, body, "udp", 1000),
        packet(False, True, body[:500], "none", 0),
        packet(False, False, body[:100], "plain", 0),
    ]
    for s in seeds:
        with open(os.path.join(d, hashlib.sha1(s).hexdigest()[:16]), "wb") as f:
            f.write(s)


if __name__ == "__main__":
    main()
