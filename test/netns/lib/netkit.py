#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""netkit.py - the small programs test/netns/gateway.sh runs in its namespaces

Standard library only. Subcommands:

  serve [--http A:P]... [--echo A:P]...
        HTTP servers (GET answers "hello from A:P") and TCP line-echo servers,
        threads in one process; prints "ready" once every socket listens.
  hold HOST PORT
        opens one TCP connection to an echo server and keeps it; reads
        commands on stdin and answers each with one line on stdout:
          ping            -> "ok" | "fail ERROR"
          until-fail SECS -> pings every 20 ms; "fail ELAPSED ERROR" at the
                             first failure, "alive ELAPSED" if none in SECS
        prints "connected" first (after one echo), or "fail ERROR".
  inject IFACE KIND [ARGS]
        writes raw IP packets straight into IFACE (an AF_PACKET socket on the
        TUN: the routing table and source checks of the kernel are bypassed):
          udp4 SRC DST DPORT          one well-formed IPv4/UDP datagram
          udp6 SRC DST DPORT          one well-formed IPv6/UDP datagram
          garbage SRC DST             the malformed set listed in GARBAGE
        prints one line per packet written.
  burst DST_BASE NADDR PORT_LO COUNT
        sends COUNT one-byte UDP datagrams from one socket to NADDR
        consecutive addresses from DST_BASE, ports from PORT_LO upwards:
        each datagram a new flow. Prints "sent N".
  logq FILE KEY=VALUE...
        prints the JSON lines of FILE whose fields match every KEY=VALUE
        (VALUE "*" matches any present value); exit 1 if none match.
  jget KEY.PATH
        reads JSON on stdin, prints the value at KEY.PATH ("a.b.c").
"""
import http.server
import json
import socket
import socketserver
import struct
import sys
import threading
import time

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD


def split_hostport(s):
    host, _, port = s.rpartition(':')
    return host.strip('[]'), int(port)


def family_of(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET


class Http(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host, port = self.server.server_address[:2]
        body = ('hello from %s:%d\n' % (host, port)).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
            self.wfile.flush()


def make_server(kind, hostport):
    host, port = split_hostport(hostport)
    base = http.server.ThreadingHTTPServer if kind == 'http' \
        else socketserver.ThreadingTCPServer
    cls = type('S', (base,), {'address_family': family_of(host),
                              'allow_reuse_address': True,
                              'daemon_threads': True})
    return cls((host, port), Http if kind == 'http' else Echo)


def cmd_serve(args):
    servers = []
    while args:
        opt, val = args[0], args[1]
        args = args[2:]
        servers.append(make_server(opt.lstrip('-'), val))
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print('ready', flush=True)
    threading.Event().wait()


def cmd_hold(host, port):
    try:
        s = socket.create_connection((host, int(port)), timeout=2)
        s.settimeout(0.5)
        f = s.makefile('rb')
    except OSError as e:
        print('fail %s' % e, flush=True)
        return 1

    def ping():
        try:
            s.sendall(b'ping\n')
            if f.readline() != b'ping\n':
                return 'connection closed'
            return None
        except OSError as e:
            return str(e) or type(e).__name__

    err = ping()
    print('connected' if err is None else 'fail %s' % err, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == 'ping':
            err = ping()
            print('ok' if err is None else 'fail %s' % err, flush=True)
        elif words[0] == 'until-fail':
            start = time.monotonic()
            limit = start + float(words[1])
            err = None
            while time.monotonic() < limit:
                err = ping()
                if err is not None:
                    break
                time.sleep(0.02)
            took = time.monotonic() - start
            if err is None:
                print('alive %.3f' % took, flush=True)
            else:
                print('fail %.3f %s' % (took, err), flush=True)
    return 0


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ihl=5, total=None, fix_csum=True, ver=4,
        flags_frag=0):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack('!BBHHHBBH4s4s', ver << 4 | ihl, 0, total, 0x1234,
                      flags_frag, 64, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    if fix_csum:
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, dst, sport, dport, data, v6=False):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    pseudo = socket.inet_pton(fam, src) + socket.inet_pton(fam, dst)
    pseudo += struct.pack('!I', len(u)) if v6 else struct.pack('!BBH', 0, 17, len(u))
    c = csum(pseudo + u) or 0xffff
    return u[:6] + struct.pack('!H', c) + u[8:]


def ip6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def garbage(src, dst):
    """(expected drop reason, packet): one malformed packet per reason"""
    good_udp = udp(src, dst, 40000, 9, b'x')
    bad_tcp = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 2 << 4, 0x02, 512, 0, 0)
    return [
        ('ip_version', b'\x50' + bytes(27)),
        ('ipv4_truncated', ip4(src, dst, 17, b'')[:12]),
        ('ipv4_hdr_len', ip4(src, dst, 17, good_udp, ihl=4)),
        ('ipv4_total_len', ip4(src, dst, 17, good_udp, total=200)),
        ('ipv4_checksum', ip4(src, dst, 17, good_udp, fix_csum=False)),
        ('udp_truncated', ip4(src, dst, 17, good_udp[:5])),
        ('tcp_hdr_len', ip4(src, dst, 6, bad_tcp)),
        ('ipv6_truncated', b'\x60' + bytes(20)),
    ]


def cmd_inject(iface, kind, args):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    if kind == 'udp4':
        pkts = [('udp4', ip4(args[0], args[1], 17,
                             udp(args[0], args[1], 40000, int(args[2]), b'sentry')))]
    elif kind == 'udp6':
        pkts = [('udp6', ip6(args[0], args[1], 17,
                             udp(args[0], args[1], 40000, int(args[2]), b'sentry', True)))]
    elif kind == 'garbage':
        pkts = garbage(args[0], args[1])
    else:
        raise SystemExit('inject: unknown kind %s' % kind)
    for name, p in pkts:
        proto = ETH_P_IPV6 if p[:1] == b'\x60' else ETH_P_IP
        s.sendto(p, (iface, proto))
        print('%s %d bytes' % (name, len(p)), flush=True)
    return 0


def cmd_burst(base, naddr, port_lo, count):
    naddr, port_lo, count = int(naddr), int(port_lo), int(count)
    first = struct.unpack('!I', socket.inet_aton(base))[0]
    per = (count + naddr - 1) // naddr
    if port_lo + per > 65536:
        raise SystemExit('burst: %d ports from %d do not fit' % (per, port_lo))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    sent = 0
    for i in range(count):
        a = socket.inet_ntoa(struct.pack('!I', first + i % naddr))
        while True:
            try:
                s.sendto(b'x', (a, port_lo + i // naddr))
                break
            except (BlockingIOError, ConnectionRefusedError):
                continue	# an ICMP error from an earlier datagram
            except OSError as e:
                if e.errno != 105:	# ENOBUFS: the TUN queue is full
                    raise
                time.sleep(0.001)
        sent += 1
    print('sent %d' % sent)
    return 0


def cmd_logq(path, conds):
    want = [c.split('=', 1) for c in conds]
    n = 0
    with open(path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if all(k in rec and (v == '*' or str(rec[k]) == v) for k, v in want):
                sys.stdout.write(line)
                n += 1
    return 0 if n else 1


def cmd_jget(path):
    v = json.load(sys.stdin)
    for k in path.split('.'):
        v = v.get(k) if isinstance(v, dict) else None
    print(json.dumps(v) if isinstance(v, (dict, list)) else ('' if v is None else v))
    return 0


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'serve':
        return cmd_serve(args)
    if cmd == 'hold':
        return cmd_hold(*args)
    if cmd == 'inject':
        return cmd_inject(args[0], args[1], args[2:])
    if cmd == 'burst':
        return cmd_burst(*args)
    if cmd == 'logq':
        return cmd_logq(args[0], args[1:])
    if cmd == 'jget':
        return cmd_jget(args[0])
    raise SystemExit('netkit: unknown command %s' % cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
