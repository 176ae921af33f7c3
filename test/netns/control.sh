#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# control.sh - every control request, from every kind of peer, against the
# daemon as shipped: [daemon] user left at its default (nobody), so it drops
# privileges and installs its seccomp allow-list, and the README's set-up for
# rootless Podman: control_group = a group made here, control_mode = 0660.
#
#  peers (host netns)                           $P-gw: sentry's namespace
#  +--------------------------------------+     +------------------------------+
#  | root                                 |     | sentry run -c sentry.ini     |
#  | nobody      (the daemon's own user)  |---->|  runs as nobody, seccomp on  |
#  | $P-m  member of group $P-g           |unix |  $tmp/sock/control.sock      |
#  | $P-n  not a member                   |sock |   root:$P-g 0660             |
#  +--------------------------------------+     |  sentry0 egress, no uplink   |
#                                               +------------------------------+
#  bottles (each: tun0 10.0.2.100/24 once attached)
#  +--------------------------------------+
#  | $P-r    `ip netns add`, attached by root with --netns; policy p; UDP  |
#  |         to 198.18.0.97 (a CIDR rule) makes one flow to list         |
#  | userns bottles: `unshare --user --map-root-user --net` run as nobody, |
#  |   the member and the non-member (as rootless Podman's helper runs:  |
#  |   uid 0 in its own user namespace, the user's uid and groups        |
#  |   outside), attached with --pid; /dev/net/tun is a 0666 node bound |
#  |   over the real one in a private mount namespace, as most           |
#  |   distributions ship it                                             |
#  +--------------------------------------+
#
# Each test makes one request as one peer through `sentry ctl` / `sentry
# attach` / `sentry detach` and checks the answer: a real one for root,
# nobody and the member; "permission denied: uid N is not root and not in
# group G" for the non-member (with no effect: its attach leaves no bottle,
# its detach leaves the bottle). After every request root's `ctl ping` must
# still answer and the daemon must still be running. Malformed requests
# from the member get an error line. At the end the daemon's log must hold
# no "seccomp: forbidden system call" line. Nothing here sends a packet off
# the machine: $P-gw has no link but its egress TUN.
#
# $P is sct<pid>; the namespaces, users, group, processes and files are
# removed on exit.
#
# Environment: SENTRY (binary under test; default
# build/stage/usr/local/bin/sentry, as make stage installs it).
# Prints "ok - NAME" / "not ok - NAME" per test; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all control "not root"
[ -c /dev/net/tun ] || gw_skip_all control "no /dev/net/tun"
for tool in ip setpriv unshare useradd userdel groupadd groupdel nsenter; do
	command -v $tool >/dev/null || gw_skip_all control "no $tool"
done
id nobody >/dev/null 2>&1 || gw_skip_all control "no user nobody"
[ -x "$SENTRY" ] || { echo "not ok - control: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=sct$$
P=$GW_PREFIX
GW=$P-gw R=$P-r
GRP=$P-g UM=$P-m UN=$P-n
gw_init
[ -n "$PY" ] || gw_skip_all control "no python3"
chmod 0755 "$tmp"	# the peers run `sentry` and read files here

users_made=()
ct_cleanup() {
	local u
	gw_cleanup	# processes first: userdel refuses a user with processes
	for u in "${users_made[@]}"; do
		userdel "$u" 2>/dev/null
		groupdel "$u" 2>/dev/null	# its own group, if userdel left it
	done
	[ -n "${group_made:-}" ] && groupdel "$GRP" 2>/dev/null
}
trap ct_cleanup EXIT

DAEMON_LOG=$tmp/daemon.log
DLOG=$tmp/decisions.log
SOCK=$tmp/sock/control.sock
STORE=$tmp/store
daemon_pid=
declare -A holder	# peer -> pid of its userns bottle's holder

ctl() {	# ctl ARGS... - sentry ctl as root
	"$SENTRY" ctl --socket "$SOCK" "$@"
}

# as PEER CMD... - CMD as PEER (root, nobody, member, nonmember) with the
# groups /etc/group gives that user, and no capabilities
as() {
	local p=$1
	shift
	case $p in
	root) "$@" ;;
	nobody) setpriv --reuid=nobody --regid=nogroup --init-groups -- "$@" ;;
	member) setpriv --reuid="$UM" --regid="$UM" --init-groups -- "$@" ;;
	nonmember) setpriv --reuid="$UN" --regid="$UN" --init-groups -- "$@" ;;
	esac
}

uid_of() {
	case $1 in
	root) echo 0 ;;
	nobody) id -u nobody ;;
	member) id -u "$UM" ;;
	nonmember) id -u "$UN" ;;
	esac
}

write_files() {
	mkdir -m 0755 "$tmp/sock"
	: >"$DLOG"
	# sentry.ini as shipped (contrib/sentry.ini) but for the paths, the
	# README's rootless set-up, and an upstream that is no real address
	cat >"$tmp/0660.ini" <<-EOF
	; control.sh: the daemon as shipped, with the README's rootless set-up
	[daemon]
	control_socket = $SOCK
	control_mode = 0660
	control_group = $GRP
	policy_store = $STORE
	decision_log = $DLOG
	[dns]
	upstream = 198.18.0.53
	EOF
	# the same with a socket anyone may connect to: the daemon's own
	# check is all that stands between the non-member and the daemon
	sed 's/^control_mode = 0660/control_mode = 0666/' "$tmp/0660.ini" >"$tmp/0666.ini"
	cat >"$tmp/p.ini" <<-'EOF'
	[policy]
	name = p
	default = deny
	[allow]
	cidr = 198.18.0.97/32 udp/9
	EOF
	# a 0666 /dev/net/tun for the users' bottles (bound over the real one
	# in each bottle's private mount namespace)
	mknod -m 0666 "$tmp/tun" c 10 200
}

make_users() {
	groupadd "$GRP" || return 1
	group_made=1
	useradd -M -U -s /usr/sbin/nologin -G "$GRP" "$UM" || return 1
	users_made+=("$UM")
	useradd -M -U -s /usr/sbin/nologin "$UN" || return 1
	users_made+=("$UN")
}

own_netns() {	# own_netns PID - PID is in a network namespace other than ours
	local ns
	ns=$(readlink /proc/"$1"/ns/net) && [ "$ns" != "$(readlink /proc/self/ns/net)" ]
}

# userns_bottle PEER NAME - as rootless Podman does it: PEER makes a user
# namespace with a network namespace (the holder, as Podman's container),
# then PEER's `sentry attach` joins only that user namespace (uid 0 and
# every capability there, PEER's uid and groups outside, the host's
# network namespace) and makes the TUN in the holder's network namespace.
# The attach runs in a private mount namespace with a 0666 /dev/net/tun.
# Its output and status: $out, $rc.
userns_bottle() {
	local peer=$1 name=$2 pol=${3:-p} pid
	local polarg=(--policy "$pol")
	[ "$pol" = - ] && polarg=()	# none: the daemon picks
	spawn pid "$tmp/as_exec" "$peer" unshare --user --map-root-user --net -- sleep infinity
	holder[$peer]=$pid
	wait_for 5 own_netns "$pid" ||
		{ note "no holder namespace for $peer"; return 1; }
	run timeout 20 unshare --mount --propagation private -- /bin/sh -c '
		mount --bind "$1" /dev/net/tun || exit 1
		shift
		exec "$@"' sh "$tmp/tun" \
		"$tmp/as_exec" "$peer" nsenter -t "$pid" -U --preserve-credentials -- \
		"$SENTRY" attach --pid "$pid" --name "$name" "${polarg[@]}" --socket "$SOCK" \
		--address 10.0.2.100/24 --gateway 10.0.2.2
}

# as_exec_prog - write $tmp/as_exec PEER CMD...: `as`, as a program (for
# the mount namespace above)
as_exec_prog() {
	cat >"$tmp/as_exec" <<-EOF
	#!/bin/sh
	p=\$1; shift
	case \$p in
	nobody) exec setpriv --reuid=nobody --regid=nogroup --init-groups -- "\$@" ;;
	member) exec setpriv --reuid=$UM --regid=$UM --init-groups -- "\$@" ;;
	nonmember) exec setpriv --reuid=$UN --regid=$UN --init-groups -- "\$@" ;;
	*) exec "\$@" ;;
	esac
	EOF
	chmod 0755 "$tmp/as_exec"
}

setup() {
	write_files
	make_users || return 1
	as_exec_prog
	mkns "$GW" && mkns "$R" || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/p.ini" || return 1
	local q
	for q in q r; do	# two more policies for the [tenants] phase
		sed "s/^name = p/name = $q/" "$tmp/p.ini" >"$tmp/$q.ini"
		"$SENTRY" policy load --db "$STORE" "$tmp/$q.ini" || return 1
	done
	# the tenants phase: the member's group is granted q (its default) and p
	{ cat "$tmp/0666.ini"
	  printf '[tenants]\ngid.%s = q, p\n' "$(getent group "$GRP" | cut -d: -f3)"
	} >"$tmp/tenants.ini"
}

# start_phase MODE - the daemon with MODE's sentry.ini, bottle R attached
# by root, and one flow of R's for `ctl flows` to list
start_phase() {
	MODE=$1
	: >"$DAEMON_LOG"
	spawn daemon_pid ip netns exec "$GW" "$SENTRY" run -c "$tmp/$MODE.ini" 2>>"$DAEMON_LOG"
	wait_for 10 ctl ping || return 1
	"$SENTRY" attach --netns "/run/netns/$R" --name "$R" --policy p --socket "$SOCK" \
		--address 10.0.2.100/24 --gateway 10.0.2.2 || return 1
	inns "$R" bash -c 'echo x >/dev/udp/198.18.0.97/9' || return 1
	wait_for 5 eval 'ctl flows | grep -q 198.18.0.97'
}

# --------------------------------------------------------------- checks

# alive - the daemon process runs and answers root's ping
alive() {
	kill -0 "$daemon_pid" 2>/dev/null || { note "the daemon has exited"; return 1; }
	run ctl ping
	expect "root's ctl ping answers pong after the request" $rc = 0 -a "$out" = pong
}

# refused_peer PEER - is PEER to be turned away in this phase? With
# 0660 the socket file (root:GRP) already stops nobody and the
# non-member at connect(); with 0666 the daemon's own check (SO_PEERCRED,
# SO_PEERGROUPS) admits root, its own user and the group, and refuses
# the rest.
refused_peer() {
	case $MODE:$1 in
	0660:nobody|0660:nonmember|0666:nonmember) return 0 ;;
	esac
	return 1
}

# refused PEER - the last `run` (as PEER) was turned away, clearly
refused() {
	local uid gid
	uid=$(uid_of "$1")
	gid=$(getent group "$GRP" | cut -d: -f3)
	expect "a non-zero exit status" $rc != 0 || return 1
	if [ "$MODE" = 0660 ]; then
		[[ $out == *"cannot reach the sentry daemon at $SOCK: Permission denied"* ]] ||
			{ note "expected: cannot reach the sentry daemon at $SOCK: Permission denied"; return 1; }
	else
		expect "exit status 1 (the daemon answered with an error)" $rc = 1 || return 1
		[[ $out == *"permission denied: uid $uid is not root and not in group $gid"* ]] ||
			{ note "expected: permission denied: uid $uid is not root and not in group $gid"; return 1; }
	fi
}

json_ok() {	# json_ok KEY - $out is JSON with top-level KEY
	printf '%s' "$out" | $PY -c 'import json, sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin) else 1)' "$1" ||
		{ note "expected: JSON with key $1"; return 1; }
}

# req_answer PEER VERB... - run `sentry ctl VERB...` as PEER; the answer
# must be the right one for that verb (or a refusal for the non-member)
req_answer() {
	local peer=$1
	shift
	run as "$peer" "$SENTRY" ctl --socket "$SOCK" "$@"
	if refused_peer "$peer"; then
		refused "$peer"
		return
	fi
	if [ "$peer" = member ]; then
		member_answer "$@"
		return
	fi
	expect "exit status 0" $rc = 0 || return 1
	case "$*" in
	ping|"--json ping") expect "pong" "$out" = pong ;;
	bottles) [[ $out == NAME*POLICY*$'\n'"$R "*" p "* ]] || { note "expected the header and $R"; return 1; } ;;
	"--json bottles") json_ok bottles && [[ $out == *"\"name\":\"$R\""* ]] ||
		{ note "expected $R in the JSON"; return 1; } ;;
	stats) [[ $out == "sentry: up "*"bottle $R (policy p)"* ]] || { note "expected totals and $R"; return 1; } ;;
	"--json stats") json_ok bottle_stats && [[ $out == *"\"$R\":{"* ]] ||
		{ note "expected $R's counters"; return 1; } ;;
	"stats $R") [[ $out == *"bottle $R (policy p)"*"flows    allowed 1,"* ]] ||
		{ note "expected $R's counters with its one flow"; return 1; } ;;
	"--json stats $R") json_ok bottle_stats ;;
	flows|"flows $R") [[ $out == BOTTLE*$'\n'"$R "*198.18.0.97* ]] ||
		{ note "expected the header and $R's flow to 198.18.0.97"; return 1; } ;;
	"--json flows"|"--json flows $R") json_ok flows && [[ $out == *198.18.0.97* ]] ||
		{ note "expected the flow to 198.18.0.97"; return 1; } ;;
	names|"names $R") [[ $out == POLICY*NAME*ADDRESS*TTL* ]] || { note "expected the header"; return 1; } ;;
	"--json names"|"--json names $R") json_ok names ;;
	reload) [[ $out == "reloaded 1 policies (generation "*")" ]] || { note "expected 'reloaded 1 policies'"; return 1; } ;;
	metrics) [[ $out == *"# TYPE sentry_"* && $out == *"bottle=\"$R\""* ]] ||
		{ note "expected Prometheus text with $R's series"; return 1; } ;;
	*) note "no expectation for '$*'"; return 1 ;;
	esac
}

# member_answer VERB... - the member is a tenant (issue 11): it sees and acts
# on its own bottles only; root's $R does not exist for it, and daemon-wide
# views and reload are refused
member_answer() {
	local uid
	uid=$(uid_of member)
	case "$*" in
	ping|"--json ping") expect "pong" $rc = 0 -a "$out" = pong ;;
	bottles) expect "exit 0" $rc = 0 && [[ $out == NAME*POLICY* && $out != *"$R "* ]] ||
		{ note "expected the header without root's $R"; return 1; } ;;
	"--json bottles") expect "exit 0" $rc = 0 && json_ok bottles && [[ $out != *"\"$R\""* ]] ||
		{ note "expected no $R in the JSON"; return 1; } ;;
	*" $R") expect "exit 1" $rc = 1 && [[ $out == *"no bottle named '$R' among yours"* ]] ||
		{ note "expected: no bottle named '$R' among yours"; return 1; } ;;
	reload|metrics) expect "exit 1" $rc = 1 &&
		[[ $out == *"permission denied: uid $uid: $1 is for root"* ]] ||
		{ note "expected: $1 is for root"; return 1; } ;;
	*) expect "exit 1" $rc = 1 && [[ $out == *"permission denied: uid $uid sees its own bottles only"* ]] ||
		{ note "expected: sees its own bottles only"; return 1; } ;;
	esac
}

REQS=(ping "--json ping" bottles "--json bottles" stats "--json stats" "stats $R"
	"--json stats $R" flows "--json flows" "flows $R" "--json flows $R" names
	"--json names" "names $R" "--json names $R" reload metrics)

t_req() {	# t_req PEER REQUEST
	local r=$2
	# shellcheck disable=SC2086 # REQUEST is words
	req_answer "$1" $r || return 1
	alive
}

listed() { ctl bottles | grep -q "^$1 "; }

t_attach() {	# t_attach PEER
	local peer=$1 name=$P-$1
	userns_bottle "$peer" "$name" || return 1
	if refused_peer "$peer"; then
		refused "$peer" || return 1
		listed "$name" && { note "the refused bottle is listed"; return 1; }
		run nsenter -t "${holder[$peer]}" -n ip link show tun0
		expect "the refused attach left no tun0 behind" $rc != 0 || return 1
	else
		expect "attach exits 0" "$rc" = 0 || return 1
		[[ $out == "attached $name (policy p)"* ]] || { note "expected 'attached $name'"; return 1; }
		listed "$name" || { note "ctl bottles does not list $name"; return 1; }
		run nsenter -t "${holder[$peer]}" -n ip -br addr show tun0
		[[ $out == *10.0.2.100/24* ]] || { note "tun0 lacks 10.0.2.100/24"; return 1; }
	fi
	alive
}

t_detach() {	# t_detach PEER - `sentry detach` of its own bottle (root's if refused)
	local peer=$1 name=$P-$1
	[ "$peer" = root ] && name=$R
	if refused_peer "$peer"; then
		name=$R
		run as "$peer" "$SENTRY" detach --socket "$SOCK" "$name"
		refused "$peer" || return 1
		listed "$name" || { note "$name went after a refused detach"; return 1; }
		run as "$peer" "$SENTRY" ctl --socket "$SOCK" detach "$name"
		refused "$peer" || return 1
		listed "$name" || { note "$name went after a refused ctl detach"; return 1; }
		alive
		return
	fi
	run as "$peer" "$SENTRY" detach --socket "$SOCK" "$name"
	expect "detach exits 0" $rc = 0 -a "$out" = "detached $name" || return 1
	wait_for 5 eval '! listed "$name"' || { note "$name still listed"; return 1; }
	alive
}

t_ctl_detach() {	# `sentry ctl detach` as the member, on root's userns bottle: not its own
	run as member "$SENTRY" ctl --socket "$SOCK" detach "$P-root"
	expect "ctl detach refused (exit 1)" $rc = 1 || return 1
	[[ $out == *"no bottle named '$P-root' among yours"* ]] ||
		{ note "expected: no bottle named '$P-root' among yours"; return 1; }
	listed "$P-root" || { note "$P-root went after a refused detach"; return 1; }
	# the member sees and acts on its own
	run as member "$SENTRY" ctl --socket "$SOCK" stats "$P-member"
	expect "stats of its own bottle (exit $rc)" $rc = 0 -a -n "$out" || return 1
	run as member "$SENTRY" ctl --socket "$SOCK" bottles
	[[ $out == *"$P-member "* ]] || { note "its own bottle is not listed"; return 1; }
	alive
}

t_malformed() {	# member: garbage, an over-long line, an unknown verb, a bad value
	local req what
	for what in garbage long unknown badvalue badattach; do
		case $what in
		garbage) req=$'\x01\x02\xff garbage \x7f' ;;
		long) req=$(head -c 5000 /dev/zero | tr '\0' a) ;;
		unknown) req='frobnicate name=x' ;;
		badvalue) req='stats name=%zz' ;;
		badattach) req='attach name=x queues=1 addr4=10.0.2.100/24' ;;
		esac
		run as member $NK ctlraw "$SOCK" <<<"$req"
		[[ $out == *"error "* ]] || { note "expected an 'error ...' line for the $what request"; return 1; }
		[[ $out == *"permission denied"* ]] && { note "the member was refused"; return 1; }
		alive || return 1
	done
	run as member $NK ctlraw "$SOCK" </dev/null	# connect, say nothing, go
	alive
}

# control_stat KEY - the daemon's control.KEY counter (ctl --json stats)
control_stat() {
	ctl --json stats | $PY -c 'import json, sys; print(json.load(sys.stdin)["control"][sys.argv[1]])' "$1"
}

# issue 11: 16 connections that send "pi" and no newline, from the member.
# It holds its share (4) of the 16 slots, the 12 others are refused at
# once; root's ping answers meanwhile; the 4 are closed at the idle
# deadline (EOF, no answer), and both are counted.
t_idle_share() {
	local i0 s0 pid
	i0=$(control_stat idle_closed)
	s0=$(control_stat share_refused)
	: >"$tmp/idle.out"
	spawn pid setpriv --reuid="$UM" --regid="$UM" --init-groups -- $PY -c 'import socket, sys
conns = []
for i in range(16):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); conns.append(s)
    try:
        s.sendall(b"pi")
    except OSError:
        pass		# refused and closed already
print("open", flush=True)
said = []
for s in conns:
    s.settimeout(30)
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except (ConnectionResetError, BrokenPipeError):
        data += b"(reset: refused before it read our bytes) busy"
    said.append(data)
print("busy %d silent %d other %d" % (sum(b"busy" in d for d in said), sum(d == b"" for d in said),
      sum(d != b"" and b"busy" not in d for d in said)), flush=True)' "$SOCK" >"$tmp/idle.out" 2>&1
	wait_for 10 grep -q open "$tmp/idle.out" || { note "$(cat "$tmp/idle.out")"; return 1; }
	run ctl ping
	expect "root's ping answers while the member's 4 are held ($out)" $rc = 0 || return 1
	wait "$pid"
	run cat "$tmp/idle.out"
	expect "12 refused busy, 4 closed with no answer" "${out##*$'\n'}" = "busy 12 silent 4 other 0" ||
		return 1
	expect "4 counted closed idle" "$(control_stat idle_closed)" = $((i0 + 4)) &&
	expect "12 counted refused over the share" "$(control_stat share_refused)" = $((s0 + 12)) &&
	grep -q "control: closed a connection from uid $(id -u "$UM") idle" "$DAEMON_LOG" ||
		{ note "no log line for the idle connections"; return 1; }
	alive
}

t_no_seccomp_kill() {
	kill -0 "$daemon_pid" 2>/dev/null || { note "the daemon has exited"; return 1; }
	if grep -q 'seccomp: forbidden system call' "$DAEMON_LOG"; then
		note "$(grep 'seccomp' "$DAEMON_LOG")"
		return 1
	fi
	[ "$MODE" = 0660 ] && return 0	# the file mode refused them: nothing to log
	run grep -c 'control: refused a client: permission denied' "$DAEMON_LOG"
	expect "the daemon logged its refusals" "${out:-0}" -ge 1
}

t_dropped() {	# the daemon runs as nobody, as shipped
	local uid
	uid=$(awk '/^Uid:/ { print $2 }' /proc/"$daemon_pid"/status)
	# the pid is `ip netns exec`'s, which execs sentry
	expect "the daemon's uid is nobody's ($(id -u nobody)), not $uid" "$uid" = "$(id -u nobody)" || return 1
	run stat -c '%a %U:%G' "$SOCK"
	expect "the socket is ${MODE#0}, root:$GRP" "$out" = "${MODE#0} root:$GRP"
}

t_sigterm() {
	kill -TERM "$daemon_pid"
	wait_for 10 eval '! kill -0 "$daemon_pid"' || { note "still running 10 s after SIGTERM"; return 1; }
	wait "$daemon_pid"
	local st=$?
	expect "exit status 0 (not 159: no forbidden system call)" $st = 0
}

# policy_of NAME - the policy `ctl bottles` lists for bottle NAME
policy_of() { ctl bottles | awk -v n="$1" '$1 == n { print $2 }'; }

# t_tenant PEER NAME POLICY|- WANT - PEER attaches NAME under POLICY (-:
# none given); WANT is the policy it must get, or "refused"
t_tenant() {
	local peer=$1 name=$2 pol=$3 want=$4 uid
	uid=$(uid_of "$peer")
	userns_bottle "$peer" "$name" "$pol" || return 1
	if [ "$want" = refused ]; then
		expect "exit status 1 (the daemon answered with an error)" "$rc" = 1 || return 1
		[[ $out == *"policy '$pol' is not granted to uid $uid (granted: q, p;"* ]] ||
			{ note "expected: policy '$pol' is not granted to uid $uid (granted: q, p; ..."; return 1; }
		listed "$name" && { note "the refused bottle is listed"; return 1; }
	else
		expect "attach exits 0" "$rc" = 0 || return 1
		run policy_of "$name"
		expect "ctl bottles lists $name under policy $want" "$out" = "$want" || return 1
	fi
	alive
}

# ----------------------------------------------------------------- main

gw_setup "control: set-up (users, group, policy store)"

for MODE in 0660 0666; do
	case $MODE in
	0660) ph="0660 (README)" ;;
	0666) ph="0666 (daemon's check)" ;;
	esac
	t_start() { start_phase "$MODE" >"$tmp/phase.log" 2>&1 || { note "$(cat "$tmp/phase.log")"; return 1; }; }
	check "$ph: daemon starts, bottle $R attached by root" t_start || break
	check "$ph: daemon dropped to nobody; socket ${MODE#0} root:$GRP" t_dropped
	for peer in root nobody member nonmember; do
		v=answered
		refused_peer "$peer" && v=refused
		for r in "${REQS[@]}"; do
			t_this() { t_req "$peer" "$r"; }
			check "$ph: $peer: ctl $r: $v" t_this
		done
		t_this() { t_attach "$peer"; }
		check "$ph: $peer: attach from its own user namespace: $v" t_this
	done
	check "$ph: tenant-detach: member: ctl detach of root's bottle refused, its own visible" t_ctl_detach
	for peer in nonmember nobody member root; do
		v=answered
		refused_peer "$peer" && v=refused
		t_this() { t_detach "$peer"; }
		check "$ph: $peer: detach: $v" t_this
	done
	check "$ph: member: malformed requests get an error line" t_malformed
	check "$ph: control-slots-idle: member's 16 half-sent requests: 4 held then closed idle, 12 refused (share); root's ping answers" t_idle_share
	check "$ph: no seccomp kill in the daemon's log" t_no_seccomp_kill
	check "$ph: SIGTERM: the daemon exits 0" t_sigterm
	for p in "${holder[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	holder=()
done

# [tenants]: the member's group is granted q (default) and p; root is not
# bound by the rules
MODE=tenants
t_start() { start_phase tenants >"$tmp/phase.log" 2>&1 || { note "$(cat "$tmp/phase.log")"; return 1; }; }
if check "tenants: daemon starts with [tenants] gid.GRP = q, p" t_start; then
	t_this() { t_tenant member "$P-tp" p p; }
	check "tenants: member attaches under granted policy p" t_this
	t_this() { t_tenant member "$P-tr" r refused; }
	check "tenants: member's attach under ungranted policy r refused with the grant named" t_this
	t_this() { t_tenant member "$P-td" - q; }
	check "tenants: member's attach with no policy gets its default q" t_this
	t_this() { t_tenant root "$P-rr" r r; }
	check "tenants: root attaches under r (not bound by [tenants])" t_this
	t_this() { ! grep 'seccomp: forbidden system call' "$DAEMON_LOG"; }
	check "tenants: no seccomp kill in the daemon's log" t_this
	check "tenants: SIGTERM: the daemon exits 0" t_sigterm
fi

[ "$gw_failed" = 0 ]
