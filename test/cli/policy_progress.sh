#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/cli/policy_progress.sh - `sentry policy load` and `sync` say what
# they are doing on large policies, on stderr only: one summary line (file,
# rules compiled, committed, seconds) when stderr is not a terminal; on a
# terminal (script(1) gives one) a status line rewritten in place, then the
# summary. stdout keeps its machine-readable lines unchanged, and a small
# load prints nothing new.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
tmp=$(mktemp -d /tmp/sentry-progress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; failed=1; }
secs='[0-9]+\.[0-9]{2} s'

{
	printf '[policy]\nname = big\ndefault = deny\n[allow]\n'
	for i in $(seq 20000); do echo "domain = host$i.zone$((i % 97)).test tcp/443"; done
} >"$tmp/big.ini"
printf '[policy]\nname = small\ndefault = deny\n[allow]\ndomain = a.test\n' >"$tmp/small.ini"

"$SENTRY" policy load --db "$tmp/db" "$tmp/big.ini" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = "loaded big (20000 rules, default deny)" ] &&
	[ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -Eqx "sentry policy load: $tmp/big.ini: 20000 rules compiled in $secs, committed in $secs \($secs in all\)" "$tmp/err" &&
	! grep -q $'[\r\033]' "$tmp/err" &&
	ok "load of 20000 names: stdout unchanged, one summary line on stderr (not a terminal)" ||
	bad "load of 20000 names: stdout unchanged, one summary line on stderr (not a terminal)" \
		"rc=$rc" "stdout: $(cat "$tmp/out")" "stderr: $(cat -v "$tmp/err")"

"$SENTRY" policy load --db "$tmp/db" "$tmp/small.ini" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$tmp/err" ] && [ "$(cat "$tmp/out")" = "loaded small (1 rules, default deny)" ] &&
	ok "load of a small policy: nothing on stderr" ||
	bad "load of a small policy: nothing on stderr" "rc=$rc" "$(cat "$tmp/out" "$tmp/err")"

mkdir "$tmp/dir"
cp "$tmp/big.ini" "$tmp/small.ini" "$tmp/dir/"
sed 's/^name = big/name = big2/' "$tmp/big.ini" >"$tmp/dir/big2.ini"
"$SENTRY" policy sync --db "$tmp/db" "$tmp/dir" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && [ "$(tail -n 1 "$tmp/out")" = "1 added, 0 replaced, 0 removed, 2 unchanged" ] &&
	[ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -Eqx "sentry policy sync: $tmp/dir: 3 files, 40001 rules compiled in $secs; 1 change committed in $secs \($secs in all\)" "$tmp/err" &&
	ok "sync of a large directory: stdout unchanged, one summary line on stderr" ||
	bad "sync of a large directory: stdout unchanged, one summary line on stderr" \
		"rc=$rc" "stdout: $(cat "$tmp/out")" "stderr: $(cat -v "$tmp/err")"

# on a terminal: the status line, rewritten in place, then the summary
if command -v script >/dev/null; then
	script -qec "'$SENTRY' policy load --db '$tmp/db' '$tmp/big.ini' '$tmp/small.ini'" \
		/dev/null >"$tmp/tty" 2>&1; rc=$?
	sed 's/\x1b\[K//g' "$tmp/tty" | tr '\r' '\n' >"$tmp/tty.lines"
	[ $rc = 0 ] && grep -q "^sentry policy load: compiling 1/2: $tmp/big.ini, 0 rules so far" "$tmp/tty.lines" &&
		grep -q "^sentry policy load: committing 2 policies, 20001 rules" "$tmp/tty.lines" &&
		grep -q $'\033\\[K' "$tmp/tty" &&
		grep -Eq "^sentry policy load: 2 files, 20001 rules compiled in $secs, committed in $secs" "$tmp/tty.lines" &&
		grep -q '^loaded big (20000 rules, default deny)' "$tmp/tty.lines" &&
		ok "load on a terminal: a status line per step, erased before the output, then the summary" ||
		bad "load on a terminal: a status line per step, erased before the output, then the summary" \
			"rc=$rc" "$(cat -v "$tmp/tty")"
	# an error on a terminal starts its own line, not after a status line
	printf '[policy]\nname = broken\nnonsense\n' >"$tmp/broken.ini"
	script -qec "'$SENTRY' policy load --db '$tmp/db' '$tmp/big.ini' '$tmp/broken.ini'" \
		/dev/null >"$tmp/tty" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q $'\r\033\\[K'"$tmp/broken.ini:3:" "$tmp/tty" &&
		ok "load on a terminal: an error erases the status line first" ||
		bad "load on a terminal: an error erases the status line first" "rc=$rc" "$(cat -v "$tmp/tty")"
else
	echo "ok - load on a terminal # SKIP no script(1)"
fi
exit $failed
