#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""netkit.py - the small programs test/netns/gateway.sh runs in its namespaces

Standard library only. Subcommands:

  serve [--http A:P]... [--echo A:P]... [--udp A:P]...
        HTTP servers (GET answers "hello from A:P"), TCP line-echo servers
        and UDP sinks (each datagram printed as "udp A:P from S LEN"),
        threads in one process; prints "ready" once every socket listens.
  hold HOST PORT
        opens one TCP connection to an echo server and keeps it; reads
        commands on stdin and answers each with one line on stdout:
          ping            -> "ok" | "fail ERROR"
          until-fail SECS -> pings every 20 ms; "fail ELAPSED WALLCLOCK ERROR"
                             at the first failure, "alive ELAPSED" if none
        prints "connected" first (after one echo), or "fail ERROR".
  inject IFACE KIND [ARGS]
        writes raw IP packets straight into IFACE (an AF_PACKET socket on the
        TUN: the routing table and source checks of the kernel are bypassed):
          udp4 SRC DST DPORT          one well-formed IPv4/UDP datagram
          udp6 SRC DST DPORT          one well-formed IPv6/UDP datagram
          garbage SRC DST             one malformed packet per drop reason
                                      (see garbage())
          frag4 SRC DST DPORT         one UDP datagram of 1200 bytes in two
                                      fragments
          orphan4 SRC DST             a last fragment whose first never came
        prints one line per packet written.
  burst DST_BASE NADDR PORT_LO COUNT [IFACE]
        sends COUNT one-byte UDP datagrams from one socket to NADDR
        consecutive addresses from DST_BASE, ports from PORT_LO upwards:
        each datagram a new flow. With IFACE, chunks the TUN dropped are
        sent again. Prints "sent N in T s ...".
  bulk HOST PORT SIZE
        sends SIZE bytes as one line to an echo server and reads them back
        (10 s limit); prints "ok SIZE" or "fail ERROR after N bytes".
  tcpidle HOST PORT N
        opens N TCP connections and keeps them, silent; prints "open K"
        (K that connected) and then waits until killed.
  udpprobe HOST PORT
        sends one datagram on a connected UDP socket and waits up to 2 s:
        prints "answer", "timeout" or the errno name of the ICMP error.
  dnsflood SERVER NAME COUNT
        sends COUNT DNS queries for NAME as fast as it can, reads none.
  ctlraw SOCKET
        sends stdin as one request on the UNIX socket, prints the reply.
  logq FILE KEY=VALUE...
        prints the JSON lines of FILE whose fields match every KEY=VALUE
        (VALUE "*" matches any present value); exit 1 if none match.
  jget KEY.PATH
        reads JSON on stdin, prints the value at KEY.PATH ("a.b.c").
"""
import errno
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


def udp_sink(hostport):
    host, port = split_hostport(hostport)
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.bind((host, port))

    def loop():
        while True:
            data, peer = s.recvfrom(65535)
            print('udp %s from %s %d' % (hostport, peer[0], len(data)), flush=True)
    return loop


def make_server(kind, hostport):
    host, port = split_hostport(hostport)
    base = http.server.ThreadingHTTPServer if kind == 'http' \
        else socketserver.ThreadingTCPServer
    cls = type('S', (base,), {'address_family': family_of(host),
                              'allow_reuse_address': True,
                              'daemon_threads': True})
    return cls((host, port), Http if kind == 'http' else Echo)


def cmd_serve(args):
    loops = []
    while args:
        kind, val = args[0].lstrip('-'), args[1]
        args = args[2:]
        loops.append(udp_sink(val) if kind == 'udp'
                     else make_server(kind, val).serve_forever)
    for loop in loops:
        threading.Thread(target=loop, daemon=True).start()
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
                print('fail %.3f %.3f %s' % (took, time.time(), err), flush=True)
    return 0


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload, ihl=5, total=None, fix_csum=True, ver=4,
        flags_frag=0, ident=0x1234):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack('!BBHHHBBH4s4s', ver << 4 | ihl, 0, total, ident,
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
    elif kind == 'frag4':
        seg = udp(args[0], args[1], 40001, int(args[2]), bytes(1192))
        mf = 0x2000
        pkts = [('frag4-first', ip4(args[0], args[1], 17, seg[:600],
                                    flags_frag=mf, ident=0x4242)),
                ('frag4-last', ip4(args[0], args[1], 17, seg[600:],
                                   flags_frag=600 // 8, ident=0x4242))]
    elif kind == 'orphan4':
        pkts = [('orphan4', ip4(args[0], args[1], 17, bytes(600),
                                flags_frag=600 // 8, ident=0x4343))]
    else:
        raise SystemExit('inject: unknown kind %s' % kind)
    for name, p in pkts:
        proto = ETH_P_IPV6 if p[:1] == b'\x60' else ETH_P_IP
        s.sendto(p, (iface, proto))
        print('%s %d bytes' % (name, len(p)), flush=True)
    return 0


def tx_dropped(iface):
    with open('/sys/class/net/%s/statistics/tx_dropped' % iface) as f:
        return int(f.read())


def cmd_burst(base, naddr, port_lo, count, iface=None):
    """Each datagram a new flow. The TUN drops what its queue cannot hold
    when the daemon is slower than we are (ASan): with IFACE, a chunk that
    lost datagrams (tx_dropped grew) is sent again after a pause, so that
    the daemon does see COUNT new flows."""
    naddr, port_lo, count = int(naddr), int(port_lo), int(count)
    first = struct.unpack('!I', socket.inet_aton(base))[0]
    per = (count + naddr - 1) // naddr
    if port_lo + per > 65536:
        raise SystemExit('burst: %d ports from %d do not fit' % (per, port_lo))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    dests = [(socket.inet_ntoa(struct.pack('!I', first + i % naddr)),
              port_lo + i // naddr) for i in range(count)]
    chunk, resent, pause = 256, 0, 0.001
    start = time.monotonic()
    for lo in range(0, count, chunk):
        for attempt in range(100):
            before = tx_dropped(iface) if iface else 0
            for d in dests[lo:lo + chunk]:
                while True:
                    try:
                        s.sendto(b'x', d)
                        break
                    except OSError as e:
                        if e.errno != 105:	# ENOBUFS
                            raise
                        time.sleep(0.001)
            if not iface or tx_dropped(iface) == before:
                pause = max(pause / 2, 0.001)
                break
            resent += 1
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
    print('sent %d in %.2f s (%d chunks of %d sent again)' %
          (count, time.monotonic() - start, resent, chunk))
    return 0


def cmd_bulk(host, port, size):
    size = int(size)
    got = 0
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
        s.settimeout(10)
        data = b'x' * size + b'\n'

        def send():
            try:
                s.sendall(data)
            except OSError:
                pass
        t = threading.Thread(target=send, daemon=True)
        t.start()
        while got < len(data):
            b = s.recv(1 << 20)
            if not b:
                raise OSError('connection closed')
            got += len(b)
        print('ok %d' % size)
    except OSError as e:
        print('fail %s after %d bytes' % (e or type(e).__name__, got))
    return 0


def cmd_tcpidle(host, port, n):
    conns = []
    for _ in range(int(n)):
        try:
            conns.append(socket.create_connection((host, int(port)), timeout=2))
        except OSError:
            pass
    print('open %d' % len(conns), flush=True)
    threading.Event().wait()


def cmd_udpprobe(host, port):
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.connect((host, int(port)))
        s.send(b'probe')
        s.recv(100)
        print('answer')
    except socket.timeout:
        print('timeout')
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e)))
    return 0


def dns_query(name, ident):
    q = struct.pack('!HHHHHH', ident, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\0' + struct.pack('!HH', 1, 1)


def cmd_dnsflood(server, name, count):
    s = socket.socket(family_of(server), socket.SOCK_DGRAM)
    for i in range(int(count)):
        s.sendto(dns_query(name, i & 0xffff), (server, 53))
    print('sent %s' % count)
    return 0


def cmd_ctlraw(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(sys.stdin.buffer.read())
        s.shutdown(socket.SHUT_WR)
    except OSError as e:	# the daemon may answer and close before reading all
        print('(send: %s)' % e)
    reply = b''
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            reply += b
    except OSError as e:
        print('(recv: %s)' % e)
    sys.stdout.write(reply.decode(errors='replace'))
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
        if isinstance(v, list) and k.isdigit():
            v = v[int(k)] if int(k) < len(v) else None
        else:
            v = v.get(k) if isinstance(v, dict) else None
    print(json.dumps(v) if isinstance(v, (dict, list)) else ('' if v is None else v))
    return 0


COMMANDS = {
    'serve': lambda a: cmd_serve(a),
    'hold': lambda a: cmd_hold(*a),
    'inject': lambda a: cmd_inject(a[0], a[1], a[2:]),
    'burst': lambda a: cmd_burst(*a),
    'bulk': lambda a: cmd_bulk(*a),
    'tcpidle': lambda a: cmd_tcpidle(*a),
    'udpprobe': lambda a: cmd_udpprobe(*a),
    'dnsflood': lambda a: cmd_dnsflood(*a),
    'ctlraw': lambda a: cmd_ctlraw(*a),
    'logq': lambda a: cmd_logq(a[0], a[1:]),
    'jget': lambda a: cmd_jget(a[0]),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    return COMMANDS[argv[1]](argv[2:])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
