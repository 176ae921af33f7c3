#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pubkit.py - servers and clients for test/netns/publish.sh

Standard library only. Subcommands:

  serve TCPPORT UDPPORT
        in the bottle: a TCP server on every address that reads a
        connection until EOF, then sends back what it read and closes (so
        the client's half-close must come through), and a UDP server that
        sends each datagram back. Prints "ready" once both listen.
  echo HOST PORT SIZE
        sends SIZE bytes, shuts its sending side, reads until EOF; prints
        "ok SIZE" when what came back is what was sent, else "fail ...".
  udp HOST PORT
        one datagram, one reply within 3 s: "ok" or "fail ...".
  hold HOST PORT N
        opens N connections and keeps them (each sends one byte, so it is
        accepted and relayed), then one more: prints "held N" and then
        "extra reset" when the extra one is reset or closed without an
        answer, "extra open" when it lives; then waits for stdin to close.
  connect HOST PORT
        one TCP connection, 3 s: "ok" or "fail ERROR".
  deaf PORT
        in the bottle: a TCP listener with the shortest queue that never
        accepts. Prints "ready".
  stream HOST PORT
        sends zeros until the connection fails (30 s at most): prints
        "fail ERROR", or "ok" if it never did.
  slirp APISOCK CMD...
        runs CMD (a slirp4netns helper) with Podman 4's fds: the exit
        pipe's read end as fd 3, the ready pipe's write end as fd 4; prints
        "ready" when the byte comes (or "exit N" if it ends first). Then
        each line on stdin is one request for APISOCK, its answer printed
        on one line. At stdin's EOF the exit pipe is closed (the container
        stopped): prints "exit N" once the helper has exited.
"""
import socket
import sys
import threading


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve(tport, uport):
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    t.bind(("::", tport))
    t.listen(128)
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(("::", uport))

    def one(c):
        data = bytearray()
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
            c.sendall(data)
        except OSError:
            pass
        c.close()

    def udp():
        while True:
            d, a = u.recvfrom(65536)
            u.sendto(d, a)

    threading.Thread(target=udp, daemon=True).start()
    print("ready", flush=True)
    while True:
        c, _ = t.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def echo(host, port, size):
    payload = bytes((i * 7 + 3) & 0xFF for i in range(size))
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((host, port))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = bytearray()
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError as e:
        print("fail %s" % e)
        return
    print("ok %d" % size if bytes(got) == payload else "fail got %d bytes" % len(got))


def udp(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(b"ping-udp", (host, port))
        d, _ = s.recvfrom(100)
        print("ok" if d == b"ping-udp" else "fail %r" % d)
    except OSError as e:
        print("fail %s" % e)


def hold(host, port, n):
    held = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"x")
        held.append(s)
    print("held %d" % len(held), flush=True)
    try:
        # the reset may come before connect() has returned (it is the
        # relay's answer to the accept): that counts too
        x = socket.create_connection((host, port), timeout=5)
        x.settimeout(5)
        x.sendall(b"x")
        x.shutdown(socket.SHUT_WR)
        b = x.recv(10)
        print("extra reset" if not b else "extra open", flush=True)
    except socket.timeout:
        print("extra open", flush=True)
    except OSError:
        # reset, broken pipe, or ENOTCONN from shutdown() once the reset
        # has come in: the relay refused it
        print("extra reset", flush=True)
    sys.stdin.read()


def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("ok")
    except OSError as e:
        print("fail %s" % e)


def slirp(api, cmd):
    import os
    import subprocess
    er, ew = os.pipe()
    rr, rw = os.pipe()
    hi = [os.dup(f) for f in (er, ew, rr, rw)]
    for f in (er, ew, rr, rw):
        os.close(f)
    er, ew, rr, rw = hi

    def child():
        os.dup2(er, 3)
        os.dup2(rw, 4)
        for f in hi:
            if f not in (3, 4):
                os.close(f)

    p = subprocess.Popen(cmd, close_fds=False, preexec_fn=child)
    os.close(er)
    os.close(rw)
    import select
    r, _, _ = select.select([rr], [], [], 20)
    if not r or not os.read(rr, 1):
        p.kill() if not r else None
        print("exit %s" % p.wait(), flush=True)
        return
    print("ready", flush=True)
    for line in sys.stdin:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(api)
            s.sendall(line.strip().encode())
            got = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
            print(got.decode(), flush=True)
        except OSError as e:
            print("fail %s" % e, flush=True)
        s.close()
    os.close(ew)
    try:
        print("exit %s" % p.wait(timeout=10), flush=True)
    except subprocess.TimeoutExpired:
        p.kill()
        print("exit hung", flush=True)


def deaf(port):
    import time
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("0.0.0.0", port))
    t.listen(0)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def stream(host, port):
    import time
    s = socket.create_connection((host, port), timeout=10)
    chunk = bytes(65536)
    end = time.time() + 30
    try:
        while time.time() < end:
            s.sendall(chunk)
        print("ok")
    except OSError as e:
        print("fail %s" % e)


def main():
    a = sys.argv[1:]
    if a[0] == "serve":
        serve(int(a[1]), int(a[2]))
    elif a[0] == "echo":
        echo(a[1], int(a[2]), int(a[3]))
    elif a[0] == "udp":
        udp(a[1], int(a[2]))
    elif a[0] == "hold":
        hold(a[1], int(a[2]), int(a[3]))
    elif a[0] == "connect":
        connect(a[1], int(a[2]))
    elif a[0] == "deaf":
        deaf(int(a[1]))
    elif a[0] == "stream":
        stream(a[1], int(a[2]))
    elif a[0] == "slirp":
        slirp(a[1], a[2:])


if __name__ == "__main__":
    main()
