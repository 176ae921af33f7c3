# SPDX-License-Identifier: GPL-2.0-or-later
#
# podman.sh - run Podman from a test without touching the system's Podman
# state, and without ever hanging. Sourced after tap.sh and t_init.
#
# No image can be pulled here, so containers run from a directory: a
# busybox rootfs (bin/busybox, a link per applet, etc/resolv.conf,
# etc/passwd, etc/group) built once from Debian's busybox-static and kept
# under test/cache/. Podman's storage (--root, --runroot, --tmpdir) lives
# in a directory of the test's own, and CONTAINERS_CONF points at a file
# written here: runc (crun fails on this kind of host: hybrid cgroups),
# cgroupfs, events in a file, ulimits small enough to be granted.
#
# Every Podman call goes through pm, which runs it under `timeout`: a
# network helper that never reports ready makes Podman wait forever.

PM_TIMEOUT=${PM_TIMEOUT:-60}
PM_PREFIX=()	# command run in front of podman (e.g. enter a tree, change user)
PM_GLOBAL=()	# global options, e.g. --network-cmd-path=...
PM_HANGS=()	# the calls that timed out
pm_out=
pm_rc=0

T_CACHE=${T_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/cache}

# pm_rootfs BUSYBOX DEST - make DEST a busybox rootfs unless it is one
# already (the marker file holds the checksum of the busybox it was made
# from). Prints nothing; returns non-zero if it could not be made.
pm_rootfs() {
	local bb=$1 dest=$2 sum part a
	sum=$(sha256sum "$bb" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$sum" ] || return 1
	[ "$(cat "$dest/.sentry-rootfs" 2>/dev/null)" = "$sum" ] && return 0
	part=$dest.partial.$$
	rm -rf "$part" "$dest"
	mkdir -p "$part/bin" "$part/etc" "$part/tmp" || return 1
	chmod 1777 "$part/tmp"
	cp "$bb" "$part/bin/busybox" || return 1
	for a in $("$part/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$part/bin/$a"
	done
	echo "nameserver 10.0.2.3" >"$part/etc/resolv.conf"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
		>"$part/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$part/etc/group"
	echo "$sum" >"$part/.sentry-rootfs"
	# another run may have made it meanwhile: then keep that one
	mv -T "$part" "$dest" 2>/dev/null || rm -rf "$part"
	[ -e "$dest/.sentry-rootfs" ]
}

# pm_conf FILE [LINE...] - a containers.conf; extra LINEs go in [engine]
pm_conf() {
	local f=$1
	shift
	{
		echo '[containers]'
		echo 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'
		echo '[engine]'
		echo 'runtime = "runc"'
		echo 'cgroup_manager = "cgroupfs"'
		echo 'events_logger = "file"'
		printf '%s\n' "$@"
	} >"$f"
}

# pm_init DIR - Podman's storage and configuration under DIR (paths as
# Podman sees them; with a PM_PREFIX that changes root, DIR is inside it)
pm_init() {
	PM_DIR=$1
	mkdir -p "$PM_DIR/root" "$PM_DIR/runroot" "$PM_DIR/tmp"
}

# pm ARGS... - podman ARGS under timeout; output in $pm_out, status in
# $pm_rc (also noted for the failure report). A timeout is remembered in
# PM_HANGS. Returns pm_rc.
pm() {
	pm_out=$(timeout -k 5 "$PM_TIMEOUT" "${PM_PREFIX[@]}" podman "${PM_GLOBAL[@]}" \
		--root "$PM_DIR/root" --runroot "$PM_DIR/runroot" \
		--tmpdir "$PM_DIR/tmp" "$@" 2>&1 </dev/null)
	pm_rc=$?
	note "\$ podman $* -> exit $pm_rc"
	[ -n "$pm_out" ] && printf '%s\n' "$pm_out" | head -n 30 | sed 's/^/    /' >>"$tmp/detail"
	if [ "$pm_rc" = 124 ] || [ "$pm_rc" = 137 ]; then
		PM_HANGS+=("podman $*")
		note "podman did not finish within ${PM_TIMEOUT}s"
	fi
	return "$pm_rc"
}

# pm_sweep_rootful - remove every container of this storage, kill what is
# left of them (conmon, the helper: any process naming PM_DIR), unmount
# and delete the storage. For rootful Podman on the host.
pm_sweep_rootful() {
	[ -n "${PM_DIR:-}" ] && [ -d "$PM_DIR" ] || return 0
	PM_TIMEOUT=30 pm rm -af -t 0
	t_kill_naming "$PM_DIR"
	t_umount_under "$PM_DIR"
	rm -rf --one-file-system "$PM_DIR"
}

# pm_netns CTR - the container's network namespace file
pm_netns() {
	pm inspect --format '{{.NetworkSettings.SandboxKey}}' "$1" && printf '%s\n' "$pm_out"
}

# skip_all REASON - every test of the suite (the caller's INFRA and TESTS
# arrays) reported skipped for REASON; the suite ends there
skip_all() {
	local t
	for t in "${INFRA[@]}" "${TESTS[@]}"; do
		t_skip "$t" "$1"
	done
	exit 0
}
