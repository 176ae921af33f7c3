#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-dns-seeds.py - write the seed corpora for the DNS fuzz harnesses

Run from anywhere: writes test/fuzz/corpus/dns_query/ and dns_response/ next
to this script. Each seed is a valid message (or a near miss) so that
libFuzzer starts from inputs that reach deep into the parsers.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def name(dotted):
    out = b""
    for label in dotted.split(".") if dotted else []:
        raw = label.encode("latin-1")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def ptr(off):
    return struct.pack("!H", 0xC000 | off)


def header(ident, flags, qd, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def question(dotted, qtype=1, qclass=1):
    return name(dotted) + struct.pack("!HH", qtype, qclass)


def rr(owner, rtype, rdata, ttl=300, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def opt(udp=1232, do=False, options=b""):
    return rr(b"\0", 41, options, ttl=0x8000 if do else 0, rclass=udp)


def svc_params(params):
    return b"".join(struct.pack("!HH", k, len(v)) + v for k, v in params)


QUERIES = {
    "a": header(0x1234, 0x0100, 1) + question("www.example.com"),
    "aaaa-edns-do": header(2, 0x0100, 1, ar=1)
    + question("WwW.ExAmPlE.CoM", 28) + opt(4096, True),
    "cookie": header(3, 0x0110, 1, ar=1) + question("api.example.org", 65)
    + opt(1232, False, struct.pack("!HH", 10, 8) + b"\1\2\3\4\5\6\7\x08"),
    "root-ns": header(4, 0, 1) + question("", 2),
    "escaped": header(5, 0x0100, 1)
    + bytes([5]) + b"a.b \\" + name("Example") + struct.pack("!HH", 1, 1),
    "long": header(6, 0x0100, 1)
    + question(".".join(["x" * 63] * 3 + ["y" * 61])),
    "pointer-in-question": header(7, 0, 1) + bytes([3]) + b"www" + ptr(12)
    + struct.pack("!HH", 1, 1),
    "two-opt": header(8, 0, 1, ar=2) + question("a.example") + opt() + opt(),
}

Q = question("www.example.com")
RESPONSES = {
    "a-aaaa": header(1, 0x8180, 1, an=2) + Q
    + rr(ptr(12), 1, bytes([198, 18, 0, 1]))
    + rr(ptr(12), 28, bytes.fromhex("20010db8000000000000000000000001")),
    "cname-chain": header(2, 0x8180, 1, an=3) + Q
    + rr(ptr(12), 5, bytes([3]) + b"cdn" + ptr(16))
    + rr(ptr(45), 5, name("edge.example.net"))
    + rr(ptr(63), 1, bytes([198, 18, 0, 5]), ttl=20),
    "injected": header(3, 0x8180, 1, an=2) + Q
    + rr(ptr(12), 1, bytes([198, 18, 0, 1]))
    + rr(name("evil.example"), 1, bytes([198, 18, 0, 66])),
    "cname-loop": header(4, 0x8180, 1, an=2) + Q
    + rr(ptr(12), 5, name("a.example"))
    + rr(name("a.example"), 5, ptr(12)),
    "https-hints": header(5, 0x8180, 1, an=1, ar=1) + question("www.example.com", 65)
    + rr(ptr(12), 65, struct.pack("!H", 1) + b"\0" + svc_params([
        (1, b"\x02h2"),
        (4, bytes([198, 18, 2, 1, 198, 18, 2, 2])),
        (6, bytes.fromhex("20010db8000000000000000000000002")),
    ])) + opt(1232, True),
    "nxdomain-soa": header(6, 0x8183, 1, ns=1) + Q
    + rr(ptr(16), 6, name("ns1.example.com") + name("hostmaster.example.com")
         + struct.pack("!IIIII", 1, 7200, 3600, 1209600, 300)),
    "ttl-top-bit": header(7, 0x8180, 1, an=1) + Q
    + rr(ptr(12), 1, bytes([198, 18, 0, 7]), ttl=0x80000001),
    "forward-pointer": header(8, 0x8180, 1, an=1) + Q
    + rr(ptr(35), 1, bytes([198, 18, 0, 8])),
}


def write(subdir, seeds):
    d = os.path.join(HERE, subdir)
    os.makedirs(d, exist_ok=True)
    for seed_name, data in seeds.items():
        with open(os.path.join(d, seed_name), "wb") as f:
            f.write(data)


write("dns_query", QUERIES)
write("dns_response", RESPONSES)
