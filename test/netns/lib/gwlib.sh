# SPDX-License-Identifier: GPL-2.0-or-later
#
# gwlib.sh - helpers for test/netns/gateway*.sh: reporting, polling,
# namespaces and processes that are always cleaned up. Sourced, not run.
#
# The sourcing script sets, before calling gw_init:
#   GW_PREFIX   unique prefix for namespaces (e.g. sgt$$)
# and gets:
#   $tmp        a private directory, removed on exit
#   $PY         the Python used for lib/netkit.py (standard library only)
#   NK          "$PY .../netkit.py"
#
# Reporting: `check NAME FUNC` runs FUNC with a fresh detail file; FUNC
# returns 0 for a pass. GW_TIMES=1 prints each test's duration. On failure the detail lines (commands run through
# `run`, with their output), the decision log lines written during the
# test and the daemon log tail are printed as "#" lines.

GWLIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

gw_pids=()		# processes we started (killed on exit)
gw_netns=()		# namespaces we made (deleted on exit)
gw_failed=0
DLOG=/dev/null		# the daemon's decision log (set by the script)
DAEMON_LOG=/dev/null	# the daemon's stderr

gw_skip_all() {	# gw_skip_all NAME REASON
	echo "ok - $1 # SKIP $2"
	exit 0
}

gw_cleanup() {
	local p ns
	trap - EXIT INT TERM HUP PIPE
	exec 2>/dev/null	# no "Killed" notices for the jobs ended below
	for p in "${gw_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for ns in "${gw_netns[@]}"; do
		# anything still running inside one of our namespaces is ours
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	wait 2>/dev/null
	for ns in "${gw_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}

gw_init() {
	tmp=$(mktemp -d "/tmp/$GW_PREFIX.XXXXXX") || exit 1
	trap gw_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 141' PIPE	# a closed reader: still clean up
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3)
	NK="$PY $GWLIB_DIR/netkit.py"
}

# spawn VAR CMD... - start CMD in the background, remember its pid in VAR.
# Redirections given to spawn apply to CMD (stdin too: "<&0", because an
# asynchronous command's stdin is otherwise /dev/null).
spawn() {
	local var=$1
	shift
	"$@" <&0 &
	gw_pids+=("$!")
	printf -v "$var" '%s' "$!"
}

mkns() {	# mkns NAME [resolver]: a namespace with lo up
	ip netns add "$1" || return 1
	gw_netns+=("$1")
	ip -n "$1" link set lo up
	if [ -n "${2:-}" ]; then
		mkdir -p "/etc/netns/$1"
		echo "nameserver $2" >"/etc/netns/$1/resolv.conf"
	fi
}

inns() {	# inns NS CMD...
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# wait_for SECONDS CMD... - poll CMD (quietly) every 50 ms until it succeeds
# wait_for's command is re-run each round: compare a live value, not a captured one
stat_cmp() {	# stat_cmp PATH BOTTLE OP VALUE
	local v
	v=$(stat_of "$1" "$2")
	test "${v:-0}" "$3" "$4"
}

net_count_cmp() {	# net_count_cmp NAME OP VALUE
	local v
	v=$(net_count "$1")
	test "${v:-0}" "$2" "$3"
}

wait_for() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + ${limit%.*} * 1000000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# millis - a monotonic-enough clock in ms for measuring a bound
millis() {
	echo $(($(date +%s%N) / 1000000))
}

note() {
	printf '%s\n' "$*" >>"$tmp/detail"
}

# run CMD... - run CMD, keep its output in $out and status in $rc, and
# record both for the failure report. Always returns 0.
run() {
	out=$("$@" 2>&1)
	rc=$?
	note "\$ $* -> exit $rc"
	[ -n "$out" ] && printf '%s\n' "$out" | head -n 25 | sed 's/^/    /' >>"$tmp/detail"
	return 0
}

# expect DESCRIPTION TEST-ARGS... - `test` TEST-ARGS, noting DESCRIPTION if false
expect() {
	local what=$1
	shift
	if test "$@"; then
		return 0
	fi
	note "expected: $what (test $*)"
	return 1
}

dlog_lines() {
	wc -l <"$DLOG" 2>/dev/null || echo 0
}

# logq KEY=VALUE... - decision log lines of the current test matching all
logq() {
	tail -n "+$((dlog_mark + 1))" "$DLOG" >"$tmp/dlog.cur"
	$NK logq "$tmp/dlog.cur" "$@"
}

# expect_log KEY=VALUE... - a matching decision-log line appears (within 2 s)
expect_log() {
	if wait_for 2 logq "$@"; then
		return 0
	fi
	note "expected a decision-log line with: $*"
	return 1
}

# gw_setup NAME - run the script's setup(); if it fails, report NAME as one
# failed test with the set-up's and the daemon's output, and exit
gw_setup() {
	setup >"$tmp/setup.log" 2>&1 && return 0
	echo "not ok - $1"
	sed 's/^/# /' "$tmp/setup.log" "$DAEMON_LOG" 2>/dev/null | tail -n 40
	exit 1
}

check() {	# check NAME FUNC
	local name=$1 fn=$2 t0 ms
	: >"$tmp/detail"
	dlog_mark=$(dlog_lines)
	t0=$(millis)
	"$fn"
	local st=$?
	ms=$(($(millis) - t0))
	[ -n "${GW_TIMES:-}" ] && echo "# $fn: $ms ms"
	if [ $st = 0 ]; then
		echo "ok - $name"
		return 0
	fi
	echo "not ok - $name"
	gw_failed=$((gw_failed + 1))
	sed 's/^/# /' "$tmp/detail"
	echo "# decision log during the test (last 15 lines):"
	tail -n "+$((dlog_mark + 1))" "$DLOG" 2>/dev/null | tail -n 15 | sed 's/^/#   /'
	echo "# daemon log (last 10 lines):"
	tail -n 10 "$DAEMON_LOG" 2>/dev/null | sed 's/^/#   /'
	return 1
}
