# SPDX-License-Identifier: GPL-2.0-or-later
#
# trixie.sh - a Debian 13 tree with Podman 5, kept under test/cache/, and a
# way to run commands in it as an ordinary user with rootless Podman.
# Sourced after tap.sh and t_init.
#
# Building (tree_build, once; minutes the first time, then cached):
#   debootstrap --variant=minbase trixie from deb.debian.org, then inside
#   it: podman passt runc uidmap busybox-static, the shared libraries
#   $SENTRY needs (found from the host's `ldd`, so the binary under test
#   runs unchanged), a user "tester" (uid TREE_UID) with subuid/subgid
#   ranges, and a busybox rootfs in tester's home. Each stage leaves a
#   marker; .sentry-tree-complete says the tree is whole.
#
# Entering (tree_start): chroot is not enough for runc and user
# namespaces, so a holder process makes a private mount namespace:
#
#   host mount ns            holder's private mount ns (unshare --mount)
#   /work/.../trixie  -----> bind-mounted onto itself, then pivot_root:
#                              /proc (new), /sys /dev (rbind from host)
#                              /run /tmp       tmpfs, gone with the ns
#                              /dev/net/tun    a 0666 node bound over it
#                              /run/sentry-test/bin/sentry   $SENTRY (bind)
#                              /run/sentry-test/bin/pasta -> sentry
#                              /run/sentry-test/bin/slirp4netns -> sentry
#                              /run/sentry     the daemon's socket dir (bind)
#                              /etc/group      the tree's, plus TREE_GROUPS
#                                              (a copy, bound over it)
#                              TREE_BINDS      whatever the script adds
#                              /run/user/UID   $TREE_XDG (bind): tester's
#                                              XDG_RUNTIME_DIR, where
#                                              rootless Podman keeps its
#                                              netns files
#
# TREE_XDG lives on the host ($tmp/xdg), so a daemon outside the tree can
# be shown the same directory at the same path (tree_daemon_wrap), as on
# a real host where /run/user/UID is one filesystem for everyone.
#
# tree_run CMD... then runs CMD inside (nsenter into the holder's mount
# namespace and root) as root; tree_user CMD... as tester, with a clean
# environment. Nothing mounted here is visible outside: when the holder
# and every tester process are gone (tree_stop), the mounts are too.

TREE=${TREE:-$T_CACHE/trixie}
TREE_UID=1500
TREE_USER=tester
TREE_MIRROR=${TREE_MIRROR:-http://deb.debian.org/debian}
TREE_PKGS="podman passt runc uidmap busybox-static"
TREE_RECIPE="1: $TREE_PKGS; user $TREE_USER $TREE_UID; rootfs"	# change to rebuild
TREE_HOLDER=
TREE_ENV=()	# extra VAR=value for tree_user
TREE_GROUPS=	# lines added to the tree's /etc/group while it runs (e.g. the
		# daemon's control_group with the host's gid and tester in it)
TREE_BINDS=()	# SRC DST pairs: host path SRC mounted at DST in the tree
		# (tree_start; a missing DST is made: in the cached tree, unless
		# under /run or /tmp)
tree_why=	# why the tree could not be made
BUILD_SAY_FD=1	# where build_say writes (tree_build, image_base set it)
BUILD_SAY_T0=0

# build_say WHAT TEXT - "# WHAT: TEXT (N s)": a step of a long build (the
# Debian 13 tree, the image's Debian 12 tree) as it starts, with the seconds
# since the build began. On the builder's own stdout (BUILD_SAY_FD), as a
# TAP comment, while the commands' output goes to a log.
build_say() {
	local what=$1
	shift
	echo "# $what: $* ($((SECONDS - BUILD_SAY_T0)) s)" >&"$BUILD_SAY_FD"
}

# build_begin / build_end - the frame of a build that says its steps
build_begin() {
	BUILD_SAY_T0=$SECONDS
	exec {BUILD_SAY_FD}>&1
}
build_end() {
	exec {BUILD_SAY_FD}>&-
	BUILD_SAY_FD=1
}

# tree_sentry_pkgs - host packages that hold the libraries $SENTRY links
tree_sentry_pkgs() {
	ldd "$SENTRY" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
		dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
			dpkg -S "$lib" 2>/dev/null
	done | cut -d: -f1 | sort -u | grep -v '^libc6$'
}

# tree_chroot_apt SECONDS ARGS... - apt-get inside the tree (a plain chroot
# is enough for dpkg), with the tree's /proc, /dev and resolv.conf
tree_chroot_apt() {
	local secs=$1
	shift
	timeout "$secs" unshare --mount --propagation private -- /bin/bash -c '
		T=$1; shift
		mount -t proc proc "$T/proc" && mount --rbind /dev "$T/dev" &&
		mount -t tmpfs tmpfs "$T/tmp" || exit 1
		cp /etc/resolv.conf "$T/etc/resolv.conf"
		exec chroot "$T" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 apt-get "$@"
	' sh "$TREE" "$@"
}

tree_has_pkgs() {	# tree_has_pkgs PKG... - all installed in the tree?
	local p
	for p in "$@"; do
		chroot "$TREE" dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || return 1
	done
}

# tree_install_libs - install (in the tree) what $SENTRY needs to run there.
# Debian 13 renamed some library packages (the time_t transition: NAME
# becomes NAMEt64), so each is tried both ways. A library whose soname
# Debian 13 no longer ships at all (libunistring2: 13 has libunistring5)
# is copied from the host into the tree's /usr/local/lib, which the
# tree's loader searches: the binary under test is the host's build.
tree_install_libs() {
	local p f want=() copy=() sonames
	# dpkg -S is slow: skip it all when these libraries were seen to before
	sonames=$(ldd "$SENTRY" | awk '{ print $1 }' | sort | tr '\n' ' ')
	if [ "$(cat "$TREE/.sentry-libs" 2>/dev/null)" = "$sonames" ]; then
		build_say tree "libraries $SENTRY needs: in the tree already (cached)"
		return 0
	fi
	build_say tree "libraries $SENTRY needs: finding their packages (dpkg -S)"
	for p in $(tree_sentry_pkgs); do
		tree_has_pkgs "$p" || tree_has_pkgs "${p}t64" && continue
		if chroot "$TREE" apt-cache show "${p}t64" >/dev/null 2>&1; then
			want+=("${p}t64")
		elif chroot "$TREE" apt-cache show "$p" >/dev/null 2>&1; then
			want+=("$p")
		else
			copy+=("$p")
		fi
	done
	if [ ${#want[@]} -gt 0 ]; then
		build_say tree "libraries: installing ${want[*]}"
		tree_chroot_apt 900 install -y --no-install-recommends "${want[@]}" || return 1
	fi
	for p in "${copy[@]}"; do
		build_say tree "libraries: $p is not in Debian 13: copying its libraries from the host"
		mkdir -p "$TREE/usr/local/lib/x86_64-linux-gnu"
		for f in $(dpkg -L "$p" | grep '\.so\.'); do
			cp -a "$f" "$TREE/usr/local/lib/x86_64-linux-gnu/" || return 1
		done
	done
	[ ${#copy[@]} -eq 0 ] || chroot "$TREE" ldconfig || return 1
	echo "$sonames" >"$TREE/.sentry-libs"
}

# tree_build - make the tree unless it is complete; on failure tree_why
# says why (for a SKIP line) and it returns 1. Each step is said as it
# starts ("# tree: STEP (N s)", build_say), cached ones too; the commands'
# output goes to $tmp/tree.log.
tree_build() {
	local rc
	build_begin
	tree_build_steps
	rc=$?
	if [ $rc = 0 ]; then
		build_say tree "ready"
	else
		build_say tree "failed: $tree_why"
	fi
	build_end
	return $rc
}

tree_build_steps() {
	local log=$tmp/tree.log
	: >"$log"
	if [ "$(cat "$TREE/.sentry-tree-complete" 2>/dev/null)" = "$TREE_RECIPE" ]; then
		build_say tree "$TREE is complete (cached): reused"
		tree_install_libs >>"$log" 2>&1 || {
			tree_why="could not install the libraries $SENTRY needs in the tree: $(grep -E '^E:' "$log" | tail -n 1)"
			return 1
		}
		return 0
	fi
	# an older recipe: keep the debootstrap, redo the rest (all idempotent)
	[ -e "$TREE/.sentry-tree-complete" ] &&
		rm -f "$TREE/.sentry-tree-complete" "$TREE/.stage-packages" "$TREE/.stage-user"
	command -v debootstrap >/dev/null || { tree_why="no debootstrap"; return 1; }
	mkdir -p "$T_CACHE"
	if [ ! -e "$TREE/.stage-debootstrap" ]; then
		rm -rf --one-file-system "$TREE"
		build_say tree "debootstrap trixie into $TREE (a few minutes, once)"
		if ! timeout 1200 debootstrap --variant=minbase trixie "$TREE" "$TREE_MIRROR" \
			>>"$log" 2>&1; then
			tree_why="debootstrap trixie from $TREE_MIRROR failed: $(grep -E '^E:|Failure|failed' "$log" | tail -n 1)"
			rm -rf --one-file-system "$TREE"
			return 1
		fi
		touch "$TREE/.stage-debootstrap"
	else
		build_say tree "debootstrap: $TREE is there (cached): reused"
	fi
	if [ ! -e "$TREE/.stage-packages" ] && tree_has_pkgs $TREE_PKGS; then
		touch "$TREE/.stage-packages"
	fi
	if [ ! -e "$TREE/.stage-packages" ]; then
		build_say tree "packages: apt-get install $TREE_PKGS"
		printf '#!/bin/sh\nexit 101\n' >"$TREE/usr/sbin/policy-rc.d"
		chmod 755 "$TREE/usr/sbin/policy-rc.d"
		if ! tree_chroot_apt 900 update >>"$log" 2>&1 ||
			! tree_chroot_apt 1200 install -y --no-install-recommends \
				$TREE_PKGS >>"$log" 2>&1; then
			tree_why="apt-get in the tree failed: $(grep -E '^E:' "$log" | tail -n 1)"
			return 1
		fi
		touch "$TREE/.stage-packages"
	else
		build_say tree "packages: installed (cached)"
	fi
	tree_install_libs >>"$log" 2>&1 || {
		tree_why="could not install the libraries $SENTRY needs in the tree: $(grep -E '^E:' "$log" | tail -n 1)"
		return 1
	}
	if [ ! -e "$TREE/.stage-user" ]; then
		build_say tree "user $TREE_USER (uid $TREE_UID) with subuid/subgid ranges"
		chroot "$TREE" useradd -m -u $TREE_UID -U -s /bin/sh $TREE_USER >>"$log" 2>&1 ||
			chroot "$TREE" id $TREE_USER >/dev/null 2>&1 ||
			{ tree_why="useradd in the tree failed"; return 1; }
		echo "$TREE_USER:100000:65536" >"$TREE/etc/subuid"
		echo "$TREE_USER:100000:65536" >"$TREE/etc/subgid"
		touch "$TREE/.stage-user"
	fi
	build_say tree "busybox rootfs in $TREE_USER's home"
	pm_rootfs "$TREE/usr/bin/busybox" "$TREE/home/$TREE_USER/rootfs" &&
		chown -R $TREE_UID:$TREE_UID "$TREE/home/$TREE_USER/rootfs" ||
		{ tree_why="could not make the busybox rootfs in the tree"; return 1; }
	echo "$TREE_RECIPE" >"$TREE/.sentry-tree-complete"
}

# tree_start SOCKDIR [PASTA] - start the holder of the tree's mount
# namespace, with $SENTRY and SOCKDIR mounted in (see the picture above).
# PASTA, if given, is a file mounted as the pasta helper instead of the
# link to $SENTRY (for trying the test itself out with a stand-in).
tree_start() {
	local ready=$tmp/tree.ready
	rm -f "$ready"
	# processes of tester's uid that are not ours: never killed
	TREE_OTHERS=$(tree_pids | tr '\n' ' ')
	TREE_XDG=$tmp/xdg
	mkdir -m 0700 "$TREE_XDG"
	chown $TREE_UID:$TREE_UID "$TREE_XDG"
	[ -n "$TREE_OTHERS" ] && echo "# uid $TREE_UID already has processes ($TREE_OTHERS); they are left alone"
	unshare --mount --propagation private -- /bin/bash -c '
		T=$1 SENTRY=$2 SOCKDIR=$3 U=$4 PASTA=$5 XDG=$6 GROUPS_ADD=$7
		set -e
		mount --bind "$T" "$T"
		mount -t proc proc "$T/proc"
		mount --rbind /sys "$T/sys"
		mount --rbind /dev "$T/dev"
		mount -t tmpfs -o mode=0755 tmpfs "$T/run"
		mount -t tmpfs -o mode=1777 tmpfs "$T/tmp"
		mknod -m 0666 "$T/run/tun" c 10 200
		mount --bind "$T/run/tun" "$T/dev/net/tun"
		mkdir -p "$T/run/sentry-test/bin" "$T/run/sentry" "$T/run/user/$U"
		mount --bind "$XDG" "$T/run/user/$U"
		touch "$T/run/sentry-test/bin/sentry"
		mount --bind "$SENTRY" "$T/run/sentry-test/bin/sentry"
		if [ -n "$PASTA" ]; then
			touch "$T/run/sentry-test/bin/pasta"
			mount --bind "$PASTA" "$T/run/sentry-test/bin/pasta"
		else
			ln -s sentry "$T/run/sentry-test/bin/pasta"
		fi
		ln -s sentry "$T/run/sentry-test/bin/slirp4netns"
		mount --bind "$SOCKDIR" "$T/run/sentry"
		if [ -n "$GROUPS_ADD" ]; then
			cat "$T/etc/group" >"$T/run/sentry-test/group"
			printf "%s\n" "$GROUPS_ADD" >>"$T/run/sentry-test/group"
			mount --bind "$T/run/sentry-test/group" "$T/etc/group"
		fi
		shift 7
		while [ $# -ge 2 ]; do	# TREE_BINDS: SRC DST pairs
			if [ -d "$1" ]; then
				mkdir -p "$T$2"
			else
				mkdir -p "$(dirname "$T$2")"
				[ -e "$T$2" ] || touch "$T$2"
			fi
			mount --bind "$1" "$T$2"
			shift 2
		done
		cd "$T"
		mkdir -p .oldroot
		pivot_root . .oldroot
		umount -l /.oldroot
		mount --make-rshared /	# rootless Podman wants it; private to this ns
		cd /
		echo ok >&9
		exec sleep infinity
	' sh "$TREE" "$SENTRY" "$1" $TREE_UID "${2:-}" "$TREE_XDG" "$TREE_GROUPS" \
		"${TREE_BINDS[@]}" 9>"$ready" 2>"$tmp/tree.start" &
	TREE_HOLDER=$!
	t_defer tree_stop
	wait_for 10 grep -q ok "$ready" || {
		tree_why="could not enter the tree: $(tr '\n' ' ' <"$tmp/tree.start")"
		return 1
	}
}

# tree_daemon_wrap - set W_DAEMON_WRAP so that the daemon, in a mount
# namespace of its own, sees TREE_XDG at /run/user/TREE_UID (call after
# tree_start)
tree_daemon_wrap() {
	W_DAEMON_WRAP=(unshare --mount --propagation slave -- /bin/sh -c '
		mount -t tmpfs -o mode=0755 tmpfs /run/user &&
		mkdir -m 0700 "/run/user/$1" && mount --bind "$2" "/run/user/$1" ||
		exit 1
		shift 2
		exec "$@"' sh "$TREE_UID" "$TREE_XDG")
}

# tree_run CMD... - CMD as root inside the tree
tree_run() {
	nsenter -t "$TREE_HOLDER" -m -r -w -- "$@"
}

# tree_user_cmd - set TREE_USER_CMD: the command prefix that runs what
# follows as tester inside the tree, with a clean environment plus
# TREE_ENV (an array, so `timeout` can run it)
tree_user_cmd() {
	TREE_USER_CMD=(nsenter -t "$TREE_HOLDER" -m -r -w -- setpriv
		"--reuid=$TREE_UID" "--regid=$TREE_UID" --init-groups -- env -i
		"HOME=/home/$TREE_USER" "USER=$TREE_USER" "LOGNAME=$TREE_USER"
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "XDG_RUNTIME_DIR=/run/user/$TREE_UID"
		LANG=C.UTF-8 "${TREE_ENV[@]}")
}

tree_user() {	# tree_user CMD... - CMD as tester inside the tree
	tree_user_cmd
	"${TREE_USER_CMD[@]}" "$@"
}

# tree_pids - the processes running as tester's uid. Rootless Podman's
# pause process, conmon and the containers leave the holder's process
# tree and namespaces, but keep the uid, which no host account uses
# (tree_start notes any that exist before it, and tree_stop spares them).
tree_pids() {
	grep -lsE "^Uid:[[:space:]]+${TREE_UID}[[:space:]]" /proc/[0-9]*/status | cut -d/ -f3
}

tree_stop() {
	local p
	[ -n "$TREE_HOLDER" ] || return 0
	for p in $(tree_pids); do
		[[ " $TREE_OTHERS " == *" $p "* ]] || kill -KILL "$p" 2>/dev/null
	done
	t_kill_tree "$TREE_HOLDER"
	wait "$TREE_HOLDER" 2>/dev/null
	TREE_HOLDER=
}
