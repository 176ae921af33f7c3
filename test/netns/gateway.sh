#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# gateway.sh - the live gateway end to end: `sentry run` in its own
# namespace, bottles attached with `sentry attach`, real clients (curl, dig,
# busybox, Python sockets) in the bottles, real servers (dnsmasq, Python
# HTTP and echo servers) in a test "internet". Nothing reaches the real
# uplink: every address below lives in a namespace this script makes.
#
#  bottles: tun0 only         $P-gw: sentry's namespace         $P-net: "the internet"
#  +----------------------+   +--------------------------+      +-------------------------------+
#  | $P-a  policy main    |==>| sentry run -c sentry.ini |      | lo: dnsmasq 198.18.0.53,      |
#  |  10.0.2.100/24       |fd |  (enforce; later audit)  |      |     2001:db8::53:             |
#  |  fd00::100/64        |   |  control socket, store,  |      |  allowed.test .80, ::80       |
#  +----------------------+   |  decision log in $tmp    |      |  denied.test  .86, ::86       |
#  | $P-b  policy other   |==>|                          |      |  *.wild.test  .81             |
#  |  10.0.2.100/24, no v6|   | sentry0: egress TUN      |      |  blocked.test .82 (CIDR deny) |
#  +----------------------+   |  100.127.0.0/16          |      |  any.test     .83             |
#  | $P-c  policy ttl     |==>|  fd5e:5e:5e::/64         |      |  ttl.test .84   rev.test .85  |
#  | $P-d  policy rev     |==>| nft inet sentry: masq.,  |      |  cname.test -> target .88     |
#  | $P-e  main, 4 queues |==>|  DNS/TCP redirect        |      |  svc.test HTTPS ipv4hint .89  |
#  |  each 10.0.2.100/24  |   |                          |      |  big.test: 60 A records       |
#  +----------------------+   | default via NET, route   |      |  rebind*.test: 127.0.0.1,     |
#                             |  mtu 1400 (PMTU needed)  |      |   10.1.2.3, 64:ff9b::7f00:1   |
#  every bottle's resolver:   | gw0 198.18.1.2/24        |-veth-| net0 198.18.1.1/24            |
#  nameserver 10.0.2.3 (no    |     2001:db8:1::2/64     |      |      2001:db8:1::1/64         |
#  such host: sentry          +--------------------------+      | HTTP :80 on .80-.83 .86 .88   |
#  answers all port-53                                          |   .89 .97 ::80 ::86;          |
#  traffic itself)                                              |   .80:8080 .83:853            |
#                                                               | echo :7000 on .83 .84 .85 ::80|
#                                                               | UDP sink .97:9912             |
#                                                               | nft inet sgt: counters of     |
#                                                               |   what arrives (prerouting)   |
#                                                               +-------------------------------+
#
# $P is sgt<pid>; every namespace, file and process is removed on exit.
# NET has no route to 10.0.2.0/24 or to the egress pools (except for the
# moment t_unsolicited needs one): a reply arrives only if sentry forwarded
# the request and GW masqueraded it. One daemon (enforce, [tables] flows =
# 4096) serves most tests; then it is stopped, an audit daemon takes over,
# and finally that one is killed with SIGKILL. Topology code: lib/gwtopo.sh;
# the small clients and servers: lib/netkit.py.
#
# Environment: SENTRY (binary under test; default build/stage/usr/local/bin/sentry, as make stage installs it).
# Prints "ok - NAME" / "not ok - NAME" per test; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/gwlib.sh"
. "$here/lib/gwtopo.sh"

[ "$(id -u)" = 0 ] || gw_skip_all gateway "not root"
[ -c /dev/net/tun ] || gw_skip_all gateway "no /dev/net/tun"
for tool in ip nft dnsmasq dig curl busybox; do
	command -v $tool >/dev/null || gw_skip_all gateway "no $tool"
done
[ -x "$SENTRY" ] || { echo "not ok - gateway: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=sgt$$
P=$GW_PREFIX
NET=$P-net GW=$P-gw A=$P-a B=$P-b C=$P-c D=$P-d E=$P-e
gw_init
[ -n "$PY" ] || gw_skip_all gateway "no python3"

DLOG=$tmp/decisions.log
DAEMON_LOG=$tmp/daemon.log
STORE=$tmp/store
SOCK=$tmp/ctl.sock
DNSLOG=$tmp/dnsmasq.log
daemon_pid=

# ------------------------------------------------------------------- tests

t_check_config() {
	run "$SENTRY" check -c "$tmp/sentry.ini"
	expect "sentry check exits 0" $rc = 0 || return 1
	[[ $out == *"configuration OK"* ]] || { note "no 'configuration OK'"; return 1; }
}

t_attached() {
	local ns listed
	run ctl bottles
	listed=$out
	for ns in $A $B $C $D $E; do
		[[ $listed == *"$ns "* ]] || { note "ctl bottles does not list $ns"; return 1; }
		run ip -n $ns -br addr show tun0
		[[ $out == *10.0.2.100/24* ]] || { note "$ns: tun0 lacks 10.0.2.100/24"; return 1; }
	done
	run ip -n $A -6 route show default
	[[ $out == *"via fd00::2"* ]] || { note "$A: no IPv6 default route"; return 1; }
}

t_allowed_fetch() {
	run inns $A curl -sS --max-time 5 http://allowed.test/
	expect "curl exits 0" $rc = 0 || return 1
	[[ $out == "hello from "* ]] || { note "not the test server's page"; return 1; }
	expect_log event=dns verdict=allow qname=allowed.test bottle=$A policy=main &&
	expect_log event=flow verdict=allow dport=80 name=allowed.test bottle=$A
}

t_case_insensitive() {
	run inns $A dig +short +time=2 +tries=1 @10.0.2.3 AlLoWeD.TeSt A
	expect "mixed-case query for an allowed name answered" "$out" = 198.18.0.80 || return 1
	run inns $A dig +time=2 +tries=1 @10.0.2.3 DeNiEd.TeSt A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "mixed-case denied name: expected NXDOMAIN"; return 1; }
	run inns $A curl -sS --max-time 5 http://ALLOWED.TEST/
	expect "fetch by upper-case name" $rc = 0
}

t_cname() {
	run inns $A curl -sS --max-time 5 http://cname.test/
	expect "fetch through a CNAME to a name the policy does not list" $rc = 0 || return 1
	[[ $out == "hello from 198.18.0.88"* ]] || { note "not the CNAME target's server"; return 1; }
	run ctl names $A
	[[ $out == *198.18.0.88* ]] || { note "the CNAME target's address was not learnt"; return 1; }
	run inns $A dig +time=2 +tries=1 @10.0.2.3 target.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "target.test itself must stay denied"; return 1; }
}

t_https_hint() {
	run inns $A curl -sS --max-time 10 http://198.18.0.89/
	expect "before the HTTPS query, 198.18.0.89 is refused (exit 7)" $rc = 7 || return 1
	run inns $A dig +short +time=2 +tries=1 @10.0.2.3 svc.test HTTPS
	[[ $out == *ipv4hint=198.18.0.89* ]] || { note "expected the HTTPS record"; return 1; }
	run inns $A curl -sS --max-time 5 http://198.18.0.89/
	expect "after it, the ipv4hint address is allowed" $rc = 0
}

dns_logged() {	# dns_logged NAME - dnsmasq's log has a query for NAME
	grep -q "query\[[A-Z]*\] $1 from" "$DNSLOG"
}

t_denied_nxdomain() {
	run inns $A dig +time=2 +tries=1 @10.0.2.3 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "expected NXDOMAIN"; return 1; }
	run inns $A curl -sS --max-time 5 http://denied.test/
	expect "curl cannot resolve (exit 6)" $rc = 6 || return 1
	expect_log event=dns verdict=deny qname=denied.test bottle=$A || return 1
	# an allowed query made afterwards reaches dnsmasq; the denied one never did
	run inns $A dig +short +time=2 +tries=1 @10.0.2.3 marker.test
	wait_for 5 dns_logged marker.test || { note "marker.test never reached dnsmasq"; return 1; }
	if grep -q denied.test "$DNSLOG"; then
		note "dnsmasq saw denied.test:"
		note "$(grep denied.test "$DNSLOG")"
		return 1
	fi
}

t_direct_ip_refused() {
	local t0 t1
	t0=$(millis)
	run inns $A curl -sS --max-time 10 http://198.18.0.86/
	t1=$(millis)
	expect "curl exit 7 (connection refused)" $rc = 7 &&
	expect "refused within 2 s, not a timeout (took $((t1 - t0)) ms)" $((t1 - t0)) -lt 2000 ||
		return 1
	run inns $A curl -v -sS --max-time 10 http://198.18.0.86/
	[[ $out == *"Connection refused"* ]] ||
		{ note "expected ECONNREFUSED, which only a TCP RST produces"; return 1; }
	expect_log event=flow verdict=deny dst=198.18.0.86 dport=80 bottle=$A
}

t_udp_refused() {
	run inns $A $NK udpprobe 198.18.0.86 5000
	expect "ICMP administratively prohibited: EHOSTUNREACH" "$out" = EHOSTUNREACH || return 1
	expect_log event=flow verdict=deny proto=udp dst=198.18.0.86 dport=5000
}

t_icmp_echo() {
	run inns $A busybox ping -c 1 -W 3 198.18.0.97
	expect "ping to the allowed CIDR answered" $rc = 0 || return 1
	run inns $A busybox ping -c 1 -W 1 198.18.0.86
	expect "ping to a denied address fails" $rc != 0 || return 1
	expect_log event=flow verdict=allow proto=icmp dst=198.18.0.97 &&
	expect_log event=flow verdict=deny proto=icmp dst=198.18.0.86
}

t_port_not_allowed() {
	run inns $A curl -sS --max-time 10 http://allowed.test:8080/
	expect "curl exit 7 on a port the rule does not allow" $rc = 7 || return 1
	expect_log event=flow verdict=deny dst=198.18.0.80 dport=8080 bottle=$A
}

t_wildcard() {
	run inns $A curl -sS --max-time 5 http://a.wild.test/
	expect "a.wild.test fetch succeeds" $rc = 0 || return 1
	run inns $A dig +time=2 +tries=1 @10.0.2.3 wild.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "wild.test itself must be denied"; return 1; }
	expect_log event=dns verdict=allow qname=a.wild.test &&
	expect_log event=dns verdict=deny qname=wild.test
}

t_cidr_allow() {
	run inns $A curl -sS --max-time 5 http://198.18.0.97/
	expect "fetch from the allowed CIDR succeeds" $rc = 0 || return 1
	expect_log event=flow verdict=allow dst=198.18.0.97 "rule=allow cidr 198.18.0.96/28"
}

t_cidr_deny_beats_name() {
	run inns $A curl -sS --max-time 10 http://blocked.test/
	expect "fetch refused (exit 7) although blocked.test is allowed" $rc = 7 || return 1
	expect_log verdict=deny dst=198.18.0.82 "rule=deny cidr 198.18.0.82/32"
}

t_dns_other_server() {
	local before srv
	before=$(net_count dns_other)
	for srv in 198.18.0.99 1.2.3.4; do
		run inns $A dig +short +time=2 +tries=1 @$srv allowed.test A
		expect "answer from sentry for @$srv" "$out" = 198.18.0.80 || return 1
		expect_log event=dns qname=allowed.test dst=$srv bottle=$A || return 1
	done
	run inns $A dig +short +time=2 +tries=1 @2001:db8::99 allowed.test AAAA
	expect "answer from sentry for @2001:db8::99" "$out" = 2001:db8::80 || return 1
	expect_log event=dns qname=allowed.test dst=2001:db8::99 bottle=$A || return 1
	run inns $A dig +time=2 +tries=1 @1.2.3.4 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "denied name via @1.2.3.4: expected NXDOMAIN"; return 1; }
	expect "no query reached NET addressed to 198.18.0.99 or 1.2.3.4" \
		"$(net_count dns_other)" = "$before"
}

t_dns_tcp() {
	run inns $A dig +tcp +short +time=2 +tries=1 @10.0.2.3 allowed.test A
	expect "answer over TCP" "$out" = 198.18.0.80 || return 1
	run inns $A dig +tcp +short +time=2 +tries=1 @1.2.3.4 allowed.test A
	expect "answer over TCP from @1.2.3.4" "$out" = 198.18.0.80 || return 1
	run inns $A dig +tcp +short +time=2 +tries=1 @fd00::2 allowed.test AAAA
	expect "answer over TCP and IPv6" "$out" = 2001:db8::80 || return 1
	run inns $A dig +tcp +time=2 +tries=1 @10.0.2.3 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "denied over TCP: expected NXDOMAIN"; return 1; }
}

big_learnt() {	# big_learnt - how many addresses of big.test bottle A's policy learnt
	ctl --json names $A | $PY -c '
import json, sys
print(sum(n["name"] == "big.test" for n in json.load(sys.stdin)["names"]))'
}

t_dns_tcp_fair() {
	# bottle B holds 150 silent connections to port 53: more than the
	# daemon's whole table of DNS-over-TCP connections
	local idle_pid
	spawn idle_pid ip netns exec $B $NK tcpidle 10.0.2.3 53 150 >"$tmp/idle.out" 2>&1
	wait_for 20 grep -q open "$tmp/idle.out" || { note "tcpidle did not finish"; return 1; }
	run cat "$tmp/idle.out"
	run inns $A dig +tcp +short +time=3 +tries=1 @10.0.2.3 allowed.test A
	local aout=$out
	run inns $B dig +tcp +short +time=3 +tries=1 @10.0.2.3 any.test A
	local bout=$out
	kill "$idle_pid"
	expect "bottle $A still resolves over TCP" "$aout" = 198.18.0.80 || return 1
	expect "bottle $B's own new query is answered too" "$bout" = 198.18.0.83
}

t_dns_truncated() {
	local before
	before=$(net_count dns_tcp)
	# 512-byte client: sentry asks the upstream, gets TC, asks again over
	# TCP and learns all 60; the client gets TC (question only)
	run inns $A dig +noedns +ignore +time=3 +tries=1 @10.0.2.3 big.test A
	[[ $out == *"flags: qr"*" tc"* ]] || { note "expected TC to the 512-byte client"; return 1; }
	expect "sentry retried over TCP upstream" "$(net_count dns_tcp)" -gt "$before" || return 1
	expect "all 60 addresses learnt (the UDP part held 30)" "$(big_learnt)" = 60 || return 1
	# the client's own retry over TCP gets everything
	run inns $A dig +noedns +time=3 +tries=1 @10.0.2.3 big.test A
	[[ $out == *"ANSWER: 60"* ]] || { note "expected 60 answers after the client's TCP retry"; return 1; }
	run inns $A dig +time=3 +tries=1 @10.0.2.3 big.test A
	[[ $out == *"ANSWER: 60"* ]] || { note "expected 60 answers in 1232 bytes of UDP"; return 1; }
}

t_dot_blocked() {
	local before
	before=$(net_count dot)
	run inns $A curl -sS --max-time 5 http://any.test/
	expect "any.test on port 80 works" $rc = 0 || return 1
	run inns $A curl -sS --max-time 10 http://any.test:853/
	expect "any.test:853 refused (exit 7)" $rc = 7 || return 1
	run inns $A curl -sS --max-time 10 telnet://198.18.0.53:853
	expect "resolver:853 refused (exit 7)" $rc = 7 || return 1
	run inns $A bash -c 'echo query >/dev/udp/198.18.0.53/853'
	expect_log event=flow reason=dot_denied dst=198.18.0.83 dport=853 &&
	expect_log event=flow reason=dot_denied proto=udp dst=198.18.0.53 dport=853 &&
	expect_log event=flow reason=dot_denied dst=198.18.0.53 dport=853 &&
	expect "no packet to port 853 reached NET" "$(net_count dot)" = "$before"
}

t_ipv6_allowed() {
	run inns $A curl -6 -sS --max-time 5 http://allowed.test/
	expect "curl -6 allowed.test exits 0" $rc = 0 || return 1
	[[ $out == "hello from 2001:db8::80"* ]] || { note "not the IPv6 server"; return 1; }
	expect_log event=flow verdict=allow dst=2001:db8::80 dport=80 name=allowed.test
}

t_ipv6_denied() {
	run inns $A dig +time=2 +tries=1 @fd00::2 denied.test AAAA
	[[ $out == *"status: NXDOMAIN"* ]] || { note "AAAA denied.test over IPv6: expected NXDOMAIN"; return 1; }
	run inns $A curl -6 -g -v -sS --max-time 10 "http://[2001:db8::86]/"
	expect "direct IPv6 refused (exit 7)" $rc = 7 || return 1
	[[ $out == *"Connection refused"* ]] || { note "expected a TCP RST over IPv6"; return 1; }
	run inns $A $NK udpprobe 2001:db8::86 5000
	expect "UDP over IPv6: ICMPv6 administratively prohibited (EACCES)" "$out" = EACCES || return 1
	expect_log event=flow verdict=deny dst=2001:db8::86 dport=80
}

t_ipv6_no_leak() {
	local before drops0
	run ip -n $B -6 addr show dev tun0
	expect "no IPv6 address on $B's tun0" -z "$out" || return 1
	run ip -n $B -6 route show default
	expect "no IPv6 default route in $B" -z "$out" || return 1
	before=$(net_count v6leak)
	run inns $B curl -6 -g -sS --max-time 5 "http://[2001:db8::80]:9903/"
	expect "curl -6 fails at once (exit 7)" $rc = 7 || return 1
	drops0=$(stat_of bottle_stats.$B.drops.ipv6_disabled $B)
	# past the kernel: an IPv6 packet written straight into tun0
	run inns $B $NK inject tun0 udp6 fd00::100 2001:db8::80 9902
	expect "injected" $rc = 0 || return 1
	wait_for 3 stat_cmp bottle_stats.$B.drops.ipv6_disabled $B -gt "${drops0:-0}" ||
		{ note "ipv6_disabled did not count the injected packet"; return 1; }
	expect "nothing reached NET over IPv6" "$(net_count v6leak)" = "$before"
}

t_rebinding() {
	local n
	for n in rebind.test rebind10.test; do
		run inns $A dig +time=2 +tries=1 @10.0.2.3 $n A
		[[ $out == *"status: REFUSED"* ]] || { note "$n: expected REFUSED"; return 1; }
		expect_log event=dns qname=$n reason=dns_private_answer || return 1
	done
	# NAT64 (64:ff9b::/96) of 127.0.0.1: loopback in disguise
	run inns $A dig +time=2 +tries=1 @10.0.2.3 rebind6.test AAAA
	[[ $out == *"status: REFUSED"* ]] || { note "rebind6.test AAAA: expected REFUSED"; return 1; }
	expect_log event=dns qname=rebind6.test reason=dns_private_answer || return 1
	run ctl names $A
	[[ $out != *rebind* ]] || { note "a private answer was learnt"; return 1; }
}

t_spoofed() {
	local before n0
	before=$(net_count spoof)
	n0=$(stat_of bottle_stats.$A.drops.spoofed_source $A)
	n0=${n0:-0}
	# the control: the same datagram from the bottle's own address arrives
	run inns $A $NK inject tun0 udp4 10.0.2.100 198.18.0.97 9911
	wait_for 3 net_count_cmp spoof -gt "$before" ||
		{ note "control datagram from 10.0.2.100 never reached NET"; return 1; }
	before=$(net_count spoof)
	run inns $A $NK inject tun0 udp4 10.0.2.201 198.18.0.97 9911
	run inns $A $NK inject tun0 udp6 fd00::201 2001:db8::80 9911
	wait_for 3 stat_cmp bottle_stats.$A.drops.spoofed_source $A -eq $((n0 + 2)) ||
		{ note "spoofed_source did not go from $n0 to $((n0 + 2))"; run ctl stats $A; return 1; }
	# a TCP connection from a second address on tun0 goes nowhere either
	run inns $A ip addr add 10.0.2.201/24 dev tun0
	run inns $A curl -sS --max-time 1 --interface 10.0.2.201 http://198.18.0.97/
	local crc=$rc
	run inns $A ip addr del 10.0.2.201/24 dev tun0
	expect "curl from a foreign source fails" $crc != 0 &&
	expect "nothing spoofed reached NET" "$(net_count spoof)" = "$before"
}

# hold_start NS HOST PORT TAG - a held TCP connection driven through a fifo
hold_start() {
	local ns=$1 host=$2 port=$3 tag=$4 fd
	mkfifo "$tmp/$tag.in"
	exec {fd}<>"$tmp/$tag.in"	# read-write: opening does not wait for a reader
	printf -v "hold_fd_$tag" '%s' "$fd"
	spawn hold_pid ip netns exec "$ns" $NK hold "$host" "$port" <"$tmp/$tag.in" >"$tmp/$tag.out" 2>&1
	wait_for 5 grep -q . "$tmp/$tag.out"
	run cat "$tmp/$tag.out"
	[ "$out" = connected ]
}

hold_cmd() {	# hold_cmd TAG CMD [WAIT] - send CMD, answer in $out
	local tag=$1 cmd=$2 limit=${3:-5} fdv n
	fdv=hold_fd_$tag
	n=$(wc -l <"$tmp/$tag.out")
	echo "$cmd" >&"${!fdv}"
	wait_for "$limit" test "$(wc -l <"$tmp/$tag.out")" -gt "$n"
	out=$(tail -n 1 "$tmp/$tag.out")
	note "hold $tag: $cmd -> $out"
}

hold_stop() {	# hold_stop TAG - close the fifo: the client sees EOF and exits
	local fdv=hold_fd_$1
	eval "exec ${!fdv}>&-"
}

name_gone() {	# name_gone BOTTLE NAME - ctl names no longer lists NAME
	# (not "ttl 0": the TTL is shown rounded, 0 while 0.4 s are left)
	ctl --json names "$1" | $PY -c '
import json, sys
names = json.load(sys.stdin)["names"]
sys.exit(1 if any(n["name"] == sys.argv[1] for n in names) else 0)' "$2"
}

t_ttl_expiry() {
	hold_start $C ttl.test 7000 ttl || { note "could not hold a connection to ttl.test"; return 1; }
	run ctl names $C
	[[ $out == *ttl.test* ]] || { note "ttl.test not learnt"; return 1; }
	# max_ttl = 2: the binding expires; wait for it (bounded), then assert
	wait_for 6 name_gone $C ttl.test || { note "ttl.test still learnt after 6 s"; return 1; }
	run inns $C curl -sS --max-time 10 http://198.18.0.84:7000/
	expect "a new connection to the expired address is refused (exit 7)" $rc = 7 || return 1
	hold_cmd ttl ping
	expect "the established connection still echoes" "$out" = ok || return 1
	hold_stop ttl
	expect_log event=flow verdict=deny dst=198.18.0.84 dport=7000 bottle=$C
}

t_reload_revokes() {
	hold_start $A any.test 7000 keep || { note "could not hold a connection to any.test"; return 1; }
	hold_start $D rev.test 7000 rev || { note "could not hold a connection to rev.test"; return 1; }
	hold_cmd rev ping
	expect "echo before the reload" "$out" = ok || return 1
	local t0 took
	run "$SENTRY" policy load --db "$STORE" "$tmp/rev2.ini"
	expect "policy load succeeds" $rc = 0 || return 1
	t0=$(date +%s.%N)
	# from the moment the store holds the new policy, the connection must
	# fail within a second
	hold_cmd rev "until-fail 3" 5
	read -r _ _ t1 _ <<<"$out"
	case "$out" in
	fail\ *) ;;
	*) note "connection still alive 3 s after the reload"; return 1 ;;
	esac
	took=$($PY -c "print('%.3f' % ($t1 - $t0))")
	expect "cut within 1 s of the load (took ${took}s)" \
		"$($PY -c "print(int($took <= 1.0))")" = 1 || return 1
	echo "# revoked ${took}s after the policy load"
	hold_stop rev
	hold_cmd keep ping
	expect "a flow the new store still allows is not cut" "$out" = ok || return 1
	hold_stop keep
	expect_log event=flow reason=flow_revoked dst=198.18.0.85 bottle=$D
}

t_unsolicited() {
	local e4 n0 sink_pid
	e4=$(ctl --json bottles | $PY -c 'import json,sys; print([b["egress4"] for b in json.load(sys.stdin)["bottles"] if b["name"]==sys.argv[1]][0])' $A)
	expect "bottle $A has an egress address" -n "$e4" || return 1
	spawn sink_pid ip netns exec $A $NK serve --udp 0.0.0.0:9999 >"$tmp/sink.out" 2>&1
	wait_for 5 grep -q ready "$tmp/sink.out" || { note "no UDP sink in $A"; return 1; }
	n0=$(stat_of bottle_stats.$A.drops.no_flow $A)
	# for this test only, NET can route to the pool, as on a flat network
	ip -n $NET route add 100.127.0.0/16 via 198.18.1.2
	run inns $NET bash -c "echo hello >/dev/udp/$e4/9999"
	wait_for 3 stat_cmp bottle_stats.$A.drops.no_flow $A -gt "${n0:-0}"
	local counted=$?
	ip -n $NET route del 100.127.0.0/16 via 198.18.1.2
	kill "$sink_pid"
	expect "no_flow counted a datagram from NET to $e4:9999" $counted = 0 || return 1
	run cat "$tmp/sink.out"
	expect "nothing arrived in the bottle" "$out" = ready
}

t_fragments() {
	local n0 before
	n0=$(stat_of bottle_stats.$A.drops.frag_no_first $A)
	before=$(net_count frag_later)
	run inns $A $NK inject tun0 orphan4 10.0.2.100 198.18.0.97
	wait_for 3 stat_cmp bottle_stats.$A.drops.frag_no_first $A -eq $((${n0:-0} + 1)) ||
		{ note "frag_no_first did not count the orphan"; return 1; }
	expect "the orphan did not reach NET" "$(net_count frag_later)" = "$before" || return 1
	# a whole datagram in two fragments: the first decides, the second follows
	run inns $A $NK inject tun0 frag4 10.0.2.100 198.18.0.97 9912
	wait_for 3 grep -q "udp 198.18.0.97:9912 from 198.18.1.2 1192" "$tmp/serve.out" ||
		{ note "the fragmented datagram never arrived whole"; note "$(tail -3 "$tmp/serve.out")"; return 1; }
	expect_log event=flow verdict=allow proto=udp dst=198.18.0.97 dport=9912
}

t_dns_rate() {
	local n0
	n0=$(stat_of bottle_stats.$B.drops.dns_rate $B)
	run inns $B $NK dnsflood 10.0.2.3 denied.test 3000
	wait_for 3 stat_cmp bottle_stats.$B.drops.dns_rate $B -gt "${n0:-0}" ||
		{ note "dns_rate did not count (rate 1000/s, burst 1000, 3000 sent)"; run ctl stats $B; return 1; }
	run ctl stats $B
	# the bucket refills: a query is answered again (bounded wait)
	wait_for 3 eval 'inns $B dig +time=1 +tries=1 @10.0.2.3 denied.test | grep -q NXDOMAIN' ||
		{ note "no answer within 3 s after the flood"; return 1; }
	run inns $A curl -sS --max-time 5 http://allowed.test/
	expect "another bottle is not limited" $rc = 0
}

t_ctl_malformed() {
	local req
	for req in 'bogus' 'stats name=no-such-bottle' 'attach name=x queues=1' 'detach' \
		"$(head -c 5000 /dev/zero | tr '\0' a)" 'ping junk=%zz'; do
		run $NK ctlraw "$SOCK" <<<"$req"
		[[ $out == *error* ]] || { note "expected an error reply to '${req:0:40}'"; return 1; }
	done
	run $NK ctlraw "$SOCK" </dev/null
	run ctl ping
	expect "daemon still answers" $rc = 0
}

all_counted() {	# all_counted REASON... - bottle A counted each at least once
	ctl --json stats $A | $PY -c '
import json, sys
drops = json.load(sys.stdin)["bottle_stats"][sys.argv[1]]["drops"]
sys.exit(0 if all(drops.get(k, 0) >= 1 for k in sys.argv[2:]) else 1)' $A "$@"
}

t_malformed() {
	local kinds
	run inns $A $NK inject tun0 garbage 10.0.2.100 198.18.0.97
	expect "garbage written" $rc = 0 || return 1
	kinds=$(printf '%s\n' "$out" | cut -d' ' -f1)
	wait_for 3 all_counted $kinds || {
		note "not every reason counted: $kinds"; run ctl stats $A; return 1; }
	run ctl ping
	expect "daemon still answers" $rc = 0 || return 1
	run inns $A curl -sS --max-time 5 http://allowed.test/
	expect "and still forwards" $rc = 0
}

t_two_bottles_same_address() {
	run ctl --json bottles
	local e4a e4b
	e4a=$(printf '%s' "$out" | $PY -c 'import json,sys; print([b["egress4"] for b in json.load(sys.stdin)["bottles"] if b["name"]==sys.argv[1]][0])' $A)
	e4b=$(printf '%s' "$out" | $PY -c 'import json,sys; print([b["egress4"] for b in json.load(sys.stdin)["bottles"] if b["name"]==sys.argv[1]][0])' $B)
	expect "distinct egress addresses ($e4a, $e4b)" -n "$e4a" -a "$e4a" != "$e4b" || return 1
	run inns $A curl -sS --max-time 5 http://allowed.test/
	expect "$A (main) fetches allowed.test" $rc = 0 || return 1
	run inns $B curl -sS --max-time 5 http://allowed.test/
	expect "$B (other) cannot resolve allowed.test (exit 6)" $rc = 6 || return 1
	run inns $B curl -sS --max-time 10 http://198.18.0.80/
	expect "$B cannot reach what $A learnt (exit 7)" $rc = 7 || return 1
	run inns $B curl -sS --max-time 5 http://any.test/
	expect "$B fetches what its own policy allows" $rc = 0 || return 1
	expect_log event=dns verdict=deny qname=allowed.test bottle=$B policy=other &&
	expect_log event=flow verdict=deny dst=198.18.0.80 bottle=$B
}

t_json() {
	local v
	for v in bottles stats flows names; do
		run ctl --json $v
		expect "ctl --json $v exits 0" $rc = 0 || return 1
		printf '%s' "$out" | $PY -m json.tool >/dev/null 2>&1 ||
			{ note "ctl --json $v is not JSON"; return 1; }
	done
	run ctl --json stats $A
	printf '%s' "$out" | $PY -m json.tool >/dev/null 2>&1 || { note "stats $A is not JSON"; return 1; }
}

bottle_listed() {	# bottle_listed NAME
	ctl bottles | grep -q "^$1 "
}

t_multiqueue() {
	local i
	run ctl --json bottles
	[[ $out == *"\"name\":\"$E\""*"\"queues\":4"* ]] || { note "$E should have 4 queues"; return 1; }
	for i in 1 2 3 4 5 6; do	# new source ports: flows spread over the queues
		run inns $E curl -sS --max-time 5 http://allowed.test/
		expect "fetch $i from the 4-queue bottle" $rc = 0 || return 1
	done
	run inns $E $NK bulk any.test 7000 200000
	expect "bulk echo from the 4-queue bottle" "$out" = "ok 200000"
}

t_bulk() {
	# NET advertises an MSS for 1500, GW's route has mtu 1400: the
	# bottle learns the path MTU only from GW's ICMP errors, which reach
	# it through the conntrack un-NAT and sentry's inbound path
	run inns $A $NK bulk 198.18.0.83 7000 2000000
	expect "2 MB each way over IPv4" "$out" = "ok 2000000" || return 1
	run inns $A ip route get 198.18.0.83
	[[ $out == *"mtu 1400"* ]] || { note "no path MTU learnt: the ICMP error did not come through"; return 1; }
	run inns $A $NK bulk 2001:db8::80 7000 2000000
	expect "2 MB each way over IPv6" "$out" = "ok 2000000" || return 1
	run inns $A ip -6 route get 2001:db8::80
	[[ $out == *"mtu 1400"* ]] || { note "no IPv6 path MTU learnt: Packet Too Big did not come through"; return 1; }
}

t_netns_deleted() {
	bottle_listed $E || { note "$E not attached"; return 1; }
	run ip netns del $E
	wait_for 5 eval '! bottle_listed $E' || { note "$E still listed 5 s after its netns went"; return 1; }
	grep -q "$E" "$DAEMON_LOG" || note "(daemon log does not mention $E)"
	return 0
}

t_detach() {
	run "$SENTRY" detach --socket "$SOCK" $D
	expect "sentry detach exits 0" $rc = 0 || return 1
	wait_for 5 eval '! bottle_listed $D' || { note "$D still listed"; return 1; }
	wait_for 5 eval '! ip -n $D link show tun0' || { note "tun0 still in $D"; return 1; }
}

rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$daemon_pid/status"
}

t_burst() {
	local rss0 rss1 flows0 flows1 used cap evicted bound
	rss0=$(rss_kb)
	flows0=$(stat_of totals.flows)
	run inns $A $NK burst 198.18.0.100 8 20000 100000 tun0
	expect "burst sent" $rc = 0 || return 1
	# wait until the daemon has drained the TUN queue (flow count settles)
	local last=-1 now_flows
	for _ in $(seq 100); do
		now_flows=$(stat_of totals.flows)
		[ "$now_flows" = "$last" ] && break
		last=$now_flows
		sleep 0.1
	done
	flows1=$(stat_of totals.flows)
	used=$(stat_of tables.flows.used)
	cap=$(stat_of tables.flows.capacity)
	evicted=$(stat_of tables.flows.evicted)
	rss1=$(rss_kb)
	note "new flows seen $((flows1 - flows0)); table $used/$cap, evicted $evicted; RSS $rss0 -> $rss1 kB"
	echo "# burst: $out; daemon saw $((flows1 - flows0)) new flows, table $used/$cap," \
		"evicted $evicted, RSS $rss0 -> $rss1 kB"
	run inns $A ip -s link show tun0
	expect "table capacity is the configured 4096" "$cap" = 4096 &&
	expect "flows in use within the table" "$used" -le 4096 &&
	expect "flows were evicted" "$evicted" -gt 0 &&
	expect "the daemon saw most of the burst (>= 90000 new flows)" $((flows1 - flows0)) -ge 90000 ||
		return 1
	# Tables are allocated at start-up: the burst may touch pages not yet
	# touched, never allocate per flow. 100,000 flows of even 64 bytes
	# each would add 6 MB: allow 4 MB of growth.
	bound=$((rss0 + 4096))
	expect "RSS after the burst ($rss1 kB) within $bound kB" "$rss1" -le "$bound" || return 1
	run inns $A curl -sS --max-time 5 http://allowed.test/
	expect "a normal fetch still works" $rc = 0
}

t_sigterm() {
	kill -TERM "$daemon_pid"
	wait_for 10 eval '! kill -0 $daemon_pid' || {
		note "daemon still running 10 s after SIGTERM:"
		note "$(grep -E '^(State|Threads|TracerPid)' /proc/$daemon_pid/status 2>&1)"
		note "$(cat /proc/$daemon_pid/task/*/wchan 2>&1 | tr '\0' ' ')"
		return 1
	}
	wait "$daemon_pid"
	local st=$?
	expect "exit status 0 (ASan: no leak, no error)" $st = 0 || return 1
	run inns $GW nft list table inet sentry
	expect "nft table removed" $rc != 0 || return 1
	run ip -n $GW link show sentry0
	expect "egress TUN removed" $rc != 0 || return 1
	wait_for 5 eval '! ip -n $A link show tun0' || { note "tun0 still in $A"; return 1; }
}

t_audit() {
	start_daemon "$tmp/audit.ini" || { note "audit daemon did not start"; return 1; }
	attach $A main || { note "$(cat "$tmp/attach.log")"; return 1; }
	run inns $A curl -sS --max-time 5 http://198.18.0.86/
	expect "a denied direct-IP fetch is forwarded in audit mode" $rc = 0 || return 1
	expect_log event=flow verdict=would_deny dst=198.18.0.86 bottle=$A || return 1
	run inns $A dig +short +time=2 +tries=1 @10.0.2.3 denied.test A
	expect "a denied name is answered in audit mode" "$out" = 198.18.0.86 || return 1
	expect_log event=dns verdict=would_deny qname=denied.test
}

t_sigkill() {
	local before
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	wait_for 5 eval '! ip -n $A link show tun0' || { note "tun0 still in $A after SIGKILL"; return 1; }
	before=$(net_count fromgw)
	run inns $A curl -sS --max-time 5 http://198.18.0.80/
	expect "no connectivity (curl exit 7)" $rc = 7 || return 1
	run inns $A dig +time=1 +tries=1 @10.0.2.3 allowed.test
	expect "no DNS either" $rc != 0 || return 1
	run ip -n $A route show
	expect "no route left in $A" -z "$out" || return 1
	expect "nothing reached NET" "$(net_count fromgw)" = "$before"
}

t_attach_no_daemon() {
	run "$SENTRY" attach --netns /run/netns/$A --policy main --socket "$SOCK"
	expect "attach fails" $rc != 0 || return 1
	[[ $out == *"$SOCK"* ]] || { note "the message should name the socket"; return 1; }
	run ip -n $A link show tun0
	expect "no tun0 left behind" $rc != 0
}

# -------------------------------------------------------------------- main

gw_setup "gateway topology set-up"

check "sentry check accepts the configuration" t_check_config
check "attach: tun0 in every bottle, listed by ctl bottles" t_attached
check "allowed name resolves and its HTTP fetch succeeds" t_allowed_fetch
check "denied name gets NXDOMAIN and never reaches the resolver" t_denied_nxdomain
check "direct-IP connection refused fast (RST)" t_direct_ip_refused
check "denied UDP refused fast (ICMP administratively prohibited)" t_udp_refused
check "ICMP echo follows the policy" t_icmp_echo
check "learnt address on a port the rule does not allow is refused" t_port_not_allowed
check "wildcard *.wild.test allows a.wild.test, not wild.test" t_wildcard
check "names match case-insensitively" t_case_insensitive
check "CNAME chain followed: the target's address is learnt" t_cname
check "HTTPS record ipv4hint learnt" t_https_hint
check "CIDR allow" t_cidr_allow
check "CIDR deny beats an allowed name" t_cidr_deny_beats_name
check "DNS to another server (198.18.0.99, 1.2.3.4) is intercepted" t_dns_other_server
check "DNS over TCP is answered and enforced" t_dns_tcp
check "truncated upstream answer retried over TCP, all addresses learnt" t_dns_truncated
check "one bottle's idle DNS-over-TCP connections do not starve others" t_dns_tcp_fair
check "DNS over TLS (853) blocked, even to an allowed name" t_dot_blocked
check "IPv6: allowed name fetched over IPv6" t_ipv6_allowed
check "IPv6: denied name NXDOMAIN, direct address refused" t_ipv6_denied
check "IPv6: no leak from a bottle without IPv6" t_ipv6_no_leak
check "rebinding answers (127.0.0.1, 10.x, NAT64 of loopback) refused" t_rebinding
check "spoofed source dropped" t_spoofed
check "TTL expiry: established flow continues, new flow refused" t_ttl_expiry
check "policy reload revokes a live flow within a second" t_reload_revokes
check "malformed packets counted, not fatal" t_malformed
check "fragments: first decides, orphans dropped" t_fragments
check "unsolicited inbound to a bottle's egress address dropped" t_unsolicited
check "per-bottle DNS rate limit counted" t_dns_rate
check "malformed control requests get an error, not a crash" t_ctl_malformed
check "two bottles, same address, different policies" t_two_bottles_same_address
check "ctl --json output parses" t_json
check "a 4-queue bottle works" t_multiqueue
check "bulk transfer both ways, IPv4 and IPv6 (PMTU through sentry)" t_bulk
check "bottle freed when its netns is deleted" t_netns_deleted
check "sentry detach ends a bottle" t_detach
check "burst of 100,000 flows stays within table size and memory" t_burst
check "SIGTERM: clean exit, egress and nft table removed" t_sigterm
check "audit mode forwards denied traffic, marked would_deny" t_audit
check "SIGKILL: the bottle is left with no connectivity" t_sigkill
check "attach with no daemon fails clearly, leaves no TUN" t_attach_no_daemon

[ "$gw_failed" = 0 ]
