#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""advkit.py - the attackers, the hostile resolver and the witnesses of
test/adversarial/*.sh

Standard library only. Subcommands:

  resolver ZONE LOG ADDR...
        a UDP DNS server on port 53 of each ADDR, answering from the JSON
        file ZONE (read again whenever it changes). Every query is appended
        to LOG as "QNAME QTYPE". Prints "ready". Zone entries are keyed by
        a lower-case name or "*.suffix" (the longest match wins); unknown
        names get NXDOMAIN. An entry may hold:
          "a": [...], "aaaa": [...]   addresses owned by the query name
          "ttl": N                     (default 300)
          "cname": [T1, T2...]         a chain qname -> T1 -> T2; the
                                       addresses are then owned by the last
          "loop": true                 and the last name points back at
                                       the first (a CNAME loop)
          "extra": [[OWNER, TYPE, VALUE]...]  more answer records
          "pattern": "198.18.3.{n}"    one A; n = the digits of the first label
          "many": [N, "198.19"]        N A records 198.19.X.1..N, X from the
                                       digits of the first label
          "bad": KIND                  a malformed answer (see bad_answer())
                                       that would teach "a"[0] if believed
          "silent": true               never answer
          "rcode": N
  qflood SERVER FMT COUNT WAIT [TYPE [START]]
        sends COUNT queries as fast as it can from one socket, names from FMT
        ({i} the index from START, {r} a random 63-letter label), then waits up to WAIT
        seconds for answers. Prints "sent N noerror A nxdomain B refused C
        servfail D other E none F secs T" (T: how long sending took).
  race SERVER FMT COUNT PORT
        COUNT times: ask FMT % i (A), and the moment recvfrom() returns the
        answer, send a SYN to its address:PORT (non-blocking connect), then
        wait for the outcome. Prints "ok N refused R other O" and, per
        failure, a "# ..." line.
  dnsq SERVER NAME [TYPE]
        one query over UDP; prints the rcode name and the addresses.
  optq SERVER NAME CODE LEN
        one query over UDP with an EDNS option CODE of LEN bytes (0xAA),
        payload size 4096, DO set; prints the rcode name.
  ping DST SIZE [TYPE]
        an ICMP (or ICMPv6) echo request with SIZE random payload bytes from
        a raw socket; prints "reply" if the same payload came back within
        2 s, "unreach CODE" for a destination unreachable quoting it, else
        "timeout" (or the errno name). TYPE sends another type instead (no
        reply expected; prints "sent").
  connect ADDR:PORT...
        a TCP connection to each ([V6]:PORT for IPv6), 2 s each; prints
        "connected", "refused", "timeout" or the errno name, one per line.
  inject IFACE KIND ARGS... [-- KIND ARGS...]...
        writes raw IP packets into IFACE (AF_PACKET, bypassing routing and
        the kernel's source checks). KINDs: see inject_packets(). Prints one
        line per packet and, for tcpsoup, "invalid N" (the oracle: how many
        combinations tcp_flags must refuse).
  sniff IFACE OUT
        records every IPv4/IPv6 packet arriving on IFACE, one line each to
        OUT ("PROTO SRC DST SPORT DPORT FLAGS SEQ LEN"; for ICMP, FLAGS is
        the type and SEQ the four bytes after the checksum); prints "ready".
"""
import errno
import json
import os
import random
import select
import socket
import string
import struct
import sys
import threading
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "TXT": 16, "AAAA": 28, "HTTPS": 65}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "noerror", 2: "servfail", 3: "nxdomain", 5: "refused"}


# ------------------------------------------------------------ DNS wire form

def wname(dotted):
    """Uncompressed wire form of a dotted name."""
    out = b""
    for label in dotted.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ptr(off):
    return struct.pack("!H", 0xC000 | off)


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def rdata_of(rtype, value):
    if rtype == 1:
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == 28:
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == 5:
        return wname(value)
    return value.encode()


def parse_query(msg):
    """(id, flags, qname, qtype, question bytes) of a query, or None."""
    if len(msg) < 12:
        return None
    ident, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    off, labels = 12, []
    while off < len(msg):
        n = msg[off]
        off += 1
        if n == 0:
            break
        if n > 63:
            return None
        labels.append(msg[off:off + n].decode("latin-1"))
        off += n
    if off + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[off:off + 2])[0]
    return ident, flags, ".".join(labels).lower(), qtype, msg[12:off + 4]


def header(ident, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def resp_flags(qflags, rcode=0):
    return 0x8000 | 0x0400 | (qflags & 0x0100) | 0x0080 | rcode


def parse_answer(msg):
    """(rcode, [addresses]) of an answer; addresses of A/AAAA records only."""
    ident, flags, qd, an = struct.unpack("!HHHH", msg[:8])
    off = 12

    def skip_name(o):
        while o < len(msg):
            n = msg[o]
            if n == 0:
                return o + 1
            if n & 0xC0 == 0xC0:
                return o + 2
            o += 1 + n
        return o
    for _ in range(qd):
        off = skip_name(off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(off)
        if off + 10 > len(msg):
            break
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        off += rdlen
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntop(socket.AF_INET, rd))
        elif rtype == 28 and rdlen == 16:
            addrs.append(socket.inet_ntop(socket.AF_INET6, rd))
    return flags & 0xF, addrs


def make_query(name, qtype="A", ident=None):
    ident = random.getrandbits(16) if ident is None else ident
    return header(ident, 0x0100) + wname(name) + struct.pack("!HH", TYPES[qtype], 1)


# ------------------------------------------------------------ the resolver

def bad_answer(kind, ident, qflags, question, addr):
    """A malformed answer for the question, carrying "qname A addr" as its
    first record, so that a parser that gave up late would have learnt it.
    The comment on each kind names the lie; test/adversarial/dns.sh holds
    the drop reason each must produce."""
    good = rr(ptr(12), 1, 300, socket.inet_aton(addr))
    qend = 12 + len(question)
    rec2 = qend + len(good)		# offset of the second record
    fl = resp_flags(qflags)
    tail = struct.pack("!HHIH", 1, 1, 300, 4) + socket.inet_aton(addr)
    if kind == "pointer_loop":		# an owner that points at itself
        return header(ident, fl, an=2) + question + good + ptr(rec2) + tail
    if kind == "pointer_loop_label":	# "x" then a pointer back to the "x": x.x.x...
        return header(ident, fl, an=2) + question + good + b"\x01x" + ptr(rec2) + tail
    if kind == "forward_pointer":	# an owner pointing at a name further on
        later = rec2 + 2 + len(tail)
        return (header(ident, fl, an=3) + question + good + ptr(later) + tail +
                rr(wname("later.mal.test"), 1, 300, socket.inet_aton(addr)))
    if kind == "pointer_out_of_range":	# past the end of the message
        return header(ident, fl, an=2) + question + good + ptr(0x3FFF) + tail
    if kind == "pointer_into_header":	# into the 12-byte header
        return header(ident, fl, an=2) + question + good + ptr(4) + tail
    if kind == "label_over_63":		# length byte 64: label type 0x40
        return (header(ident, fl, an=2) + question + good +
                b"\x40" + b"a" * 64 + b"\0" + tail)
    if kind == "name_over_255":		# four 63-byte labels: 257 bytes
        return (header(ident, fl, an=2) + question + good +
                (b"\x3f" + b"a" * 63) * 4 + b"\0" + tail)
    if kind == "counts_high":		# ANCOUNT 40, one record present
        return header(ident, fl, an=40) + question + good
    if kind == "counts_low":		# ANCOUNT 1, two records present
        return header(ident, fl, an=1) + question + good + good
    if kind == "trailing":		# garbage after the last record
        return header(ident, fl, an=1) + question + good + b"\xde\xad\xbe\xef\x00"
    if kind == "rdata_len":		# an A record of 5 bytes
        return (header(ident, fl, an=2) + question + good +
                ptr(12) + struct.pack("!HHIH", 1, 1, 300, 5) + socket.inet_aton(addr) + b"\0")
    if kind == "truncated":		# ends inside the second record's fixed fields
        return (header(ident, fl, an=2) + question + good +
                (ptr(12) + tail)[:10])
    if kind == "rdata_past_end":	# an rdlength running past the message
        return (header(ident, fl, an=2) + question + good +
                (ptr(12) + tail)[:13])
    if kind == "not_response":		# QR clear
        return header(ident, fl & ~0x8000, an=1) + question + good
    if kind == "qdcount":		# two questions claimed
        return header(ident, fl, qd=2, an=1) + question + good
    if kind == "mismatch":		# the answer to another question
        other = wname("other.mal.test") + question[-4:]
        return header(ident, fl, an=1) + other + good
    raise ValueError("unknown bad answer kind %s" % kind)


def digits_of(qname):
    d = "".join(ch for ch in qname.split(".")[0] if ch.isdigit())
    return int(d) if d else 0


class Zone:
    def __init__(self, path):
        self.path, self.mtime, self.data = path, None, {}

    def lookup(self, qname):
        try:
            m = os.stat(self.path).st_mtime_ns
            if m != self.mtime:
                with open(self.path) as f:
                    self.data = json.load(f)
                self.mtime = m
        except (OSError, ValueError):
            pass
        if qname in self.data:
            return self.data[qname]
        best = None
        for k in self.data:
            if k.startswith("*.") and qname.endswith(k[1:]):
                if best is None or len(k) > len(best):
                    best = k
        return self.data[best] if best else None


def answer_for(zone, msg):
    q = parse_query(msg)
    if not q:
        return None, None
    ident, qflags, qname, qtype, question = q
    e = zone.lookup(qname)
    if e is None:
        return header(ident, resp_flags(qflags, 3)) + question, q
    if e.get("silent"):
        return None, q
    if "bad" in e:
        return bad_answer(e["bad"], ident, qflags, question, e["a"][0]), q
    ttl = e.get("ttl", 300)
    recs = []
    owner, owner_name = ptr(12), qname
    for target in e.get("cname", []):
        recs.append(rr(owner, 5, ttl, wname(target)))
        owner, owner_name = wname(target), target
    if e.get("loop") and e.get("cname"):
        recs.append(rr(owner, 5, ttl, wname(qname)))
    addrs4 = list(e.get("a", []))
    if "pattern" in e:
        addrs4.append(e["pattern"].format(n=digits_of(qname)))
    if "many" in e:
        n, base = e["many"]
        x = digits_of(qname) % 250 + 1
        addrs4 += ["%s.%d.%d" % (base, x, i) for i in range(1, n + 1)]
    if qtype == 1:
        recs += [rr(owner, 1, ttl, socket.inet_aton(a)) for a in addrs4]
    if qtype == 28:
        recs += [rr(owner, 28, ttl, socket.inet_pton(socket.AF_INET6, a))
                 for a in e.get("aaaa", [])]
    for o, t, v in e.get("extra", []):
        recs.append(rr(wname(o), TYPES[t], ttl, rdata_of(TYPES[t], v)))
    rcode = e.get("rcode", 0)
    return header(ident, resp_flags(qflags, rcode), an=len(recs)) + question + b"".join(recs), q


def edns_of(msg, off):
    """The query's OPT record (after the question, at off) as the
    resolver's log shows it: "noedns", or "edns size=S flags=0xF
    opts=CODE:LEN,..." (opts=- for none), with "trailing=N" for bytes
    past it."""
    if struct.unpack("!H", msg[10:12])[0] == 0 or off + 11 > len(msg):
        return "noedns" + (" trailing=%d" % (len(msg) - off) if len(msg) > off else "")
    _, size, ttl, rdlen = struct.unpack("!HHIH", msg[off + 1:off + 11])
    rd, opts = msg[off + 11:off + 11 + rdlen], []
    while len(rd) >= 4:
        code, n = struct.unpack("!HH", rd[:4])
        opts.append("%d:%d" % (code, n))
        rd = rd[4 + n:]
    end = off + 11 + rdlen
    return "edns size=%d flags=0x%08x opts=%s%s" % (
        size, ttl, ",".join(opts) or "-",
        " trailing=%d" % (len(msg) - end) if len(msg) > end else "")


def cmd_resolver(zone_path, log_path, *addrs):
    zone = Zone(zone_path)
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()

    def serve(addr):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((addr, 53))
        while True:
            msg, peer = s.recvfrom(65535)
            with lock:
                out, q = answer_for(zone, msg)
                if q:
                    log.write("%s %s %s\n" % (q[2], TYPE_NAMES.get(q[3], q[3]),
                                             edns_of(msg, 12 + len(q[4]))))
            if out:
                s.sendto(out, peer)
    for a in addrs:
        threading.Thread(target=serve, args=(a,), daemon=True).start()
    time.sleep(0.2)
    print("ready", flush=True)
    threading.Event().wait()


# ------------------------------------------------------------ DNS clients

def rand_label(n=63):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def cmd_qflood(server, fmt, count, wait, qtype="A", start=0):
    count, wait, start = int(count), float(wait), int(start)
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    ids = {}
    t0 = time.monotonic()
    for i in range(count):
        name = fmt.replace("{i}", str(start + i)).replace("{r}", rand_label())
        ident = i & 0xFFFF
        ids[ident] = name
        while True:
            try:
                s.sendto(make_query(name, qtype, ident), (server, 53))
                break
            except OSError as e:
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                    raise
                time.sleep(0.001)
    secs = time.monotonic() - t0
    got = {}
    end = time.monotonic() + wait
    s.setblocking(False)
    while len(got) < count:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        try:
            msg = s.recv(65535)
        except BlockingIOError:
            continue
        ident = struct.unpack("!H", msg[:2])[0]
        if ident in ids and ident not in got:
            got[ident] = parse_answer(msg)[0]
    hist = {"noerror": 0, "nxdomain": 0, "refused": 0, "servfail": 0, "other": 0}
    for rc in got.values():
        hist[RCODES.get(rc, "other")] = hist.get(RCODES.get(rc, "other"), 0) + 1
    print("sent %d %s none %d secs %.3f" % (count, " ".join("%s %d" % kv for kv in hist.items()),
                                            count - len(got), secs))
    return 0


def udp_ask(server, q):
    """Send query q to server:53 over UDP; its answer (same ID), or None
    after 3 s."""
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(q, (server, 53))
    try:
        while True:
            msg = s.recv(65535)
            if msg[:2] == q[:2]:
                return msg
    except socket.timeout:
        return None


def query_with_opt(name, udp_size, flags, code, data):
    """A query for name (A) with an OPT record carrying one option."""
    q = header(random.getrandbits(16), 0x0100, ar=1) + wname(name) + struct.pack("!HH", 1, 1)
    opt = struct.pack("!HH", code, len(data)) + data
    return q + b"\x00" + struct.pack("!HHIH", 41, udp_size, flags, len(opt)) + opt


def cmd_dnsq(server, name, qtype="A"):
    msg = udp_ask(server, make_query(name, qtype))
    if msg is None:
        print("timeout")
        return 0
    rc, addrs = parse_answer(msg)
    print(" ".join([RCODES.get(rc, "rcode%d" % rc)] + addrs))
    return 0


def padded_query(name, length):
    """A query for name with an OPT record whose padding option (12)
    makes it exactly length bytes long."""
    q = query_with_opt(name, 1232, 0, 12, bytes(length - (12 + len(wname(name)) + 4 + 11 + 4)))
    assert len(q) == length
    return q


def cmd_optq(server, name, code, length):
    msg = udp_ask(server, query_with_opt(name, 4096, 0x8000, int(code), b"\xaa" * int(length)))
    if msg is None:
        print("timeout")
        return 0
    rc, _ = parse_answer(msg)
    print(RCODES.get(rc, "rcode%d" % rc))
    return 0


def cmd_bigq(server, name, length, proto="udp"):
    """bigq SERVER NAME LENGTH [udp|tcp] - one query padded to LENGTH bytes;
    prints the answer's rcode name, "timeout", or "closed" (TCP: the
    connection ended without an answer)"""
    q = padded_query(name, int(length))
    try:
        if proto == "tcp":
            s = socket.create_connection((server, 53), timeout=3)
            s.sendall(struct.pack("!H", len(q)) + q)
            head = s.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                print("closed")
                return 0
            msg = s.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
        else:
            msg = udp_ask(server, q)
            if msg is None:
                raise socket.timeout
    except socket.timeout:
        print("timeout")
        return 0
    except ConnectionResetError:
        print("closed")
        return 0
    rc, _ = parse_answer(msg)
    print(RCODES.get(rc, "rcode%d" % rc))
    return 0


def cmd_race(server, fmt, count, port):
    count, port = int(count), int(port)
    ok = refused = other = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    for i in range(1, count + 1):
        q = make_query(fmt % i)
        s.sendto(q, (server, 53))
        try:
            while True:
                msg = s.recv(65535)
                if msg[:2] == q[:2]:
                    break
        except socket.timeout:
            other += 1
            print("# %s: no DNS answer" % (fmt % i))
            continue
        rc, addrs = parse_answer(msg)
        if rc or not addrs:
            other += 1
            print("# %s: rcode %d, %d addresses" % (fmt % i, rc, len(addrs)))
            continue
        # the SYN leaves now, in the same instant the answer arrived
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((addrs[0], port))
        _, w, _ = select.select([], [c], [], 3)
        err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) if w else errno.ETIMEDOUT
        c.close()
        if err == 0:
            ok += 1
        elif err == errno.ECONNREFUSED:
            refused += 1
            print("# %s -> %s: connection refused" % (fmt % i, addrs[0]))
        else:
            other += 1
            print("# %s -> %s: %s" % (fmt % i, addrs[0], errno.errorcode.get(err, err)))
    print("ok %d refused %d other %d" % (ok, refused, other))
    return 0


def cmd_connect(*targets):
    for t in targets:
        host, _, port = t.rpartition(":")
        host = host.strip("[]")
        c = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        c.settimeout(2)
        try:
            c.connect((host, int(port)))
            print("connected", flush=True)
        except socket.timeout:
            print("timeout", flush=True)
        except OSError as e:
            print("refused" if e.errno == errno.ECONNREFUSED
                  else errno.errorcode.get(e.errno, str(e)), flush=True)
        c.close()
    return 0


# ------------------------------------------------------------ ICMP

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def cmd_ping(dst, size, itype=None):
    v6 = ":" in dst
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    ident, payload = random.getrandbits(16), os.urandom(int(size))
    t = int(itype) if itype is not None else (128 if v6 else 8)
    body = struct.pack("!HH", ident, 1) + payload
    hdr = struct.pack("!BBH", t, 0, 0)
    # ICMPv6: the kernel fills the checksum (it needs the pseudo-header)
    pkt = hdr + body if v6 else struct.pack("!BBH", t, 0, csum(hdr + body)) + body
    try:
        s.sendto(pkt, (dst, 0))
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e)))
        return 0
    if itype is not None:
        print("sent")
        return 0
    end = time.monotonic() + 2
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            print("timeout")
            return 0
        try:
            data, _ = s.recvfrom(65535)
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e)))
            return 0
        if not v6:
            data = data[(data[0] & 0xF) * 4:]
        want = 129 if v6 else 0
        if data[0] == want and data[4:6] == struct.pack("!H", ident):
            print("reply" if data[8:] == payload else "reply-corrupted")
            return 0
        # destination unreachable quoting our echo: print its code
        if data[0] == (1 if v6 else 3) and len(data) > 8:
            inner = data[8:]
            off = 40 if v6 else (inner[0] & 0xF) * 4
            if inner[off + 4:off + 6] == struct.pack("!H", ident):
                print("unreach %d" % data[1])
                return 0


# ------------------------------------------------------------ injection

def ip4(src, dst, proto, payload, flags_frag=0, ident=0x1234, total=None, ttl=64):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, flags_frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def pseudo(src, dst, proto, length):
    if ":" in src:
        return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) +
                struct.pack("!IxxxB", length, proto))
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!xBH", proto, length)


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(pseudo(src, dst, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp(src, dst, sport, dport, flags, seq=1000, data=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192, 0, 0) + data
    c = csum(pseudo(src, dst, 6, len(t)) + t)
    return t[:16] + struct.pack("!H", c) + t[18:]


def icmp(itype, code, rest, data, v6=False, src=None, dst=None):
    m = struct.pack("!BBH", itype, code, 0) + rest + data
    c = csum((pseudo(src, dst, 58, len(m)) if v6 else b"") + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def l3(src, dst, proto, payload, **kw):
    if ":" in src:
        return ip6(src, dst, proto, payload)
    return ip4(src, dst, proto, payload, **kw)


# TCP flag bits, and the combinations a TCP stack sends (tcp.c's list,
# written here independently: with PSH, ECE and CWR ignored)
FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32
VALID_TCP = {SYN, SYN | URG, SYN | ACK, RST, RST | ACK, ACK, ACK | URG,
             FIN | ACK, FIN | ACK | URG}


def tcp_flags_valid(f):
    return (f & (FIN | SYN | RST | ACK | URG)) in VALID_TCP


def inject_packets(kind, a):
    if kind == "udp":			# SRC DST DPORT [LEN]
        n = int(a[3]) if len(a) > 3 else 6
        return [("udp", l3(a[0], a[1], 17, udp(a[0], a[1], 40000, int(a[2]), b"s" * n)))]
    if kind == "tcp":			# SRC DST DPORT FLAGS
        return [("tcp", l3(a[0], a[1], 6, tcp(a[0], a[1], 40001, int(a[2]), int(a[3]))))]
    if kind == "tcpdata":		# SRC DST SPORT DPORT FLAGS DATA: one segment with a payload
        return [("tcp flags 0x%02x with data" % int(a[4], 0),
                 l3(a[0], a[1], 6, tcp(a[0], a[1], int(a[2]), int(a[3]), int(a[4], 0),
                                       seq=0x5E5E5353, data=a[5].encode())))]
    if kind == "tcpsoup":		# SRC DST DPORT: all 256 flag bytes
        return [("tcp flags 0x%02x %s" % (f, "valid" if tcp_flags_valid(f) else "invalid"),
                 l3(a[0], a[1], 6, tcp(a[0], a[1], 20000 + f, int(a[2]), f, seq=0x5E5E0000 + f)))
                for f in range(256)]
    if kind == "icmp":			# SRC DST TYPE [CODE]: 32 bytes of payload
        v6 = ":" in a[0]
        code = int(a[3]) if len(a) > 3 else 0
        m = icmp(int(a[2]), code, struct.pack("!HH", 0x5E5E, 1), b"tunnel" * 5 + b"..",
                 v6, a[0], a[1])
        return [("icmp type %s" % a[2], l3(a[0], a[1], 58 if v6 else 1, m))]
    if kind == "icmperr":		# SRC DST QSRC QDST: unreachable quoting QSRC->QDST UDP
        inner = ip4(a[2], a[3], 17, udp(a[2], a[3], 53, 40000, b"smuggled data"))
        m = icmp(3, 3, struct.pack("!HH", 0x5E5E, 2), inner)	# a marker in "unused"
        return [("icmp error quoting %s->%s" % (a[2], a[3]), ip4(a[0], a[1], 1, m))]
    if kind == "frag-tiny":		# SRC DST DPORT: a SYN cut after 8 bytes
        seg = tcp(a[0], a[1], 40010, int(a[2]), SYN)
        return [("tiny first fragment", ip4(a[0], a[1], 6, seg[:8], 0x2000, 0x7101)),
                ("its second fragment", ip4(a[0], a[1], 6, seg[8:], 1, 0x7101))]
    if kind == "frag-overlap":		# SRC DST DPORT: a later fragment over the first's data
        seg = udp(a[0], a[1], 40011, int(a[2]), bytes(1192))
        return [("first fragment", ip4(a[0], a[1], 17, seg[:600], 0x2000, 0x7102)),
                ("overlapping fragment at 8", ip4(a[0], a[1], 17, seg[8:600], 0x2000 | 1, 0x7102)),
                ("overlapping last fragment at 592", ip4(a[0], a[1], 17, seg[592:], 74, 0x7102))]
    if kind == "frag-orphans":		# SRC DST N: later fragments, never a first
        return [("orphan %d" % i, ip4(a[0], a[1], 17, bytes(64), 0x2000 | (100 + i), 0x7200 + i))
                for i in range(int(a[2]))]
    if kind == "frag-pod":		# SRC DST: a ping whose fragments run past 65535
        echo = icmp(8, 0, struct.pack("!HH", 0x5E5F, 1), bytes(1472))
        return [("ping first fragment", ip4(a[0], a[1], 1, echo, 0x2000, 0x7103)),
                ("fragment at 65528", ip4(a[0], a[1], 1, bytes(100), 65528 // 8, 0x7103))]
    if kind == "frag-firsts":		# SRC DST DPORT N ID0: N first fragments
        n, id0 = int(a[3]), int(a[4])
        return [("first fragment %d" % i,
                 ip4(a[0], a[1], 17, udp(a[0], a[1], 41000, int(a[2]), bytes(592))[:600],
                     0x2000, (id0 + i) & 0xFFFF))
                for i in range(n)]
    if kind == "big":			# SRC DST DPORT: 65535 bytes of IPv4
        return [("65535-byte udp", ip4(a[0], a[1], 17,
                                        udp(a[0], a[1], 40020, int(a[2]), b"B" * (65535 - 28))))]
    if kind == "empty":
        return [("zero-length", b"")]
    raise SystemExit("inject: unknown kind %s" % kind)


def cmd_inject(iface, kind, *args):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    # several specs in one run: KIND ARGS -- KIND ARGS ...
    specs, cur = [], [kind]
    for a in args:
        if a == "--":
            specs.append(cur)
            cur = []
        else:
            cur.append(a)
    if cur:
        specs.append(cur)
    pkts = [p for sp in specs for p in inject_packets(sp[0], sp[1:])]
    invalid = 0
    for i, (name, p) in enumerate(pkts):
        proto = ETH_P_IPV6 if p[:1] == b"\x60" else ETH_P_IP
        for _ in range(200):
            try:
                s.sendto(p, (iface, proto))
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    print("%s: %s" % (name, errno.errorcode.get(e.errno, e)))
                    return 1
                time.sleep(0.002)
        if kind != "tcpsoup" and len(pkts) <= 20:
            print("%s %d bytes" % (name, len(p)), flush=True)
        invalid += name.endswith("invalid")
        if len(pkts) > 64 and i % 32 == 31:
            time.sleep(0.002)	# let the daemon drain the TUN queue
    if kind == "tcpsoup":
        print("invalid %d" % invalid)
    else:
        print("sent %d" % len(pkts))
    return 0


# ------------------------------------------------------------ witness

def cmd_sniff(iface, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    f = open(out, "a", buffering=1)
    print("ready", flush=True)
    while True:
        p, addr = s.recvfrom(70000)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if p[:1] and p[0] >> 4 == 4 and len(p) >= 20:
            ihl = (p[0] & 0xF) * 4
            proto, src, dst = p[9], socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
            frag = struct.unpack("!H", p[6:8])[0] & 0x1FFF
            l4 = p[ihl:] if frag == 0 else b""
        elif p[:1] and p[0] >> 4 == 6 and len(p) >= 40:
            proto = p[6]
            src = socket.inet_ntop(socket.AF_INET6, p[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
            l4 = p[40:]
        else:
            continue
        sport = dport = flags = seq = 0
        if proto in (6, 17) and len(l4) >= 8:
            sport, dport = struct.unpack("!HH", l4[:4])
        if proto == 6 and len(l4) >= 14:
            seq, flags = struct.unpack("!I", l4[4:8])[0], l4[13]
        if proto in (1, 58) and len(l4) >= 8:
            flags, seq = l4[0], struct.unpack("!I", l4[4:8])[0]
        f.write("%d %s %s %d %d %d %d %d\n" % (proto, src, dst, sport, dport, flags, seq, len(p)))


# ------------------------------------------------------------ sentry's counters

def ctl_stats(sock, name=None):
    """`stats json=1` on the control socket (common/ctl_proto.h), parsed."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(("stats json=1%s\n" % (" name=" + name if name else "")).encode())
    reply = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        reply += b
    text = reply.decode()
    if not text.startswith("ok"):
        raise SystemExit("stats: %s" % text.strip())
    return json.loads(text.split("\n", 1)[1])


def jpath(v, path):
    for k in path.split("."):
        v = v.get(k) if isinstance(v, dict) else None
    return 0 if v is None else v


def cmd_stat(sock, *paths):
    """stat SOCK [name=BOTTLE] PATH... - the values, one per line (absent: 0)"""
    name = None
    if paths and paths[0].startswith("name="):
        name, paths = paths[0][5:], paths[1:]
    st = ctl_stats(sock, name)
    for p in paths:
        print(jpath(st, p))
    return 0


def cmd_statwait(sock, name, path, target, secs="3"):
    """statwait SOCK BOTTLE PATH TARGET [SECS] - poll until PATH >= TARGET
    (at most SECS), then once more 300 ms later, and print that value: it
    must not have gone past TARGET either"""
    end = time.monotonic() + float(secs)
    while jpath(ctl_stats(sock, name or None), path) < int(target) and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.3)
    print(jpath(ctl_stats(sock, name or None), path))
    return 0


COMMANDS = {
    "connect": cmd_connect,
    "stat": cmd_stat,
    "statwait": cmd_statwait,
    "resolver": cmd_resolver,
    "qflood": cmd_qflood,
    "race": cmd_race,
    "dnsq": cmd_dnsq,
    "bigq": cmd_bigq,
    "optq": cmd_optq,
    "ping": cmd_ping,
    "inject": cmd_inject,
    "sniff": cmd_sniff,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    return COMMANDS[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
