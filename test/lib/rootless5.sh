# SPDX-License-Identifier: GPL-2.0-or-later
#
# rootless5.sh - what the Podman 5 rootless suites (podman5.sh, publish5.sh)
# set up alike, before their own tests: the tools they need, the Debian 13
# tree (trixie.sh), the test internet and the daemon (world.sh) in the
# README's rootless set-up (control_group, control_mode = 0660), and
# Podman's configuration inside the tree (helper_binaries_dir first, so
# `--network=pasta` runs sentry's personality).
#
# The caller sources tap.sh, world.sh, podman.sh, pmchecks.sh and trixie.sh,
# defines INFRA and TESTS (the names podman.sh's skip_all reports), then calls
# rootless5_setup NAME TAG: NAME starts its messages, TAG its namespaces,
# group and work directory.

rootless5_setup() {	# rootless5_setup NAME TAG
	local name=$1 tag=$2

	[ "$(id -u)" = 0 ] || skip_all "not root"
	for tool in dnsmasq python3 timeout unshare nsenter; do
		command -v $tool >/dev/null || skip_all "no $tool"
	done
	[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
	[ -x "$SENTRY" ] || { echo "not ok - $name: no sentry binary at $SENTRY"; exit 1; }

	t_init $tag
	t_defer t_kill_naming "$tmp"	# last resort: anything still naming our files
	host_net >"$tmp/host.before"

	start=$SECONDS
	if ! tree_build; then
		echo "# could not make the Debian 13 tree: $tree_why"
		tail -n 5 "$tmp/tree.log" | sed 's/^/#   /'
		skip_all "no Debian 13 tree: $tree_why"
	fi
	echo "# Debian 13 tree $TREE ready in $((SECONDS - start)) s"

	W_PREFIX=$tag-$$
	# the README's rootless set-up: control_group, control_mode = 0660
	W_CTL_GROUP=${tag}c$$
	groupadd "$W_CTL_GROUP" || { echo "not ok - $name: groupadd $W_CTL_GROUP failed"; exit 1; }
	t_defer groupdel "$W_CTL_GROUP"
	W_CTL_GID=$(getent group "$W_CTL_GROUP" | cut -d: -f3)
	TREE_GROUPS="sentryctl:x:$W_CTL_GID:$TREE_USER"
	world_setup other || { echo "not ok - $name: could not build the test internet"; exit 1; }
	tree_start "$W_SOCKDIR" "${SENTRY_PASTA:-}" || {
		echo "not ok - $name: $tree_why"; exit 1; }
	# The daemon sees tester's /run/user/1500 as a host daemon would: the
	# netns files rootless Podman makes there are how it learns a container
	# has gone.
	tree_daemon_wrap
	world_daemon_start || { echo "not ok - $name: sentry run did not start"; exit 1; }
	t_on_failure=world_report
	# helper_binaries_dir replaces Podman's list (where netavark, rootlessport
	# and catatonit live), so ours comes first and the defaults follow.
	pm_conf "$tmp/containers.conf" 'helper_binaries_dir = ["/run/sentry-test/bin",
  "/usr/local/libexec/podman", "/usr/local/lib/podman",
  "/usr/libexec/podman", "/usr/lib/podman"]'
	tree_run sh -c 'cat >/run/sentry-test/containers.conf' <"$tmp/containers.conf"
	TREE_ENV=(CONTAINERS_CONF=/run/sentry-test/containers.conf
		PODMAN_IGNORE_CGROUPSV1_WARNING=1 SENTRY_SOCKET=/run/sentry/control.sock
		"ASAN_OPTIONS=${ASAN_OPTIONS:-}" "UBSAN_OPTIONS=${UBSAN_OPTIONS:-}")
	tree_user_cmd
	PM_PREFIX=("${TREE_USER_CMD[@]}")
	pm_init /tmp/podman	# the tree's /tmp: a tmpfs that goes with the holder
	tree_user mkdir -p /tmp/podman/root /tmp/podman/runroot /tmp/podman/tmp
	PM_NET=(--network=pasta:--policy=web)
	PM_ROOTFS=/home/$TREE_USER/rootfs
	echo "# $(tree_run podman --version), sentry $SENTRY, work dir $tmp"
}
