# SPDX-License-Identifier: GPL-2.0-or-later
#
# rootful4.sh - what the rootful Podman 4 suites through sentry's slirp4netns
# personality (podman4.sh, publish4.sh) set up alike, before their own
# tests: the tools they need, Podman 4, the test internet and the daemon
# (world.sh), the helper's link, and a private Podman configuration and
# storage (podman.sh), swept at exit.
#
# The caller sources tap.sh, world.sh and podman.sh, defines INFRA and TESTS
# (the names skip_all reports), then calls rootful4_setup NAME TAG: NAME
# starts its messages, TAG its namespaces and work directory. It sets
# pmver, LINKS, CONTAINERS_CONF and SENTRY_SOCKET.

rootful4_setup() {	# rootful4_setup NAME TAG
	local name=$1 tag=$2

	[ "$(id -u)" = 0 ] || skip_all "not root"
	for tool in podman runc dnsmasq python3 timeout; do
		command -v $tool >/dev/null || skip_all "no $tool"
	done
	[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
	pmver=$(podman --version 2>/dev/null | awk '{print $3}')
	case "$pmver" in 4.*) ;; *) skip_all "podman is '$pmver', not 4.x" ;; esac
	[ -x "$SENTRY" ] || { echo "not ok - $name: no sentry binary at $SENTRY"; exit 1; }

	t_init $tag
	t_defer t_kill_naming "$tmp"	# last resort: anything still naming our files
	host_net >"$tmp/host.before"
	echo "# podman $pmver, sentry $SENTRY, work dir $tmp"

	W_PREFIX=$tag-$$
	world_setup web || { echo "not ok - $name: could not build the test internet"; exit 1; }
	world_daemon_start || { echo "not ok - $name: sentry run did not start"; exit 1; }
	t_on_failure=world_report

	# The helper: a slirp4netns link to $SENTRY made here, or the one in
	# SENTRY_LINK_DIR (e.g. $(PREFIX)/libexec/sentry after `make install`).
	if [ -n "${SENTRY_LINK_DIR:-}" ]; then
		LINKS=$SENTRY_LINK_DIR
	else
		LINKS=$tmp/links
		mkdir -p "$LINKS"
		ln -s "$SENTRY" "$LINKS/slirp4netns"
	fi
	pm_conf "$tmp/containers.conf"
	export CONTAINERS_CONF=$tmp/containers.conf
	export SENTRY_SOCKET=$W_SOCK
	pm_init "$tmp/podman"
	t_defer pm_sweep_rootful
}
