#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# container4.sh - the deployment contrib/README-container.md describes, with
# Debian 12's rootful Podman 4: the sentry daemon in a container of its own
# (the SENTRY container, image made from contrib/Containerfile), and
# busybox BOTTLE containers put behind it by the host's helper link
# (`podman --network-cmd-path=/usr/local/libexec/sentry/slirp4netns run
# --network=slirp4netns`).
#
#  this script's mount namespace (see sentryctr.sh)       $P-gw             $P-net
# +------------------------------------------------+   +----------------+  +-------------+
# | /run          tmpfs (Podman's netns files too) |   | SENTRY ctr     |  | dnsmasq .53 |
# | /etc, /var/lib overlays: /etc/sentry/sentry.ini|   | --network ns:  |  | HTTP        |
# |   /var/lib/sentry/policies (-v ...:ro) ------------>  sentry run   |  |   .80-.83   |
# | /usr/local    build/stage/usr/local (bind)     |   |  -v /run/sentry|  |             |
# | /run/sentry   -v /run/sentry:/run/sentry <=======>  control.sock   |  |             |
# |                                                |   | sentry0, NAT   |  |             |
# | podman --network-cmd-path=/usr/local/libexec/  |   | gw0 .1.2 =====veth===== net0   |
# |   sentry/slirp4netns run --network=slirp4netns |   +----------------+  | 198.18.1.1  |
# |   helper: setns, TUN, SCM_RIGHTS over the shared socket                +-------------+
# |   bottle: tun0 10.0.2.100, busybox             |
# +------------------------------------------------+
#
# The daemon's default_policy is "other"; the bottles name "web" with
# SENTRY_POLICY (Podman passes its environment to the helper). Nothing
# here has a route off the machine.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry; its
# ../libexec/sentry must hold the links `make stage` makes), T_CACHE
# (where the image's Debian 12 tree is kept), PM_TIMEOUT. Needs root.
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
. "$top/test/lib/image.sh"
. "$top/test/lib/sentryctr.sh"

INFRA=(
	"container4: the SENTRY image is made from contrib/Containerfile"
	"container4: the SENTRY container starts as README-container.md says"
)
TESTS=(
	"container4: allowed name resolves and wget fetches it"
	"container4: denied name does not resolve"
	"container4: direct IP is refused"
	"container4: decisions are in podman logs sentry"
	"container4: ctl bottles on the host lists the bottle, not after rm"
	"container4: policy load on the host reaches the running daemon"
	"container4: podman kill -s HUP sentry reloads"
	"container4: SENTRY stopped: no traffic, clear error; started: bottles work"
	"container4: no bottle is left once the containers are gone"
	"container4: no Podman call timed out"
)

[ "$(id -u)" = 0 ] || skip_all "not root"
for tool in podman runc dnsmasq python3 timeout unshare; do
	command -v $tool >/dev/null || skip_all "no $tool"
done
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
pmver=$(podman --version 2>/dev/null | awk '{print $3}')
case "$pmver" in 4.*) ;; *) skip_all "podman is '$pmver', not 4.x" ;; esac
[ -x "$SENTRY" ] || { echo "not ok - container4: no sentry binary at $SENTRY"; exit 1; }

# The README's host paths become the test's in a mount namespace of its own
[ -n "${CTR_PRIVATE:-}" ] ||
	exec unshare --mount --propagation private env CTR_PRIVATE=1 "$0" "$@"

t_init sctr4
t_defer t_kill_naming "$tmp"	# last resort: anything still naming our files
ctr_private_host || { echo "not ok - container4: $ctr_why"; exit 1; }
echo "# podman $pmver, sentry $SENTRY, work dir $tmp"

W_PREFIX=sct4-$$
world_setup || { echo "not ok - container4: could not build the test internet"; exit 1; }
# the host's files the README's volumes share
mkdir -p /etc/sentry /var/lib/sentry/policies
ctr_config /etc/sentry/sentry.ini
mount --bind "$W_STORE" /var/lib/sentry/policies
W_SOCKDIR=/run/sentry
W_SOCK=/run/sentry/control.sock
DECISIONS_CMD=ctr_logs

pm_conf "$tmp/containers.conf"
export CONTAINERS_CONF=$tmp/containers.conf
pm_init "$tmp/podman"
t_defer pm_sweep_rootful
PM_GLOBAL=(--network-cmd-path=/usr/local/libexec/sentry/slirp4netns)
export SENTRY_POLICY=web
PM_NET=(--network=slirp4netns)
PM_NET_DEFAULT=(--network=slirp4netns)	# with SENTRY_POLICY unset (resolves)
PM_ROOTFS=$T_CACHE/rootfs-host
pm_rootfs /bin/busybox "$PM_ROOTFS" || {
	echo "not ok - container4: could not make the busybox rootfs from /bin/busybox"; exit 1; }

check_image() {
	ctr_image && return 0
	note "$ctr_why"
	return 1
}
check "${INFRA[0]}" check_image || skip_all "no SENTRY image: $ctr_why"
t_on_failure=ctr_report
check "${INFRA[1]}" ctr_start || {
	for t in "${TESTS[@]}"; do t_not_ok "$t" "the SENTRY container did not start"; done
	exit 1
}

check "${TESTS[0]}" check_allowed
check "${TESTS[1]}" check_denied_name
check "${TESTS[2]}" check_direct_ip
check "${TESTS[3]}" check_ctr_decisions
check "${TESTS[4]}" check_bottles "sct4-sleeper-$$"
resolves() {	# bottles with the daemon's default policy
	SENTRY_POLICY= pm run --rm "${PM_NET_DEFAULT[@]}" --rootfs "$PM_ROOTFS" sh -c \
		"nslookup -type=a $1 >/dev/null; echo \"lookup=\$?\""
	[[ $pm_out == *lookup=0* ]]
}
check "${TESTS[5]}" check_ctr_policy_load /var/lib/sentry/policies
check "${TESTS[6]}" check_ctr_hup /var/lib/sentry/policies
check "${TESTS[7]}" check_ctr_stop_start "sct4-runner-$$" /run/sentry/control.sock
check "${TESTS[8]}" check_none_left
check "${TESTS[9]}" check_no_hang

[ "$t_failed" = 0 ]
