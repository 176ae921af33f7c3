# SPDX-License-Identifier: GPL-2.0-or-later
#
# tap.sh - reporting, polling and clean-up for the shell suites. Sourced.
#
# Reporting follows test/run: one line per test, "ok - NAME",
# "not ok - NAME" or "ok - NAME # SKIP why"; anything else is commentary
# and starts with "#".
#
# Clean-up is a stack: t_defer CMD... remembers CMD, and on exit (normal,
# error, or a signal) the remembered commands run last-first, each once,
# with their output hidden. Register the undo right after the thing it
# undoes, so a failure half-way through leaves nothing behind.
#
# The sourcing script calls t_init PREFIX and gets $tmp, a private
# directory under /tmp (removed on exit, after every other clean-up).

t_cleanups=()
t_failed=0
t_out=		# output of the last `run`
t_rc=0		# status of the last `run`

t_init() {	# t_init PREFIX
	tmp=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	chmod 0755 "$tmp"
	trap t_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 141' PIPE
}

t_defer() {	# t_defer CMD... - run CMD on exit (last registered runs first)
	local q
	printf -v q '%q ' "$@"
	t_cleanups+=("$q")
}

t_cleanup() {
	local i
	trap - EXIT INT TERM HUP PIPE
	for ((i = ${#t_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${t_cleanups[i]}" >/dev/null 2>&1
	done
	wait 2>/dev/null
	[ -n "${tmp:-}" ] && [ -d "$tmp" ] && rm -rf --one-file-system "$tmp"
}

t_ok() { echo "ok - $1"; }
t_skip() { echo "ok - $1 # SKIP $2"; }
t_not_ok() {	# t_not_ok NAME [REASON...]
	local name=$1
	shift
	echo "not ok - $name"
	t_failed=$((t_failed + 1))
	[ $# -gt 0 ] && printf '# %s\n' "$@"
	return 0
}

note() { printf '%s\n' "$*" >>"$tmp/detail"; }

# run CMD... - run CMD, keep its output in $t_out and status in $t_rc,
# note both for the failure report. Always returns 0.
run() {
	t_out=$("$@" 2>&1)
	t_rc=$?
	note "\$ $* -> exit $t_rc"
	[ -n "$t_out" ] && printf '%s\n' "$t_out" | head -n 30 | sed 's/^/    /' >>"$tmp/detail"
	return 0
}

# expect WHAT TEST-ARGS... - `test TEST-ARGS`; on false note "expected: WHAT"
expect() {
	local what=$1
	shift
	test "$@" && return 0
	note "expected: $what"
	return 1
}

# check NAME FUNC [ARGS...] - one test: FUNC returns 0 for a pass. On a
# failure the notes FUNC left (commands, output) are printed as comments,
# then whatever t_on_failure prints (set it to a function name). With
# T_VERBOSE set, the notes of passing tests are printed too.
t_on_failure=
check() {
	local name=$1
	shift
	: >"$tmp/detail"
	if "$@"; then
		t_ok "$name"
		[ -n "${T_VERBOSE:-}" ] && sed 's/^/# /' "$tmp/detail"
		return 0
	fi
	echo "not ok - $name"
	t_failed=$((t_failed + 1))
	sed 's/^/# /' "$tmp/detail"
	[ -n "$t_on_failure" ] && "$t_on_failure" 2>&1 | sed 's/^/# /'
	return 1
}

# wait_for SECONDS CMD... - poll CMD (quietly) every 100 ms until it succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# t_kill_tree PID - SIGKILL PID and its descendants (deepest first)
t_kill_tree() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		t_kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null
}

# t_kill_naming STRING - SIGKILL every process whose command line contains
# STRING (make it something only this test uses: its $tmp)
t_kill_naming() {
	local f p
	[ ${#1} -ge 8 ] || return 1
	for f in $(grep -lsF -- "$1" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = $$ ] || [ "$p" = "${BASHPID:-}" ] && continue
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = grep ] && continue
		kill -KILL "$p" 2>/dev/null
	done
}

# t_umount_under DIR - unmount everything mounted at or below DIR, deepest first
t_umount_under() {
	local m
	[ -n "$1" ] || return 0
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
}
