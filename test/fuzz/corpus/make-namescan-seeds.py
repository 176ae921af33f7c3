#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-namescan-seeds.py - write the seed corpus for fuzz_namescan

Run from anywhere: writes test/fuzz/corpus/namescan/ next to this script.
Each seed is one selector byte (0 TLS record, 1 ClientHello, 2 HTTP, 3 QUIC)
and what that reader reads: ClientHellos with and without server_name,
HTTP requests with Host and an absolute target, and a sealed QUIC Initial
(the crafted replay cases' builders, test/replay/make-crafted.py).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "replay"))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "crafted", os.path.join(HERE, "..", "..", "replay", "make-crafted.py"))
crafted = importlib.util.module_from_spec(spec)
spec.loader.exec_module(crafted)

SEEDS = {
    "tls-sni": b"\0" + crafted.tls_record(crafted.client_hello("allowed.example")),
    "tls-no-sni": b"\0" + crafted.tls_record(crafted.client_hello(None)),
    "tls-long": b"\0" + crafted.tls_record(crafted.client_hello("pq.example", 1800)),
    "hello-sni": b"\1" + crafted.client_hello("other.example"),
    "http-host": b"\2GET / HTTP/1.1\r\nHost: other.example:8080\r\nAccept: */*\r\n\r\n",
    "http-absolute": b"\2GET http://u@other.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n",
    "http-connect": b"\2CONNECT other.example:443 HTTP/1.1\r\n\r\n",
    "quic-initial": b"\3" + crafted.quic_initial(bytes.fromhex("8394c8f03e515708"), 0,
                                                  crafted.client_hello("other.example")),
}

out = os.path.join(HERE, "namescan")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"wrote {len(SEEDS)} seeds to {out}")
