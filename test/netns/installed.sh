#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# installed.sh - what a new user meets first: `make install` and `make
# uninstall` into a DESTDIR tree, a policy store made on a fresh machine,
# the messages for a missing store, the systemd unit as shipped (verified
# by systemd-analyze, and the daemon run under its capability bounding set
# and no-new-privileges), the root qdisc of the TUNs (kernel memory per
# bottle), and the control socket a stopped daemon leaves.
#
#   $P-gw: the daemon's namespace            $P-b: a bottle
#  +--------------------------------+       +------------------+
#  | sentry run (the unit's caps,   |  TUN  | eth0 10.0.2.100  |
#  |   no-new-privs, user nobody)   |<=====>|                  |
#  | sentry0, no uplink             |       +------------------+
#  +--------------------------------+
# No route leads anywhere: the tests here need no traffic to leave sentry.
#
# Environment: SENTRY (the daemon under test; default
# build/stage/usr/local/bin/sentry, as make stage installs it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
GW_PREFIX=sin$$
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all installed "not root"
[ -c /dev/net/tun ] || gw_skip_all installed "no /dev/net/tun"
for t in ip tc make setpriv; do
	command -v $t >/dev/null || gw_skip_all installed "no $t"
done
[ -x "$SENTRY" ] || { echo "not ok - installed: no sentry binary at $SENTRY"; exit 1; }
gw_init
P=$GW_PREFIX
UNIT=$top/contrib/sentry.service
daemon_pid=

# find_all DIR - every path under DIR, sorted, relative
find_all() {
	(cd "$1" && find . -mindepth 1 | sort)
}

t_install_uninstall() {
	local root=$tmp/root
	mkdir -p "$root/usr/local/bin" "$root/etc"	# there on any Debian
	find_all "$root" >"$tmp/before"
	run make -C "$top" --no-print-directory install DESTDIR="$root"
	expect "make install succeeds" $rc = 0 || return 1
	expect "the binary is installed" -x "$root/usr/local/bin/sentry" || return 1
	expect "pasta links to it" "$(readlink -f "$root/usr/local/libexec/sentry/pasta")" = \
		"$root/usr/local/bin/sentry" || return 1
	expect "slirp4netns links to it" "$(readlink -f "$root/usr/local/libexec/sentry/slirp4netns")" = \
		"$root/usr/local/bin/sentry" || return 1
	run grep -F '"/usr/local/libexec/sentry"' "$root/etc/containers/containers.conf.d/50-sentry.conf"
	expect "the drop-in names the helper directory" $rc = 0 || return 1
	run "$root/usr/local/libexec/sentry/slirp4netns" --help
	expect "the installed link answers as slirp4netns" $rc = 0 || return 1
	run make -C "$top" --no-print-directory uninstall DESTDIR="$root"
	expect "make uninstall succeeds" $rc = 0 || return 1
	find_all "$root" >"$tmp/after"
	run diff "$tmp/before" "$tmp/after"
	expect "uninstall leaves exactly what was there before (no empty directories)" $rc = 0
}

t_fresh_store() {
	local db=$tmp/fresh/var/lib/sentry/policies
	run "$SENTRY" policy load --db "$db" "$top/policies/default-deny.ini"
	expect "policy load on a machine without /var/lib/sentry succeeds" $rc = 0 || return 1
	expect "the store's parents were made 0755" "$(stat -c %a "$tmp/fresh/var/lib/sentry")" = 755 ||
		return 1
	run "$SENTRY" policy list --db "$db"
	expect "and it lists the policy" "$out" = default-deny
}

t_missing_store_messages() {
	printf '[daemon]\npolicy_store = %s/nowhere/policies\ncontrol_socket = %s/c.sock\n' \
		"$tmp" "$tmp" >"$tmp/missing.ini"
	run "$SENTRY" check -c "$tmp/missing.ini"
	expect "check fails" $rc = 1 || return 1
	[[ $out == *"$tmp/nowhere/policies: no such directory (create the store with: sentry policy load --db $tmp/nowhere/policies FILE.ini)"* ]] ||
		{ note "check does not name the missing directory"; return 1; }
	[[ $out != *"no such policy"* ]] || { note "check blames a policy"; return 1; }
	mkdir -p "$tmp/empty"
	run "$SENTRY" policy list --db "$tmp/empty"
	expect "list on an empty directory fails" $rc = 2 || return 1
	[[ $out == *"holds no policy store (no data.mdb"* ]] ||
		{ note "list does not say the directory holds no store"; return 1; }
	run "$SENTRY" policy show --db "$tmp/fresh/var/lib/sentry/policies" nosuch
	[[ $out == *"no policy named 'nosuch'"* ]] || { note "show of a missing policy"; return 1; }
}

# unit_value KEY - the value of KEY= in the shipped unit
unit_value() {
	sed -n "s/^$1=//p" "$UNIT"
}

t_unit_verifies() {
	command -v systemd-analyze >/dev/null || { note "no systemd-analyze"; return 1; }
	# the unit as shipped, with its paths pointing into a staged install
	mkdir -p "$tmp/unit"
	sed "s|/usr/local/bin/sentry|$SENTRY|g" "$UNIT" >"$tmp/unit/sentry.service"
	run systemd-analyze verify "$tmp/unit/sentry.service"
	expect "systemd-analyze verify: exit 0, nothing said" "$rc:$out" = "0:"
}

# The daemon as the unit starts it: only the unit's bounding set, no new
# privileges, and the shipped [daemon] user (nobody).
start_daemon() {
	local caps
	caps=$(unit_value CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	spawn daemon_pid ip netns exec "$P-gw" setpriv --no-new-privs --bounding-set "-all,$caps" \
		"$SENTRY" run -c "$tmp/sentry.ini" 2>>"$tmp/daemon.log"
	wait_for 15 "$SENTRY" ctl --socket "$tmp/run/control.sock" ping
}

t_unit_caps() {
	mkns "$P-gw" && mkns "$P-b" || return 1
	run "$SENTRY" policy load --db "$tmp/store" "$top/policies/default-deny.ini"
	mkdir -p "$tmp/run"
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $tmp/run/control.sock
	policy_store = $tmp/store
	default_policy = default-deny
	[dns]
	upstream = 198.18.0.53
	EOF
	start_daemon || { note "daemon did not start: $(tail -n 5 "$tmp/daemon.log")"; return 1; }
	run grep -c "running as nobody" "$tmp/daemon.log"
	expect "it dropped to the shipped user" "$out" = 1 || return 1
	run "$SENTRY" attach --netns "/run/netns/$P-b" --socket "$tmp/run/control.sock" \
		--name "$P-b" --queues 2
	expect "a bottle attaches" $rc = 0 || return 1
	run "$SENTRY" ctl --socket "$tmp/run/control.sock" bottles
	[[ $out == *"$P-b"* ]] || { note "the bottle is not listed"; return 1; }
	run grep -c "seccomp: forbidden" "$tmp/daemon.log"
	expect "no forbidden system call" "$out" = 0
}

# A multi-queue TUN under the kernel's default root (mq) gets a pfifo_fast
# with three txqueuelen rings for each of its 256 TX queues: ~97 MB of
# kernel memory per bottle. Both ends must have a noqueue root instead.
t_noqueue() {
	local q
	run ip -n "$P-b" -d link show tun0
	[[ $out == *"numtxqueues 256"* ]] || { note "the bottle's TUN is not multi-queue"; return 1; }
	q=$(tc -n "$P-b" qdisc show dev tun0)
	note "bottle tun0: $q"
	expect "the bottle's TUN has one qdisc, a noqueue root" \
		"$(wc -l <<<"$q"):$(awk '{print $2, $4}' <<<"$q")" = "1:noqueue root" || return 1
	q=$(tc -n "$P-gw" qdisc show dev sentry0)
	note "egress sentry0: $q"
	expect "the egress TUN too" "$(wc -l <<<"$q"):$(awk '{print $2, $4}' <<<"$q")" = "1:noqueue root"
}

# The socket a stopped daemon leaves (README: Signals) and the next start
t_socket_after_stop() {
	[ -n "$daemon_pid" ] || { note "no daemon from the test before"; return 1; }
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	expect "SIGTERM: exit 0" $? = 0 || return 1
	daemon_pid=
	expect "the socket file stays (the daemon runs as nobody in a root-owned directory)" \
		-S "$tmp/run/control.sock" || return 1
	run "$SENTRY" ctl --socket "$tmp/run/control.sock" ping
	expect "a client is refused" $rc != 0 || return 1
	start_daemon || { note "the next start did not replace the stale socket"; return 1; }
	run ip netns exec "$P-gw" ip link show sentry0
	expect "and serves again" $rc = 0
}

check "install: make install and make uninstall leave nothing behind" t_install_uninstall
check "install: policy load creates a fresh machine's /var/lib/sentry" t_fresh_store
check "install: a missing store is named as such by check and policy" t_missing_store_messages
check "install: the systemd unit passes systemd-analyze verify" t_unit_verifies
check "install: the daemon runs under the unit's bounding set and no-new-privileges" t_unit_caps
check "kernel memory: bottle and egress TUNs have a noqueue root, no 256 pfifo_fast rings" t_noqueue
check "install: SIGTERM leaves the socket file, the next start replaces it" t_socket_after_stop
if [ -n "$daemon_pid" ]; then
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
fi
[ "$gw_failed" = 0 ]
