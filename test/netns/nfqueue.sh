#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nfqueue.sh - the NFQUEUE source: a bottle whose traffic the kernel routes,
# guarded by `sentry guard` in the router namespace.
#
#   $P-b: the bottle               $P-r: router, sentry run        $P-n: "the internet"
#   +-----------------+        +-----------------------------+     +--------------------------+
#   | b0 10.77.0.2/24 |--veth--| rb 10.77.0.1/24 fd77::1/64  |     | echo/HTTP on lo:         |
#   |    fd77::2/64   |        | tables ip, ip6 sentry_g_bot |     |  198.18.0.80 :80 :7 :8080|
#   | default via .1, |        |  (forward and input hooks,  |     |  198.18.0.81 :80         |
#   |   fd77::1       |        |   queue N; TCP/53 -> dnstcp)|     |  2001:db8::80 ::81 ::82  |
#   | resolv.conf:    |        | HTTP 10.77.0.1 :8081 :8082  |     | dnsmasq 198.18.0.53,     |
#   |  198.18.0.53    |        |                             |     |   2001:db8::53           |
#   +-----------------+        | rn 198.18.1.2/24 ----------veth-- net0 198.18.1.1/24       |
#   $P-c: a second bottle      |    2001:db8:1::2/64         |     |   2001:db8:1::1/64       |
#   | c0 10.77.1.2/24 |--veth--| rc 10.77.1.1/24             |     | 10.77.0.0/16, fd77::/64  |
#   +-----------------+        | default via 198.18.1.1      |     |   via the router         |
#   $P-e: no address  |--veth--| re                          |     +--------------------------+
#   $P-x: d0 (a veth           +-----------------------------+
#     pair in itself)
#
# All are namespaces this script makes; the queue rules live only in
# $P-r; nothing is routed off the machine. bot is guarded with --netns
# (its interface and both addresses found in it), c with --pid (of a
# process in $P-c). Policy "p": 198.18.0.80/32 and 2001:db8::80/128 on
# tcp/80, 198.18.0.80/32 on tcp/7, 10.77.0.1/32 (the router itself) on
# tcp/8082, default deny. Checks: allowed, denied (RST at once),
# port, `ctl bottles` shows the source, a reload revokes a live flow
# within 1 s, fail closed when the daemon is killed (the table stays),
# restart resumes, unguard removes the table. DNS (domain allowed.test,
# which dnsmasq answers 198.18.0.81, an address no CIDR rule allows):
# UDP and TCP to any address are answered by sentry's resolver, the
# allowed name's address is learnt before the answer arrives (the fetch
# right after resolving works), a denied name is NXDOMAIN and never
# reaches dnsmasq. The same over IPv6. The router's own sockets (the input
# path) obey the policy, but for DNS, which sentry answers. Errors:
# a namespace with no address, one not routed here, the daemon's own.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry). TAP output.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all nfqueue "not root"
for tool in ip nft curl dnsmasq dig; do
	command -v $tool >/dev/null || gw_skip_all nfqueue "no $tool"
done
[ -x "$SENTRY" ] || { echo "not ok - nfqueue: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=snq$$
P=$GW_PREFIX
B=$P-b R=$P-r N=$P-n C=$P-c E=$P-e X=$P-x
QUEUE=$((3000 + $$ % 1000))
gw_init
[ -n "$PY" ] || gw_skip_all nfqueue "no python3"
DAEMON_LOG=$tmp/daemon.log
DLOG=$tmp/decisions.log
DNSLOG=$tmp/dnsmasq.log
SOCK=$tmp/control.sock
STORE=$tmp/store
daemon_pid=

ctl() { "$SENTRY" ctl --socket "$SOCK" "$@"; }

start_daemon() {
	spawn daemon_pid ip netns exec $R "$SENTRY" run -c "$tmp/sentry.ini" >>"$DAEMON_LOG" 2>&1
	wait_for 10 ctl ping
}

guard() {
	"$SENTRY" guard --socket "$SOCK" --netns /run/netns/$B --policy p --name bot \
		--queue $QUEUE
}

setup() {
	mkns $B 198.18.0.53 && mkns $R 198.18.0.53 && mkns $N && mkns $C 198.18.0.53 && mkns $E && mkns $X ||
		return 1
	ip link add b0 netns $B type veth peer name rb netns $R || return 1
	ip link add c0 netns $C type veth peer name rc netns $R || return 1
	ip link add e0 netns $E type veth peer name re netns $R || return 1
	ip link add rn netns $R type veth peer name net0 netns $N || return 1
	ip -n $B addr add 10.77.0.2/24 dev b0 && ip -n $B addr add fd77::2/64 dev b0 nodad &&
	ip -n $B link set b0 up && ip -n $B route add default via 10.77.0.1 &&
	ip -n $B -6 route add default via fd77::1 || return 1
	ip -n $C addr add 10.77.1.2/24 dev c0 && ip -n $C link set c0 up &&
	ip -n $C route add default via 10.77.1.1 || return 1
	ip -n $E link set e0 up && ip -n $R link set re up || return 1
	ip -n $X link add d0 type veth peer name d1 && ip -n $X addr add 10.99.0.2/24 dev d0 &&
	ip -n $X link set d0 up || return 1
	ip -n $R addr add 10.77.0.1/24 dev rb && ip -n $R addr add fd77::1/64 dev rb nodad &&
	ip -n $R link set rb up &&
	ip -n $R addr add 10.77.1.1/24 dev rc && ip -n $R link set rc up &&
	ip -n $R addr add 198.18.1.2/24 dev rn && ip -n $R link set rn up &&
	ip -n $R addr add 2001:db8:1::2/64 dev rn nodad &&
	ip -n $R route add default via 198.18.1.1 &&
	ip -n $R -6 route add default via 2001:db8:1::1 || return 1
	inns $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	ip -n $N addr add 198.18.1.1/24 dev net0 && ip -n $N link set net0 up &&
	ip -n $N addr add 2001:db8:1::1/64 dev net0 nodad &&
	ip -n $N addr add 198.18.0.80/32 dev lo && ip -n $N addr add 198.18.0.81/32 dev lo &&
	ip -n $N addr add 198.18.0.53/32 dev lo && ip -n $N addr add 2001:db8::80/128 dev lo &&
	ip -n $N addr add 2001:db8::81/128 dev lo && ip -n $N addr add 2001:db8::82/128 dev lo && ip -n $N addr add 2001:db8::53/128 dev lo &&
	ip -n $N route add 10.77.0.0/16 via 198.18.1.2 &&
	ip -n $N -6 route add fd77::/64 via 2001:db8:1::2 || return 1
	mkdir -p "$tmp/www" && echo hello >"$tmp/www/index.html"
	spawn srv inns $N sh -c "cd '$tmp/www' && exec $NK serve --http 198.18.0.80:80 \
		--http 198.18.0.81:80 --http 198.18.0.80:8080 --echo 198.18.0.80:7 \
		--http [2001:db8::80]:80 --http [2001:db8::81]:80 --http [2001:db8::82]:80" \
		>"$tmp/srv.log" 2>&1
	wait_for 10 grep -q ready "$tmp/srv.log" || return 1
	spawn rsrv inns $R $NK serve --http 10.77.0.1:8081 --http 10.77.0.1:8082 \
		--http 10.77.1.1:8082 >"$tmp/rsrv.log" 2>&1
	wait_for 10 grep -q ready "$tmp/rsrv.log" || return 1
	# the process --pid names: a sleeper in $P-c (not the spawned ip netns exec)
	spawn sleeper inns $C sleep 1000
	wait_for 5 sh -c "[ -n \"\$(ip netns pids $C)\" ]" || return 1
	cpid=$(ip netns pids $C | head -1)
	spawn dnsmasq_pid inns $N dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--user=root --pid-file= --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.18.0.53 --listen-address=2001:db8::53 \
		--log-queries --log-facility="$DNSLOG" \
		--address=/allowed.test/198.18.0.81 --address=/allowed.test/2001:db8::81 \
		--address=/denied.test/198.18.0.80 --address=/marker.test/198.18.0.80
	wait_for 10 inns $N dig +short +time=1 +tries=1 @198.18.0.53 allowed.test ||
		{ note "dnsmasq did not answer"; return 1; }
	cat >"$tmp/p.ini" <<-'INI'
	[policy]
	name = p
	default = deny
	[allow]
	cidr = 198.18.0.80/32 tcp/80
	cidr = 198.18.0.80/32 tcp/7
	cidr = 2001:db8::80/128 tcp/80
	cidr = 10.77.0.1/32 tcp/8082
	cidr = 10.77.1.1/32 tcp/8082
	domain = allowed.test tcp/80
	domain = marker.test tcp/80
	INI
	cat >"$tmp/p2.ini" <<-'INI'
	[policy]
	name = p
	default = deny
	[allow]
	cidr = 198.18.0.80/32 tcp/80
	INI
	"$SENTRY" policy load --db "$STORE" "$tmp/p.ini" || return 1
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $STORE
	decision_log = $DLOG
	user = nobody
	[dns]
	upstream = 198.18.0.53
	[egress]
	interface = ${P}e
	nft_table = ${P//[^a-z0-9]/}
	[reject]
	tcp = rst
	[nfqueue]
	queue_maxlen = 1024
	EOF
	: >"$DLOG"
	start_daemon || return 1
	guard >"$tmp/guard.out" || return 1
	"$SENTRY" guard --socket "$SOCK" --pid "$cpid" --policy p --queue $((QUEUE + 1)) \
		>"$tmp/guardc.out"
}

curl_b() { inns $B curl -sS --max-time 5 "$@"; }

t_method_logged() {
	run grep -E "nfqueue: queue rules use the (nftables queue expression|xtables NFQUEUE target)" "$DAEMON_LOG"
	expect "the daemon says which queue rule it uses" $rc = 0
}

t_check_method() {
	local said
	said=$(grep -oE "nfqueue: queue rules use the .*" "$DAEMON_LOG" | head -1)
	[ -n "$said" ] || { note "the daemon did not say"; return 1; }
	run inns $R "$SENTRY" check -c "$tmp/sentry.ini"
	expect "sentry check exits 0" $rc = 0 || return 1
	expect "sentry check names the daemon's queue rule ($said)" \
		"$(printf '%s\n' "$out" | grep -c -xF "$said")" = 1
}

t_allowed() {
	run curl_b http://198.18.0.80/
	expect "allowed address and port answer" "$out" = "hello from 198.18.0.80:80" || return 1
	expect_log verdict=allow dst=198.18.0.80 dport=80 bottle=bot
}

t_denied() {
	run curl_b http://198.18.0.81/
	expect "denied address refused at once with an RST (curl exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=198.18.0.81 bottle=bot
}

t_port() {
	run curl_b http://198.18.0.80:8080/
	expect "an allowed address on another port is refused (exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=198.18.0.80 dport=8080 bottle=bot
}

dns_logged() {	# dns_logged NAME - dnsmasq's log has a query for NAME
	grep -q "query\[[A-Z]*\] $1 from" "$DNSLOG"
}

t_dns_allowed() {
	# 198.18.0.81 is refused until allowed.test is resolved (t_denied); curl
	# connects the moment its answer arrives, so the fetch works only if the
	# address was learnt before the answer reached the bottle
	run curl_b http://allowed.test/
	expect "allowed name resolves and its fetch works" "$out" = "hello from 198.18.0.81:80" || return 1
	expect_log event=dns verdict=allow qname=allowed.test bottle=bot policy=p &&
	expect_log event=flow verdict=allow dst=198.18.0.81 dport=80 name=allowed.test bottle=bot
}

t_dns_denied() {
	run inns $B dig +time=2 +tries=1 @198.18.0.53 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "denied.test: expected NXDOMAIN"; return 1; }
	expect_log event=dns verdict=deny qname=denied.test bottle=bot || return 1
	# a query made afterwards reaches dnsmasq; the denied one never did
	run inns $B dig +short +time=2 +tries=1 @198.18.0.53 marker.test A
	expect "marker.test answered" "$out" = 198.18.0.80 || return 1
	wait_for 5 dns_logged marker.test || { note "marker.test never reached dnsmasq"; return 1; }
	! dns_logged denied.test || { note "dnsmasq saw denied.test"; return 1; }
}

t_dns_any_address() {
	# nobody listens on 198.18.0.99: the answer can only be sentry's
	run inns $B dig +short +time=2 +tries=1 @198.18.0.99 allowed.test A
	expect "UDP DNS to another address answered by sentry" "$out" = 198.18.0.81
}

t_dns_tcp() {
	run inns $B dig +tcp +short +time=2 +tries=1 @198.18.0.53 allowed.test A
	expect "answer over TCP" "$out" = 198.18.0.81 || return 1
	run inns $B dig +tcp +short +time=2 +tries=1 @198.18.0.99 allowed.test A
	expect "answer over TCP from an address nobody listens on" "$out" = 198.18.0.81 || return 1
	run inns $B dig +tcp +time=2 +tries=1 @198.18.0.53 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "denied over TCP: expected NXDOMAIN"; return 1; }
	expect_log event=dns verdict=allow qname=allowed.test dst=198.18.0.99 bottle=bot
}

t_bottles() {
	run ctl --json bottles
	expect "ctl bottles lists bot with source nfqueue" \
		"$(printf '%s' "$out" | grep -c '"name":"bot".*"source":"nfqueue"')" = 1 || return 1
	run ctl stats
	printf '%s' "$out" | grep -q "queue $QUEUE (bot): queue_dropped" ||
		{ note "ctl stats shows the kernel's queue counters"; return 1; }
}

t_fast_path() {
	# the flow's later packets stay in the kernel: the ct mark rule counts them
	run inns $R nft list table ip sentry_g_bot
	expect "the guard table exists" $rc = 0 || return 1
	# later packets of the decided flow matched the conntrack mark in the kernel
	run curl_b http://198.18.0.80/
	run inns $R nft list chain ip sentry_g_bot from_bottle
	local n
	n=$(printf '%s\n' "$out" | sed -n 's/.*ct mark @allow counter packets \([0-9]*\).*/\1/p')
	expect "packets accepted by the ct mark without queueing (got ${n:-none})" "${n:-0}" -gt 0
}

t_reload_revokes() {
	local t0 t1 took
	coproc HOLD { inns $B $NK hold 198.18.0.80 7; }
	read -r -t 5 line <&"${HOLD[0]}"
	expect "echo connection up" "${line:-}" = connected || return 1
	run "$SENTRY" policy load --db "$STORE" "$tmp/p2.ini"
	expect "policy load succeeds" $rc = 0 || return 1
	t0=$(date +%s.%N)
	run ctl reload
	echo "until-fail 3" >&"${HOLD[1]}"
	read -r -t 6 line <&"${HOLD[0]}"
	kill "$HOLD_PID" 2>/dev/null
	note "hold: ${line:-}"
	case "${line:-}" in fail\ *) ;; *) note "connection alive 3 s after the reload"; return 1 ;; esac
	read -r _ _ t1 _ <<<"$line"
	took=$($PY -c "print('%.3f' % ($t1 - $t0))")
	expect "cut within 1 s of the reload (took ${took}s)" \
		"$($PY -c "print(int($took <= 1.0))")" = 1 || return 1
	expect_log verdict=deny dst=198.18.0.80 dport=7 bottle=bot
}

t_fail_closed() {
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	run curl_b --max-time 2 http://198.18.0.80/
	expect "no network with the daemon dead (curl fails)" $rc != 0 || return 1
	run inns $R nft list table ip sentry_g_bot
	expect "the table stays when the daemon dies" $rc = 0
}

t_restart_resumes() {
	start_daemon || { note "daemon did not restart"; return 1; }
	run guard
	expect "guard again after a restart" $rc = 0 || return 1
	run curl_b http://198.18.0.80/
	expect "traffic resumes" "$out" = "hello from 198.18.0.80:80"
}

t_unguard() {
	run "$SENTRY" unguard --socket "$SOCK" bot
	expect "unguard succeeds" $rc = 0 || return 1
	run inns $R nft list table ip sentry_g_bot
	expect "the table is gone" $rc != 0
}


t_netns_found() {
	run cat "$tmp/guard.out"
	expect "guard --netns found b0, both addresses, rb" \
		"$(grep -c '^b0: 10.77.0.2 fd77::2 via rb (routed)$' "$tmp/guard.out")" = 1
}

t_pid() {
	run cat "$tmp/guardc.out"
	expect "guard --pid found c0 via rc" "$(grep -c '^c0: 10.77.1.2 via rc (routed)$' \
		"$tmp/guardc.out")" = 1 || return 1
	run ctl bottles
	expect "the bottle is named after the process" \
		"$(printf '%s\n' "$out" | grep -c "^pid$cpid .*nfqueue")" = 1 || return 1
	run inns $C curl -sS --max-time 5 http://198.18.0.80/
	expect "its allowed flow passes" "$out" = "hello from 198.18.0.80:80" || return 1
	run inns $C curl -sS --max-time 5 http://198.18.0.80:8080/
	expect "its denied flow is refused (exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=198.18.0.80 dport=8080 bottle=pid$cpid
}

t_no_v6_on_v4_bottle() {
	# c has no IPv6 address: its interface's ip6 table drops all (even link-local)
	run inns $R nft list table ip6 sentry_g_pid$cpid
	expect "an ip6 table guards c0's interface too" $rc = 0 || return 1
	local ll
	ll=$(ip -n $R -6 addr show dev rc scope link | sed -n 's/.*inet6 \(fe80[^/]*\).*/\1/p')
	run inns $C ping -6 -c 1 -W 1 "$ll%c0"
	expect "link-local IPv6 from the v4-only bottle goes nowhere" $rc != 0
}

t_errors() {
	run "$SENTRY" guard --socket "$SOCK" --netns /run/netns/$E --policy p --name e
	expect "a namespace with no address: refused" $rc = 1 || return 1
	[[ $out == *"no global address"* ]] || { note "message: $out"; return 1; }
	run "$SENTRY" guard --socket "$SOCK" --netns /run/netns/$X --policy p --name x
	expect "a namespace not routed through the daemon's: refused" $rc = 1 || return 1
	[[ $out == *"other end in the daemon's namespace"* ]] || { note "message: $out"; return 1; }
	run "$SENTRY" guard --socket "$SOCK" --pid "$daemon_pid" --policy p --name self
	expect "the daemon's own namespace: refused" $rc = 1 || return 1
	[[ $out == *"daemon's own network namespace"* ]] || { note "message: $out"; return 1; }
	run "$SENTRY" guard --socket "$SOCK" --netns /run/netns/$B --addr4 10.77.0.2 --policy p
	expect "--addr4 with a namespace: usage error" $rc = 2
}

curl6_b() { inns $B curl -6 -g -sS --max-time 5 "$@"; }

t_v6_allowed() {
	run curl6_b "http://[2001:db8::80]/"
	expect "IPv6: allowed address answers" "$out" = "hello from 2001:db8::80:80" || return 1
	expect_log verdict=allow dst=2001:db8::80 dport=80 bottle=bot
}

t_v6_denied() {
	run curl6_b "http://[2001:db8::82]/"
	expect "IPv6: denied address refused with an RST (exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=2001:db8::82 bottle=bot
}

t_v6_dns() {
	run inns $B dig +short +time=2 +tries=1 @2001:db8::53 allowed.test AAAA
	expect "IPv6: UDP DNS answered" "$out" = 2001:db8::81 || return 1
	run curl6_b http://allowed.test/
	expect "IPv6: the learnt name's fetch works" "$out" = "hello from 2001:db8::81:80" || return 1
	run inns $B dig +tcp +short +time=2 +tries=1 @2001:db8::99 allowed.test AAAA
	expect "IPv6: TCP DNS to an address nobody listens on answered" "$out" = 2001:db8::81 ||
		return 1
	run inns $B dig +time=2 +tries=1 @2001:db8::53 denied.test AAAA
	[[ $out == *"status: NXDOMAIN"* ]] || { note "denied over IPv6: expected NXDOMAIN"; return 1; }
	expect_log event=dns verdict=allow qname=allowed.test dst=2001:db8::99 bottle=bot
}

t_v6_spoof() {
	# another source address on b0: dropped by the table before the queue
	ip -n $B addr add fd77::99/64 dev b0 nodad
	run inns $B curl -6 -g -sS --max-time 2 --interface fd77::99 "http://[2001:db8::80]/"
	ip -n $B addr del fd77::99/64 dev b0
	expect "a spoofed IPv6 source gets nothing" $rc != 0
}

t_input_denied() {
	run curl_b http://10.77.0.1:8081/
	expect "the router's own socket, not allowed: refused (exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=10.77.0.1 dport=8081 bottle=bot
}

t_input_allowed() {
	run curl_b http://10.77.0.1:8082/
	expect "the router's own socket, allowed" "$out" = "hello from 10.77.0.1:8082" || return 1
	expect_log verdict=allow dst=10.77.0.1 dport=8082 bottle=bot
}

t_input_dns() {
	# nothing listens on the router's port 53: the answers are sentry's
	run inns $B dig +short +time=2 +tries=1 @10.77.0.1 allowed.test A
	expect "UDP DNS to the router answered by sentry" "$out" = 198.18.0.81 || return 1
	run inns $B dig +tcp +short +time=2 +tries=1 @10.77.0.1 allowed.test A
	expect "TCP DNS to the router answered by sentry" "$out" = 198.18.0.81
}

gw_setup "nfqueue set-up"
check "the daemon logs which queue rule this kernel takes" t_method_logged
check "sentry check names the same queue rule" t_check_method
check "an allowed flow passes" t_allowed
check "a denied address is refused" t_denied
check "a denied port is refused" t_port
check "an allowed name resolves, learnt before its answer" t_dns_allowed
check "a denied name gets NXDOMAIN and never reaches the resolver" t_dns_denied
check "UDP DNS to any address goes to sentry's resolver" t_dns_any_address
check "DNS over TCP goes to sentry's resolver" t_dns_tcp
check "ctl bottles/stats show the nfqueue bottle" t_bottles
check "guard --netns finds the interface and addresses" t_netns_found
check "guard --pid guards a second bottle" t_pid
check "a v4-only bottle's interface carries no IPv6" t_no_v6_on_v4_bottle
check "guard refuses what it cannot guard, clearly" t_errors
check "IPv6: an allowed flow passes" t_v6_allowed
check "IPv6: a denied address is refused" t_v6_denied
check "IPv6: DNS over UDP and TCP, learnt before the answer" t_v6_dns
check "IPv6: another source on the bottle's interface is dropped" t_v6_spoof
check "input path: the router's denied port is refused" t_input_denied
check "input path: the router's allowed port answers" t_input_allowed
check "input path: DNS to the router is sentry's" t_input_dns
check "the guard table is in the router namespace" t_fast_path
check "a reload revokes a live flow within 1 s" t_reload_revokes
check "fail closed when the daemon is killed" t_fail_closed
check "a restarted daemon resumes" t_restart_resumes
check "unguard removes the table" t_unguard
[ $gw_failed = 0 ]
