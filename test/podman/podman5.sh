#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# podman5.sh - Podman 5 (from a Debian 13 tree, cached in test/cache/trixie),
# rootless, puts a busybox container behind sentry through
# `--network=pasta:--policy=web`, with containers.conf's helper_binaries_dir
# pointing at a directory whose `pasta` is a link to $SENTRY.
#
#  host mount ns, host netns                               $P-gw          $P-net
# +---------------------------------------------------+  +------------+  +-----------+
# | holder: private mount ns, pivot_root into trixie  |  | sentry run |  | dnsmasq   |
# |  /run/sentry  = $tmp/sock (bind) ....................> control.sock|  |   .53     |
# |  /run/sentry-test/bin/sentry = $SENTRY (bind)     |  |  0660,     |  | HTTP      |
# |  /etc/group + "sentryctl:x:GID:tester"            |  |  group GID |  |           |
# |  /run/sentry-test/bin/pasta -> sentry             |  |            |  |  .80-.83  |
# |  /dev/net/tun: a 0666 node                        |  |            |  |           |
# |                                                   |  |            |  |           |
# |  tester (uid 1500) $ podman run                   |  |            |  |           |
# |    --network=pasta:--policy=web --rootfs ...      |  |            |  |           |
# |    | rootless user ns (tester = root in it)       |  |            |  |           |
# |    v                                              |  |            |  |           |
# |  pasta personality: setns, TUN, SCM_RIGHTS ---------->  bottle fd |  |           |
# |    container netns /run/user/1500/netns/netns-*   |  | sentry0 NAT|  |           |
# |      tun0, lo; busybox nslookup, wget             |  | gw0 ====veth==== net0    |
# +---------------------------------------------------+  +------------+  +-----------+
#
# The daemon is set up as the README says for rootless Podman: a host
# group ($P-ctl, made here) is its control_group and the socket is 0660.
# The daemon runs outside the tree and checks SO_PEERCRED/SO_PEERGROUPS
# gids as numbers; tester's groups come from the tree's /etc/group, so a
# line with the same gid and tester in it is bound over that file while
# the tree runs. (A second, non-member user is not made in the tree: it
# would need passwd, subuid and clean-up of its own rootless Podman
# processes; test/netns/control.sh refuses a non-member's rootless-style
# attach, by the file mode and by the daemon's own check.)
#
# The daemon's default_policy is "other" (other.test only), so the checks
# that need allowed.test pass only if --policy=web reached sentry. The
# container's only interface is sentry's TUN and the daemon's only way out
# is the veth to $P-net, which has no uplink: no packet leaves the machine.
#
# If the tree cannot be made (no archive, no debootstrap) every test is
# reported as skipped, with the reason.
#
# Environment: SENTRY (binary under test; default build/stage/usr/local/bin/sentry, as make stage installs it),
# TREE (the Debian 13 tree; default test/cache/trixie), TREE_MIRROR,
# PM_TIMEOUT (seconds per Podman call, default 60), SENTRY_PASTA (a file
# to use as the pasta helper instead of the link; to try the test out).
# Needs root (it drops to tester for Podman).
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
	"podman5: rootless run through the 0660 control_group socket; daemon alive after"
	"podman5: allowed name resolves and wget fetches it"
	"podman5: denied name does not resolve"
	"podman5: direct IP is refused"
	"podman5: ctl bottles lists the container while it runs, not after rm"
	"podman5: unknown policy is a clear Podman error"
	"podman5: slirp4netns personality with Podman 5's argv (-r 3 -e 4)"
	"podman5: no bottle is left once the containers are gone"
	"podman5: no daemon is a clear Podman error"
	"podman5: no Podman call timed out"
	"podman5: the host's addresses and routes are untouched"
)
INFRA=(
	"podman5: sentry runs inside the Debian 13 tree"
	"podman5: rootless busybox container runs"
)

rootless5_setup podman5 spm5

check_sentry_in_tree() {
	run tree_user /run/sentry-test/bin/sentry version
	expect "sentry version runs as $TREE_USER in the tree" "$t_rc" = 0 || {
		run tree_run ldd /run/sentry-test/bin/sentry
		return 1
	}
}
check "${INFRA[0]}" check_sentry_in_tree

check_plain() {
	pm run --rm --network=none --rootfs "$PM_ROOTFS" sh -c 'echo up; id -u'
	ran_ok && has "the container ran" "up"
}
check "${INFRA[1]}" check_plain

# Both personalities come in one binary: the slirp4netns one answers
# Podman's --help probe, which tells whether they exist at all.
mkdir -p "$tmp/links"
ln -s "$SENTRY" "$tmp/links/slirp4netns"
if [ -z "${SENTRY_PASTA:-}" ] &&
	! "$tmp/links/slirp4netns" --help 2>&1 | grep -q -- --enable-sandbox; then
	why="sentry has no helper personalities yet: '$SENTRY' run as slirp4netns --help does not mention --enable-sandbox"
	for t in "${TESTS[@]}"; do
		t_not_ok "$t" "$why"
	done
	exit 1
fi

# tester reaches the daemon only through the group: the socket is 0660,
# tester is neither its owner nor root; afterwards the daemon (running as
# nobody, under its seccomp allow-list) still answers
check_group_socket() {
	run stat -c '%a %U %g' "$W_SOCK"
	expect "the socket is 0660, root's, group $W_CTL_GID" "$t_out" = "660 root $W_CTL_GID" || return 1
	run tree_user id -G
	[[ " $t_out " == *" $W_CTL_GID "* ]] || { note "expected: tester holds gid $W_CTL_GID in the tree"; return 1; }
	c_run sh -c 'nslookup -type=a allowed.test; echo "nslookup=$?"'
	ran_ok && has "allowed.test resolves" "nslookup=0" || return 1
	kill -0 "$W_DAEMON_PID" 2>/dev/null || { note "the daemon has exited"; return 1; }
	run ctl ping
	expect "the daemon answers ctl ping" "$t_rc" = 0 -a "$t_out" = pong || return 1
	! grep -q 'seccomp: forbidden system call' "$W_DAEMON_LOG" ||
		{ note "$(grep seccomp "$W_DAEMON_LOG")"; return 1; }
}

check "${TESTS[0]}" check_group_socket
check "${TESTS[1]}" check_allowed
check "${TESTS[2]}" check_denied_name
check "${TESTS[3]}" check_direct_ip
check "${TESTS[4]}" check_bottles "spm5-sleeper-$$"

check_unknown_policy() {
	pm run --rm --network=pasta:--policy=nosuch --rootfs "$PM_ROOTFS" true
	failed_cleanly "nosuch"
}
check "${TESTS[5]}" check_unknown_policy

# Podman 5 still offers slirp4netns (rootless too), with the ready and
# exit fds the other way round from Podman 4. The policy comes from
# SENTRY_POLICY in Podman's environment, which Podman passes on.
check_slirp5() {
	local saved=("${PM_PREFIX[@]}")
	TREE_ENV+=(SENTRY_POLICY=web)
	tree_user_cmd
	PM_PREFIX=("${TREE_USER_CMD[@]}")
	pm run --rm --network=slirp4netns --rootfs "$PM_ROOTFS" sh -c \
		'timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
	PM_PREFIX=("${saved[@]}")
	unset 'TREE_ENV[-1]'
	ran_ok && has "wget fetches the page" "hello from 198.18.0.80" &&
	has "wget exits 0" "wget=0"
}
check "${TESTS[6]}" check_slirp5

check "${TESTS[7]}" check_none_left

check_no_daemon() {
	world_daemon_stop
	c_run true
	failed_cleanly "/run/sentry/control.sock"
}
check "${TESTS[8]}" check_no_daemon
check "${TESTS[9]}" check_no_hang
check "${TESTS[10]}" check_host_untouched "$tmp/host.before"

[ "$t_failed" = 0 ]
