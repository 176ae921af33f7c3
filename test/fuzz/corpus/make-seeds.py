#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-seeds.py - seed corpora for the packet, engine, policy, config and
control harnesses, taken from the replay captures and the shipped files.

Run from the repository root:  /usr/bin/python3 test/fuzz/corpus/make-seeds.py
It rewrites test/fuzz/corpus/{packet,engine,policy_ini,config,ctl}/.
"""
import glob
import hashlib
import os
import shutil
import struct

from scapy.all import IP, IPv6, rdpcap  # Debian's python3-scapy

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def reset(name):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def put(d, data):
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def ip_bytes(pkt):
    for layer in (IP, IPv6):
        if pkt.haslayer(layer):
            return bytes(pkt[layer])
    return bytes(pkt) if pkt.name in ("Raw",) else None


packets = reset("packet")
engine = reset("engine")
for pcap in sorted(glob.glob(os.path.join(TOP, "test/replay/*/input.pcap"))):
    frames = [ip_bytes(p) for p in rdpcap(pcap)]
    frames = [f for f in frames if f]
    if not frames:
        continue
    bottle = frames[0][12:16] if frames[0][0] >> 4 == 4 else frames[0][8:24]
    seq = b""
    for f in frames[:64]:
        put(packets, f)
        src = f[12:16] if f[0] >> 4 == 4 else f[8:24]
        inbound = 0 if src == bottle else 1
        seq += struct.pack("!BH", inbound | (1 << 1), len(f)) + f
    put(engine, seq)


def namecheck_seed():
    """fuzz_engine's policy allows allowed.test tcp/80: learn it, then
    present other names over the learnt address (common/namecheck.c), in
    one segment, split in two, and as HTTP"""
    from scapy.all import TCP, UDP, Raw
    bot, srv = "10.0.2.100", "198.18.1.5"
    ans = (struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
           + b"\x07allowed\x04test\x00" + struct.pack("!HH", 1, 1)
           + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([198, 18, 1, 5]))
    sni = b"other.test"
    ext = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    body = (b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00"
            + struct.pack("!H", len(ext)) + ext)
    hello = b"\x01" + struct.pack("!I", len(body))[1:] + body
    rec = b"\x16\x03\x01" + struct.pack("!H", len(hello)) + hello

    def tcp(sport, flags, seq, data=b""):
        p = IP(src=bot, dst=srv) / TCP(sport=sport, dport=80, flags=flags, seq=seq)
        return bytes(p / Raw(data)) if data else bytes(p)
    pkts = [(1, bytes(IP(src="10.0.2.3", dst=bot) / UDP(sport=53, dport=4000) / Raw(ans))),
            (0, tcp(40000, "S", 100)), (0, tcp(40000, "PA", 101, rec)),
            (0, tcp(40001, "S", 200)), (0, tcp(40001, "PA", 221, rec[20:])),
            (0, tcp(40001, "PA", 201, rec[:20])), (0, tcp(40001, "PA", 221, rec[20:])),
            (0, tcp(40002, "S", 300)),
            (0, tcp(40002, "PA", 301, b"GET / HTTP/1.1\r\nHost: other.test\r\n\r\n"))]
    return b"".join(struct.pack("!BH", d | (1 << 1), len(f)) + f for d, f in pkts)


put(engine, namecheck_seed())

pol = reset("policy_ini")
for f in glob.glob(os.path.join(TOP, "policies/*.ini")) + \
        glob.glob(os.path.join(TOP, "test/replay/*/policy.ini")):
    put(pol, open(f, "rb").read())

cfg = reset("config")
put(cfg, open(os.path.join(TOP, "contrib/sentry.ini"), "rb").read())
put(cfg, b"[daemon]\ncontrol_socket = /run/x.sock\nmode = audit\n[dns]\n"
         b"upstream = 198.18.0.53\nupstream = [2001:db8::53]:5353\n"
         b"[egress]\npool4 = 100.64.0.0/24\npool6 = none\n[reject]\ntcp = drop\n")

ctl = reset("ctl")
for line in (b"ping\n", b"bottles json=1\n", b"stats name=b1\n", b"flows\n",
             b"names name=x json=1\n", b"reload\n", b"detach name=b1\n",
             b"attach name=b1 policy=pypi addr4=10.0.2.100/24 gw4=10.0.2.2 "
             b"dns4=10.0.2.3 queues=2 netns=/run/netns/b%201 keep=1\n",
             b"attach name=b2 addr6=fd00::100/64 gw6=fd00::2 queues=1 pidfd=1\n"):
    put(ctl, line)
