#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# publish4.sh - Podman 4 (Debian 12's own), rootful, publishes ports with
# `--network=slirp4netns:port_handler=slirp4netns -p ...`: Podman passes
# --api-socket and sends add_hostfwd for each port once the helper is
# ready; sentry's slirp4netns personality answers as slirp4netns does and
# serves each forward with a relay (helpers/slirp_hostfwd.h). The world,
# the daemon and the helper link are podman4.sh's.
#
#  $P-host (Podman runs here, nsenter --net)        container netns
# +----------------------------------------+      +---------------------------+
# | podman run -p 8080:80 -p 127.0.0.1:8081:80 |  | TUN (sentry), lo           |
# | slirp4netns personality: --api-socket  |      | busybox httpd :80          |
# |  add_hostfwd -> bind, relay ------------------>  (relay's sockets in here) |
# | curl from here                         |      +---------------------------+
# +----------------------------------------+
# No port is opened in the machine's own network namespace.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$top/test/lib/tap.sh"
. "$top/test/lib/world.sh"
. "$top/test/lib/podman.sh"
. "$top/test/lib/rootful4.sh"
. "$top/test/lib/pmchecks.sh"

TESTS=(
	"publish4: -p 8080:80 and -p 127.0.0.1:8081:80 through port_handler=slirp4netns"
	"publish4: ctl bottles shows the forwards; inbound decision lines"
	"publish4: the bottle's own egress still obeys its policy"
	"publish4: the forwards are gone after podman rm"
	"publish4: no bottle is left once the containers are gone"
	"publish4: no Podman call timed out"
	"publish4: the host's addresses and routes are untouched"
)

INFRA=("publish4: busybox container runs")
rootful4_setup publish4 spp4
# Podman and so its helper run in a network namespace made here: the
# published ports listen there, never on the machine's own addresses.
HOSTNS=$W_PREFIX-host
ip netns add "$HOSTNS" || { echo "not ok - publish4: ip netns add"; exit 1; }
t_defer ip netns del "$HOSTNS"
ip -n "$HOSTNS" link set lo up
PM_PREFIX=(nsenter "--net=/run/netns/$HOSTNS")
inhost() { ip netns exec "$HOSTNS" "$@"; }
CTR=spp4-web-$$
PM_GLOBAL=(--network-cmd-path="$LINKS/slirp4netns")
PM_NET=(--network=slirp4netns:port_handler=slirp4netns)
PM_ROOTFS=$(readlink -f "$T_CACHE")/rootfs-host	# runc refuses a rootfs path through a symlink
pm_rootfs /bin/busybox "$PM_ROOTFS" || {
	echo "not ok - publish4: could not make the busybox rootfs from /bin/busybox"; exit 1; }

# The plumbing alone: Podman, runc and the rootfs, with no network at all.
check_plain() {
	pm run --rm --network=none --rootfs "$PM_ROOTFS" sh -c 'echo up; ip -o link'
	ran_ok && has "the container ran" "up"
}
check "publish4: busybox container runs" check_plain

# Does $SENTRY answer Podman's `--help` probe as slirp4netns does?
if ! "$LINKS/slirp4netns" --help 2>&1 | grep -q -- --enable-sandbox; then
	why="sentry has no slirp4netns personality yet: '$LINKS/slirp4netns --help' does not mention --enable-sandbox"
	for t in "${TESTS[@]}"; do
		t_not_ok "$t" "$why"
	done
	exit 1
fi


fetch() { inhost curl -s -g -m 3 "$1"; }
page_is() { [ "$(fetch "$1")" = hello-published ]; }
host_port_open() { inhost ss -Htuln "sport = :$1" | grep -q .; }

check_http() {
	pm run -d --name "$CTR" -p 8080:80 -p 127.0.0.1:8081:80 "${PM_NET[@]}" \
		--tmpfs /tmp --rootfs "$PM_ROOTFS" sh -c '
		mkdir -p /tmp/www && echo hello-published >/tmp/www/index.html &&
		exec httpd -f -p 80 -h /tmp/www'
	expect "podman run -d -p ... exits 0" "$pm_rc" = 0 || return 1
	wait_for 15 page_is http://127.0.0.1:8080/ ||
		{ run fetch http://127.0.0.1:8080/; note "expected hello-published"; return 1; }
	run fetch http://127.0.0.1:8081/
	expect "the page on 127.0.0.1:8081" "$t_out" = hello-published || return 1
	run inhost ss -Htln "sport = :8081"
	expect "8081 on 127.0.0.1 only" "$(printf '%s\n' "$t_out" | awk '{ print $4 }')" = 127.0.0.1:8081
}
check "${TESTS[0]}" check_http

check_views() {
	run ctl bottles
	printf '%s\n' "$t_out" | grep -q "^  published:.*tcp .*:8080->80" &&
	printf '%s\n' "$t_out" | grep -q "^  published:.*tcp 127.0.0.1:8081->80" ||
		{ note "expected both forwards under the bottle"; return 1; }
	wait_for 5 decided '"event":"inbound","verdict":"allow".*"rule":"publish tcp [^"]*:8080->80"' ||
		{ note "expected an inbound line for 8080"; return 1; }
}
check "${TESTS[1]}" check_views

check_egress() {
	pm exec "$CTR" sh -c 'nslookup -type=a allowed.test >/dev/null; echo "control=$?";
		timeout 5 wget -q -O - http://198.18.0.82/; echo "direct=$?"'
	has "the allowed name resolves in the same container" "control=0" &&
	hasnt "the direct address is refused" "direct=0" &&
	wait_for 5 decided '"verdict":"deny".*"dst":"198.18.0.82","dport":80'
}
check "${TESTS[2]}" check_egress

check_rm() {
	pm rm -f -t 0 "$CTR"
	expect "podman rm exits 0" "$pm_rc" = 0 || return 1
	wait_for 10 eval '! host_port_open 8080 && ! host_port_open 8081' ||
		{ run inhost ss -Htulnp; note "a forward still listens"; return 1; }
}
check "${TESTS[3]}" check_rm
check "${TESTS[4]}" check_none_left
check "${TESTS[5]}" check_no_hang
check "${TESTS[6]}" check_host_untouched "$tmp/host.before"

[ "$t_failed" = 0 ]
