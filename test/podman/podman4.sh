#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# podman4.sh - Podman 4 (Debian 12's own), rootful, puts a busybox
# container behind sentry through `--network=slirp4netns` with
# `--network-cmd-path` pointing at a `slirp4netns` link to $SENTRY.
#
#   host namespaces (Podman's own)                $P-gw              $P-net
#  +------------------------------------------+  +---------------+  +--------------+
#  | podman --network-cmd-path=$tmp/links/    |  | sentry run    |  | dnsmasq .53  |
#  |          slirp4netns (-> $SENTRY)        |  |  control.sock |  | HTTP .80-.83 |
#  |   |  runs, in the host namespaces:       |  |  in $tmp/sock |  |              |
#  |   v                                      |  |               |  |              |
#  | slirp4netns personality --- connect() ------->  daemon     |  |              |
#  |   |  setns, TUN, SCM_RIGHTS ----------------->  bottle fd  |  |              |
#  |   v                                      |  | sentry0 NAT   |  |              |
#  | container netns /run/netns/netns-<uuid>  |  | gw0 .1.2 ======veth===== net0  |
#  |   tun0 10.0.2.100/24, lo                 |  +---------------+  | 198.18.1.1   |
#  |   busybox: nslookup, wget                |                     +--------------+
#  +------------------------------------------+
#
# The container's only interface is the TUN whose other end the daemon
# holds; the daemon's only way out is the veth to $P-net, which has no
# uplink. No packet leaves the machine.
#
# Podman passes its own environment to the helper (checked: `--help`
# probe and the real call both see it), so the helper is told the socket
# with SENTRY_SOCKET and, for the failure path, a policy with
# SENTRY_POLICY. Podman 4 accepts no free-form options for slirp4netns.
#
# Environment: SENTRY (binary under test; default build/stage/usr/local/bin/sentry, as make stage installs it),
# SENTRY_LINK_DIR (use its slirp4netns instead of a link made here),
# PM_TIMEOUT (seconds per Podman call, default 60). Needs root.
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
	"podman4: allowed name resolves and wget fetches it"
	"podman4: denied name does not resolve"
	"podman4: direct IP is refused"
	"podman4: ctl bottles lists the container while it runs, not after rm"
	"podman4: unknown policy is a clear Podman error"
	"podman4: no bottle is left once the containers are gone"
	"podman4: no daemon is a clear Podman error"
	"podman4: no Podman call timed out"
	"podman4: the host's addresses and routes are untouched"
)

INFRA=("podman4: busybox container runs")
rootful4_setup podman4 spm4
PM_GLOBAL=(--network-cmd-path="$LINKS/slirp4netns")
PM_NET=(--network=slirp4netns)
PM_ROOTFS=$T_CACHE/rootfs-host
pm_rootfs /bin/busybox "$PM_ROOTFS" || {
	echo "not ok - podman4: could not make the busybox rootfs from /bin/busybox"; exit 1; }

# The plumbing alone: Podman, runc and the rootfs, with no network at all.
check_plain() {
	pm run --rm --network=none --rootfs "$PM_ROOTFS" sh -c 'echo up; ip -o link'
	ran_ok && has "the container ran" "up"
}
check "podman4: busybox container runs" check_plain

# Does $SENTRY answer Podman's `--help` probe as slirp4netns does?
if ! "$LINKS/slirp4netns" --help 2>&1 | grep -q -- --enable-sandbox; then
	why="sentry has no slirp4netns personality yet: '$LINKS/slirp4netns --help' does not mention --enable-sandbox"
	for t in "${TESTS[@]}"; do
		t_not_ok "$t" "$why"
	done
	exit 1
fi

check "${TESTS[0]}" check_allowed
check "${TESTS[1]}" check_denied_name
check "${TESTS[2]}" check_direct_ip
check "${TESTS[3]}" check_bottles "spm4-sleeper-$$"

check_unknown_policy() {
	note "with SENTRY_POLICY=nosuch in Podman's environment (Podman passes it on)"
	SENTRY_POLICY=nosuch c_run true
	failed_cleanly "nosuch"
}
check "${TESTS[4]}" check_unknown_policy

check "${TESTS[5]}" check_none_left

check_no_daemon() {
	world_daemon_stop
	c_run true
	failed_cleanly "$W_SOCK"
}
check "${TESTS[6]}" check_no_daemon
check "${TESTS[7]}" check_no_hang
check "${TESTS[8]}" check_host_untouched "$tmp/host.before"

[ "$t_failed" = 0 ]
