#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-crafted.py [CASE...] - write the crafted (adversarial) replay cases

Real clients never send these packets, so they are built byte by byte:
scapy (Debian's python3-scapy, run with /usr/bin/python3) for the IP, TCP,
UDP and ICMP layers and for fragmenting; the DNS messages by the small
encoder below, so that a malformed one is exactly what the case says.

Every case is a function that returns its packets; the CASES table holds,
beside it, the policy and what sentry must decide, reasoned from the policy
semantics (this script is the oracle, not sentry's output). For each case
directory x-NAME/ this writes:

  input.pcap        LINKTYPE_RAW (101): each record is an IP packet. The
                    clock starts at T0 and moves 1 ms per packet unless the
                    case sets times itself.
  policy.ini, expected.jsonl, expected-summary, args (if any)
  README.md         what the case checks, and how the capture was made

Addresses: the bottle is 10.0.2.100 (2001:db8:2::100), the "internet" is
198.18.0.0/15 and 2001:db8::/32, the resolver 198.18.0.53. Nothing is sent
anywhere: this only writes files.
"""
import inspect
import ipaddress
import json
import logging
import os
import struct
import sys

# wrpcap() warns about "inconsistent linktypes" for Raw packets under an
# explicit linktype=101; the records are raw IP, as intended.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (ICMP, IP, TCP, UDP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, Raw,
                       fragment6, wrpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1732786400.0
BOT = "10.0.2.100"
BOT6 = "2001:db8:2::100"
NS = "198.18.0.53"
DD = "default deny"
DA = "default allow"

# ---------------------------------------------------------------------------
# DNS encoder: no validation and no compression unless asked, on purpose.

TYPES = {"A": 1, "CNAME": 5, "AAAA": 28, "HTTPS": 65}


def name(dotted):
    """Uncompressed wire form of a dotted name ("" is the root)."""
    out = b""
    for label in filter(None, dotted.split(".")):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ptr(off):
    return struct.pack("!H", 0xC000 | off)


def header(ident, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!6H", ident, flags, qd, an, ns, ar)


def question(qname, qtype="A"):
    return name(qname) + struct.pack("!HH", TYPES[qtype], 1)


def rr(owner, rtype, ttl, rdata):
    """@owner: wire bytes (name() or ptr()); @rtype: a TYPES key"""
    return owner + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(rdata)) + rdata


def a(addr):
    return ipaddress.IPv4Address(addr).packed


def aaaa(addr):
    return ipaddress.IPv6Address(addr).packed


def query(ident, qname, qtype="A"):
    return header(ident, 0x0100) + question(qname, qtype)


def answer(ident, qname, records, qtype="A", an=None, ns=0, ar=0, extra=b""):
    """A response (QR, RD, RA) echoing the question, then @records."""
    n = len(records) if an is None else an
    return (header(ident, 0x8180, 1, n, ns, ar) + question(qname, qtype)
            + b"".join(records) + extra)


QNAME_OFF = 12		# the question name's offset, for pointers

# ---------------------------------------------------------------------------
# Packets


def udp(src, sport, dst, dport, payload=b""):
    l3 = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    return l3 / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp(src, sport, dst, dport, flags="S", payload=b""):
    p = IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags,
                                   seq=1000, window=64240)
    return p / Raw(payload) if payload else p


def q(sport, ident, qname, qtype="A"):
    return udp(BOT, sport, NS, 53, query(ident, qname, qtype))


def r(sport, msg):
    return udp(NS, 53, BOT, sport, msg)


def syn(sport, dst, dport=80):
    return tcp(BOT, sport, dst, dport)


def synack(sport, src, sport_peer=80):
    return tcp(src, sport_peer, BOT, sport, flags="SA")


# ---------------------------------------------------------------------------
# Expected decisions (only the fields that identify and decide)


def dns(verdict, reason, rule, qname, sport, qtype="A", src=BOT, dst=NS):
    o = {"event": "dns", "verdict": verdict, "reason": reason}
    if rule:
        o["rule"] = rule
    o.update(proto="udp", src=src, sport=sport, dst=dst, dport=53,
             qname=qname, qtype=qtype)
    return o


def flow(verdict, reason, rule, dst, dport, sport=None, proto="tcp",
         name_=None, src=BOT):
    o = {"event": "flow", "verdict": verdict, "reason": reason}
    if rule:
        o["rule"] = rule
    if name_:
        o["name"] = name_
    if proto:
        o["proto"] = proto
    o["src"] = src
    if sport is not None:
        o["sport"] = sport
    o["dst"] = dst
    if dport is not None:
        o["dport"] = dport
    return o


def refused(qname):
    return {"event": "dns", "verdict": "deny", "reason": "dns_private_answer",
            "qname": qname}


# ---------------------------------------------------------------------------
# The cases. Each function returns a list of packets (scapy packets, or bytes
# for what scapy would repair), or of (seconds after T0, packet) pairs.

CASES = {}


def case(policy, expected, summary, about, args=None):
    def reg(fn):
        CASES["x-" + fn.__name__.replace("_", "-")] = dict(
            fn=fn, policy=policy, expected=expected, summary=summary,
            about=about, args=args)
        return fn
    return reg


LOOP_POLICY = """[policy]
name = malformed
default = deny

[allow]
domain = loop.example.test tcp/80
domain = good.example.test tcp/80
"""


def malformed_answer_case(bad_answer):
    """query, malformed answer whose first record alone would teach
    198.18.0.10, a connection to .10 (must be denied), then a good
    query/answer/connection to show the path still works"""
    return [
        q(50001, 0x1001, "loop.example.test"),
        r(50001, bad_answer),
        syn(50002, "198.18.0.10"),
        q(50003, 0x1002, "good.example.test"),
        r(50003, answer(0x1002, "good.example.test",
                        [rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.11"))])),
        syn(50004, "198.18.0.11"),
        synack(50004, "198.18.0.11"),
    ]


def malformed_expected():
    return [
        dns("allow", "rule", "allow domain loop.example.test tcp/80", "loop.example.test", 50001),
        flow("deny", "default", DD, "198.18.0.10", 80, 50002),
        dns("allow", "rule", "allow domain good.example.test tcp/80", "good.example.test", 50003),
        flow("allow", "rule", "allow domain good.example.test tcp/80", "198.18.0.11", 80, 50004,
             name_="good.example.test"),
    ]


def malformed_summary(reason):
    return dict(packets=7, allowed=5, dropped=2, dns_allowed=2, dns_denied=0,
                **{f"drop_{reason}": 1, "drop_policy": 1})


# The answer section starts right after the question "loop.example.test A IN"
AN_OFF = 12 + len(name("loop.example.test")) + 4
GOOD_RR = rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.10"))


@case(LOOP_POLICY, malformed_expected(), malformed_summary("dns_pointer"), """
An answer whose second record's owner is a compression pointer to itself (a
pointer loop). The whole answer is refused (dns_pointer), so its first,
well-formed record (loop.example.test A 198.18.0.10) is not learnt either:
the connection to 198.18.0.10 is denied by the default. A good answer for
another allowed name afterwards is learnt as usual.
""")
def dns_pointer_loop():
    second = AN_OFF + len(GOOD_RR)
    bad = answer(0x1001, "loop.example.test",
                 [GOOD_RR, rr(ptr(second), "A", 300, a("198.18.0.12"))])
    return malformed_answer_case(bad)


@case(LOOP_POLICY, malformed_expected(), malformed_summary("dns_pointer"), """
An answer whose second record's owner is a compression pointer pointing
*forward* (to the record's own type field, past the pointer). Pointers must
point strictly backwards: the answer is refused (dns_pointer) and nothing in
it is learnt.
""")
def dns_forward_pointer():
    second = AN_OFF + len(GOOD_RR)
    bad = answer(0x1001, "loop.example.test",
                 [GOOD_RR, rr(ptr(second + 2), "A", 300, a("198.18.0.12"))])
    return malformed_answer_case(bad)


@case(LOOP_POLICY, malformed_expected(), malformed_summary("dns_label_type"), """
An answer with a 64-byte label in its second record's owner name. Labels are
at most 63 bytes, and on the wire a length byte of 64 (0x40) is necessarily
the extended label type of RFC 6891 (obsolete), so the answer is refused
whole as dns_label_type (dns_label_len cannot come from the wire). The first
record is not learnt.
""")
def dns_label_long():
    owner = bytes([64]) + b"a" * 64 + name("example.test")
    bad = answer(0x1001, "loop.example.test",
                 [GOOD_RR, rr(owner, "A", 300, a("198.18.0.12"))])
    return malformed_answer_case(bad)


@case(LOOP_POLICY, malformed_expected(), malformed_summary("dns_counts"), """
An answer whose header claims 3 answer records while the message holds one
(16 bytes; three records need at least 33). The counts are checked against
the bytes left before any record is read: dns_counts, nothing learnt.
""")
def dns_counts():
    bad = answer(0x1001, "loop.example.test", [GOOD_RR], an=3)
    return malformed_answer_case(bad)


@case(LOOP_POLICY, malformed_expected(), malformed_summary("dns_trailing"), """
A well-formed answer followed by 5 bytes of garbage. Nothing may follow the
last record: dns_trailing, and the (otherwise fine) address is not learnt.
""")
def dns_trailing():
    bad = answer(0x1001, "loop.example.test", [GOOD_RR], extra=b"\xde\xad\xbe\xef\x00")
    return malformed_answer_case(bad)


CIDR_ANY = """[policy]
name = frag
default = deny

[allow]
cidr = 198.18.0.0/24
"""


def fragments_of(pkt, splits):
    """Cut an IPv4 packet's payload at byte offsets @splits (multiples of 8)."""
    raw = bytes(pkt)
    ihl = (raw[0] & 0xF) * 4
    payload = raw[ihl:]
    edges = [0] + list(splits) + [len(payload)]
    ip = IP(raw[:ihl])
    out = []
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        f = IP(src=ip.src, dst=ip.dst, id=ip.id, proto=ip.proto, ttl=ip.ttl,
               flags="MF" if hi < len(payload) else 0, frag=lo // 8)
        out.append(f / Raw(payload[lo:hi]))
    return out


@case(CIDR_ANY, [
    flow("allow", "rule", "allow cidr 198.18.0.0/24", "198.18.0.10", 80, 50100),
], dict(packets=3, allowed=1, dropped=2, drop_frag_tiny=1, drop_frag_no_first=1), """
A TCP SYN to 198.18.0.10:81 fragmented so that the first fragment holds only
8 bytes of the 20-byte TCP header (ports, but not the flags): frag_tiny. Its
second fragment then has no known first fragment: frag_no_first. Neither is
a flow decision. A plain SYN before them (the only decision) is allowed by
the CIDR rule, which would have allowed the fragmented one too.
""")
def frag_tiny():
    s = IP(src=BOT, dst="198.18.0.10", id=0x4242) / TCP(sport=50101, dport=81, flags="S", seq=1000)
    return [syn(50100, "198.18.0.10")] + fragments_of(s, [8])


@case(CIDR_ANY, [
    flow("allow", "rule", "allow cidr 198.18.0.0/24", "198.18.0.10", 80, 50110),
    flow("allow", "rule", "allow cidr 198.18.0.0/24", "198.18.0.10", 5000, 50112, proto="udp"),
], dict(packets=5, allowed=2, dropped=3, drop_frag_no_first=3), """
Later fragments whose first fragment was never seen are dropped
(frag_no_first): the last fragment of a UDP datagram, a middle fragment of
an ICMP echo, and the last fragment of a UDP datagram arriving *before* its
first fragment. That first fragment, arriving afterwards, is decided as a
new flow (allowed by the CIDR rule). A plain SYN opens the capture.
""")
def frag_no_first():
    u1 = IP(src=BOT, dst="198.18.0.10", id=0x1111) / UDP(sport=50111, dport=5000) / Raw(b"u" * 3000)
    e = IP(src=BOT, dst="198.18.0.10", id=0x2222) / ICMP(id=7, seq=1) / Raw(b"e" * 3000)
    u3 = IP(src=BOT, dst="198.18.0.10", id=0x3333) / UDP(sport=50112, dport=5000) / Raw(b"o" * 100)
    f1 = fragments_of(u1, [1480, 2960])
    f2 = fragments_of(e, [1480, 2960])
    f3 = fragments_of(u3, [64])
    return [syn(50110, "198.18.0.10"), f1[2], f2[1], f3[1], f3[0]]


@case("""[policy]
name = fragudp
default = deny

[allow]
cidr = 198.18.0.10/32 udp/5000
""", [
    flow("allow", "rule", "allow cidr 198.18.0.10/32 udp/5000", "198.18.0.10", 5000, 50200, proto="udp"),
    flow("deny", "default", DD, "198.18.0.11", 5000, 50201, proto="udp"),
], dict(packets=7, allowed=4, dropped=3, flows=2, drop_policy=3), """
Whole fragmented UDP datagrams (3000 bytes of payload, three fragments each).
The first fragment carries the ports and decides; later fragments follow its
verdict without a decision of their own:
- to 198.18.0.10:5000, allowed by the CIDR rule: all three pass, and so does
  the (unfragmented) reply;
- to 198.18.0.11:5000, no rule: the first fragment is denied by the default
  and the other two are dropped with it (drop_policy 3).
""")
def frag_udp():
    ok = IP(src=BOT, dst="198.18.0.10", id=0x5001) / UDP(sport=50200, dport=5000) / Raw(b"a" * 3000)
    no = IP(src=BOT, dst="198.18.0.11", id=0x5002) / UDP(sport=50201, dport=5000) / Raw(b"b" * 3000)
    reply = udp("198.18.0.10", 5000, BOT, 50200, b"thanks")
    return fragments_of(ok, [1480, 2960]) + fragments_of(no, [1480, 2960]) + [reply]


@case("""[policy]
name = v6ext
default = deny

[allow]
cidr = 2001:db8::/64 udp/5000
""", [
    flow("allow", "rule", "allow cidr 2001:db8::/64 udp/5000", "2001:db8::10", 5000, 50300,
         proto="udp", src=BOT6),
    flow("allow", "rule", "allow cidr 2001:db8::/64 udp/5000", "2001:db8::10", 5000, 50301,
         proto="udp", src=BOT6),
], dict(packets=5, allowed=3, dropped=2, drop_ipv6_ext_chain=1, drop_ipv6_ext_order=1), """
IPv6 extension-header chains (the bottle is 2001:db8:2::100, the source of
the first packet):
1. one destination-options header before UDP: walked, allowed (new flow);
2. eight destination-options headers (the bound, IPV6_EXT_MAX): still
   walked, allowed (new flow, another source port);
3. nine: over the bound, ipv6_ext_chain;
4. destination options, then hop-by-hop: hop-by-hop must come first,
   ipv6_ext_order;
5. hop-by-hop first, as it should be: allowed, part of flow 1.
""")
def ipv6_ext():
    def v6(sport, *ext):
        p = IPv6(src=BOT6, dst="2001:db8::10")
        for e in ext:
            p = p / e
        return p / UDP(sport=sport, dport=5000) / Raw(b"x" * 16)
    d = IPv6ExtHdrDestOpt
    return [
        v6(50300, d()),
        v6(50301, *[d() for _ in range(8)]),
        v6(50302, *[d() for _ in range(9)]),
        v6(50303, d(), IPv6ExtHdrHopByHop()),
        v6(50300, IPv6ExtHdrHopByHop()),
    ]


@case("""[policy]
name = spoof
default = deny

[allow]
cidr = 198.18.0.10/32 tcp/80
""", [
    flow("deny", "spoofed_source", None, "198.18.0.10", 80, 50400, src="10.0.2.99"),
    flow("deny", "spoofed_source", None, "198.18.0.10", 80, 50401, src="198.18.0.99"),
    flow("allow", "rule", "allow cidr 198.18.0.10/32 tcp/80", "198.18.0.10", 80, 50402),
], dict(packets=5, allowed=2, dropped=3, drop_spoofed_source=2, drop_no_flow=1), """
The bottle is named (`--bottle 10.0.2.100`, see `args`), so the capture's
first packet does not define it. A SYN from 10.0.2.99 (another inside
address) and one from 198.18.0.99 to 198.18.0.10 (neither from nor to the
bottle) are refused before policy as spoofed_source, although the CIDR rule
would allow the destination. The bottle's own SYN is allowed and its SYN-ACK
follows the flow. An inbound segment to a port with no flow is no_flow.
""", args=["--bottle", BOT])
def spoofed_source():
    return [
        tcp("10.0.2.99", 50400, "198.18.0.10", 80),
        tcp("198.18.0.99", 50401, "198.18.0.10", 80),
        syn(50402, "198.18.0.10"),
        synack(50402, "198.18.0.10"),
        tcp("198.18.0.10", 80, BOT, 50403, flags="A"),
    ]


@case("""[policy]
name = offchain
default = deny

[allow]
domain = www.example.test tcp/80
domain = evil.example.test tcp/80
""", [
    dns("allow", "rule", "allow domain www.example.test tcp/80", "www.example.test", 50500),
    flow("allow", "rule", "allow domain www.example.test tcp/80", "198.18.0.30", 80, 50501,
         name_="www.example.test"),
    flow("deny", "default", DD, "198.18.0.99", 80, 50502),
    flow("deny", "default", DD, "198.18.0.98", 80, 50503),
], dict(packets=5, allowed=3, dropped=2, dns_allowed=1, dns_denied=0, drop_policy=2), """
Answer poisoning by records off the CNAME chain. The answer to
`www.example.test A` holds:
  www.example.test CNAME edge.cdn-example.test
  edge.cdn-example.test A 198.18.0.30        (on the chain: learnt)
  evil.example.test A 198.18.0.99            (answer section, off the chain)
and, in the additional section, www.example.test A 198.18.0.98 (only the
answer section counts). Only 198.18.0.30 is learnt, under www.example.test.
198.18.0.99 stays unreachable even though the policy allows
evil.example.test: nobody asked for that name. 198.18.0.98 likewise.
""")
def cname_offchain():
    cname_rr = rr(ptr(QNAME_OFF), "CNAME", 300, name("edge.cdn-example.test"))
    edge_off = 12 + len(name("www.example.test")) + 4 + 12	# the CNAME's rdata
    msg = answer(0x3001, "www.example.test", [
        cname_rr,
        rr(ptr(edge_off), "A", 300, a("198.18.0.30")),
        rr(name("evil.example.test"), "A", 300, a("198.18.0.99")),
    ], ar=1, extra=rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.98")))
    return [
        q(50500, 0x3001, "www.example.test"),
        r(50500, msg),
        syn(50501, "198.18.0.30"),
        syn(50502, "198.18.0.99"),
        syn(50503, "198.18.0.98"),
    ]


@case(CIDR_ANY.replace("name = frag", "name = flags"), [
    flow("allow", "rule", "allow cidr 198.18.0.0/24", "198.18.0.10", 80, 50600),
], dict(packets=6, allowed=1, dropped=5, drop_tcp_flags=4, drop_tcp_port_zero=1), """
Impossible TCP segments are refused by the parser, before any flow or policy
(no decision lines): SYN+FIN, SYN+RST, no flags at all (a "null scan") and
every flag lit (a "Xmas" segment) are tcp_flags, and a SYN to port 0 is
tcp_port_zero. The CIDR rule would allow all of them; a plain SYN first is
allowed.
""")
def tcp_flags():
    return [
        syn(50600, "198.18.0.10"),
        tcp(BOT, 50601, "198.18.0.10", 80, flags="SF"),
        tcp(BOT, 50602, "198.18.0.10", 80, flags="SR"),
        tcp(BOT, 50603, "198.18.0.10", 80, flags=""),
        tcp(BOT, 50604, "198.18.0.10", 80, flags="FSRPAUEC"),
        tcp(BOT, 50605, "198.18.0.10", 0, flags="S"),
    ]


@case("""[policy]
name = unsolicited
default = deny

[allow]
domain = web.example.test tcp/80
""", [
    dns("allow", "rule", "allow domain web.example.test tcp/80", "web.example.test", 50701),
    flow("deny", "default", DD, "198.18.0.66", 80, 50703),
    flow("allow", "rule", "allow domain web.example.test tcp/80", "198.18.0.10", 80, 50704,
         name_="web.example.test"),
], dict(packets=7, allowed=3, dropped=4, dns_allowed=1, dns_denied=0,
        drop_dns_unsolicited=3, drop_policy=1), """
Answers must match a pending allowed query by client port, DNS id and
question. The query is written in mixed case, `WeB.ExAmPlE.TeSt` (names are
compared and logged normalised: the decision's qname is web.example.test).
Then:
- an answer with the right port and question but another id (teaching
  198.18.0.66): dns_unsolicited;
- the right id but another client port (198.18.0.67): dns_unsolicited;
- an answer to a port that asked nothing (198.18.0.68): dns_unsolicited;
- the real answer (same id, port, and the question echoed in the query's
  case): learnt, 198.18.0.10.
A connection to 198.18.0.66 is denied by the default; to 198.18.0.10,
allowed through the name.
""")
def dns_unsolicited():
    qn = "WeB.ExAmPlE.TeSt"
    good = [rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.10"))]
    return [
        q(50701, 0x5001, qn),
        r(50701, answer(0x5002, qn, [rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.66"))])),
        r(50799, answer(0x5001, qn, [rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.67"))])),
        r(50702, answer(0x5003, "web.example.test",
                        [rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.68"))])),
        r(50701, answer(0x5001, qn, good)),
        syn(50703, "198.18.0.66"),
        syn(50704, "198.18.0.10"),
    ]


def svcb(priority, target, params):
    """SVCB/HTTPS rdata; @params: (key, value bytes) in ascending key order"""
    out = struct.pack("!H", priority) + name(target)
    for k, v in params:
        out += struct.pack("!HH", k, len(v)) + v
    return out


@case("""[policy]
name = https
default = deny

[allow]
domain = svc.example.test tcp/443
""", [
    dns("allow", "rule", "allow domain svc.example.test tcp/443", "svc.example.test", 50800,
        qtype="HTTPS"),
    flow("allow", "rule", "allow domain svc.example.test tcp/443", "198.18.0.40", 443, 50801,
         name_="svc.example.test"),
    flow("deny", "default", DD, "198.18.0.41", 443, 50802),
], dict(packets=4, allowed=3, dropped=1, dns_allowed=1, dns_denied=0, drop_policy=1), """
An HTTPS (type 65) query answered with an HTTPS record in service mode
(priority 1, target ".") carrying alpn=h2, ipv4hint=198.18.0.40 and
ipv6hint=2001:db8::40. The hints are learnt for svc.example.test: a TLS
connection to 198.18.0.40:443 is allowed through the name; 198.18.0.41,
never mentioned, is denied by the default.
""")
def https_hint():
    rdata = svcb(1, "", [(1, b"\x02h2"), (4, a("198.18.0.40")), (6, aaaa("2001:db8::40"))])
    return [
        q(50800, 0x6001, "svc.example.test", "HTTPS"),
        r(50800, answer(0x6001, "svc.example.test",
                        [rr(ptr(QNAME_OFF), "HTTPS", 300, rdata)], qtype="HTTPS")),
        syn(50801, "198.18.0.40", 443),
        syn(50802, "198.18.0.41", 443),
    ]


@case("""[policy]
name = clamp
default = deny
min_ttl = 30
max_ttl = 60

[allow]
domain = short.example.test tcp/80
domain = long.example.test tcp/80
""", [
    dict(dns("allow", "rule", "allow domain short.example.test tcp/80", "short.example.test", 50900),
         ts=T0, policy="clamp"),
    dns("allow", "rule", "allow domain long.example.test tcp/80", "long.example.test", 50901),
    dict(flow("allow", "rule", "allow domain short.example.test tcp/80", "198.18.0.21", 80, 50902,
              name_="short.example.test"), ts=T0 + 10),
    dict(flow("deny", "default", DD, "198.18.0.21", 80, 50903), ts=T0 + 40),
    dict(flow("allow", "rule", "allow domain long.example.test tcp/80", "198.18.0.22", 80, 50904,
              name_="long.example.test"), ts=T0 + 50),
    dict(flow("deny", "default", DD, "198.18.0.22", 80, 50905), ts=T0 + 70),
], dict(packets=8, allowed=6, dropped=2, dns_allowed=2, dns_denied=0, drop_policy=2), """
TTL clamping on the capture's clock, with min_ttl = 30 and max_ttl = 60.
At t=0 short.example.test answers 198.18.0.21 with TTL 1 (raised to 30) and
long.example.test answers 198.18.0.22 with TTL 3600 (cut to 60). New
connections:
- t=10 s to .21: allowed (TTL 1 alone would have expired);
- t=40 s to .21: expired at 30, default deny;
- t=50 s to .22: allowed;
- t=70 s to .22: expired at 60, default deny.
The decisions' timestamps are the capture's (`ts`, checked here).
""")
def ttl_clamp():
    return [
        (0.000, q(50900, 0x7001, "short.example.test")),
        (0.001, r(50900, answer(0x7001, "short.example.test",
                                [rr(ptr(QNAME_OFF), "A", 1, a("198.18.0.21"))]))),
        (0.002, q(50901, 0x7002, "long.example.test")),
        (0.003, r(50901, answer(0x7002, "long.example.test",
                                [rr(ptr(QNAME_OFF), "A", 3600, a("198.18.0.22"))]))),
        (10.0, syn(50902, "198.18.0.21")),
        (40.0, syn(50903, "198.18.0.21")),
        (50.0, syn(50904, "198.18.0.22")),
        (70.0, syn(50905, "198.18.0.22")),
    ]


PRIVATE = [
    ("mapped.example.test", "AAAA", "::ffff:198.18.0.10"),	# IPv4-mapped
    ("nat64.example.test", "AAAA", "64:ff9b::c612:a"),	# NAT64, embeds 198.18.0.10
    ("sixtofour.example.test", "AAAA", "2002:c612:a::1"),	# 6to4, embeds 198.18.0.10
    ("cgnat.example.test", "A", "100.64.1.1"),
    ("meta.example.test", "A", "169.254.169.254"),
    ("ula.example.test", "AAAA", "fd00::1"),
]


@case("""[policy]
name = embedded
default = deny

[allow]
""" + "".join(f"domain = {n}\n" for n, _, _ in PRIVATE), [
    x for i, (n, t, _) in enumerate(PRIVATE) for x in (
        dns("allow", "rule", f"allow domain {n}", n, 51000 + i, qtype=t),
        refused(n))
] + [flow("deny", "default", DD, "100.64.1.1", 80, 51010)],
    dict(packets=13, allowed=6, dropped=7, dns_allowed=6, dns_denied=6,
         drop_dns_private_answer=6, drop_policy=1), """
Answers that point at special-purpose addresses other than the classic
RFC 1918 ones are refused too (dns_private_answer), each logged after its
allowed query: IPv4-mapped ::ffff:198.18.0.10, NAT64 64:ff9b::c612:a and
6to4 2002:c612:a::1 (all three embed an IPv4 address, a way around IPv4
rules), CGNAT 100.64.1.1, link-local 169.254.169.254 (cloud metadata), and
ULA fd00::1. Each refusal is a DNS "deny" decision and counts in
dns_denied, beside the six allowed queries in dns_allowed. A connection to
100.64.1.1 afterwards is denied by the default.
""")
def private_embedded():
    out = []
    for i, (n, t, addr) in enumerate(PRIVATE):
        data = aaaa(addr) if t == "AAAA" else a(addr)
        out.append(q(51000 + i, 0x8000 + i, n, t))
        out.append(r(51000 + i, answer(0x8000 + i, n, [rr(ptr(QNAME_OFF), t, 300, data)],
                                       qtype=t)))
    out.append(syn(51010, "100.64.1.1"))
    return out


@case("""[policy]
name = protos
default = allow
""", [
    flow("allow", "default", DA, "198.18.0.10", 80, 51100),
    flow("deny", "proto_unsupported", None, "198.18.0.10", None, proto=None),
    flow("deny", "proto_unsupported", None, "198.18.0.10", None, proto=None),
], dict(packets=3, allowed=1, dropped=2, drop_proto_unsupported=2), """
Transport protocols sentry does not forward are refused before policy, even
under `default = allow`: GRE (47) and SCTP (132) from the bottle, each a
flow decision with reason proto_unsupported. A TCP SYN first is allowed by
the default.
""")
def proto_unsupported():
    return [
        syn(51100, "198.18.0.10"),
        IP(src=BOT, dst="198.18.0.10", proto=47) / Raw(b"\x00\x00\x08\x00" + b"g" * 20),
        IP(src=BOT, dst="198.18.0.10", proto=132) / Raw(b"\x00" * 28),
    ]


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_fix(raw):
    """recompute the IPv4 header checksum of @raw (bytes) after an edit"""
    b = bytearray(raw)
    ihl = (b[0] & 0xF) * 4
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", csum16(bytes(b[:max(ihl, 20)])))
    return bytes(b)


MALFORMED_IP = [
    "ipv4_checksum", "ipv4_hdr_len", "ipv4_total_len", "ipv4_options", "ip_version",
    "ipv4_truncated", "ip_bad_addr", "tcp_hdr_len", "udp_length",
    "udp_port_zero", "icmp_type",
]


@case("""[policy]
name = malformed_ip
default = allow
""", [
    flow("allow", "default", DA, "198.18.0.10", 80, 51200),
], dict(packets=12, allowed=1, dropped=11, **{f"drop_{x}": 1 for x in MALFORMED_IP}), """
Malformed packets are dropped with their parse reason and never reach flow
or policy (no decision lines), even under `default = allow`. After one good
SYN (allowed by the default), one packet for each of: ipv4_checksum (header
checksum off by one), ipv4_hdr_len (IHL 4), ipv4_total_len (total length
past the captured bytes), ipv4_options (a record-route option claiming 16
bytes in a 4-byte option area), ip_version (version 5), ipv4_truncated (12
bytes), ip_bad_addr (to 255.255.255.255), tcp_hdr_len (data offset 4),
udp_length (UDP length 100 in a 12-byte datagram), udp_port_zero
(destination port 0) and icmp_type (an ICMP redirect from the bottle).
""")
def malformed_ip():
    good = bytes(syn(51201, "198.18.0.10"))
    out = [syn(51200, "198.18.0.10")]
    b = bytearray(good)					# header checksum off by one
    b[10:12] = struct.pack("!H", (struct.unpack("!H", b[10:12])[0] + 1) & 0xFFFF)
    out.append(bytes(b))
    b = bytearray(good); b[0] = 0x44; out.append(ipv4_fix(b))	# IHL 4
    b = bytearray(good); b[2:4] = struct.pack("!H", len(good) + 40)
    out.append(ipv4_fix(b))					# total length past the end
    opt = bytearray(good[:20]) + b"\x07\x10\x04\x00" + good[20:]
    opt[0] = 0x46
    opt[2:4] = struct.pack("!H", len(opt))
    out.append(ipv4_fix(opt))					# option past the header
    b = bytearray(good); b[0] = 0x55; out.append(ipv4_fix(b))	# version 5
    out.append(good[:12])					# truncated header
    out.append(bytes(IP(src=BOT, dst="255.255.255.255") / UDP(sport=51202, dport=9) / Raw(b"x")))
    b = bytearray(good); b[20 + 12] = 0x40			# TCP data offset 4
    out.append(bytes(b))
    u = bytearray(bytes(udp(BOT, 51203, "198.18.0.10", 5000, b"abcd")))
    u[24:26] = struct.pack("!H", 100)				# UDP length field
    out.append(bytes(u))
    out.append(udp(BOT, 51204, "198.18.0.10", 0, b"abcd"))	# port 0
    out.append(IP(src=BOT, dst="198.18.0.10") / ICMP(type=5, code=1, gw="198.18.0.1")
               / Raw(bytes(udp(BOT, 51205, "198.18.0.10", 5000, b"q"))))
    return out


MALFORMED_Q = ["dns_not_query", "dns_qdcount", "dns_pointer_in_query",
               "dns_sections", "dns_label_type", "dns_trailing", "dns_name_len"]


@case("""[policy]
name = badquery
default = allow
""", [
    dns("allow", "default", DA, "web.example.test", 51300),
], dict(packets=8, allowed=1, dropped=7, dns_allowed=1, dns_denied=0,
        **{f"drop_{x}": 1 for x in MALFORMED_Q}), """
Malformed DNS queries from the bottle are dropped with their parse reason
before any policy decision, even under `default = allow` (only the first,
well-formed query is a decision): a query with QR set (dns_not_query), two
questions (dns_qdcount), a compression pointer in the question
(dns_pointer_in_query), an answer record in a query (dns_sections), a
64-byte label (its length byte 0x40 is the extended label type:
dns_label_type), trailing bytes (dns_trailing), and a name of four 63-byte
labels, 257 bytes on the wire where 255 is the most (dns_name_len).
""")
def dns_query_malformed():
    qs = [
        query(0x9001, "web.example.test"),
        header(0x9002, 0x8100) + question("web.example.test"),
        header(0x9003, 0x0100, qd=2) + question("web.example.test") + question("web.example.test"),
        header(0x9004, 0x0100) + b"\x03web" + ptr(QNAME_OFF) + struct.pack("!HH", 1, 1),
        header(0x9005, 0x0100, an=1) + question("web.example.test")
        + rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.10")),
        header(0x9006, 0x0100) + bytes([64]) + b"w" * 64 + name("example.test")
        + struct.pack("!HH", 1, 1),
        query(0x9007, "web.example.test") + b"\x00\x01\x02",
        header(0x9008, 0x0100) + labels(*["n" * 63] * 4) + struct.pack("!HH", 1, 1),
    ]
    return [q_ for q_ in (udp(BOT, 51300 + i, NS, 53, m) for i, m in enumerate(qs))]


@case("""[policy]
name = icmperr
default = deny

[allow]
cidr = 198.18.0.10/32 udp/5000
""", [
    flow("allow", "rule", "allow cidr 198.18.0.10/32 udp/5000", "198.18.0.10", 5000, 51400,
         proto="udp"),
], dict(packets=4, allowed=2, dropped=2, drop_no_flow=2), """
Inbound ICMP errors belong to the flow of the packet they quote:
- a UDP datagram to 198.18.0.10:5000 (allowed by the CIDR rule);
- port unreachable from 198.18.0.10 quoting that datagram: follows its flow,
  allowed;
- port unreachable quoting a datagram from port 51401, which the bottle
  never sent: no flow, no_flow;
- an echo reply from 198.18.0.10 with an identifier the bottle never used:
  inbound with no flow, no_flow.
""")
def icmp_error():
    sent = udp(BOT, 51400, "198.18.0.10", 5000, b"ping")
    ghost = udp(BOT, 51401, "198.18.0.10", 5000, b"ping")
    return [
        sent,
        IP(src="198.18.0.10", dst=BOT) / ICMP(type=3, code=3) / Raw(bytes(sent)),
        IP(src="198.18.0.10", dst=BOT) / ICMP(type=3, code=3) / Raw(bytes(ghost)),
        IP(src="198.18.0.10", dst=BOT) / ICMP(type=0, id=9, seq=1) / Raw(b"hello"),
    ]


@case("""[policy]
name = fragkey
default = deny

[allow]
cidr = 198.18.0.10/32 udp/5000
""", [
    flow("allow", "rule", "allow cidr 198.18.0.10/32 udp/5000", "198.18.0.10", 5000, 52100,
         proto="udp"),
], dict(packets=4, allowed=2, dropped=2, drop_frag_no_first=2), """
A later fragment follows its first fragment's verdict only if it belongs to
the same datagram: same source, destination, protocol and IP id. An allowed
first fragment (id 0x7777, UDP to 198.18.0.10:5000) must not carry through:
- a later fragment with id 0x7777 addressed to 198.18.0.11 (no rule),
- a later fragment with id 0x7777 to 198.18.0.10 but protocol ICMP;
both are frag_no_first. The genuine last fragment passes.
""")
def frag_key():
    dgram = IP(src=BOT, dst="198.18.0.10", id=0x7777) / UDP(sport=52100, dport=5000) / Raw(b"k" * 2000)
    first, last = fragments_of(dgram, [1480])
    other_dst = IP(src=BOT, dst="198.18.0.11", id=0x7777, proto=17, frag=185) / Raw(b"k" * 528)
    other_proto = IP(src=BOT, dst="198.18.0.10", id=0x7777, proto=1, frag=185) / Raw(b"k" * 528)
    return [first, other_dst, other_proto, last]


@case("""[policy]
name = fragv6
default = deny

[allow]
cidr = 2001:db8::10/128 udp/5000
""", [
    flow("allow", "rule", "allow cidr 2001:db8::10/128 udp/5000", "2001:db8::10", 5000, 52200,
         proto="udp", src=BOT6),
    flow("deny", "default", DD, "2001:db8::11", 5000, 52201, proto="udp", src=BOT6),
    flow("allow", "rule", "allow cidr 2001:db8::10/128 udp/5000", "2001:db8::10", 5000, 52202,
         proto="udp", src=BOT6),
], dict(packets=7, allowed=4, dropped=3, drop_policy=3), """
IPv6 fragments (a fragment extension header). The bottle is 2001:db8:2::100.
- a 3000-byte UDP datagram to [2001:db8::10]:5000 in three fragments: the
  first decides (allowed by the CIDR rule), the other two follow;
- the same to [2001:db8::11]:5000: denied by the default, and its later
  fragments are dropped with it;
- an atomic fragment (RFC 6946: offset 0, no more fragments) is a whole
  datagram: a new flow, allowed.
""")
def frag_v6():
    def big(dst, sport, ident):
        p = IPv6(src=BOT6, dst=dst) / IPv6ExtHdrFragment(id=ident) / UDP(sport=sport, dport=5000) \
            / Raw(b"s" * 3000)
        return fragment6(p, 1280)
    atomic = IPv6(src=BOT6, dst="2001:db8::10") / IPv6ExtHdrFragment(id=0x6003, offset=0, m=0) \
        / UDP(sport=52202, dport=5000) / Raw(b"atomic")
    return big("2001:db8::10", 52200, 0x6001) + big("2001:db8::11", 52201, 0x6002) + [atomic]


@case("""[policy]
name = inbound
default = deny

[allow]
cidr = 198.18.0.10/32 tcp/80
""", [
    flow("allow", "rule", "allow cidr 198.18.0.10/32 tcp/80", "198.18.0.10", 80, 52300),
    flow("deny", "default", DD, "198.18.0.11", 80, 52301),
], dict(packets=6, allowed=2, dropped=4, drop_policy=2, drop_no_flow=2), """
What comes in follows the flows the bottle opened, and nothing else does:
- the bottle's SYN to 198.18.0.10:80 is allowed, and the SYN-ACK follows;
- its SYN to 198.18.0.11:80 is denied by the default, and the SYN-ACK that
  came back anyway follows that flow's verdict (dropped, policy);
- a SYN from outside to the bottle's port 22, and a UDP datagram from
  198.18.0.10:123 to a port the bottle never used: no flow, no_flow. Neither
  is a decision.
""")
def inbound():
    return [
        syn(52300, "198.18.0.10"),
        synack(52300, "198.18.0.10"),
        syn(52301, "198.18.0.11"),
        synack(52301, "198.18.0.11"),
        tcp("198.18.0.10", 40000, BOT, 22, flags="S"),
        udp("198.18.0.10", 123, BOT, 52302, b"\x24" + b"\0" * 47),
    ]


@case("""[policy]
name = pending
default = deny

[allow]
domain = multi.example.test tcp/80
domain = other.example.test
""", [
    dns("allow", "rule", "allow domain multi.example.test tcp/80", "multi.example.test", 52000),
    dns("allow", "rule", "allow domain multi.example.test tcp/80", "multi.example.test", 52000,
        qtype="AAAA"),
    dns("allow", "rule", "allow domain other.example.test", "other.example.test", 52001,
        dst="198.19.0.1"),
    dns("allow", "rule", "allow domain multi.example.test tcp/80", "multi.example.test", 52002),
    flow("allow", "rule", "allow domain multi.example.test tcp/80", "198.18.0.50", 80, 52003,
         name_="multi.example.test"),
    flow("allow", "rule", "allow domain other.example.test", "198.18.0.51", 80, 52004,
         name_="other.example.test"),
    flow("deny", "default", DD, "198.18.0.52", 80, 52005),
], dict(packets=11, allowed=9, dropped=2, dns_allowed=4, dns_denied=0,
        drop_dns_mismatch=1, drop_policy=1), """
Pending queries, matched by client port, id and question:
- A and AAAA for multi.example.test in flight together from one port (as
  glibc sends them); the answers come back in the other order, each matches
  its own query, the A answer teaches 198.18.0.50;
- DNS to *any* address on port 53 is DNS: other.example.test asked of
  198.19.0.1; its answer teaches 198.18.0.51;
- a third query for multi.example.test gets an answer with the right port
  and id but the question other.example.test (teaching 198.18.0.52): the
  question differs from the one asked, dns_mismatch, nothing learnt.
Then HTTP to .50 and .51 is allowed through their names, and to .52 denied by
the default.
""")
def dns_pending():
    def ans(ident, qname, qtype, rdata):
        return answer(ident, qname, [rr(ptr(QNAME_OFF), qtype, 300, rdata)], qtype=qtype)
    return [
        q(52000, 0xA001, "multi.example.test"),
        q(52000, 0xA002, "multi.example.test", "AAAA"),
        r(52000, ans(0xA002, "multi.example.test", "AAAA", aaaa("2001:db8::50"))),
        r(52000, ans(0xA001, "multi.example.test", "A", a("198.18.0.50"))),
        udp(BOT, 52001, "198.19.0.1", 53, query(0xA003, "other.example.test")),
        udp("198.19.0.1", 53, BOT, 52001, ans(0xA003, "other.example.test", "A", a("198.18.0.51"))),
        q(52002, 0xA004, "multi.example.test"),
        r(52002, ans(0xA004, "other.example.test", "A", a("198.18.0.52"))),
        syn(52003, "198.18.0.50"),
        syn(52004, "198.18.0.51"),
        syn(52005, "198.18.0.52"),
    ]


def labels(*ls):
    """a wire name from raw labels (a label may hold a '.')"""
    return b"".join(bytes([len(x)]) + x.encode() for x in ls) + b"\0"


@case("""[policy]
name = labeldot
default = deny

[allow]
domain = web.example.test tcp/80
""", [
    dns("deny", "default", DD, "web\\046example.test", 52400),
    flow("deny", "default", DD, "198.18.0.10", 80, 52401),
    dns("allow", "rule", "allow domain web.example.test tcp/80", "web.example.test", 52402),
], dict(packets=4, allowed=1, dropped=3, dns_allowed=1, dns_denied=1,
        drop_dns_denied=1, drop_dns_unsolicited=1, drop_policy=1), """
A label may hold any byte, a '.' included. The query's name is the two
labels `web.example` and `test`: printed naively it reads
"web.example.test", but it is not that name. It must not match `domain =
web.example.test`: denied by the default, and logged in the escaped form
`web\046example.test` (JSON: "web\\046example.test"). The answer to it is
then unsolicited and 198.18.0.10 stays unreachable. The real
web.example.test (three labels) is allowed right after (its answer is not
sent: nothing is learnt).
""")
def dns_label_dot():
    trick = header(0xB001, 0x0100) + labels("web.example", "test") + struct.pack("!HH", 1, 1)
    ans = header(0xB001, 0x8180, 1, 1) + labels("web.example", "test") + struct.pack("!HH", 1, 1) \
        + rr(ptr(QNAME_OFF), "A", 300, a("198.18.0.10"))
    return [
        udp(BOT, 52400, NS, 53, trick),
        r(52400, ans),
        syn(52401, "198.18.0.10"),
        q(52402, 0xB002, "web.example.test"),
    ]


@case("""[policy]
name = ttlzero
default = deny
min_ttl = 0
max_ttl = 60

[allow]
domain = zero.example.test tcp/80
domain = five.example.test tcp/80
""", [
    dns("allow", "rule", "allow domain zero.example.test tcp/80", "zero.example.test", 52500),
    flow("deny", "default", DD, "198.18.0.23", 80, 52501),
    dns("allow", "rule", "allow domain five.example.test tcp/80", "five.example.test", 52502),
    flow("allow", "rule", "allow domain five.example.test tcp/80", "198.18.0.24", 80, 52503,
         name_="five.example.test"),
    flow("deny", "default", DD, "198.18.0.24", 80, 52504),
], dict(packets=7, allowed=5, dropped=2, dns_allowed=2, dns_denied=0, drop_policy=2), """
TTLs at the low end, with `min_ttl = 0`: an answer with TTL 0 may not be
cached, so the address it gives is not reachable a millisecond later
(default deny). An answer with TTL 5 keeps its address reachable at +4 s
and no longer at +6 s (times from the answer, on the capture clock).
""")
def ttl_zero():
    return [
        (0.000, q(52500, 0xC001, "zero.example.test")),
        (0.001, r(52500, answer(0xC001, "zero.example.test",
                                [rr(ptr(QNAME_OFF), "A", 0, a("198.18.0.23"))]))),
        (0.002, syn(52501, "198.18.0.23")),
        (1.000, q(52502, 0xC002, "five.example.test")),
        (1.001, r(52502, answer(0xC002, "five.example.test",
                                [rr(ptr(QNAME_OFF), "A", 5, a("198.18.0.24"))]))),
        (5.001, syn(52503, "198.18.0.24")),
        (7.001, syn(52504, "198.18.0.24")),
    ]


@case(CIDR_ANY.replace("name = frag", "name = v4only"), [
    flow("allow", "rule", "allow cidr 198.18.0.0/24", "198.18.0.10", 80, 52600),
    flow("deny", "ipv6_disabled", None, "2001:db8::10", 80, 52601, src=BOT6),
], dict(packets=2, allowed=1, dropped=1, drop_ipv6_disabled=1), """
The bottle is the source of the first packet, 10.0.2.100: it has no IPv6
address. A later IPv6 packet (from 2001:db8:2::100, not addressed to the
bottle) is taken as the bottle's and refused before policy as
ipv6_disabled, as the live gateway would refuse any IPv6 packet read from
the TUN of a bottle without an IPv6 address. The CIDR rule does not matter.
""")
def ipv6_disabled():
    return [
        syn(52600, "198.18.0.10"),
        IPv6(src=BOT6, dst="2001:db8::10") / TCP(sport=52601, dport=80, flags="S", seq=1000),
    ]


# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Names a flow presents (common/namecheck.c): allowed.example and
# other.example share 198.18.7.7; the policy allows allowed.example only.

NAMECHECK_POLICY = """[policy]
name = names
default = deny

[allow]
domain = allowed.example tcp/443 tcp/80 udp/443
"""
SHARED = "198.18.7.7"
ALLOWED_RULE = "allow domain allowed.example tcp/443 tcp/80 udp/443"


def learn_shared(sport=51000, ident=0x5001):
    """allowed.example resolves to the shared address"""
    return [q(sport, ident, "allowed.example"),
            r(sport, answer(ident, "allowed.example",
                            [rr(ptr(QNAME_OFF), "A", 300, a(SHARED))]))]


def client_hello(sni, pad=0):
    """a TLS 1.3-shaped ClientHello handshake message naming @sni"""
    ext = b""
    if pad:
        ext += struct.pack("!HH", 21, pad) + bytes(pad)	# padding
    if sni is not None:
        n = sni.encode()
        ext += struct.pack("!HHHBH", 0, len(n) + 5, len(n) + 3, 0, len(n)) + n
    ext += struct.pack("!HHBH", 43, 3, 2, 0x0304)		# supported_versions
    body = (b"\x03\x03" + b"\xab" * 32 + b"\x00" + struct.pack("!HH", 2, 0x1301)
            + b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def tls_record(hello):
    return b"\x16\x03\x01" + struct.pack("!H", len(hello)) + hello


def seg(sport, dport, flags, seq, payload=b"", dst=SHARED):
    p = IP(src=BOT, dst=dst) / TCP(sport=sport, dport=dport, flags=flags,
                                   seq=seq, ack=1 if "A" in flags else 0,
                                   window=64240)
    return p / Raw(payload) if payload else p


def hkdf_label(secret, label, length):
    import hashlib
    import hmac
    full = b"tls13 " + label.encode()
    info = struct.pack("!HB", length, len(full)) + full + b"\x00\x01"
    return hmac.new(secret, info, hashlib.sha256).digest()[:length]


def quic_initial(dcid, crypto_off, data, pn=0):
    """a client Initial (QUIC v1) with one CRYPTO frame, padded to 1200
    bytes, protected with the Initial keys of RFC 9001 5"""
    import hashlib
    import hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    salt = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
    initial = hmac.new(salt, dcid, hashlib.sha256).digest()
    secret = hkdf_label(initial, "client in", 32)
    key, iv, hp = (hkdf_label(secret, "quic key", 16), hkdf_label(secret, "quic iv", 12),
                   hkdf_label(secret, "quic hp", 16))
    frame = (b"\x06" + struct.pack("!I", 0x80000000 | crypto_off)
             + struct.pack("!H", 0x4000 | len(data)) + data)
    head = b"\xc0" + struct.pack("!I", 1) + bytes([len(dcid)]) + dcid + b"\x00\x00"
    plen = 1200 - len(head) - 2
    head += struct.pack("!H", 0x4000 | plen) + bytes([pn])
    frame += bytes(plen - 1 - 16 - len(frame))
    nonce = iv[:-1] + bytes([iv[-1] ^ pn])
    sealed = AESGCM(key).encrypt(nonce, frame, head)
    pkt = bytearray(head + sealed)
    pn_off = len(head) - 1
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(bytes(pkt[pn_off + 4:pn_off + 20])) + enc.finalize()
    pkt[0] ^= mask[0] & 0x0f
    pkt[pn_off] ^= mask[1]
    return bytes(pkt)


def nc_flow(sport, dport=443, proto="tcp"):
    return flow("allow", "rule", ALLOWED_RULE, SHARED, dport, sport, proto=proto,
                name_="allowed.example")


def nc_refused(sport, presented, dport=443, proto="tcp", reason="name_mismatch"):
    o = flow("deny", reason, None, SHARED, dport, sport, proto=proto)
    if presented:
        o = dict(list(o.items())[:3] + [("name", presented)] + list(o.items())[3:])
    return o


NC_DNS = dns("allow", "rule", ALLOWED_RULE, "allowed.example", 51000)


@case(NAMECHECK_POLICY, [
    NC_DNS,
    nc_flow(51001),
    nc_flow(51002),
    nc_refused(51002, "other.example"),
    nc_flow(51003),
], dict(packets=10, allowed=8, dropped=2, dns_allowed=1, drop_name_mismatch=2), """
TLS server_name must be a name the policy allows. allowed.example resolves
to 198.18.7.7, which other.example shares. A connection presenting
`allowed.example` passes; one presenting `other.example` is refused at its
ClientHello (name_mismatch, the decision names other.example) and stays
refused (its next segment too); a ClientHello with no server_name passes,
decided as today.
""")
def sni_mismatch():
    ok, bad, none = (tls_record(client_hello(n)) for n in
                     ("allowed.example", "other.example", None))
    return learn_shared() + [
        seg(51001, 443, "S", 1000), seg(51001, 443, "PA", 1001, ok),
        seg(51002, 443, "S", 2000), seg(51002, 443, "PA", 2001, bad),
        seg(51002, 443, "A", 2001 + len(bad)),
        seg(51003, 443, "S", 3000), seg(51003, 443, "PA", 3001, none),
        seg(51003, 443, "A", 3001 + len(none)),
    ]


@case(NAMECHECK_POLICY, [
    NC_DNS,
    nc_flow(51101, 80),
    nc_flow(51102, 80),
    nc_refused(51102, "other.example", 80),
    nc_flow(51103, 80),
    nc_refused(51103, "other.example", 80),
], dict(packets=8, allowed=6, dropped=2, dns_allowed=1, drop_name_mismatch=2), """
The HTTP/1.1 Host header (a port suffix allowed) must be a name the policy
allows: `Host: allowed.example:80` passes, `Host: other.example` is refused
(name_mismatch). So is a request whose absolute target names
other.example while Host says allowed.example: a server must prefer the
target (RFC 9112 3.2.2).
""")
def host_mismatch():
    return learn_shared() + [
        seg(51101, 80, "S", 1000),
        seg(51101, 80, "PA", 1001, b"GET / HTTP/1.1\r\nHost: allowed.example:80\r\n\r\n"),
        seg(51102, 80, "S", 2000),
        seg(51102, 80, "PA", 2001, b"GET / HTTP/1.1\r\nHost: other.example\r\n\r\n"),
        seg(51103, 80, "S", 3000),
        seg(51103, 80, "PA", 3001,
            b"GET http://other.example/ HTTP/1.1\r\nHost: allowed.example\r\n\r\n"),
    ]


@case(NAMECHECK_POLICY, [
    NC_DNS,
    nc_flow(51201),
    nc_flow(51202),
    nc_refused(51202, "other.example"),
], dict(packets=9, allowed=7, dropped=2, dns_allowed=1, drop_name_gap=1,
        drop_name_mismatch=1), """
A ClientHello as long as a post-quantum key share makes it (~2 kB) spans
two segments; the name is read once both are in (reassembled in a bounded
slot). allowed.example, split 1000 + rest, passes. other.example, split the
same way, sent second half first: the early half is dropped (name_gap: the
first bytes are missing, the sender resends), the first half passes, and the
resent second half completes the hello: name_mismatch.
""")
def sni_split():
    ok = tls_record(client_hello("allowed.example", 1800))
    bad = tls_record(client_hello("other.example", 1800))
    return learn_shared() + [
        seg(51201, 443, "S", 1000), seg(51201, 443, "PA", 1001, ok[:1000]),
        seg(51201, 443, "PA", 2001, ok[1000:]),
        seg(51202, 443, "S", 5000), seg(51202, 443, "PA", 6001, bad[1000:]),
        seg(51202, 443, "PA", 5001, bad[:1000]),
        seg(51202, 443, "PA", 6001, bad[1000:]),
    ]


@case(NAMECHECK_POLICY, [
    NC_DNS,
    nc_flow(51301, proto="udp"),
    nc_flow(51302, proto="udp"),
    nc_refused(51302, "other.example", proto="udp"),
    nc_flow(51303, proto="udp"),
    nc_refused(51303, None, proto="udp", reason="name_unreadable"),
], dict(packets=6, allowed=3, dropped=3, dns_allowed=1, drop_name_mismatch=2,
        drop_name_unreadable=1), """
QUIC (UDP 443): the ClientHello travels in the client's Initial packets,
encrypted with keys derived from the Destination Connection ID (RFC 9001
5); sentry derives them, opens the packet and reads server_name. An
Initial naming allowed.example passes; one naming other.example is refused
(name_mismatch) and its flow stays refused (a second Initial too). A
version sentry cannot open (QUIC v2's 0x6b3343cf) is refused as
name_unreadable: the client falls back to TCP, where the name is read.
""")
def quic_sni():
    dcid = bytes.fromhex("8394c8f03e515708")
    return learn_shared() + [
        udp(BOT, 51301, SHARED, 443, quic_initial(dcid, 0, client_hello("allowed.example"))),
        udp(BOT, 51302, SHARED, 443, quic_initial(dcid, 0, client_hello("other.example"))),
        udp(BOT, 51302, SHARED, 443, quic_initial(dcid, 0, client_hello("other.example"), 1)),
        udp(BOT, 51303, SHARED, 443, quic_initial(dcid, 0, client_hello("allowed.example"))[:1]
            + struct.pack("!I", 0x6b3343cf)
            + quic_initial(dcid, 0, client_hello("allowed.example"))[5:]),
    ]


def write_case(cname, c):
    d = os.path.join(HERE, cname)
    os.makedirs(d, exist_ok=True)
    items = c["fn"]()
    pkts = []
    for i, it in enumerate(items):
        when, p = it if isinstance(it, tuple) else (i * 0.001, it)
        raw = p if isinstance(p, bytes) else bytes(p)
        pkt = Raw(raw)
        pkt.time = T0 + when
        pkts.append(pkt)
    wrpcap(os.path.join(d, "input.pcap"), pkts, linktype=101)

    with open(os.path.join(d, "policy.ini"), "w") as f:
        f.write(c["policy"])
    with open(os.path.join(d, "expected.jsonl"), "w") as f:
        for e in c["expected"]:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    s = dict(c["summary"])
    s.setdefault("dns_allowed", 0)
    s.setdefault("dns_denied", 0)
    assert s["allowed"] + s["dropped"] == s["packets"] == len(pkts), cname
    with open(os.path.join(d, "expected-summary"), "w") as f:
        for k, v in s.items():
            f.write(f"{k}={v}\n")
    args_path = os.path.join(d, "args")
    if c["args"]:
        with open(args_path, "w") as f:
            f.write("\n".join(c["args"]) + "\n")
    elif os.path.exists(args_path):
        os.unlink(args_path)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"# {cname}\n\nCrafted (adversarial) case.\n{c['about'].rstrip()}\n\n")
        f.write("## How the capture was made\n\n")
        f.write(f"`/usr/bin/python3 test/replay/make-crafted.py {cname}` (python3-scapy "
                "2.5); it writes every file of this directory. The packets, LINKTYPE_RAW,\n"
                "1 ms apart from T0 = 1732786400 unless the case gives times:\n\n")
        f.write("```python\n" + inspect.getsource(c["fn"]) + "```\n")


def main(argv):
    names = argv or sorted(CASES)
    for n in names:
        if n not in CASES:
            print(f"make-crafted: no case {n}", file=sys.stderr)
            return 2
    for n in names:
        write_case(n, CASES[n])
        print(f"wrote {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
