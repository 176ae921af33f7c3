#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""starttab.py - the tables of test/bench/start.sh

  starttab.py RESULTS MEM BOTTLES [PHASES]
  starttab.py strace FILE       one `strace -f -ttt` of `sentry attach`:
                                "STARTUP TUN NETLINK ATTACH EXIT" in us

RESULTS: one line per start, "VARIANT total US", "VARIANT helper US",
"VARIANT stop US" (slirp4netns: exit fd EOF to exit) or "VARIANT failed
REASON..." (VARIANT p4_none, p4_real, p4_sentry, p5_...).
MEM: one line per round, "QUEUES KB_PER_BOTTLE RSS_KB_PER_BOTTLE".
PHASES: one line per traced attach, as "starttab.py strace" prints them.
Prints Markdown: the start times, the target (sentry's helper adds at most
20 ms over the real helper's), the phases of an attach, and the kernel
memory per bottle and queue.
"""
import statistics
import sys

VARIANTS = [
    ("p4_none", "Podman 4 rootful", "--network=none"),
    ("p4_real", "Podman 4 rootful", "slirp4netns (real)"),
    ("p4_sentry", "Podman 4 rootful", "sentry as slirp4netns"),
    ("p5_none", "Podman 5 rootless", "--network=none"),
    ("p5_real", "Podman 5 rootless", "pasta (real)"),
    ("p5_sentry", "Podman 5 rootless", "sentry as pasta"),
]
TARGET_MS = 20


def p95(v):
    """nearest-rank 95th percentile"""
    s = sorted(v)
    return s[max(0, -(-95 * len(s) // 100) - 1)]


def ms(us):
    return "%.1f" % (us / 1000.0) if us is not None else "-"


def phases(path):
    """Cut one traced attach into phases: start-up (exec until setns into
    the bottle), the TUN (its queues, TUNSETIFF), netlink (addresses,
    routes, MTU, up), the attach round trip (connect to the control socket
    until the last read of the daemon's reply) and the exit."""
    t = {}
    unix_fd = None
    for line in open(path):
        w = line.split(None, 2)
        if len(w) < 3:
            continue
        try:
            ts = float(w[1])
        except ValueError:
            continue
        call = w[2]
        t.setdefault("exec", ts)
        if call.startswith("setns("):
            t.setdefault("setns", ts)
        elif "TUNSETIFF" in call:
            t["tun"] = ts
        elif call.startswith("socket(AF_NETLINK"):
            t.setdefault("nl", ts)
        elif call.startswith("socket(AF_UNIX"):
            t.setdefault("unix", ts)
            unix_fd = call.rsplit("=", 1)[-1].strip()
        elif unix_fd and "unix" in t and (call.startswith("recvmsg(" + unix_fd)
                                          or call.startswith("read(" + unix_fd)):
            t["reply"] = ts
        t["end"] = ts
    need = ("exec", "setns", "tun", "unix", "reply", "end")
    if not all(k in t for k in need):
        print("- - - - -")
        return
    us = lambda a, b: "%.0f" % ((t[b] - t[a]) * 1e6)
    print(us("exec", "setns"), us("setns", "tun"), us("tun", "unix"),
          us("unix", "reply"), us("reply", "end"))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "strace":
        return phases(sys.argv[2])
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    total, helper, stop, failed = {}, {}, {}, {}
    with open(sys.argv[1]) as f:
        for line in f:
            w = line.split()
            if len(w) < 2:
                continue
            if w[1] == "failed":
                failed.setdefault(w[0], []).append(" ".join(w[2:]))
            elif len(w) == 3 and w[1] in ("total", "helper", "stop"):
                {"total": total, "helper": helper, "stop": stop}[w[1]].setdefault(
                    w[0], []).append(int(w[2]))
    print("| Podman | network | starts ok | start, median ms | start, p95 ms "
          "| over --network=none, median ms | helper's own share, median ms "
          "| helper's share, p95 ms | helper's stop, median ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    med = {}
    hmed = {}
    for vid, pm, net in VARIANTS:
        t = total.get(vid, [])
        h = helper.get(vid, [])
        if not t and not failed.get(vid):
            continue
        med[vid] = statistics.median(t) if t else None
        hmed[vid] = statistics.median(h) if h else None
        none = med.get(vid[:3] + "none")
        over = (med[vid] - none) if med[vid] is not None and none and \
            not vid.endswith("none") else None
        ok = "%d of %d" % (len(t), len(t) + len(failed.get(vid, [])))
        st = stop.get(vid, [])
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            pm, net, ok, ms(med[vid]), ms(p95(t)) if t else "-",
            ms(over), ms(hmed[vid]) if h else "-", ms(p95(h)) if h else "-",
            ms(statistics.median(st)) if st else "-"))
    print()
    print("Target: sentry's helper adds no more than %d ms to a start over the "
          "real helper's." % TARGET_MS)
    print()
    print("| Podman | sentry - real helper, whole start (median) "
          "| sentry - real helper, helper's share (median) | target | result |")
    print("|---|---:|---:|---|---|")
    for p, name in (("p4", "Podman 4 (slirp4netns)"), ("p5", "Podman 5 (pasta)")):
        s, r = med.get(p + "_sentry"), med.get(p + "_real")
        hs, hr = hmed.get(p + "_sentry"), hmed.get(p + "_real")
        if s is None and r is None:
            continue
        d = s - r if s is not None and r is not None else None
        dh = hs - hr if hs is not None and hr is not None else None
        if failed.get(p + "_sentry"):
            res = "failed (%d start(s))" % len(failed[p + "_sentry"])
        elif dh is None:
            res = "n/a"
        elif dh <= TARGET_MS * 1000:
            res = "pass"
        else:
            res = "short (%.2f of target)" % (TARGET_MS * 1000.0 / dh)
        print("| %s | %s | %s | <= +%d ms (helper's share) | %s |" % (
            name, ("%+.1f" % (d / 1000.0)) if d is not None else "-",
            ("%+.1f" % (dh / 1000.0)) if dh is not None else "-",
            TARGET_MS, res))
    print()
    print("The whole start moves with everything else on the machine; the "
          "helper's share is the part the helper controls, so the target is "
          "judged on it. With Podman 4 the share ends when the helper writes "
          "its ready byte; with Podman 5 when the helper exits. The helper's "
          "stop (Podman 4 only): from Podman closing the exit fd, once the "
          "container has ended, until the helper exited (whether Podman waits "
          "for that exit before `podman run --rm` returns was not checked; "
          "the whole start includes it if so). Podman 5 does not wait for the helper at the end: pasta (and "
          "sentry's daemon) notice the namespace file going.")
    for vid, reasons in sorted(failed.items()):
        print()
        print("%s: %d start(s) failed; last: %s" % (vid, len(reasons), reasons[-1]))

    if len(sys.argv) == 5:
        rows = []
        with open(sys.argv[4]) as f:
            for line in f:
                w = line.split()
                if len(w) == 5 and "-" not in w:
                    rows.append([int(x) for x in w])
        if rows:
            names = ["start-up: exec until setns into the bottle",
                     "TUN: open and TUNSETIFF, every queue",
                     "netlink: MTU, txqueuelen, qdisc, address, lo, up, route",
                     "attach round trip: connect, hand the fds over, the daemon's reply",
                     "exit"]
            print()
            print("Where an attach spends its time (`strace -f -ttt` of `sentry "
                  "attach` against the same daemon, %d attaches, medians; strace "
                  "slows every system call, so these are shares, not the "
                  "untraced time):" % len(rows))
            print()
            print("| phase | median us | share |")
            print("|---|---:|---:|")
            meds = [statistics.median(r[i] for r in rows) for i in range(5)]
            whole = sum(meds) or 1
            for n, m in zip(names, meds):
                print("| %s | %.0f | %.0f%% |" % (n, m, 100.0 * m / whole))
    mem = {}
    with open(sys.argv[2]) as f:
        for line in f:
            w = line.split()
            if len(w) == 3:
                mem.setdefault(int(w[0]), []).append((int(w[1]), int(w[2])))
    if not mem:
        return
    print()
    print("Kernel memory of an idle bottle, by TUN queues (%s bottles attached "
          "with `sentry attach --queues Q`; SUnreclaim after dropping caches, "
          "before and after, per bottle; median of %d round(s)):" % (
              sys.argv[3], max(len(v) for v in mem.values())))
    print()
    print("| queues | kernel memory per bottle, kB | daemon RSS per bottle, kB |")
    print("|---:|---:|---:|")
    km = {}
    for q in sorted(mem):
        km[q] = statistics.median(k for k, _ in mem[q])
        rm = statistics.median(r for _, r in mem[q])
        print("| %d | %.0f | %.0f |" % (q, km[q], rm))
    qs = sorted(km)
    steps = ["%d to %d queues: %+.0f kB per added queue" % (
        a, b, (km[b] - km[a]) / (b - a)) for a, b in zip(qs, qs[1:])]
    if steps:
        print()
        print("A bottle with %d queue: %.0f kB; %s." % (
            qs[0], km[qs[0]], "; ".join(steps)))

if __name__ == "__main__":
    main()
