#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/cli/policy_suggest.sh - `sentry policy suggest` round trip: replay
# captures of test/replay under an empty default-deny policy in audit mode,
# suggest a policy from the decision log, load it, replay the same
# captures enforcing it: nothing is denied; a destination the workload did
# not use still is. Also: what suggest must never suggest (DNS over TLS,
# private answers), the wildcard only as a commented choice, direct-IP
# flows flagged for review, and bad input refused with a message.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
cap=$top/test/replay
tmp=$(mktemp -d /tmp/sentry-suggest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; failed=1; }
db=$tmp/db
printf '[policy]\nname = empty\ndefault = deny\n' >"$tmp/empty.ini"
"$SENTRY" policy load --db "$db" "$tmp/empty.ini" >/dev/null || { bad "set-up: load empty"; exit 1; }

# the workload: two captures of real traffic, one log
: >"$tmp/audit.jsonl"
for c in cidr http-allowed; do
	"$SENTRY" replay --db "$db" --policy empty --audit --decisions "$tmp/$c.jsonl" \
		"$cap/$c/input.pcap" >/dev/null || bad "set-up: replay --audit $c"
	cat "$tmp/$c.jsonl" >>"$tmp/audit.jsonl"
done
grep -q '"verdict":"would_deny".*"name":"web.example.test"' "$tmp/audit.jsonl" &&
	ok "audit mode: a would-deny flow line names the name it needs" ||
	bad "audit mode: a would-deny flow line names the name it needs" "$(head -5 "$tmp/audit.jsonl")"

"$SENTRY" policy suggest --bottle replay --name sug "$tmp/audit.jsonl" >"$tmp/sug.ini" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && "$SENTRY" policy load --db "$db" "$tmp/sug.ini" >/dev/null &&
	ok "suggest writes a policy that loads" ||
	bad "suggest writes a policy that loads" "rc=$rc" "$(cat "$tmp/err" "$tmp/sug.ini")"

grep -qx 'domain = web.example.test tcp/80' "$tmp/sug.ini" &&
	grep -qx 'domain = safe.example.test tcp/80' "$tmp/sug.ini" &&
	grep -qx '#   domain = \*.example.test tcp/80' "$tmp/sug.ini" &&
	! grep -q '^domain = \*' "$tmp/sug.ini" &&
	grep -B3 -x 'cidr = 198.18.5.5/32 tcp/80 tcp/8080' "$tmp/sug.ini" | grep -q REVIEW &&
	ok "names with their ports; the wildcard only as a commented choice; direct IP flagged" ||
	bad "names with their ports; the wildcard only as a commented choice; direct IP flagged" \
		"$(cat "$tmp/sug.ini")"

denied=0
for c in cidr http-allowed; do
	"$SENTRY" replay --db "$db" --policy sug --decisions "$tmp/$c.again" \
		"$cap/$c/input.pcap" >"$tmp/$c.summary" || bad "replay $c with the suggestion"
	n=$(grep -c '"verdict":"deny"' "$tmp/$c.again")
	denied=$((denied + n))
	[ "$n" = 0 ] || cat "$tmp/$c.again" >>"$tmp/denials"
done
[ "$denied" = 0 ] && grep -q '"event":"flow","verdict":"allow"' "$tmp/cidr.again" &&
	ok "round trip: the same captures under the suggestion, nothing denied" ||
	bad "round trip: the same captures under the suggestion, nothing denied" \
		"$(cat "$tmp/denials" 2>/dev/null)"

t() { "$SENTRY" policy test --db "$db" sug "$@" >/dev/null 2>&1; echo $?; }
[ "$(t other.example.test)" = 1 ] && [ "$(t tcp:198.18.5.6:80)" = 1 ] &&
	[ "$(t tcp:198.18.5.5:443)" = 1 ] && [ "$(t tcp:198.18.5.5:8080)" = 0 ] &&
	[ "$(t web.example.test)" = 0 ] &&
	ok "destinations the workload did not use are still denied" ||
	bad "destinations the workload did not use are still denied" \
		"other.example.test=$(t other.example.test) 198.18.5.6:80=$(t tcp:198.18.5.6:80)" \
		"198.18.5.5:443=$(t tcp:198.18.5.5:443) 198.18.5.5:8080=$(t tcp:198.18.5.5:8080)"

# never suggested: DNS over TLS, a name whose answer was private, a private destination
for c in dot private-allow; do
	"$SENTRY" replay --db "$db" --policy empty --audit --decisions "$tmp/$c.jsonl" \
		"$cap/$c/input.pcap" >/dev/null || bad "set-up: replay --audit $c"
done
cat "$tmp/dot.jsonl" "$tmp/private-allow.jsonl" |
	"$SENTRY" policy suggest --name never >"$tmp/never.ini" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && ! grep -q '853' <(grep -v '^#' "$tmp/never.ini") &&
	! grep -q '^domain = rebind2.example.test' "$tmp/never.ini" &&
	! grep -q '^cidr = 10\.' "$tmp/never.ini" &&
	grep -q '^# not suggested: rebind2.example.test answered a private address' "$tmp/never.ini" &&
	grep -q '^# not suggested: 3 DNS-over-TLS' "$tmp/never.ini" &&
	ok "DNS over TLS, private answers and private destinations are never suggested" ||
	bad "DNS over TLS, private answers and private destinations are never suggested" \
		"rc=$rc" "$(cat "$tmp/err" "$tmp/never.ini")"

# bad input: a clear message and a status, never a crash
printf 'not json\n{"event":1}\n\n' >"$tmp/junk"
"$SENTRY" policy suggest "$tmp/junk" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -s "$tmp/out" ] && grep -q "no allowed or would-deny decision" "$tmp/err" &&
	ok "suggest: a log with no decisions is refused with a message" ||
	bad "suggest: a log with no decisions is refused with a message" "rc=$rc" "$(cat "$tmp/err")"
"$SENTRY" policy suggest "$tmp/missing" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "missing" "$tmp/err" &&
	ok "suggest: a missing file is an error naming it" ||
	bad "suggest: a missing file is an error naming it" "rc=$rc" "$(cat "$tmp/err")"
"$SENTRY" policy suggest --bottle nosuch "$tmp/audit.jsonl" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "for that bottle" "$tmp/err" &&
	ok "suggest --bottle: another bottle's lines are not used" ||
	bad "suggest --bottle: another bottle's lines are not used" "rc=$rc" "$(cat "$tmp/err")"
exit $failed
