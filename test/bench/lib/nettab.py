#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nettab.py - the arithmetic of test/bench/net.sh

  nettab.py tcp FILE          iperf3 -J output of a TCP run: "GBIT_S BYTES"
  nettab.py udp FILE          iperf3 -J output of a UDP run:
                              "SENT_PPS RECEIVED_PPS LOSS_PERCENT"
  nettab.py dnsperf FILE      dnsperf output: "QPS LOST_PERCENT COMPLETED"
  nettab.py table RAW INFO    the table of medians, in Markdown, on stdout

RAW holds one measurement a line, "MEASURE SETUP VALUE", as net.sh appends
them; INFO is the machine description, copied above the table. A parse
that fails prints zeros, so one broken run shows as a 0 among the runs
instead of stopping the benchmark.
"""
import json
import re
import statistics
import sys

SETUPS = [("kernel", "kernel (a)"), ("sentry", "sentry (b)"),
          ("pasta", "pasta (c)"), ("slirp", "slirp4netns (d)")]

# id, label, unit, scale (raw value / scale = shown value), digits,
# higher is better
MEASURES = [
    ("tcp1_1500", "TCP 1 stream, MTU 1500", "Gbit/s", 1, 2, True),
    ("tcp4_1500", "TCP 4 streams, MTU 1500", "Gbit/s", 1, 2, True),
    ("tcp1_65520", "TCP 1 stream, MTU 65520", "Gbit/s", 1, 2, True),
    ("tcp4_65520", "TCP 4 streams, MTU 65520", "Gbit/s", 1, 2, True),
    ("udp64", "UDP 64-byte datagrams, loss < 1%", "kpps", 1e3, 1, True),
    ("cps", "new TCP connections", "conn/s", 1, 0, True),
    ("dns_allow", "DNS, allowed names (dnsmasq answers)", "q/s", 1, 0, True),
    ("dns_deny", "DNS, denied names (sentry answers)", "q/s", 1, 0, True),
    ("cpu_tcp1_1500", "forwarder CPU per GB: TCP 1 stream, MTU 1500", "s/GB", 1, 2, False),
    ("cpu_tcp4_1500", "forwarder CPU per GB: TCP 4 streams, MTU 1500", "s/GB", 1, 2, False),
    ("cpu_tcp1_65520", "forwarder CPU per GB: TCP 1 stream, MTU 65520", "s/GB", 1, 2, False),
    ("cpu_tcp4_65520", "forwarder CPU per GB: TCP 4 streams, MTU 65520", "s/GB", 1, 2, False),
    ("mcpu_tcp1_1500", "machine CPU per GB: TCP 1 stream, MTU 1500", "s/GB", 1, 2, False),
    ("mcpu_tcp4_1500", "machine CPU per GB: TCP 4 streams, MTU 1500", "s/GB", 1, 2, False),
    ("mcpu_tcp1_65520", "machine CPU per GB: TCP 1 stream, MTU 65520", "s/GB", 1, 2, False),
    ("mcpu_tcp4_65520", "machine CPU per GB: TCP 4 streams, MTU 65520", "s/GB", 1, 2, False),
    ("cpu_cps", "forwarder CPU per new connection", "us", 1, 1, False),
    ("cpu_dns_allow", "forwarder CPU per allowed DNS query", "us", 1, 1, False),
    ("cpu_dns_deny", "forwarder CPU per denied DNS query", "us", 1, 1, False),
    ("rss", "forwarder peak RSS (VmHWM)", "MB", 1024, 1, False),
]

# The targets: measure -> [(kind, threshold)], kind "kernel" and
# "pasta" are ratios of sentry to that setup, "abs" a figure of sentry's
TARGETS = {
    "tcp1_1500": [("kernel", 0.6), ("pasta", 2.0)],
    "tcp1_65520": [("kernel", 0.9)],
    "tcp4_1500": [("kernel", 0.7)],
    "tcp4_65520": [("kernel", 0.7)],
    "cps": [("kernel", 0.8)],
    "dns_allow": [("kernel", 0.8)],
    "dns_deny": [("abs", 150000)],
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tcp(path):
    d = load(path)
    try:
        r = d["end"]["sum_received"]
        print("%.3f %d" % (r["bits_per_second"] / 1e9, r["bytes"]))
    except (KeyError, TypeError):
        print("0 0")


def udp(path):
    d = load(path)
    try:
        s = d["end"]["sum"]
        secs = s["seconds"] or 1
        got = s["packets"] - s["lost_packets"]
        print("%.0f %.0f %.3f" % (s["packets"] / secs, got / secs,
                                  s["lost_percent"]))
    except (KeyError, TypeError):
        print("0 0 100")


def dnsperf(path):
    try:
        text = open(path).read()
    except OSError:
        text = ""
    qps = re.search(r"Queries per second:\s+([0-9.]+)", text)
    lost = re.search(r"Queries lost:\s+\d+ \(([0-9.]+)%\)", text)
    done = re.search(r"Queries completed:\s+(\d+)", text)
    print("%s %s %s" % (qps.group(1) if qps else "0",
                        lost.group(1) if lost else "100",
                        done.group(1) if done else "0"))


def fmt(v, digits):
    if v is None:
        return "-"
    if digits == 0:
        return "{:,.0f}".format(v)
    return "%.*f" % (digits, v)


def ratio(a, b):
    return a / b if a is not None and b else None


def verdicts(mid, meds):
    """The target cells for measure @mid: (text, verdict) or None"""
    want = TARGETS.get(mid)
    if not want:
        return None
    texts, results = [], []
    for kind, thr in want:
        if kind == "abs":
            got = meds.get("sentry")
            texts.append(">= {:,.0f}".format(thr))
        else:
            got = ratio(meds.get("sentry"), meds.get(kind))
            texts.append(">= %g x %s" % (thr, kind))
        if got is None:
            results.append("n/a")
        elif got >= thr:
            results.append("pass")
        else:
            results.append("short (%.2f of target)" % (got / thr))
    return "; ".join(texts), "; ".join(results)


def table(raw, info):
    runs = {}
    with open(raw) as f:
        for line in f:
            w = line.split()
            if len(w) != 3:
                continue
            try:
                runs.setdefault((w[0], w[1]), []).append(float(w[2]))
            except ValueError:
                continue
    with open(info) as f:
        sys.stdout.write(f.read())
    print()
    print("| measure | unit | " + " | ".join(s[1] for s in SETUPS) +
          " | sentry/kernel | sentry/pasta | target | result |")
    print("|---|---|" + "---:|" * len(SETUPS) + "---:|---:|---|---|")
    detail = []
    for mid, label, unit, scale, digits, _ in MEASURES:
        meds = {}
        for s, _ in SETUPS:
            v = runs.get((mid, s))
            if v:
                meds[s] = statistics.median(v) / scale
                detail.append("%-16s %-7s %s" % (mid, s, " ".join(
                    fmt(x / scale, digits) for x in v)))
        if not meds:
            continue
        cells = [fmt(meds.get(s), digits) for s, _ in SETUPS]
        rk = ratio(meds.get("sentry"), meds.get("kernel"))
        rp = ratio(meds.get("sentry"), meds.get("pasta"))
        t = verdicts(mid, meds)
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            label, unit, " | ".join(cells),
            fmt(rk, 2), fmt(rp, 2), t[0] if t else "", t[1] if t else ""))
    print()
    print("Ratios are of medians; \"short (x of target)\" is the ratio over the "
          "target. Forwarder CPU: user + system time of the forwarding process "
          "(sentry's daemon with all its threads, pasta, slirp4netns), kernel "
          "work inside its system calls included (a write to a TUN runs the "
          "receiving namespace's stack); the kernel path (a) has no such "
          "process. Machine CPU: every CPU's busy time during the run, "
          "iperf3 and anything else running included, per GB received.")
    print()
    print("Every run (the table shows their medians):")
    print()
    print("```")
    for line in detail:
        print(line)
    print("```")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "tcp":
        tcp(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "udp":
        udp(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "dnsperf":
        dnsperf(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
