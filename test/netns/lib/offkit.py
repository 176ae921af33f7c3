#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""offkit.py - bulk TCP with checked contents, and UDP GSO, for offload.sh

  serve HOST PORT            TCP server: per connection a line "up N" (read N
                             bytes, answer their SHA-256) or "down N SEED"
                             (send N bytes of stream(SEED)); UDP on the same
                             port: "gso SEG N" is answered as udpdown wants,
                             any other datagram with its SHA-256
  up HOST PORT N             send N bytes of stream(N); print "ok" if the
                             server's hash matches
  down HOST PORT N           receive N bytes of stream(N); print "ok" if they
                             are exactly those
  udpgso HOST PORT SEG N     send N datagrams of SEG bytes, in sends of up to
                             32 with UDP_SEGMENT (one GSO packet each); print
                             how many came back hashed right
  udpdown HOST PORT SEG N    ask the server for N datagrams of SEG bytes, which
                             it sends with UDP_SEGMENT; print how many arrived
                             intact
  udpsink PORT COUNT SECS    receive datagrams made by udpgso-style senders;
                             print how many arrived intact
  udpsend HOST PORT SEG N    as udpgso, but to a udpsink (no answers)

Standard library only. stream(S) is SHA-256 in counter mode over S, so
either end can make or check any length of it.
"""
import hashlib
import socket
import struct
import sys
import threading
import time

UDP_SEGMENT = 103
SOL_UDP = 17


def stream(seed, n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest() * 64
        i += 1
    return bytes(out[:n])


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def recv_line(s):
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            break
        line += c
    return line.decode().split()


def handle(c):
    try:
        words = recv_line(c)
        if words[0] == "up":
            h = hashlib.sha256()
            left = int(words[1])
            while left:
                chunk = c.recv(min(1 << 20, left))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
            c.sendall(h.hexdigest().encode() + b"\n")
        elif words[0] == "down":
            c.sendall(stream(int(words[2]), int(words[1])))
    finally:
        c.close()


def serve(host, port):
    fam = family(host)
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((host, port))
    t.listen(16)
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind((host, port))

    def udp():
        while True:
            data, peer = u.recvfrom(65535)
            if data.startswith(b"gso "):
                _, seg, n = data.split()
                send_gso(u, int(seg), int(n), peer, lambda: time.sleep(0.002))
            else:
                u.sendto(hashlib.sha256(data).digest(), peer)

    threading.Thread(target=udp, daemon=True).start()
    print("listening", flush=True)
    while True:
        c, _ = t.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def up(host, port, n):
    s = socket.create_connection((host, port), timeout=30)
    data = stream(n, n)
    s.sendall(b"up %d\n" % n)
    s.sendall(data)
    got = recv_line(s)
    print("ok" if got and got[0] == hashlib.sha256(data).hexdigest() else "bad hash")


def down(host, port, n):
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(b"down %d %d\n" % (n, n))
    got = recv_exact(s, n)
    print("ok" if got == stream(n, n) else "bad data (%d bytes)" % len(got))


def datagram(seg, i):
    body = stream(i, seg - 4)
    return struct.pack("!I", i) + body


def send_gso(s, seg, n, dest, pace=None):
    i = 0
    while i < n:
        k = min(32, n - i)
        s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
        s.sendto(b"".join(datagram(seg, i + j) for j in range(k)), dest)
        i += k
        if pace:
            pace()


def udpgso(host, port, seg, n):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(3)
    want = {hashlib.sha256(datagram(seg, i)).digest() for i in range(n)}
    got = set()

    def drain():
        s.settimeout(0.2)
        try:
            while True:
                h = s.recv(64)
                if h in want:
                    got.add(h)
        except socket.timeout:
            pass

    send_gso(s, seg, n, (host, port), drain)
    drain()
    print(len(got))


def udpdown(host, port, seg, n):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
    s.settimeout(2)
    s.sendto(b"gso %d %d" % (seg, n), (host, port))
    ok = set()
    try:
        while len(ok) < n:
            data = s.recv(65535)
            i = struct.unpack("!I", data[:4])[0]
            if i < n and data == datagram(seg, i):
                ok.add(i)
    except socket.timeout:
        pass
    print(len(ok))


def udpsink(port, count, secs):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.settimeout(float(secs))
    print("listening", flush=True)
    ok = set()
    try:
        while len(ok) < count:
            data = s.recv(65535)
            if len(data) < 4:
                continue
            i = struct.unpack("!I", data[:4])[0]
            if data == datagram(len(data), i):
                ok.add(i)
    except socket.timeout:
        pass
    print(len(ok), flush=True)


def udpsend(host, port, seg, n):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    send_gso(s, seg, n, (host, port), lambda: time.sleep(0.005))
    print("sent")


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve(argv[2], int(argv[3]))
    elif cmd == "up":
        up(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "down":
        down(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "udpgso":
        udpgso(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    elif cmd == "udpdown":
        udpdown(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    elif cmd == "udpsink":
        udpsink(int(argv[2]), int(argv[3]), argv[4])
    elif cmd == "udpsend":
        udpsend(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
