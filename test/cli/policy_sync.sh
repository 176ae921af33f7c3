#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/cli/policy_sync.sh - `sentry policy sync`: add, replace, remove and
# unchanged in one run; a bad file, two files with one policy name, and an
# empty directory each leave the store as it was; --dry-run writes nothing.
set -u
SENTRY=${SENTRY:-$(cd "$(dirname "$0")/../.." && pwd)/build/stage/usr/local/bin/sentry}
tmp=$(mktemp -d /tmp/sentry-sync.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; failed=1; }
db=$tmp/db
pol() {	# pol FILE NAME RULE...: write a policy file
	local f=$1 name=$2; shift 2
	{ printf '[policy]\nname = %s\ndefault = deny\n[allow]\n' "$name"
	  for r in "$@"; do echo "$r"; done; } >"$f"
}
snapshot() {	# every policy of the store, as text
	local n
	for n in $("$SENTRY" policy list --db "$db"); do
		"$SENTRY" policy show --db "$db" "$n"
	done
}

mkdir "$tmp/a" "$tmp/b"
pol "$tmp/a/keep.ini" keep "domain = keep.test"
pol "$tmp/a/change.ini" change "domain = old.test"
pol "$tmp/a/gone.ini" gone "domain = gone.test"
"$SENTRY" policy sync --db "$db" "$tmp/a" >"$tmp/out" 2>&1 &&
	[ "$("$SENTRY" policy list --db "$db" | tr '\n' ' ')" = "change gone keep " ] &&
	grep -qx "3 added, 0 replaced, 0 removed, 0 unchanged" "$tmp/out" &&
	ok "sync: a new store gets every policy of the directory" ||
	bad "sync: a new store gets every policy of the directory" "$(cat "$tmp/out")"

# keep: same rules, other comments and line numbers; change: a new rule; gone: no file; new: a file
{ echo "; a comment that moves every line"; cat "$tmp/a/keep.ini"; } >"$tmp/b/keep.ini"
pol "$tmp/b/change.ini" change "domain = new.test tcp/443"
pol "$tmp/b/new.ini" new "cidr = 198.18.0.0/24"
echo "not a policy" >"$tmp/b/README"
touch "$tmp/b/.hidden.ini"
before=$(snapshot)
"$SENTRY" policy sync --db "$db" "$tmp/b" --dry-run >"$tmp/out" 2>&1; rc=$?
[ $rc = 0 ] && [ "$(snapshot)" = "$before" ] &&
	grep -qx "dry run, nothing written: 1 added, 1 replaced, 1 removed, 1 unchanged" "$tmp/out" &&
	ok "sync --dry-run: reports the changes, writes nothing" ||
	bad "sync --dry-run: reports the changes, writes nothing" "rc=$rc" "$(cat "$tmp/out")"

"$SENTRY" policy sync --db "$db" "$tmp/b" >"$tmp/out" 2>&1; rc=$?
exp="remove gone
replace change ($tmp/b/change.ini: 1 rules, default deny)
unchanged keep ($tmp/b/keep.ini: 1 rules, default deny)
add new ($tmp/b/new.ini: 1 rules, default deny)
1 added, 1 replaced, 1 removed, 1 unchanged"
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$exp" ] &&
	[ "$("$SENTRY" policy list --db "$db" | tr '\n' ' ')" = "change keep new " ] &&
	"$SENTRY" policy show --db "$db" change | grep -qx "domain = new.test tcp/443" &&
	! "$SENTRY" policy show --db "$db" change | grep -q old.test &&
	ok "sync: add, replace, remove and unchanged, each printed" ||
	bad "sync: add, replace, remove and unchanged, each printed" "rc=$rc" "$(cat "$tmp/out")"

"$SENTRY" policy sync --db "$db" "$tmp/b" >"$tmp/out" 2>&1 &&
	[ "$(tail -n 1 "$tmp/out")" = "0 added, 0 replaced, 0 removed, 3 unchanged" ] &&
	ok "sync: a second run changes nothing" ||
	bad "sync: a second run changes nothing" "$(cat "$tmp/out")"

before=$(snapshot)
cp -r "$tmp/b" "$tmp/c"
rm "$tmp/c/keep.ini"
printf '[policy]\nname = broken\n[allow]\ndomain = a*b.test\n' >"$tmp/c/broken.ini"
"$SENTRY" policy sync --db "$db" "$tmp/c" >"$tmp/out" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(snapshot)" = "$before" ] && grep -q "broken.ini:4:" "$tmp/out" &&
	grep -q "nothing changed" "$tmp/out" &&
	ok "sync: a bad file leaves the store untouched, and says where" ||
	bad "sync: a bad file leaves the store untouched, and says where" "rc=$rc" "$(cat "$tmp/out")"

rm "$tmp/c/broken.ini"
pol "$tmp/c/twin.ini" new "domain = twin.test"
"$SENTRY" policy sync --db "$db" "$tmp/c" >"$tmp/out" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(snapshot)" = "$before" ] && grep -q "both define policy 'new'" "$tmp/out" &&
	ok "sync: two files defining one policy leave the store untouched" ||
	bad "sync: two files defining one policy leave the store untouched" "rc=$rc" "$(cat "$tmp/out")"

mkdir "$tmp/empty"
"$SENTRY" policy sync --db "$db" "$tmp/empty" >"$tmp/out" 2>&1; rc=$?
[ $rc = 2 ] && [ "$(snapshot)" = "$before" ] && grep -q "allow-empty" "$tmp/out" &&
	"$SENTRY" policy sync --db "$db" "$tmp/empty" --allow-empty >"$tmp/out" 2>&1 &&
	[ -z "$("$SENTRY" policy list --db "$db")" ] &&
	ok "sync: an empty directory empties the store only with --allow-empty" ||
	bad "sync: an empty directory empties the store only with --allow-empty" "rc=$rc" "$(cat "$tmp/out")"

"$SENTRY" policy sync --db "$db" "$tmp/nonexistent" >"$tmp/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "nonexistent: No such file" "$tmp/out" &&
	ok "sync: a missing directory is an error" ||
	bad "sync: a missing directory is an error" "rc=$rc" "$(cat "$tmp/out")"
exit $failed
