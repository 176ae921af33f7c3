#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/netns/metrics.sh - `sentry ctl metrics`: Prometheus text that
# promtool accepts, and per-bottle counters that move with traffic.
#
#   smt-bottle (B)                smt-gw (GW)
#  +------------------+  TUN   +---------------------+
#  | dig, bash /dev/tcp|=======| sentry run           |
#  | 10.0.2.100/24    |        | sentry0 (egress)     |
#  +------------------+        +---------------------+
# No upstream resolver and no "internet": the traffic is refused by policy
# (a denied name is answered by sentry itself; a direct connection gets a
# RST), which is exactly what the counters under test count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
GW_PREFIX=smt$$
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all metrics "not root"
[ -c /dev/net/tun ] || gw_skip_all metrics "no /dev/net/tun"
command -v promtool >/dev/null || gw_skip_all metrics "no promtool (Debian's prometheus package)"
command -v dig >/dev/null || gw_skip_all metrics "no dig"
gw_init
GW=smt$$-gw B=smt$$-bottle SOCK=$tmp/control.sock DLOG=$tmp/decisions.jsonl
DAEMON_LOG=$tmp/daemon.log

setup() {
	mkns $GW && mkns $B || return 1
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $tmp/store
	decision_log = $DLOG
	[dns]
	upstream = 198.18.0.53
	EOF
	printf '[policy]\nname = m\ndefault = deny\n[allow]\ndomain = ok.test\n' >"$tmp/m.ini"
	"$SENTRY" policy load --db "$tmp/store" "$tmp/m.ini" || return 1
	spawn dpid ip netns exec $GW "$SENTRY" run -c "$tmp/sentry.ini" 2>"$DAEMON_LOG"
	wait_for 10 "$SENTRY" ctl --socket "$SOCK" ping || return 1
	"$SENTRY" attach --netns /run/netns/$B --policy m --name mbottle --socket "$SOCK"
}
gw_setup "metrics: set-up"

metric() {	# metric SERIES: its value in `ctl metrics` (empty if absent)
	"$SENTRY" ctl --socket "$SOCK" metrics | awk -v s="$1" '$1 == s { print $2 }'
}
bseries() {	# bseries NAME LABELS: a per-bottle series name
	echo "$1{bottle=\"mbottle\",policy=\"m\",$2}"
}

t_promtool() {
	run "$SENTRY" ctl --socket "$SOCK" metrics
	expect "ctl metrics succeeds" $rc = 0 || return 1
	printf '%s\n' "$out" >"$tmp/metrics.txt"
	run promtool check metrics <"$tmp/metrics.txt"
	expect "promtool check metrics is silent and succeeds" "$rc:$out" = "0:" || return 1
	for s in 'sentry_build_info{version=' 'sentry_drops_total{reason="spoofed_source"}' \
		 'sentry_table_capacity{table="flows"}' 'sentry_policy_generation ' \
		 'sentry_queue_full_drops_total ' 'sentry_bottle_packets_total{bottle="mbottle",policy="m",direction="out"}'; do
		grep -qF "$s" "$tmp/metrics.txt" || { note "no series $s"; return 1; }
	done
}

t_moves() {
	local dns flows dns2 flows2
	dns=$(metric "$(bseries sentry_bottle_dns_queries_total 'verdict="deny"')")
	flows=$(metric "$(bseries sentry_bottle_flows_total 'verdict="deny"')")
	expect "the per-bottle series exist" -n "$dns" -a -n "$flows" || return 1
	run ip netns exec $B dig +time=2 +tries=1 @10.0.2.3 denied.test
	run ip netns exec $B timeout 5 bash -c 'exec 3<>/dev/tcp/198.18.0.81/80'
	dns2=$(metric "$(bseries sentry_bottle_dns_queries_total 'verdict="deny"')")
	flows2=$(metric "$(bseries sentry_bottle_flows_total 'verdict="deny"')")
	expect "denied DNS query counted ($dns -> $dns2)" "$dns2" -eq $((dns + 1)) || return 1
	expect "denied flow counted ($flows -> $flows2)" "$flows2" -ge $((flows + 1))
}

check "metrics: ctl metrics passes promtool check metrics" t_promtool
check "metrics: per-bottle DNS and flow counters move with traffic" t_moves
exit $((gw_failed > 0))
