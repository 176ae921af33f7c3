#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# publish5.sh - Podman 5 rootless `podman run -p` through sentry's pasta
# personality (issue 13), in the Debian 13 tree of podman5.sh (see there
# for the tree, the world and the daemon's rootless set-up).
#
#  $P-host: "the host" as Podman sees it     container netns (rootless)
# +-------------------------------------+   +------------------------------+
# | lo 127.0.0.1, ::1 only              |   | TUN (sentry), lo             |
# | tester $ podman run -p 8080:80 ...  |   | busybox httpd :80, dnsd :53  |
# | pasta personality binds *:8080,     |   +------------------------------+
# |  127.0.0.1:8081, *:5353/udp; its    |          ^ relay's sockets made in
# |  relay holds them  ---------------------------- the container's netns
# | curl / dig from here                |
# +-------------------------------------+
#
# Podman (and so the helper and its relay) runs in a network namespace made
# here, not the machine's own: the published ports listen there and nowhere
# else, and cannot clash with the machine's ports. The daemon and the test
# internet are world.sh's, as in podman5.sh. Every Podman call is under
# timeout.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$top/test/lib/tap.sh"
. "$top/test/lib/world.sh"
. "$top/test/lib/podman.sh"
. "$top/test/lib/pmchecks.sh"
. "$top/test/lib/trixie.sh"
. "$top/test/lib/rootless5.sh"

TESTS=(
	"publish5: -p 8080:80 serves the bottle's httpd to the host (IPv4 and IPv6)"
	"publish5: -p 127.0.0.1:8081:80 listens on 127.0.0.1 only"
	"publish5: -p 5353:53/udp carries a datagram and its reply"
	"publish5: the bottle's own egress still obeys its policy"
	"publish5: ctl bottles shows the mappings; inbound decision lines"
	"publish5: a port in use is a clear Podman error naming it"
	"publish5: the listeners and the relay are gone after podman rm"
	"publish5: no bottle is left once the containers are gone"
	"publish5: no Podman call timed out"
)
INFRA=(
	"publish5: rootless busybox container runs"
)

rootless5_setup publish5 spp5

HOSTNS=$W_PREFIX-host
ip netns add "$HOSTNS" || { echo "not ok - publish5: ip netns add"; exit 1; }
t_defer ip netns del "$HOSTNS"
ip -n "$HOSTNS" link set lo up
PM_PREFIX=(ip netns exec "$HOSTNS" "${TREE_USER_CMD[@]}")
inhost() { ip netns exec "$HOSTNS" "$@"; }
CTR=spp5-web-$$
PY_UDP="python3 $top/test/netns/lib/pubkit.py udp"

check_plain() {
	pm run --rm --network=none --rootfs "$PM_ROOTFS" sh -c 'echo up; id -u'
	ran_ok && has "the container ran" "up"
}
check "${INFRA[0]}" check_plain

fetch() {	# fetch URL - the page, as the host's curl gets it
	inhost curl -s -g -m 3 "$1"
}
page_is() { [ "$(fetch "$1")" = hello-published ]; }
host_port_open() { inhost ss -Htuln "sport = :$1" | grep -q .; }

# the bottle: busybox httpd on 80, files on a tmpfs (the rootfs is the
# cached tree's and stays untouched), and a UDP echo on 53 in the tree's
# perl (busybox has no UDP server), its /usr mounted read-only
check_http() {
	pm run -d --name "$CTR" -p 8080:80 -p 127.0.0.1:8081:80 -p 5353:53/udp \
		"${PM_NET[@]}" --tmpfs /tmp -v /usr:/usr:ro -v /usr/lib:/lib:ro \
		-v /usr/lib64:/lib64:ro --rootfs "$PM_ROOTFS" sh -c '
		mkdir -p /tmp/www && echo hello-published >/tmp/www/index.html &&
		{ /usr/bin/perl -MIO::Socket::INET -e "\$s = IO::Socket::INET->new(LocalPort => 53,
			Proto => q(udp)) or die; while (\$s->recv(\$m, 2048)) { \$s->send(\$m) }" & } &&
		exec httpd -f -p 80 -h /tmp/www'
	expect "podman run -d -p ... exits 0" "$pm_rc" = 0 || return 1
	wait_for 15 page_is http://127.0.0.1:8080/ ||
		{ run fetch http://127.0.0.1:8080/; note "expected hello-published"; return 1; }
	run fetch 'http://[::1]:8080/'
	expect "the page over IPv6 too" "$t_out" = hello-published
}
check "${TESTS[0]}" check_http

check_bind() {
	run fetch http://127.0.0.1:8081/
	expect "the page on 127.0.0.1:8081" "$t_out" = hello-published || return 1
	run inhost ss -Htln "sport = :8081"
	expect "one listener, on 127.0.0.1" "$(printf '%s\n' "$t_out" | awk '{ print $4 }')" = 127.0.0.1:8081
}
check "${TESTS[1]}" check_bind

check_udp() {
	wait_for 10 eval 'inhost $PY_UDP 127.0.0.1 5353 | grep -qx ok' && return 0
	run inhost $PY_UDP 127.0.0.1 5353
	note "expected the datagram back through 5353/udp"
	return 1
}
check "${TESTS[2]}" check_udp

check_egress() {
	pm exec "$CTR" sh -c 'nslookup -type=a denied.test; echo "denied=$?";
		nslookup -type=a allowed.test >/dev/null; echo "control=$?";
		timeout 5 wget -q -O - http://198.18.0.82/; echo "direct=$?"'
	has "the allowed name resolves in the same container" "control=0" &&
	hasnt "denied.test does not resolve" "denied=0" &&
	hasnt "the direct address is refused" "direct=0" &&
	wait_for 5 decided '"verdict":"deny".*"dst":"198.18.0.82","dport":80'
}
check "${TESTS[3]}" check_egress

check_views() {
	run ctl bottles
	local m
	for m in "tcp \*:8080->80" "tcp 127.0.0.1:8081->80" "udp \*:5353->53"; do
		printf '%s\n' "$t_out" | grep -q "^  published:.*$m" ||
			{ note "expected $m under the bottle"; return 1; }
	done
	wait_for 5 decided '"event":"inbound","verdict":"allow".*"rule":"publish tcp \*:8080->80","proto":"tcp","src":"127.0.0.1"' &&
	wait_for 5 decided '"event":"inbound".*"rule":"publish udp \*:5353->53"' ||
		{ note "expected inbound lines for 8080/tcp and 5353/udp"; return 1; }
}
check "${TESTS[4]}" check_views

check_in_use() {
	pm run --rm -p 8080:80 "${PM_NET[@]}" --rootfs "$PM_ROOTFS" true
	failed_cleanly "port 8080/tcp is in use"
}
check "${TESTS[5]}" check_in_use

check_rm() {
	pm rm -f -t 0 "$CTR"
	expect "podman rm exits 0" "$pm_rc" = 0 || return 1
	wait_for 10 eval '! host_port_open 8080 && ! host_port_open 8081 && ! host_port_open 5353' ||
		{ run inhost ss -Htulnp; note "a published port still listens"; return 1; }
	run fetch http://127.0.0.1:8080/
	expect "nothing answers on 8080" -z "$t_out"
}
check "${TESTS[6]}" check_rm

check "${TESTS[7]}" check_none_left
check "${TESTS[8]}" check_no_hang

[ "$t_failed" = 0 ]
