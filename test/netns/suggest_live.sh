#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/netns/suggest_live.sh - the live half of the `sentry policy suggest`
# round trip (test/cli/policy_suggest.sh does it on captures): a real
# workload in a bottle under an empty default-deny policy with the daemon in
# audit mode; suggest a policy from the decision log of that bottle; load
# it into the store under the bottle's policy name (the audit daemon takes
# it live); run the workload again, then once more under a daemon in enforce
# mode with the bottle attached afresh: nothing denied. Destinations the
# workload did not use (a sibling name, another port, another address)
# are still refused, with a deny line.
#
#   $P-b: the bottle            $P-gw: sentry               $P-net: "the internet"
#  +----------------+  TUN  +-------------------+  veth  +-------------------------+
#  | curl, dig      |=======| sentry run        |--------| dnsmasq 198.18.0.53     |
#  | 10.0.2.100/24  |       | (audit, then      |        |  www.shop.test  -> .80  |
#  | resolver       |       |  enforce)         |        |  cdn.shop.test  -> .81  |
#  |  10.0.2.3      |       | gw0 198.18.1.2/24 |        |  api.tools.test -> .82  |
#  +----------------+       +-------------------+        |  unused.shop.test -> .83|
#                                                        | HTTP .80:80,8080 .81:80,|
#                                                        |  8080 .82 .83 .90 .91:80|
#                                                        +-------------------------+
# The workload: HTTP to www.shop.test (ports 80 and 8080), cdn.shop.test
# (its sibling under shop.test) and api.tools.test, and to 198.18.0.90 by
# address (no DNS). Not used: unused.shop.test, cdn.shop.test:8080,
# 198.18.0.91. Every server listens, so a refusal is sentry's.
#
# Environment: SENTRY (the daemon under test; default
# build/stage/usr/local/bin/sentry, as make stage installs it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
GW_PREFIX=ssl$$
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all suggest_live "not root"
[ -c /dev/net/tun ] || gw_skip_all suggest_live "no /dev/net/tun"
for t in ip dnsmasq dig curl; do
	command -v $t >/dev/null || gw_skip_all suggest_live "no $t"
done
[ -x "$SENTRY" ] || { echo "not ok - suggest_live: no sentry binary at $SENTRY"; exit 1; }
gw_init
NET=$GW_PREFIX-net GW=$GW_PREFIX-gw B=$GW_PREFIX-b
SOCK=$tmp/control.sock STORE=$tmp/store DLOG=$tmp/decisions.jsonl DAEMON_LOG=$tmp/daemon.log
BOTTLE=build
daemon_pid=

ctl() {
	"$SENTRY" ctl --socket "$SOCK" "$@"
}

write_files() {	# sentry.ini in audit mode, enforce.ini the same in enforce mode
	cat >"$tmp/audit.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $STORE
	decision_log = $DLOG
	mode = audit
	[dns]
	upstream = 198.18.0.53
	[reject]
	tcp = rst
	udp = icmp
	EOF
	sed 's/^mode = audit/mode = enforce/' "$tmp/audit.ini" >"$tmp/enforce.ini"
	printf '[policy]\nname = job\ndefault = deny\n' >"$tmp/empty.ini"
}

setup() {
	local a
	write_files
	mkns "$NET" && mkns "$GW" && mkns "$B" 10.0.2.3 || return 1
	ip link add gw0 netns "$GW" type veth peer name net0 netns "$NET" || return 1
	ip -n "$NET" addr add 198.18.1.1/24 dev net0
	ip -n "$NET" link set net0 up
	for a in 53 80 81 82 83 90 91; do
		ip -n "$NET" addr add 198.18.0.$a/32 dev lo
	done
	ip -n "$GW" addr add 198.18.1.2/24 dev gw0
	ip -n "$GW" link set gw0 up
	ip -n "$GW" route add default via 198.18.1.1
	spawn dnsmasq_pid ip netns exec "$NET" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--user=root --pid-file= --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.18.0.53 --local-ttl=300 \
		--address=/www.shop.test/198.18.0.80 --address=/cdn.shop.test/198.18.0.81 \
		--address=/api.tools.test/198.18.0.82 --address=/unused.shop.test/198.18.0.83
	spawn serve_pid ip netns exec "$NET" $NK serve \
		--http 198.18.0.80:80 --http 198.18.0.80:8080 --http 198.18.0.81:80 \
		--http 198.18.0.81:8080 --http 198.18.0.82:80 --http 198.18.0.83:80 \
		--http 198.18.0.90:80 --http 198.18.0.91:80 >"$tmp/serve.out" 2>&1
	wait_for 10 grep -q ready "$tmp/serve.out" || { cat "$tmp/serve.out"; return 1; }
	wait_for 10 inns "$NET" dig +short +time=1 +tries=1 @198.18.0.53 www.shop.test ||
		{ echo "dnsmasq did not answer"; return 1; }
	"$SENTRY" policy load --db "$STORE" "$tmp/empty.ini" || return 1
	start_daemon "$tmp/audit.ini" && attach_bottle
}

start_daemon() {	# start_daemon CONFIG
	spawn daemon_pid ip netns exec "$GW" "$SENTRY" run -c "$1" 2>>"$DAEMON_LOG"
	wait_for 10 ctl ping || { echo "sentry run -c $1 did not start"; return 1; }
}

stop_daemon() {	# the daemon exits on SIGTERM and the bottle's TUN goes with it
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid"
	daemon_pid=
	wait_for 10 bash -c "! ip -n $B link show eth0"
}

attach_bottle() {
	"$SENTRY" attach --netns "/run/netns/$B" --policy job --name "$BOTTLE" \
		--socket "$SOCK" >>"$tmp/attach.log" 2>&1 || { cat "$tmp/attach.log"; return 1; }
}

fetch() {	# fetch URL - one HTTP GET from the bottle; $out and $rc as run sets them
	run inns "$B" curl -sS --noproxy '*' --connect-timeout 5 --max-time 10 "$1"
}

# workload - the job: every request must be answered. Notes what failed.
workload() {
	local u
	for u in http://www.shop.test/ http://www.shop.test:8080/ http://cdn.shop.test/ \
		 http://api.tools.test/ http://198.18.0.90/; do
		fetch "$u"
		expect "$u is answered by its server" $rc = 0 || return 1
		case "$out" in "hello from"*) ;; *) note "odd answer to $u"; return 1 ;; esac
	done
}

# workload_logged VERDICT - wait until the five flows of the workload are
# in the log with VERDICT (the log is written by the daemon's log thread)
workload_logged() {
	local n
	n=$(logq event=flow verdict="$1" bottle="$BOTTLE" | wc -l)
	[ "$n" -ge 5 ]
}

# no_denial - no deny or would_deny line since the test began
no_denial() {
	local v
	for v in deny would_deny; do
		logq verdict=$v >"$tmp/denied" && {
			note "a $v line for the workload:"
			sed 's/^/    /' "$tmp/denied" >>"$tmp/detail"
			return 1
		}
	done
	return 0
}

t_audit() {
	workload || return 1
	wait_for 5 workload_logged would_deny ||
		{ note "the five flows were not logged as would_deny"; return 1; }
	# audit mode learns the answers of names it would deny: each flow line
	# names the name it would need (the direct-IP flow has none)
	for n in www.shop.test cdn.shop.test api.tools.test; do
		logq event=flow verdict=would_deny name=$n >/dev/null ||
			{ note "no would_deny flow line naming $n"; return 1; }
	done
}

gen() {
	ctl --json stats | $NK jget policy_generation
}

gen_moved() {	# gen_moved FROM
	[ "$(gen)" != "$1" ]
}

t_suggest() {
	local g
	run "$SENTRY" policy suggest --bottle "$BOTTLE" --name job "$DLOG"
	expect "policy suggest succeeds" $rc = 0 || return 1
	printf '%s\n' "$out" >"$tmp/job.ini"
	note "$(cat "$tmp/job.ini")"
	for l in 'domain = www.shop.test tcp/80 tcp/8080' 'domain = cdn.shop.test tcp/80' \
		 'domain = api.tools.test tcp/80' 'cidr = 198.18.0.90/32 tcp/80' \
		 '#   domain = \*.shop.test tcp/80 tcp/8080'; do
		grep -qx "$l" "$tmp/job.ini" || { note "expected the line: $l"; return 1; }
	done
	grep -q '^domain = \*' "$tmp/job.ini" && { note "a wildcard was suggested"; return 1; }
	g=$(gen)
	run "$SENTRY" policy load --db "$STORE" "$tmp/job.ini"
	expect "the suggestion loads under the bottle's policy name" $rc = 0 || return 1
	wait_for 5 gen_moved "$g" || { note "the daemon kept generation $g"; return 1; }
}

t_rerun_audit() {
	workload || return 1
	wait_for 5 workload_logged allow || { note "the five flows were not logged as allowed"; return 1; }
	no_denial
}

t_rerun_enforce() {
	stop_daemon || { note "the bottle's TUN outlived the daemon"; return 1; }
	start_daemon "$tmp/enforce.ini" >>"$tmp/detail" 2>&1 || return 1
	attach_bottle >>"$tmp/detail" 2>&1 || return 1
	workload || return 1
	wait_for 5 workload_logged allow || { note "the five flows were not logged as allowed"; return 1; }
	no_denial
}

t_unused() {
	run inns "$B" dig +time=2 +tries=1 @10.0.2.3 unused.shop.test
	case "$out" in *"status: NXDOMAIN"*|*"status: REFUSED"*) ;;
		*) note "unused.shop.test was not refused"; return 1 ;; esac
	expect_log event=dns verdict=deny qname=unused.shop.test bottle="$BOTTLE" || return 1
	for u in http://198.18.0.81:8080/ http://198.18.0.91/; do
		fetch "$u"
		# curl 7: connection refused (sentry's RST); a drop would time out (28)
		expect "$u is refused (curl exit 7, got $rc)" $rc = 7 || return 1
	done
	expect_log event=flow verdict=deny dst=198.18.0.81 dport=8080 bottle="$BOTTLE" &&
		expect_log event=flow verdict=deny dst=198.18.0.91 dport=80 bottle="$BOTTLE"
}

gw_setup "suggest_live: set-up"
check "suggest_live: audit mode: the workload runs under an empty default-deny policy; flow lines name their names" t_audit
check "suggest_live: suggest from the bottle's log: names, ports, a commented wildcard, the address; loaded, the daemon takes it live" t_suggest
check "suggest_live: the same workload under the suggestion, audit daemon: no would_deny line" t_rerun_audit
check "suggest_live: enforce daemon, bottle attached afresh: the same workload, no deny line" t_rerun_enforce
check "suggest_live: a name, a port and an address the workload did not use are refused and logged as deny" t_unused
[ -n "$daemon_pid" ] && { kill -TERM "$daemon_pid"; wait "$daemon_pid"; }
exit $((gw_failed > 0))
