#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nettab.py - the arithmetic of test/bench/net.sh

  nettab.py tcp FILE          iperf3 -J output of a TCP run: "GBIT_S BYTES"
  nettab.py udp FILE          iperf3 -J output of a UDP run:
                              "SENT_PPS RECEIVED_PPS LOSS_PERCENT"
  nettab.py dnsperf FILE      dnsperf output: "QPS LOST_PERCENT COMPLETED"
  nettab.py table RAW INFO    the table of medians, in Markdown, on stdout

A run that failed (iperf3 reports an error, or no figures) prints
"failed REASON" instead, and net.sh records it as such: a failed run is
never a zero among the runs.

RAW holds one measurement a line, "MEASURE SETUP VALUE" or "MEASURE SETUP
failed REASON...", as net.sh appends them; INFO is the machine
description, copied above the table. Measures run both ways carry _up
(the bottle sends) or _dn (the bottle receives, iperf3 -R) after their id
and share one row: "up / down".
"""
import json
import re
import statistics
import sys

SETUPS = [("kernel", "kernel (a)"), ("sentry", "sentry (b)"),
          ("nfqueue", "nfqueue (f)"),
          ("pasta", "pasta 2023 (c)"), ("pasta25", "pasta 2025 (e)"),
          ("slirp", "slirp4netns (d)")]
DIRS = ("up", "dn")

# id, label, unit, scale (raw value / scale = shown value), digits,
# measured both ways (ids + _up, _dn)
MEASURES = [
    ("tcp1_1500", "TCP 1 stream, MTU 1500", "Gbit/s", 1, 2, True),
    ("tcp4_1500", "TCP 4 streams, MTU 1500", "Gbit/s", 1, 2, True),
    ("tcp1_65520", "TCP 1 stream, MTU 65520", "Gbit/s", 1, 2, True),
    ("tcp4_65520", "TCP 4 streams, MTU 65520", "Gbit/s", 1, 2, True),
    ("udp64", "UDP 64-byte datagrams, loss < 1%", "kpps", 1e3, 1, True),
    ("cps", "new TCP connections", "conn/s", 1, 0, False),
    ("dns_allow", "DNS, allowed names (dnsmasq answers)", "q/s", 1, 0, False),
    ("dns_deny", "DNS, denied names (sentry answers)", "q/s", 1, 0, False),
    ("cpu_tcp1_1500", "forwarder CPU per GB: TCP 1 stream, MTU 1500", "s/GB", 1, 2, True),
    ("cpu_tcp4_1500", "forwarder CPU per GB: TCP 4 streams, MTU 1500", "s/GB", 1, 2, True),
    ("cpu_tcp1_65520", "forwarder CPU per GB: TCP 1 stream, MTU 65520", "s/GB", 1, 2, True),
    ("cpu_tcp4_65520", "forwarder CPU per GB: TCP 4 streams, MTU 65520", "s/GB", 1, 2, True),
    ("mcpu_tcp1_1500", "machine CPU per GB: TCP 1 stream, MTU 1500", "s/GB", 1, 2, True),
    ("mcpu_tcp4_1500", "machine CPU per GB: TCP 4 streams, MTU 1500", "s/GB", 1, 2, True),
    ("mcpu_tcp1_65520", "machine CPU per GB: TCP 1 stream, MTU 65520", "s/GB", 1, 2, True),
    ("mcpu_tcp4_65520", "machine CPU per GB: TCP 4 streams, MTU 65520", "s/GB", 1, 2, True),
    ("cpu_cps", "forwarder CPU per new connection", "us", 1, 1, False),
    ("cpu_dns_allow", "forwarder CPU per allowed DNS query", "us", 1, 1, False),
    ("cpu_dns_deny", "forwarder CPU per denied DNS query", "us", 1, 1, False),
    ("rss", "forwarder peak RSS (VmHWM)", "MB", 1024, 1, False),
]

# The targets (issue 14): measure -> [(kind, threshold)], kind "kernel"
# a ratio of sentry to the kernel path in the same run (for a measure
# run both ways, in each direction), "abs" a figure of sentry's. Every
# target also fails when a run of sentry's failed: "never zero".
TARGETS = {
    "tcp1_1500": [("kernel", 0.8)],
    "tcp1_65520": [("kernel", 0.9)],
    "tcp4_1500": [("kernel", 0.7)],
    "tcp4_65520": [("kernel", 0.7)],
    "udp64": [("kernel", 0.6)],
    "cps": [("kernel", 0.8)],
    "dns_allow": [("kernel", 0.8)],
    "dns_deny": [("abs", 150000)],
}

# The NFQUEUE source's targets (issue 12): only a flow's first packets
# are queued, so established streams near the kernel's, and the
# connection rate (every connection queued) not far behind.
NFQ_TARGETS = {
    "tcp1_1500": [("kernel", 0.95)],
    "tcp1_65520": [("kernel", 0.95)],
    "tcp4_1500": [("kernel", 0.95)],
    "tcp4_65520": [("kernel", 0.95)],
    "cps": [("kernel", 0.7)],
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except OSError as e:
        return None, "no output (%s)" % e.strerror
    except ValueError:
        try:
            text = open(path).read().strip().splitlines()
        except OSError:
            text = []
        return None, "not JSON: %s" % (text[-1] if text else "empty")


def failed(d, why):
    """The reason a run of iperf3 failed, from its JSON or @why"""
    if d is not None and d.get("error"):
        why = d["error"]
    print("failed " + " ".join(str(why).split()))


def tcp(path):
    d, why = load(path)
    try:
        if d.get("error"):
            raise KeyError
        r = d["end"]["sum_received"]
        if not r["bytes"]:
            return failed(d, "no bytes received")
        print("%.3f %d" % (r["bits_per_second"] / 1e9, r["bytes"]))
    except (KeyError, TypeError, AttributeError):
        failed(d, why or "no figures in iperf3's output")


def udp(path):
    d, why = load(path)
    try:
        if d.get("error"):
            raise KeyError
        s = d["end"]["sum"]
        secs = s["seconds"] or 1
        got = s["packets"] - s["lost_packets"]
        if not s["packets"]:
            return failed(d, "no datagrams counted")
        print("%.0f %.0f %.3f" % (s["packets"] / secs, got / secs,
                                  s["lost_percent"]))
    except (KeyError, TypeError, AttributeError):
        failed(d, why or "no figures in iperf3's output")


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


def fmt_ratio(r):
    """a ratio: two decimals, or whole above 10 (a setup that moved
    almost nothing makes the ratio meaningless past that)"""
    if r is None:
        return "-"
    return "%.2f" % r if r < 10 else "{:,.0f}".format(r)


def verdict(mid, meds, fails, who="sentry", targets=None):
    """The target of measure @mid for one direction: (text, result) or None.
    @meds: setup -> median; @fails: setup -> failed runs; @who: the setup
    judged against @targets (TARGETS)"""
    want = (TARGETS if targets is None else targets).get(mid)
    if not want or (who not in meds and not fails.get(who)):
        return None
    texts, results = [], []
    for kind, thr in want:
        if kind == "abs":
            got = meds.get(who)
            texts.append(">= {:,.0f}".format(thr))
        else:
            got = ratio(meds.get(who), meds.get(kind))
            texts.append(">= %g x %s" % (thr, kind))
        if fails.get(who):
            results.append("failed (%d run(s))" % fails[who])
        elif got is None:
            results.append("n/a")
        elif got >= thr:
            results.append("pass")
        else:
            results.append("short (%.2f of target)" % (got / thr))
    return "; ".join(texts), "; ".join(results)


def judge(vs, both):
    """(target, result) text of one row from its verdicts, one a direction"""
    if not vs or not vs[0]:
        return "", ""
    return vs[0][0], " / ".join(
        ("%s: %s" % ("up" if i == 0 else "down", v[1] if v else "n/a"))
        if both else (v[1] if v else "n/a") for i, v in enumerate(vs))


def read_raw(raw):
    """(MEASURE, SETUP) -> [float or "failed: REASON"]"""
    runs = {}
    with open(raw) as f:
        for line in f:
            w = line.split()
            if len(w) < 3:
                continue
            if w[2] == "failed":
                runs.setdefault((w[0], w[1]), []).append(
                    "failed: " + (" ".join(w[3:]) or "no reason given"))
                continue
            try:
                runs.setdefault((w[0], w[1]), []).append(float(w[2]))
            except ValueError:
                continue
    return runs


def one_way(runs, rid, scale, digits, detail):
    """Medians and failure counts of measure id @rid: (meds, fails)"""
    meds, fails = {}, {}
    for s, _ in SETUPS:
        v = runs.get((rid, s))
        if not v:
            continue
        ok = [x for x in v if not isinstance(x, str)]
        fails[s] = len(v) - len(ok)
        if ok:
            meds[s] = statistics.median(ok) / scale
        detail.append("%-18s %-7s %s" % (rid, s, "  ".join(
            x if isinstance(x, str) else fmt(x / scale, digits) for x in v)))
    return meds, fails


def cell(meds, fails, s, digits):
    if s not in meds and not fails.get(s):
        return None
    text = fmt(meds.get(s), digits)
    if fails.get(s):
        text += " (%d failed)" % fails[s]
    return text


def table(raw, info):
    runs = read_raw(raw)
    present = [(s, name) for s, name in SETUPS
               if any(k[1] == s for k in runs)]
    with open(info) as f:
        sys.stdout.write(f.read())
    print()
    print("Measures with \"up / down\" ran both ways: up, the bottle sends "
          "(iperf3 in the bottle is the client); down, the bottle receives "
          "(iperf3 -R).")
    print()
    print("| measure | unit | " + " | ".join(n for _, n in present) +
          " | sentry/kernel | sentry/pasta 2025 | target | result "
          "| nfqueue/kernel | nfqueue target: result |")
    print("|---|---|" + "---:|" * len(present) + "---:|---:|---|---|---:|---|")
    detail = []
    for mid, label, unit, scale, digits, both in MEASURES:
        ids = [mid + "_" + d for d in DIRS] if both else [mid]
        ways = [one_way(runs, rid, scale, digits, detail) for rid in ids]
        if not any(m or f for m, f in ways):
            continue
        cells = []
        for s, _ in present:
            c = [cell(m, f, s, digits) for m, f in ways]
            cells.append("-" if all(x is None for x in c) else
                         " / ".join(x or "-" for x in c))
        rk = " / ".join(fmt_ratio(ratio(m.get("sentry"), m.get("kernel")))
                        for m, _ in ways)
        rp = " / ".join(fmt_ratio(ratio(m.get("sentry"), m.get("pasta25")))
                        for m, _ in ways)
        target, result = judge([verdict(mid, m, f) for m, f in ways], both)
        rq = " / ".join(fmt_ratio(ratio(m.get("nfqueue"), m.get("kernel")))
                        for m, _ in ways)
        nt, nr = judge([verdict(mid, m, f, "nfqueue", NFQ_TARGETS)
                        for m, f in ways], both)
        print("| %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, " (up / down)" if both else "", unit, " | ".join(cells),
            rk, rp, target, result, rq, nt + (": " + nr if nt else "")))
    print()
    print("Ratios are of medians; \"short (x of target)\" is the ratio over the "
          "target; a failed run (iperf3 reported an error, or moved nothing) "
          "is counted apart, never as a zero, and fails the target. "
          "Forwarder CPU: user + system time of the forwarding process "
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
