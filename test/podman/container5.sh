#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# container5.sh - the deployment contrib/README-container.md describes, with
# Podman 5 (the Debian 13 tree of trixie.sh): the SENTRY container (image
# made from contrib/Containerfile) started by rootful Podman as the README
# says, then BOTTLE containers through the staged helper links that the
# staged 50-sentry.conf drop-in names (helper_binaries_dir): rootful, and
# rootless as a user in the daemon's control_group.
#
#  host                 holder: private mount ns, pivot_root into trixie      $P-gw          $P-net
# +-------------------+---------------------------------------------------+  +------------+  +---------+
# | $tmp/sock ==========> /run/sentry  (-v /run/sentry:/run/sentry) <=========> control.sock|  | dnsmasq |
# | $tmp/etc-sentry ====> /etc/sentry  (-v ...:ro)  .....................>   | SENTRY ctr |  | HTTP    |
# | $W_STORE ===========> /var/lib/sentry/policies (-v ...:ro) ..........>   | sentry run |  |         |
# | build/stage/usr/local> /usr/local  (bin/sentry, libexec/sentry/*)    |   |            |  |         |
# | build/stage/etc/... => /etc/containers/containers.conf.d/50-sentry.conf  |            |  |         |
# | $tmp/group ========> /etc/group    (+ sentryctl:1600:tester)         |   |            |  |         |
# | /run/netns/$P-gw ==> /run/netns/$P-gw   podman run --network ns:... ---> |  gw0 ====veth==== net0  |
# |                   |                                                   |  +------------+  +---------+
# |                   | root   $ podman run --network=slirp4netns ...     |
# |                   | tester $ podman run --network=pasta:--policy=web  |
# |                   |   helper (libexec/sentry/*): TUN, SCM_RIGHTS over /run/sentry/control.sock
# +-------------------+---------------------------------------------------+
#
# The daemon's configuration: control_group = 1600 (a number, as the README
# says: the image has no such group name), control_mode = 0660,
# default_policy = other. tester is in group 1600 only through the tree's
# /etc/group, so a rootless bottle works only if the daemon checks
# supplementary groups and the socket's group and mode let tester in.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, with the
# rest of `make stage` beside it), T_CACHE (the Debian 13 tree and the
# image's Debian 12 tree), TREE, PM_TIMEOUT. Needs root.
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

CTL_GID=1600
INFRA=(
	"container5: the SENTRY image is made from contrib/Containerfile"
	"container5: the SENTRY container starts as README-container.md says (rootful Podman 5)"
)
ROOTFUL=(
	"container5: rootful pasta bottle"
	"container5: rootful slirp4netns bottle: allowed name resolves and wget fetches it"
	"container5: rootful slirp4netns bottle: denied name does not resolve"
	"container5: rootful slirp4netns bottle: direct IP is refused"
	"container5: decisions are in podman logs sentry"
	"container5: ctl bottles on the host lists the bottle, not after rm"
	"container5: policy load on the host reaches the running daemon"
	"container5: podman kill -s HUP sentry reloads"
)
ROOTLESS=(
	"container5: rootless pasta bottle (user in control_group): allowed name resolves and wget fetches it"
	"container5: rootless pasta bottle: denied name does not resolve"
	"container5: rootless pasta bottle: direct IP is refused"
	"container5: rootless bottle is listed by ctl bottles, not after rm"
	"container5: SENTRY stopped: no traffic, clear error; started: bottles work"
	"container5: control_group by a name the image lacks: the daemon says so"
	"container5: no bottle is left once the containers are gone"
	"container5: no Podman call timed out"
)

skip_all() {	# skip_all REASON
	local t
	for t in "${INFRA[@]}" "${ROOTFUL[@]}" "${ROOTLESS[@]}"; do
		t_skip "$t" "$1"
	done
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "not root"
for tool in dnsmasq python3 timeout unshare nsenter; do
	command -v $tool >/dev/null || skip_all "no $tool"
done
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
[ -x "$SENTRY" ] || { echo "not ok - container5: no sentry binary at $SENTRY"; exit 1; }
prefix=$(ctr_prefix) || { echo "not ok - container5: $SENTRY is not in a staged install (make stage)"; exit 1; }
dropin=$prefix/../../etc/containers/containers.conf.d
[ -e "$dropin/50-sentry.conf" ] ||
	{ echo "not ok - container5: no 50-sentry.conf in $dropin (make stage)"; exit 1; }

t_init sctr5
t_defer t_kill_naming "$tmp"	# last resort: anything still naming our files

start=$SECONDS
if ! tree_build; then
	echo "# could not make the Debian 13 tree: $tree_why"
	skip_all "no Debian 13 tree: $tree_why"
fi
echo "# Debian 13 tree $TREE ready in $((SECONDS - start)) s"

W_PREFIX=sct5-$$
world_setup || { echo "not ok - container5: could not build the test internet"; exit 1; }
DECISIONS_CMD=ctr_logs

# The tree's host files (see the picture)
CTR_ETC=$tmp/etc-sentry
mkdir -p "$CTR_ETC"
ctr_config "$tmp/etc-sentry/sentry.ini" "control_group = $CTL_GID" "control_mode = 0660"
{ grep -v "^sentryctl:" "$TREE/etc/group"; echo "sentryctl:x:$CTL_GID:$TREE_USER"; } >"$tmp/group"
TREE_BINDS=("$prefix" /usr/local "$tmp/etc-sentry" /etc/sentry
	"$W_STORE" /var/lib/sentry/policies
	"$(cd "$dropin" && pwd)" /etc/containers/containers.conf.d
	"$tmp/group" /etc/group "/run/netns/$W_GW" "/run/netns/$W_GW")
tree_start "$W_SOCKDIR" || { echo "not ok - container5: $tree_why"; exit 1; }
# runc and cgroupfs (podman.sh); the drop-in's helper_binaries_dir stays
pm_conf "$tmp/containers.conf"
tree_run sh -c 'cat >/run/sentry-test/containers.conf' <"$tmp/containers.conf"
ENV5=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PODMAN_IGNORE_CGROUPSV1_WARNING=1
	CONTAINERS_CONF_OVERRIDE=/run/sentry-test/containers.conf)
CTR_HOST=(nsenter -t "$TREE_HOLDER" -m -r -w --)
PM_PREFIX=("${CTR_HOST[@]}" env -i "${ENV5[@]}" SENTRY_POLICY=web)
PM_DIR=/tmp/sctr5-$$-root	# in the tree (pm_init would make it here)
tree_run mkdir -p "$PM_DIR/root" "$PM_DIR/runroot" "$PM_DIR/tmp"
# the rootful containers (conmon and all) while the tree is there; named
# in full: by clean-up time PM_* are tester's
sweep5() {	# sweep5 PREFIX-WORDS... -- DIR
	local PM_DIR=${*: -1} PM_PREFIX=("${@:1:$#-2}") PM_TIMEOUT=30
	pm rm -af -t 0
	t_kill_naming "$PM_DIR"
}
t_defer sweep5 "${PM_PREFIX[@]}" -- "$PM_DIR"
PM_ROOTFS=/home/$TREE_USER/rootfs
echo "# $(tree_run podman --version), sentry $SENTRY, work dir $tmp"

check_image() {
	ctr_image && return 0
	note "$ctr_why"
	return 1
}
check "${INFRA[0]}" check_image || skip_all "no SENTRY image: $ctr_why"
t_on_failure=ctr_report
check "${INFRA[1]}" ctr_start || {
	for t in "${ROOTFUL[@]}" "${ROOTLESS[@]}"; do t_not_ok "$t" "the SENTRY container did not start"; done
	exit 1
}

# Rootful Podman 5 and pasta: Podman itself may refuse (PODMAN.md)
PM_NET=(--network=pasta:--policy=web)
pm run --rm "${PM_NET[@]}" --rootfs "$PM_ROOTFS" sh -c \
	'timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
if [ "$pm_rc" != 0 ] && [[ $pm_out == *"only supported for rootless"* ]]; then
	t_skip "${ROOTFUL[0]}" "Podman $(tree_run podman --version | awk '{print $3}') refuses pasta for rootful containers: $(grep -m1 Error <<<"$pm_out")"
else
	check "${ROOTFUL[0]}" eval 'ran_ok && has "wget fetches the page" "hello from 198.18.0.80"'
fi

PM_NET=(--network=slirp4netns)
check "${ROOTFUL[1]}" check_allowed
check "${ROOTFUL[2]}" check_denied_name
check "${ROOTFUL[3]}" check_direct_ip
check "${ROOTFUL[4]}" check_ctr_decisions
check "${ROOTFUL[5]}" check_bottles "sct5-sleeper-$$"
resolves() {	# rootful bottles with the daemon's default policy
	local saved=("${PM_PREFIX[@]}")
	PM_PREFIX=("${CTR_HOST[@]}" env -i "${ENV5[@]}")
	pm run --rm --network=slirp4netns --rootfs "$PM_ROOTFS" sh -c \
		"nslookup -type=a $1 >/dev/null; echo \"lookup=\$?\""
	PM_PREFIX=("${saved[@]}")
	[[ $pm_out == *lookup=0* ]]
}
check "${ROOTFUL[6]}" check_ctr_policy_load /var/lib/sentry/policies
check "${ROOTFUL[7]}" check_ctr_hup /var/lib/sentry/policies

# Rootless: tester's Podman, tester's storage; the SENTRY container stays
# in root's (ctr_pm: for its logs, stopping and starting it)
CTR_PM=("${PM_PREFIX[@]}") CTR_PM_DIR=$PM_DIR
TREE_ENV=("${ENV5[@]:2}")
tree_user_cmd
PM_PREFIX=("${TREE_USER_CMD[@]}")
PM_DIR=/tmp/sctr5-$$-user
tree_user mkdir -p "$PM_DIR/root" "$PM_DIR/runroot" "$PM_DIR/tmp"
t_defer sweep5 "${PM_PREFIX[@]}" -- "$PM_DIR"
PM_NET=(--network=pasta:--policy=web)
check "${ROOTLESS[0]}" check_allowed
check "${ROOTLESS[1]}" check_denied_name
check "${ROOTLESS[2]}" check_direct_ip
check "${ROOTLESS[3]}" check_bottles "sct5-usleeper-$$"

check "${ROOTLESS[4]}" check_ctr_stop_start "sct5-runner-$$" /run/sentry/control.sock
check "${ROOTLESS[5]}" check_ctr_group_name
check "${ROOTLESS[6]}" check_none_left
check "${ROOTLESS[7]}" check_no_hang

[ "$t_failed" = 0 ]
