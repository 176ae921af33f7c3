#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# shares.sh - one bottle's flood evicts only its own entries (issue 11,
# attack 5): every bottle has a share of the flow, learnt-address and
# pending-DNS tables (common/share.h). Bottle B holds an idle TCP
# connection to a DNS-learnt address whose TTL has expired; bottle A
# floods each table past its size; B's connection still carries data (no
# RST), B's learnt names stay, B's queries are answered, and the
# evictions are counted against A.
#
#  bottles: tun0 only         $P-gw                            $P-net: "the internet"
#  +----------------------+   +--------------------------+     +---------------------------+
#  | $P-a  policy flood   |==>| sentry run, one worker,  |     | resolver 198.18.0.53:     |
#  |  the attacker        |fd |  small tables: flows     |     |  idle.test 198.18.3.7 TTL1|
#  |  10.0.2.100/24       |   |  1024, learnt 512,       |     |  keep.test 198.18.0.80    |
#  +----------------------+   |  names 64, pending_dns   |     |  *.flood.test: 20 A each  |
#  | $P-b  policy idle    |==>|  32; dns rate 0          |     |  *.silent.test: never     |
#  |  idle TCP to         |   | gw0 198.18.1.2/24        |-veth| 198.18.3.0/24 echo :7100  |
#  |  idle.test:7100      |   +--------------------------+     | net0 198.18.1.1/24        |
#  +----------------------+                                    +---------------------------+
#
# One worker: the flow table a worker owns is where the flood and the
# idle connection meet (with several, they meet only when the kernel
# steers them to the same queue).
#
# $P is advs<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry). Prints
# "ok - NAME" / "not ok - NAME"; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root shares
GW_PREFIX=advs$$
P=$GW_PREFIX
A=$P-a B=$P-b
adv_init shares

FLOWS=1024 LEARNT=512 NAMES=64 PENDING=32
HOLD_PID=

setup() {
	cat >"$tmp/zone.json" <<-'EOF2'
	{"idle.test": {"a": ["198.18.3.7"], "ttl": 1},
	 "keep.test": {"a": ["198.18.0.80"], "ttl": 3600},
	 "*.flood.test": {"many": [20, "198.19"], "ttl": 3600},
	 "*.silent.test": {"silent": true}}
	EOF2
	adv_config "$tmp/sentry.ini" daemon.workers=1 dns.rate=0 dns.timeout_ms=4000 \
		tables.flows=$FLOWS tables.learnt=$LEARNT tables.names=$NAMES \
		tables.per_name=8 tables.pending_dns=$PENDING
	cat >"$tmp/flood.ini" <<-'EOF2'
	[policy]
	name = flood
	default = deny
	max_ttl = 3600
	[allow]
	domain = *.flood.test
	domain = *.silent.test
	cidr = 198.18.0.96/28 udp
	EOF2
	cat >"$tmp/idle.ini" <<-'EOF2'
	[policy]
	name = idle
	default = deny
	min_ttl = 1
	[allow]
	domain = idle.test tcp/7100
	domain = keep.test tcp/80
	EOF2
	adv_setup_net || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/flood.ini" "$tmp/idle.ini" || return 1
	adv_start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	adv_attach $A flood && adv_attach $B idle || { cat "$tmp/attach.log"; return 1; }
}

cleanup_hold() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	HOLD_PID=
}

share() {	# share BOTTLE FIELD - a number from BOTTLE's share of the tables
	stat_of "bottle_stats.$1.tables.$2" "$1"
}

names_of() {	# names_of BOTTLE - the live learnt names its policy holds
	ctl --json names "$1" | $PY -c '
import json, sys
print(" ".join(sorted({n["name"] for n in json.load(sys.stdin)["names"]})))'
}

# ------------------------------------------------------------------- tests

t_idle_flow() {
	local line ev used
	coproc HOLD { inns $B $NK hold idle.test 7100; }
	HOLD_PID=$HOLD_PID
	read -r -t 10 line <&"${HOLD[0]}"
	expect "B's connection to idle.test:7100 is up" "${line:-}" = connected || return 1
	# the answer's TTL (1 s, min_ttl 1) runs out: the name is gone
	wait_for 10 eval '! names_of $B | grep -qw idle.test' ||
		{ note "idle.test still learnt: $(names_of $B)"; return 1; }
	note "B's learnt names after the TTL: '$(names_of $B)'"
	# A: 100,000 new UDP flows to an address its policy allows
	run inns $A $NK burst 198.18.0.100 4 20000 100000 tun0
	expect "A's burst sent" $rc = 0 || return 1
	note "$out"
	settle stat_of tables.flows.evicted >/dev/null
	echo ping >&"${HOLD[1]}"
	read -r -t 5 line <&"${HOLD[0]}"
	echo "# B's ping after the flood: ${line:-no answer}"
	expect "B's idle connection still echoes, no RST (${line:-no answer})" "${line:-}" = ok || return 1
	ev=$(share $A flows_evicted) used=$(share $A flows)
	echo "# flows: A holds $used, lost $ev to its own flood; B holds $(share $B flows), lost $(share $B flows_evicted)"
	expect "A's flood evicted A's own flows ($ev >= $((100000 - FLOWS)))" "$ev" -ge $((100000 - FLOWS)) &&
	expect "B lost none" "$(share $B flows_evicted)" = 0 &&
	expect "B still holds its flow" "$(share $B flows)" -ge 1 &&
	expect "nothing denied for B (flows denied)" "$(stat_of bottle_stats.$B.flows_denied $B)" = 0 &&
	warned_flows
}

warned_flows() {	# the one-line-per-10 s table warning still comes
	wait_for 3 grep -q "table flows full: [0-9]* live flows evicted" "$DAEMON_LOG" ||
		{ note "no 'table flows full' line"; return 1; }
}

t_learnt() {
	local i before after
	run inns $B curl -sS --max-time 5 http://keep.test/
	expect "B fetches http://keep.test/" $rc = 0 || return 1
	before=$(names_of $B)
	expect "B's policy learnt keep.test ($before)" "$before" != "${before/keep.test/}" || return 1
	# A: 100 names x 20 addresses into 512 bindings and 64 names
	for i in 0 20 40 60 80; do
		run inns $A $AK qflood 10.0.2.3 'n{i}.flood.test' 20 3 A $i
	done
	after=$(names_of $B)
	echo "# learnt: A holds $(share $A learnt), lost $(share $A learnt_evicted); B holds $(share $B learnt), lost $(share $B learnt_evicted)"
	expect "keep.test is still learnt for B ($after)" "$after" != "${after/keep.test/}" &&
	expect "A's flood evicted A's own bindings" "$(share $A learnt_evicted)" -gt 0 &&
	expect "B lost none" "$(share $B learnt_evicted)" = 0 || return 1
	run inns $B curl -sS --max-time 5 http://keep.test/
	expect "and B still fetches it" $rc = 0
}

t_pending() {
	local full0 got
	full0=$(drops $A dns_pending_full)
	# A: 300 queries that never get an answer, each pending 4 s
	run inns $A $AK qflood 10.0.2.3 'q{i}.silent.test' 300 0
	wait_for 3 eval 'test "$(drops $A dns_pending_full)" -ge $((full0 + 300 - PENDING))' ||
		{ note "A's queries not refused: $(drops $A dns_pending_full)"; return 1; }
	expect "the pending table is full of A's queries" "$(stat_of tables.pending_dns.used)" = $PENDING || return 1
	# B asks while A's queries wait: one of A's gives way
	run inns $B $AK qflood 10.0.2.3 keep.test 1 3
	got=$(awk '{print $4}' <<<"$out")
	echo "# pending: B's query: $out; A lost $(share $A pending_dns_evicted)"
	expect "B's query is answered (noerror $got)" "$got" = 1 &&
	expect "B's query was not refused" "$(drops $B dns_pending_full)" = 0 &&
	expect "an A query gave way, counted" "$(share $A pending_dns_evicted)" -ge 1
}

# -------------------------------------------------------------------- main

gw_setup "shares: topology set-up"

check "share-idle-flow: A's 100,000 new flows leave B's idle TCP flow to an expired learnt address alive" t_idle_flow
cleanup_hold
check "share-learnt: A's flood of learnt names leaves B's learnt names" t_learnt
check "share-pending-dns: A's flood of pending queries leaves room for B's" t_pending

adv_finish shares
