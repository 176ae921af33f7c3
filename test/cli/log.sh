#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/cli/log.sh - `sentry log`: the readable view, -o json, the filters,
# -c sentry.ini, stdin, lines that are not decisions, and --follow across
# a half-written line and a log rotation. No daemon, no root: a file of
# decision lines stands for the daemon's log.
set -u
SENTRY=${SENTRY:-$(cd "$(dirname "$0")/../.." && pwd)/build/stage/usr/local/bin/sentry}
tmp=$(mktemp -d /tmp/sentry-log.XXXXXX)
fpid=
cleanup() {
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export TZ=UTC
failed=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; failed=1; }
# until_true SECONDS CMD...: poll a condition (never a fixed sleep as the check)
until_true() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.05; done
}

L1='{"ts":1795860454.866484,"event":"dns","verdict":"allow","reason":"rule","rule":"allow domain www.example.test tcp/80","proto":"udp","src":"10.0.2.100","sport":40948,"dst":"10.0.2.3","dport":53,"qname":"www.example.test","qtype":"A","bottle":"b1","policy":"demo"}'
L2='{"ts":1795860455.001020,"event":"flow","verdict":"allow","reason":"rule","rule":"allow domain www.example.test tcp/80","name":"www.example.test","proto":"tcp","src":"10.0.2.100","sport":52958,"dst":"198.18.0.80","dport":80,"bottle":"b1","policy":"demo"}'
L3='{"ts":1795860455.102000,"event":"flow","verdict":"deny","reason":"default","rule":"default deny","proto":"tcp","src":"10.0.2.100","sport":47304,"dst":"198.18.0.81","dport":80,"bottle":"b1","policy":"demo"}'
L4='{"ts":1795860999.5,"event":"flow","verdict":"would_deny","reason":"default","rule":"default deny","proto":"udp","src":"10.0.2.7","sport":5000,"dst":"198.18.0.9","dport":123,"bottle":"b2","policy":"audit"}'
printf '%s\n' "$L1" "$L2" "$L3" "$L4" >"$tmp/d.jsonl"

out=$("$SENTRY" log "$tmp/d.jsonl")
exp="2026-11-28 10:07:34.866484 b1 ALLOW      dns udp 10.0.2.100:40948 -> 10.0.2.3:53 www.example.test A  (allow domain www.example.test tcp/80)
2026-11-28 10:07:35.001020 b1 ALLOW      flow tcp 10.0.2.100:52958 -> 198.18.0.80:80 www.example.test  (allow domain www.example.test tcp/80)
2026-11-28 10:07:35.102000 b1 DENY       flow tcp 10.0.2.100:47304 -> 198.18.0.81:80  (default deny)
2026-11-28 10:16:39.500000 b2 WOULD_DENY flow udp 10.0.2.7:5000 -> 198.18.0.9:123  (default deny)"
[ "$out" = "$exp" ] && ok "log: one readable line per decision" || bad "log: one readable line per decision" "$out"

"$SENTRY" log -o json "$tmp/d.jsonl" >"$tmp/j" && cmp -s "$tmp/j" "$tmp/d.jsonl" &&
	ok "log: -o json passes the lines through unchanged" ||
	bad "log: -o json passes the lines through unchanged" "$(diff "$tmp/j" "$tmp/d.jsonl")"

filt() { "$SENTRY" log -o json "$@" "$tmp/d.jsonl"; }
[ "$(filt --verdict deny)" = "$L3" ] &&
[ "$(filt --verdict deny,would_deny)" = "$L3"$'\n'"$L4" ] &&
[ "$(filt --bottle b2)" = "$L4" ] &&
[ "$(filt --policy demo --event dns)" = "$L1" ] &&
[ "$(filt --event flow --since 1795861000)" = "" ] &&
[ "$(filt --event flow --since 1795860455)" = "$L2"$'\n'"$L3"$'\n'"$L4" ] &&
[ "$(filt --since '2026-11-28 10:10')" = "$L4" ] &&
[ "$(filt --since 1h)" = "" ] &&
	ok "log: --verdict, --bottle, --policy, --event, --since select lines" ||
	bad "log: --verdict, --bottle, --policy, --event, --since select lines"

filt --since yesterday >/dev/null 2>"$tmp/e"; rc=$?
[ $rc = 2 ] && grep -q "is not a time" "$tmp/e" && ok "log: a bad --since is a usage error" ||
	bad "log: a bad --since is a usage error" "rc=$rc" "$(cat "$tmp/e")"

out=$("$SENTRY" log --verdict deny - <"$tmp/d.jsonl") && [ "$out" = \
	"2026-11-28 10:07:35.102000 b1 DENY       flow tcp 10.0.2.100:47304 -> 198.18.0.81:80  (default deny)" ] &&
	ok "log: reads stdin" || bad "log: reads stdin" "$out"

cat >"$tmp/sentry.ini" <<CONF
[daemon]
control_socket = $tmp/control.sock
policy_store = $tmp/policies
decision_log = $tmp/d.jsonl
CONF
[ "$("$SENTRY" log -c "$tmp/sentry.ini" -o json --bottle b2)" = "$L4" ] &&
	ok "log: -c reads the decision_log sentry.ini names" ||
	bad "log: -c reads the decision_log sentry.ini names" "$("$SENTRY" log -c "$tmp/sentry.ini" 2>&1)"
sed -i "s|^decision_log = .*|decision_log = stderr|" "$tmp/sentry.ini"
"$SENTRY" log -c "$tmp/sentry.ini" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc = 1 ] && grep -q "journalctl" "$tmp/e" && ok "log: decision_log = stderr says where to look" ||
	bad "log: decision_log = stderr says where to look" "rc=$rc" "$(cat "$tmp/e")"
"$SENTRY" log "$tmp/none.jsonl" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc = 1 ] && grep -q "none.jsonl: No such file" "$tmp/e" && ok "log: a missing file is an error" ||
	bad "log: a missing file is an error" "rc=$rc" "$(cat "$tmp/e")"

{ echo "$L1"; echo 'not json'; printf '{"event":"flow"}\n'; head -c 70000 /dev/zero | tr '\0' x; echo;
  printf '\x1b[2J\n'; echo "$L3"; } >"$tmp/mixed.jsonl"
out=$("$SENTRY" log -o json "$tmp/mixed.jsonl" 2>"$tmp/e"); rc=$?
[ $rc = 0 ] && [ "$out" = "$L1"$'\n'"$L3" ] &&
	grep -qx "sentry log: 4 lines were not a decision (first: line 2: byte 1: expected '{')" "$tmp/e" &&
	ok "log: lines that are not decisions are counted, the rest still read" ||
	bad "log: lines that are not decisions are counted, the rest still read" "rc=$rc" "$out" "$(cat "$tmp/e")"

# --follow: lines appended later, a line written in two pieces, a rotated file
: >"$tmp/live.jsonl"
: >"$tmp/f.out"
"$SENTRY" log -f -o json --event flow "$tmp/live.jsonl" >>"$tmp/f.out" 2>"$tmp/f.err" &
fpid=$!
has_lines() { [ "$(wc -l <"$tmp/f.out")" -ge "$1" ]; }
echo "$L1" >>"$tmp/live.jsonl"		# dns: filtered out
echo "$L2" >>"$tmp/live.jsonl"
r1=fail; until_true 10 has_lines 1 && r1=ok
printf '%s' "${L3:0:40}" >>"$tmp/live.jsonl"
printf '%s\n' "${L3:40}" >>"$tmp/live.jsonl"
r2=fail; until_true 10 has_lines 2 && r2=ok
mv "$tmp/live.jsonl" "$tmp/live.jsonl.1"		# logrotate, then the daemon reopens
echo "$L4" >>"$tmp/live.jsonl"
r3=fail; until_true 10 has_lines 3 && r3=ok
kill -INT $fpid; wait $fpid; rc=$?; fpid=
[ $r1 = ok ] && [ $r2 = ok ] && [ $r3 = ok ] && [ $rc = 0 ] &&
	[ "$(cat "$tmp/f.out")" = "$L2"$'\n'"$L3"$'\n'"$L4" ] &&
	ok "log: --follow reads appended lines, whole, across a rotation" ||
	bad "log: --follow reads appended lines, whole, across a rotation" \
		"$r1 $r2 $r3 rc=$rc" "$(cat "$tmp/f.out" "$tmp/f.err")"
exit $failed
