#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-deps.sh GROUP... - install the Debian 12 packages sentry needs,
# only those missing. Groups:
#   build   compiler and the libraries sentry links
#   test    build + what `make check` runs (namespaces, dnsmasq, tcpdump,
#           scapy, dig, curl, Podman 4, runc, slirp4netns, busybox, debootstrap,
#           and clang with libFuzzer for the short fuzz runs)
#   demo    build + what `make demo` runs
#   bench   test + iperf3, dnsperf, passt (real pasta) and perf
#   fuzz    build + clang and libFuzzer
#   analyze build + cppcheck and clang-tidy
set -eu

BUILD="gcc make pkg-config libc6-dev liblmdb-dev libinih-dev libpcap-dev
       libmnl-dev libnftables-dev libnftnl-dev libnetfilter-queue-dev libseccomp-dev libcap-ng-dev
       libmicrohttpd-dev libpsl-dev publicsuffix libssl-dev"
NETTEST="iproute2 nftables dnsmasq-base tcpdump dnsutils curl wget procps
         psmisc python3 python3-scapy lmdb-utils prometheus"
PODMAN="podman runc slirp4netns passt busybox-static uidmap debootstrap
        ca-certificates"
BENCH="iperf3 dnsperf passt linux-perf"
FUZZ="clang-14 libclang-rt-14-dev libfuzzer-14-dev"
ANALYZE="cppcheck clang-tidy-14"

want=""
for g in "$@"; do
	case "$g" in
	build)   want="$want $BUILD" ;;
	test)    want="$want $BUILD $NETTEST $PODMAN $FUZZ" ;;
	demo)    want="$want $BUILD $NETTEST" ;;
	bench)   want="$want $BUILD $NETTEST $PODMAN $BENCH" ;;
	fuzz)    want="$want $BUILD $FUZZ" ;;
	analyze) want="$want $BUILD $ANALYZE" ;;
	*) echo "install-deps.sh: unknown group '$g' (build test demo bench fuzz analyze)" >&2
	   exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: missing Debian packages:$missing" >&2
	echo "install-deps.sh: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $missing >/dev/null
