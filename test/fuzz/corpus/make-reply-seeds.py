#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-reply-seeds.py - write the seed corpus for fuzz_reply

Run from anywhere: writes test/fuzz/corpus/reply/ next to this script. Each
seed is a whole IP packet that parses, with correct checksums, so that
libFuzzer starts from packets every reply builder accepts: TCP segments,
DNS queries, and ICMP errors whose quotes the NAT fix-up rewrites.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

SRC4, DST4 = bytes([10, 0, 0, 2]), bytes([198, 18, 0, 1])
EGRESS4, ROUTER4 = bytes([100, 64, 0, 7]), bytes([198, 18, 0, 254])
SRC6 = bytes.fromhex("20010db8000000000000000000000002")
DST6 = bytes.fromhex("20010db8000100000000000000000001")
ROUTER6 = bytes.fromhex("20010db80002000000000000000000fe")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(proto, src, dst, l4, options=b""):
    hl = 20 + len(options)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(l4), 0x1234,
                    0, 64, proto, 0, src, dst) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ip6(nh, src, dst, rest):
    return struct.pack("!IHBB16s16s", 6 << 28, len(rest), nh, 64, src, dst) + rest


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def with_csum(l4, off, src, dst, proto):
    c = csum((pseudo(src, dst, proto, len(l4)) if src else b"") + l4)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return l4[:off] + struct.pack("!H", c) + l4[off + 2:]


def tcp(src, dst, sport, dport, flags, seq, ack, data=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                    64240, 0, 0) + data
    return with_csum(t, 16, src, dst, 6)


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return with_csum(u, 6, src, dst, 17)


def dns_query(edns):
    q = struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 1 if edns else 0)
    q += b"\x03WwW\x07ExAmple\x03com\x00" + struct.pack("!HH", 1, 1)
    if edns:
        q += b"\x00" + struct.pack("!HHIH", 41, 4096, 0x8000, 0)
    return q


def icmp4_error(quote):
    m = struct.pack("!BBHI", 3, 3, 0, 0) + quote
    return ip4(1, ROUTER4, EGRESS4, with_csum(m, 2, None, None, 1))


def icmp6_error(quote):
    m = struct.pack("!BBHI", 1, 4, 0, 0) + quote
    return ip6(58, ROUTER6, SRC6, with_csum(m, 2, ROUTER6, SRC6, 58))


def seeds():
    yield "v4-syn", ip4(6, SRC4, DST4, tcp(SRC4, DST4, 40000, 443, 0x02, 1, 0))
    yield "v4-ack-data", ip4(6, SRC4, DST4,
                             tcp(SRC4, DST4, 40000, 443, 0x18, 1, 2, b"GET /"))
    yield "v6-syn", ip6(6, SRC6, DST6, tcp(SRC6, DST6, 40000, 443, 0x02, 7, 0))
    yield "v4-dns", ip4(17, SRC4, DST4, udp(SRC4, DST4, 40000, 53, dns_query(False)))
    yield "v4-dns-options", ip4(17, SRC4, DST4,
                                udp(SRC4, DST4, 40000, 53, dns_query(True)),
                                options=b"\x01" * 8)
    hbh = bytes([17, 0]) + b"\0" * 6
    u6 = udp(SRC6, DST6, 40000, 53, dns_query(True))
    yield "v6-dns-hbh", ip6(0, SRC6, DST6, hbh + u6)
    yield "v4-echo", ip4(1, SRC4, DST4,
                         with_csum(struct.pack("!BBHHH", 8, 0, 0, 42, 1) + b"x" * 16,
                                   2, None, None, 1))
    inner = ip4(17, EGRESS4, DST4, udp(EGRESS4, DST4, 40000, 53, b"payload"))
    yield "v4-error-udp", icmp4_error(inner)
    inner = ip4(6, EGRESS4, DST4, tcp(EGRESS4, DST4, 40000, 443, 0x10, 5, 6))
    yield "v4-error-tcp-cut", icmp4_error(inner[:28])
    inner = ip6(6, SRC6, DST6, tcp(SRC6, DST6, 40000, 443, 0x10, 5, 6, b"abc"))
    yield "v6-error-tcp", icmp6_error(inner)


def main():
    out = os.path.join(HERE, "reply")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
