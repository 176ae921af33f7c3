#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make-helper-argv-seeds.py - write the seed corpus for fuzz_helper_argv

Run from anywhere: writes test/fuzz/corpus/helper_argv/ next to this script.
A seed is one byte choosing the parser (0: pasta, 1: slirp4netns), then the
arguments after argv[0] separated by NUL bytes. The command lines are the
ones shared/PODMAN.md recorded from Podman 4.3.1 and 5.4.2, plus a few that
each parser refuses.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "helper_argv")

NS5 = "/run/user/1500/netns/netns-0b7ed4f2-5e8e-4bde-0e9a-6a0e5c0d1c2b"
NS4 = "/run/netns/netns-8d2c3e0e-54f1-9b1c-3c8e-2f1a9d7e6b5a"
PASTA_TAIL = ["--dns-forward", "169.254.1.1", "-t", "none", "-u", "none",
              "-T", "none", "-U", "none", "--no-map-gw", "--quiet",
              "--netns", NS5, "--map-guest-addr", "169.254.1.2"]
SLIRP4 = ["--disable-host-loopback", "--mtu=65520", "--enable-sandbox",
          "--enable-seccomp", "--enable-ipv6", "-c", "-e", "3", "-r", "4",
          "--netns-type=path", NS4, "tap0"]

SEEDS = {
    "pasta-podman5": (0, ["--config-net"] + PASTA_TAIL),
    "pasta-mtu": (0, ["--config-net", "--mtu", "1500"] + PASTA_TAIL),
    "pasta-ipv4-map-gw": (0, ["--config-net", "-4", "--map-gw"] + PASTA_TAIL),
    "pasta-addresses": (0, ["--config-net", "-I", "tun0", "-a", "10.5.0.2",
                            "-n", "24", "-g", "10.5.0.1"] + PASTA_TAIL),
    "pasta-pid-policy": (0, ["--config-net", "--pid", "/tmp/p.pid",
                             "--policy=pypi", "--name", "web"] + PASTA_TAIL),
    "pasta-ipv6": (0, ["-6", "-a", "2001:db8::2/64", "-g", "2001:db8::1",
                       "--dns-forward", "fd00::53", "--netns", "x"]),
    "pasta-short": (0, ["-qdf", "-m1500", "-a10.0.0.9/20", "-n255.255.240.0",
                        "--", "4242"]),
    "pasta-publish": (0, ["--config-net", "-t", "8088-8088:80-80", "--netns", NS5]),
    "pasta-publish-podman5": (0, ["--config-net", "--dns-forward", "169.254.1.1",
                                  "-t", "8080-8080:80-80",
                                  "-t", "127.0.0.1/8081-8081:80-80",
                                  "-t", "::1/8082-8083:80-81",
                                  "-u", "5353-5353:53-53", "-T", "none", "-U", "none",
                                  "--no-map-gw", "--quiet", "--netns", NS5]),
    "pasta-publish-man": (0, ["-t", "22,25", "-t", "30-80:130-180",
                              "-t", "192.0.2.1%eth0/2000-2100,~2010-2020",
                              "-t", "%lo/9000", "-u", "none", "--netns", "x"]),
    "pasta-publish-exclusions": (0, ["-t", "1-65535,~2-65534", "-u", "~5,1-10,~1-2,~10",
                                     "--netns", "x"]),
    "pasta-publish-refused": (0, ["-t", "none", "-t", "80", "-u", "auto",
                                  "-t", "~20000-20010", "--netns", "x"]),
    "pasta-publish-twice": (0, ["-t", "80", "-t", "127.0.0.1/79-81", "--netns", "x"]),
    "pasta-publish-limit": (0, ["-t", "1-256", "-u", "1000", "--netns", "x"]),
    "pasta-publish-ns": (0, ["-T", "8080", "--netns", "x"]),
    "slirp-podman4": (1, SLIRP4),
    "slirp-podman4-options": (1, ["--mtu=1500", "--enable-sandbox",
                                  "--enable-seccomp", "--cidr=10.9.0.0/24",
                                  "--outbound-addr=eth0", "-c", "-e", "3", "-r", "4",
                                  "--netns-type=path", NS4, "tap0"]),
    "slirp-podman4-api": (1, ["--mtu=1500", "-c", "-e", "3", "-r", "4",
                              "--api-socket", "/run/libpod/0123.net",
                              "--netns-type=path", NS4, "tap0"]),
    "slirp-podman5": (1, [a if a not in ("-e", "-r") else {"-e": "-r", "-r": "-e"}[a]
                          for a in SLIRP4]),
    "slirp-pid": (1, ["-ce9", "-r10", "-6", "--cidr=192.168.7.0/25", "42", "tap1"]),
    "slirp-help": (1, ["--help"]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (which, args) in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([which]) + b"\0".join(a.encode() for a in args))


if __name__ == "__main__":
    main()
