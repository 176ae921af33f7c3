#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# channels.sh - issue 11, items 1 and 2: TCP to port 53 as a way out.
#
# A TCP flow to port 53 is DNS: sentry forwards it without a policy
# decision because the kernel in its namespace redirects it to sentry's
# own listener. Only a bare SYN is sure to be redirected: a first packet
# with RST, FIN+ACK, SYN+ACK or ACK is invalid to conntrack, escapes the
# redirect and the masquerade, and went where it was addressed. And a
# "DNS flow" to another bottle's egress address opened a channel between
# co-tenants. Both layers refuse now: the engine (dns_tcp_no_syn,
# dns_tcp_pool) and the egress nftables table (ct state invalid, and
# anything addressed to the pools, dropped in forward).
#
#  bottles: tun0 only          $P-gw                        $P-net: "the internet"
#  +----------------------+    +-----------------------+    +---------------------------+
#  | $P-o  policy open    |===>| sentry run            |    | nft inet adv counter      |
#  |  (default allow)     |    |  sentry0 egress TUN   |    |   tcp53: any TCP to :53   |
#  | $P-d  policy shut    |===>|  100.127.0.0/16       |--->|   arriving from sentry    |
#  |  (default deny)      |    |  fd5e:5e:5e::/64      |    |                           |
#  +----------------------+    +-----------------------+    +---------------------------+
#  both 10.0.2.100/24, fd00::100/64
#
# $P is advc<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry). Prints
# "ok - NAME" / "not ok - NAME"; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root channels
GW_PREFIX=advc$$
P=$GW_PREFIX
O=$P-o D=$P-d
adv_init channels

setup() {
	echo '{}' >"$tmp/zone.json"
	adv_config "$tmp/sentry.ini"
	printf '[policy]\nname = open\ndefault = allow\n' >"$tmp/open.ini"
	printf '[policy]\nname = shut\ndefault = deny\n' >"$tmp/shut.ini"
	adv_setup_net || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/open.ini" "$tmp/shut.ini" || return 1
	adv_start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	adv_attach $O open --address fd00::100/64 --gateway fd00::2 &&
	adv_attach $D shut --address fd00::100/64 --gateway fd00::2 ||
		{ cat "$tmp/attach.log"; return 1; }
}

inject() {	# inject NS KIND ARGS... (into the namespace's tun0)
	local ns=$1
	shift
	run inns "$ns" $AK inject tun0 "$@"
}

egress_of() {	# egress_of BOTTLE - its egress IPv4 address
	ctl bottles | awk -v b="$1" '$1 == b { print $4 }'
}

# sentry_drops PATTERN - packets counted by the rule of sentry's forward
# chain (in its namespace) matching PATTERN
sentry_drops() {
	ip netns exec "$GW" nft list chain inet sentry forward |
		grep -F -- "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# FIN, SYN, RST, PSH, ACK: every flag byte a stack sends that is not a bare SYN
FLAGS="0x04 0x14 0x11 0x12 0x10 0x18"

# ------------------------------------------------------------------- tests

t_counter_sees_tcp53() {
	local c0
	c0=$(adv_count tcp53)
	# the witness works: a SYN from sentry's namespace itself is counted
	run inns "$GW" $PY -c 'import socket
s = socket.socket(); s.settimeout(0.5)
try: s.connect(("198.18.0.13", 53))
except OSError: pass'
	wait_for 3 eval 'test "$(adv_count tcp53)" -gt "$c0"'
	expect "the internet's tcp53 counter counts a SYN to 198.18.0.13:53" $? = 0
}

leak_test() {	# leak_test BOTTLE SRC DST - every flag byte with data to DST:53
	local b=$1 src=$2 dst=$3 c0 n0 f spec=() i=0
	c0=$(adv_count tcp53)
	n0=$(drops "$b" dns_tcp_no_syn)
	for f in $FLAGS; do
		spec+=(tcpdata "$src" "$dst" $((40050 + i)) 53 "$f" SECRET --)
		i=$((i + 1))
	done
	inject "$b" "${spec[@]}"
	counted "$b" dns_tcp_no_syn "$n0" 6 || return 1
	expect_log event=flow verdict=deny reason=dns_tcp_no_syn dst="$dst" dport=53 bottle="$b" ||
		return 1
	# counted above means sentry has read them all; settle waits for the kernel
	expect "nothing reached the internet on tcp/53" "$(settle adv_count tcp53)" = "$c0"
}

t_leak_v4_deny() { leak_test $D 10.0.2.100 198.18.0.13; }
t_leak_v6_deny() { leak_test $D fd00::100 2001:db8::13; }
t_leak_v4_allow() { leak_test $O 10.0.2.100 198.18.0.13; }
t_leak_v6_allow() { leak_test $O fd00::100 2001:db8::13; }

t_dns_flow_to_pool() {
	local eo n0 p0
	eo=$(egress_of $O)
	expect "bottle $O has an egress address ($eo)" -n "$eo" || return 1
	n0=$(drops $D dns_tcp_no_syn)
	p0=$(drops $D dns_tcp_pool)
	# the attack's first step: an RST "to the resolver" at the co-tenant's
	# address; and a SYN, which would be a DNS flow anywhere else
	inject $D tcpdata 10.0.2.100 "$eo" 40300 53 0x04 open -- \
		tcpdata 10.0.2.100 "$eo" 40301 53 0x02 open -- \
		tcpdata fd00::100 fd5e:5e:5e::2 40302 53 0x02 open
	counted $D dns_tcp_no_syn "$n0" 1 &&
	counted $D dns_tcp_pool "$p0" 2 &&
	expect_log event=flow verdict=deny reason=dns_tcp_pool dst="$eo" dport=53 bottle=$D
}

t_cotenant_channel() {
	local ed f0 pid
	ed=$(egress_of $D)
	expect "bottle $D has an egress address ($ed)" -n "$ed" || return 1
	inject $D tcpdata 10.0.2.100 "$(egress_of $O)" 40300 53 0x04 open
	: >"$tmp/listener.out"
	spawn pid ip netns exec $D $PY -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 40300)); s.listen(4); print("ready", flush=True)
while True:
    c, a = s.accept(); print("accepted", a, c.recv(100), flush=True)' >"$tmp/listener.out" 2>&1
	wait_for 5 grep -q ready "$tmp/listener.out" || { note "listener never ready"; return 1; }
	f0=$(sentry_drops "ip daddr 100.127.0.0/16")
	# the default-allow bottle connects from port 53 to the other's egress address
	run inns $O $PY -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 53)); s.settimeout(2)
try:
    s.connect((sys.argv[1], 40300)); s.sendall(b"SECRET"); print("connected")
except OSError as e:
    print("failed", e)' "$ed"
	expect "the connection across bottles failed" "${out%% *}" = failed || return 1
	wait_for 3 eval 'test "$(sentry_drops "ip daddr 100.127.0.0/16")" -gt "$f0"'
	expect "sentry's forward chain dropped it as addressed to the pool" $? = 0 || return 1
	expect "the listener in $D accepted nothing" \
		"$(grep -c accepted "$tmp/listener.out")" = 0
}

t_dns_still_works() {
	# a real DNS-over-TCP connection still opens with a SYN and is answered
	run inns $D $AK bigq 198.18.0.53 ok.test 100 tcp
	# policy shut denies every name: sentry answers itself, with its refusal
	expect "a DNS-over-TCP query is answered by sentry ($out)" \
		"$out" != timeout -a "$out" != closed -a -n "$out" &&
	expect_log event=dns verdict=deny bottle=$D
}

# -------------------------------------------------------------------- main

gw_setup "channels: topology set-up"

check "tcp53-witness: the internet's counter sees TCP to port 53" t_counter_sees_tcp53
check "tcp53-leak-v4-deny: RST, RST+ACK, FIN+ACK, SYN+ACK, ACK with data from a default-deny bottle dropped (dns_tcp_no_syn), nothing left" t_leak_v4_deny
check "tcp53-leak-v6-deny: the same over IPv6 (dns_tcp_no_syn)" t_leak_v6_deny
check "tcp53-leak-v4-allow: the same from a default-allow bottle (dns_tcp_no_syn)" t_leak_v4_allow
check "tcp53-leak-v6-allow: the same over IPv6 from a default-allow bottle (dns_tcp_no_syn)" t_leak_v6_allow
check "dns-flow-to-pool: RST and SYN to a co-tenant's egress address on :53 refused (dns_tcp_no_syn, dns_tcp_pool)" t_dns_flow_to_pool
check "cotenant-channel: a connection from port 53 to the other bottle's egress address dropped by the egress table" t_cotenant_channel
check "dns-over-tcp: a query opened with a SYN still reaches sentry's resolver" t_dns_still_works

adv_finish channels
