#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# start.sh - `make bench`, section "start": what a container start costs
# with sentry's helper against the real helpers, and what an idle bottle
# and each TUN queue cost in kernel memory. Writes bench/start.md.
#
#  Podman 4, rootful, on the host              Podman 5, rootless (tester), Debian 13 tree
#  podman --network-cmd-path=C/slirp4netns     helper_binaries_dir = [C, ...]
#    run --rm --network=slirp4netns              podman run --rm --network=pasta[:--policy=web]
#        --rootfs BUSYBOX true                       --rootfs BUSYBOX true
#          |                                           |
#          v                                           v
#  C/slirp4netns = helperclock (lib/helperclock.c): times the helper, runs
#    (real) /usr/bin/slirp4netns               (real) the tree's /usr/bin/pasta
#    (sentry) build/stage/.../slirp4netns      (sentry) the tree's link pasta -> $SENTRY
#             -> sentry attach ----------------------> one daemon (test/lib/world.sh):
#                                                      $P-gw, sentry run; $P-net, the test
#                                                      internet; nothing leaves the machine
#
# Each variant START_RUNS times (default 20), the variants interleaved,
# plus --network=none as the floor: the median and 95th percentile of the
# whole `podman run` (wall clock around it) and of the helper's own share
# (helperclock: Podman 4, exec until the ready byte; Podman 5, exec until
# the helper exits) and, for Podman 4, how long the helper takes to exit
# once Podman closes its exit fd. The real helpers give the container a user-mode
# network of their own (the host's, copied); `true` sends nothing.
#
# Where the helper's time goes: BD_RUNS `sentry attach` (what both helper
# personalities run) under `strace -f -ttt`, cut into start-up, TUN,
# netlink, the attach round trip and exit (shares: strace slows them).
#
# Kernel memory: MEM_BOTTLES (64) namespaces attached with `sentry attach
# --queues Q` for Q = 1, 2, 4 (a fresh set each time); SUnreclaim after
# dropping caches, before and after, divided by the bottles; the slope
# over Q is the cost of one queue. Other work on the machine moves
# SUnreclaim too: the figure is the median of MEM_REPS (3) rounds.
#
# Needs root, Podman 4 with runc, and for Podman 5 the Debian 13 tree
# (test/lib/trixie.sh; T_CACHE, default test/cache). Every Podman call
# runs under timeout (test/lib/podman.sh); everything is removed on exit.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make
# stage installs it, else ./sentry; the slirp4netns link beside it in
# libexec is used when present, else one made here), START_RUNS, MEM_BOTTLES, MEM_REPS, START_OUT (bench/start.md),
# BD_RUNS (traced attaches, 10), START_SKIP (words among p4 p5 phases mem:
# parts not run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${SENTRY:-}" ]; then
	SENTRY=$top/build/stage/usr/local/bin/sentry
	[ -x "$SENTRY" ] || SENTRY=$top/sentry	# make bench builds ./sentry, not the stage
fi
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
RUNS=${START_RUNS:-20}
MEM_BOTTLES=${MEM_BOTTLES:-64}
MEM_REPS=${MEM_REPS:-3}
BD_RUNS=${BD_RUNS:-10}
OUT=${START_OUT:-$top/bench/start.md}
SKIP=" ${START_SKIP:-} "
. "$top/test/lib/tap.sh"
. "$top/test/lib/world.sh"
. "$top/test/lib/podman.sh"
. "$top/test/lib/trixie.sh"
. "$here/lib/stage.sh"

say() { echo "start: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root"; exit 1; }
[ -x "$SENTRY" ] || { say "no sentry at $SENTRY (make stage)"; exit 1; }
for c in podman runc gcc timeout unshare nsenter python3 dnsmasq; do
	command -v $c >/dev/null || { say "no $c"; exit 1; }
done

t_init sentry-bench-start
t_defer t_kill_naming "$tmp"
P=sst$$
W_PREFIX=$P
RES=$tmp/results	# "VARIANT total|helper MS" a line
: >"$RES"
notes=()		# lines for the results: what was not measured and why
# the stages this run has: the parts START_SKIP leaves, the daemon, the table
n=2
for part in p5 p5 p4 phases mem; do	# p5: the tree, then the starts
	[[ "$SKIP" == *" $part "* ]] || n=$((n + 1))
done
stage_init start $n

us_now() { echo $(($(date +%s%N) / 1000)); }	# microseconds, wall clock

# clock NAME REAL LOG OUTDIR - build helperclock as OUTDIR/NAME
clock() {
	mkdir -p "$4"
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -DREAL="\"$2\"" \
		-DLOG="\"$3\"" "$here/lib/helperclock.c" -o "$4/$1"
}

# clocked VARIANT FILE N0 - record the helperclock lines of FILE after its
# first N0: the helper's set-up ("pasta US RC", "slirp4netns US 0") and,
# for slirp4netns, its stop ("slirp4netns-stop US RC")
clocked() {
	tail -n +$(($3 + 1)) "$2" 2>/dev/null | awk -v v="$1" '
		$1 == "slirp4netns-stop" { print v, "stop", $2; next }
		{ print v, "helper", $2 }' >>"$RES"
}

# timed VARIANT CLOCKLOG ARGS... - one podman run (pm ARGS), its wall time
# and the helper's share (what helperclock appended to CLOCKLOG)
timed() {
	local v=$1 log=$2 t0 t1 n0
	shift 2
	n0=$(wc -l <"$log")
	t0=$(us_now)
	pm "$@"
	t1=$(us_now)
	if [ "$pm_rc" != 0 ]; then
		echo "$v failed $(printf '%s' "$pm_out" | tail -n 1)" >>"$RES"
		return 1
	fi
	echo "$v total $((t1 - t0))" >>"$RES"
	clocked "$v" "$log" "$n0"
}

# ---- the daemon and its test internet (and the tree, for Podman 5) -------

tree_ok=
if [[ "$SKIP" != *" p5 "* ]]; then
	stage "the Debian 13 tree for Podman 5 (test/lib/trixie.sh; cached after the first time)"
	# its steps, as it says them, go with say's lines to stderr
	if tree_build >&2; then
		tree_ok=1
	else
		notes+=("Podman 5 (rootless, pasta) not measured: no Debian 13 tree: $tree_why")
	fi
fi
stage "the daemon and its test internet"
W_CTL_GROUP=${P}c
groupadd "$W_CTL_GROUP" || { say "groupadd failed"; exit 1; }
t_defer groupdel "$W_CTL_GROUP"
W_CTL_GID=$(getent group "$W_CTL_GROUP" | cut -d: -f3)
TREE_GROUPS="sentryctl:x:$W_CTL_GID:$TREE_USER"
world_setup web >"$tmp/world.log" 2>&1 || { cat "$tmp/world.log"; say "no test internet"; exit 1; }
if [ -n "$tree_ok" ]; then
	tree_start "$W_SOCKDIR" || { notes+=("Podman 5 not measured: $tree_why"); tree_ok=; }
	[ -n "$tree_ok" ] && tree_daemon_wrap
fi
world_daemon_start >"$tmp/world.log" 2>&1 || { cat "$tmp/world.log"; say "the daemon did not start"; exit 1; }

# ---- Podman 4, rootful, slirp4netns --------------------------------------

p4_vars=()
[[ "$SKIP" != *" p4 "* ]] && stage "Podman 4, rootful, slirp4netns: $RUNS starts each, real and sentry's"
if [[ "$SKIP" != *" p4 "* ]] && podman --version 2>/dev/null | grep -q ' 4\.'; then
	link=$(dirname "$SENTRY")/../libexec/sentry/slirp4netns
	if [ ! -e "$link" ]; then
		mkdir -p "$tmp/links" && ln -s "$SENTRY" "$tmp/links/slirp4netns"
		link=$tmp/links/slirp4netns
	fi
	link=$(cd "$(dirname "$link")" && pwd)/slirp4netns
	clock slirp4netns /usr/bin/slirp4netns "$tmp/clock-p4-real.log" "$tmp/c4real" &&
	clock slirp4netns "$link" "$tmp/clock-p4-sentry.log" "$tmp/c4sentry" ||
		{ say "cannot build helperclock"; exit 1; }
	: >"$tmp/clock-p4-real.log"
	: >"$tmp/clock-p4-sentry.log"
	pm_conf "$tmp/containers.conf"
	export CONTAINERS_CONF=$tmp/containers.conf SENTRY_SOCKET=$W_SOCK SENTRY_POLICY=web
	pm_init "$tmp/podman"
	t_defer pm_sweep_rootful
	PM_ROOTFS=$T_CACHE/rootfs-host
	pm_rootfs /bin/busybox "$PM_ROOTFS" || { say "no busybox rootfs"; exit 1; }
	P4V=$(podman --version | awk '{print $3}')
	say "Podman $P4V rootful: $RUNS starts each of none, slirp4netns, sentry"
	PM_GLOBAL=()
	pm run --rm --network=none --rootfs "$PM_ROOTFS" true	# warm the storage
	for ((i = 0; i < RUNS; i++)); do
		PM_GLOBAL=()
		timed p4_none /dev/null run --rm --network=none --rootfs "$PM_ROOTFS" true
		PM_GLOBAL=(--network-cmd-path="$tmp/c4real/slirp4netns")
		timed p4_real "$tmp/clock-p4-real.log" run --rm --network=slirp4netns --rootfs "$PM_ROOTFS" true
		PM_GLOBAL=(--network-cmd-path="$tmp/c4sentry/slirp4netns")
		timed p4_sentry "$tmp/clock-p4-sentry.log" run --rm --network=slirp4netns --rootfs "$PM_ROOTFS" true
	done
	PM_GLOBAL=()
	unset CONTAINERS_CONF SENTRY_POLICY
	p4_vars=(p4_none p4_real p4_sentry)
elif [[ "$SKIP" != *" p4 "* ]]; then
	notes+=("Podman 4 not measured: podman here is '$(podman --version 2>/dev/null)'")
fi

# ---- Podman 5, rootless, pasta, in the Debian 13 tree ---------------------

p5_vars=()
[[ "$SKIP" != *" p5 "* ]] && stage "Podman 5, rootless, pasta, in the Debian 13 tree: $RUNS starts each"
if [ -n "$tree_ok" ]; then
	# helperclock is built on the host (glibc 2.36) and runs in the tree
	# (2.41); the tree's /run is the holder's tmpfs
	clock pasta /usr/bin/pasta /tmp/clock-p5-real.log "$tmp/c5real" &&
	clock pasta /run/sentry-test/bin/pasta /tmp/clock-p5-sentry.log "$tmp/c5sentry" ||
		{ say "cannot build helperclock"; exit 1; }
	for v in real sentry; do
		tree_run mkdir -p "/run/sentry-test/c5$v"
		tree_run sh -c "cat >/run/sentry-test/c5$v/pasta && chmod 755 /run/sentry-test/c5$v/pasta" \
			<"$tmp/c5$v/pasta"
		pm_conf "$tmp/p5-$v.conf" "helper_binaries_dir = [\"/run/sentry-test/c5$v\",
  \"/usr/local/libexec/podman\", \"/usr/local/lib/podman\",
  \"/usr/libexec/podman\", \"/usr/lib/podman\"]"
		tree_run sh -c "cat >/run/sentry-test/p5-$v.conf" <"$tmp/p5-$v.conf"
	done
	tree_run sh -c ': >/tmp/clock-p5-real.log; : >/tmp/clock-p5-sentry.log; chmod 666 /tmp/clock-p5-*.log'
	P5V=$(tree_run podman --version | awk '{print $3}')
	PM_ROOTFS=/home/$TREE_USER/rootfs
	pm_init /tmp/podman
	tree_user mkdir -p /tmp/podman/root /tmp/podman/runroot /tmp/podman/tmp
	# p5 VARIANT ARGS... - one rootless start with VARIANT's containers.conf
	p5() {
		local v=$1 conf=real
		shift
		[ "$v" = p5_sentry ] && conf=sentry
		TREE_ENV=(CONTAINERS_CONF=/run/sentry-test/p5-$conf.conf
			PODMAN_IGNORE_CGROUPSV1_WARNING=1 SENTRY_SOCKET=/run/sentry/control.sock)
		tree_user_cmd
		PM_PREFIX=("${TREE_USER_CMD[@]}")
		tree_run cat "/tmp/clock-p5-$conf.log" >"$tmp/clock-p5-$conf.log" 2>/dev/null
		local n0 t0 t1
		n0=$(wc -l <"$tmp/clock-p5-$conf.log")
		t0=$(us_now)
		pm "$@"
		t1=$(us_now)
		if [ "$pm_rc" != 0 ]; then
			echo "$v failed $(printf '%s' "$pm_out" | tail -n 1)" >>"$RES"
			return 1
		fi
		echo "$v total $((t1 - t0))" >>"$RES"
		[ "$v" = p5_none ] && return 0
		tree_run cat "/tmp/clock-p5-$conf.log" >"$tmp/clock-p5-$conf.log"
		clocked "$v" "$tmp/clock-p5-$conf.log" "$n0"
	}
	say "Podman $P5V rootless: $RUNS starts each of none, pasta, sentry"
	p5 p5_none run --rm --network=none --rootfs "$PM_ROOTFS" true	# warm up (pause process)
	sed -i '$d' "$RES"
	for ((i = 0; i < RUNS; i++)); do
		p5 p5_none run --rm --network=none --rootfs "$PM_ROOTFS" true
		p5 p5_real run --rm --network=pasta --rootfs "$PM_ROOTFS" true
		p5 p5_sentry run --rm --network=pasta:--policy=web --rootfs "$PM_ROOTFS" true
	done
	PM_PREFIX=()
	p5_vars=(p5_none p5_real p5_sentry)
	tree_stop
fi

# ---- where an attach spends its time ------------------------------------

PHASES=$tmp/phases	# "STARTUP TUN NETLINK ATTACH EXIT" (us) a line
: >"$PHASES"
[[ "$SKIP" != *" phases "* ]] && stage "where an attach spends its time: $BD_RUNS traced attaches"
if [[ "$SKIP" != *" phases "* ]] && command -v strace >/dev/null; then
	say "phases of an attach: $BD_RUNS traced attaches"
	for ((i = 0; i < BD_RUNS; i++)); do
		ip netns add "$P-t$i"
		strace -f -ttt -o "$tmp/attach-$i.strace" \
			-e trace=execve,setns,ioctl,socket,connect,sendmsg,recvmsg,read,exit_group \
			"$SENTRY" attach --netns "/run/netns/$P-t$i" --socket "$W_SOCK" \
			--policy web --name "t$i" >>"$tmp/attach.log" 2>&1
		python3 "$here/lib/starttab.py" strace "$tmp/attach-$i.strace" >>"$PHASES"
		ip netns del "$P-t$i"
	done
elif [[ "$SKIP" != *" phases "* ]]; then
	notes+=("phases of an attach not measured: no strace")
fi

# ---- kernel memory per idle bottle and per queue --------------------------

unreclaim_kb() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
MEM=$tmp/mem	# "Q KB_PER_BOTTLE RSS_KB_PER_BOTTLE" a line
: >"$MEM"
if [[ "$SKIP" != *" mem "* ]]; then
	stage "kernel memory per idle bottle and per queue"
	say "kernel memory: $MEM_BOTTLES bottles at 1, 2, 4 queues, $MEM_REPS rounds"
	for ((r = 0; r < MEM_REPS; r++)); do
		for q in 1 2 4; do
			for ((i = 0; i < MEM_BOTTLES; i++)); do ip netns add "$P-m$i"; done
			sync; echo 3 >/proc/sys/vm/drop_caches
			k0=$(unreclaim_kb) r0=$(awk '/^VmRSS:/ {print $2}' "/proc/$W_DAEMON_PID/status")
			fails=0
			for ((i = 0; i < MEM_BOTTLES; i++)); do
				"$SENTRY" attach --netns "/run/netns/$P-m$i" --socket "$W_SOCK" \
					--policy web --name "m$i" --queues "$q" >>"$tmp/attach.log" 2>&1 ||
					fails=$((fails + 1))
			done
			sync; echo 3 >/proc/sys/vm/drop_caches
			k1=$(unreclaim_kb) r1=$(awk '/^VmRSS:/ {print $2}' "/proc/$W_DAEMON_PID/status")
			n=$((MEM_BOTTLES - fails))
			[ "$n" -gt 0 ] && echo "$q $(( (k1 - k0) / n )) $(( (r1 - r0) / n ))" >>"$MEM"
			[ "$fails" = 0 ] || notes+=("$fails of $MEM_BOTTLES attaches failed at $q queue(s): $(tail -n 1 "$tmp/attach.log")")
			for ((i = 0; i < MEM_BOTTLES; i++)); do ip netns del "$P-m$i"; done
			wait_for 30 sh -c "! \"$SENTRY\" ctl --socket \"$W_SOCK\" bottles | grep -q '^m[0-9]'"
		done
	done
fi

# ---- the results -----------------------------------------------------------

stage "the table: $OUT"
{
	echo "# sentry: what a container start costs (make bench, section start)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, Linux $(uname -r);" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work skews the figures)"
	echo "- method: test/bench/start.sh; \`podman run --rm --rootfs BUSYBOX true\`, $RUNS starts" \
		"of each variant, interleaved; wall clock around podman; the helper's share timed by" \
		"test/bench/lib/helperclock.c (Podman 4: exec to the ready byte; Podman 5: exec to exit)"
	echo "- Podman 4: ${P4V:-not run} rootful on the host, slirp4netns $(slirp4netns --version 2>/dev/null | awk 'NR == 1 {print $3}')" \
		"vs sentry's slirp4netns link (\`--network-cmd-path\`, SENTRY_POLICY=web)"
	echo "- Podman 5: ${P5V:-not run} rootless (uid $TREE_UID) in the Debian 13 tree, its pasta" \
		"$( [ -n "$tree_ok" ] && chroot "$TREE" dpkg-query -W -f='${Version}' passt 2>/dev/null)" \
		"vs sentry's pasta link (\`helper_binaries_dir\`, \`--network=pasta:--policy=web\`)"
	for n in "${notes[@]}"; do echo "- note: $n"; done
	echo
	python3 "$here/lib/starttab.py" "$RES" "$MEM" "$MEM_BOTTLES" "$PHASES"
} >"$OUT"
cat "$OUT"
