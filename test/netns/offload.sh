#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# offload.sh - virtio-net headers, GSO and multi-queue workers, end to end:
# bulk TCP (both ways, IPv4 and IPv6) and UDP GSO (both ways) with every
# byte checked, under each way the two TUNs can be set up, and what the
# daemon's counters say about how the packets went.
#
#  $P-b: the bottle           $P-gw: sentry run               $P-net: "the internet"
#  +--------------------+     +------------------------+      +----------------------+
#  | tun0 10.0.2.100/24 |====>| sentry0 (egress TUN)   |      | lo 198.18.0.80       |
#  |      fd00::100/64  | fd  | 100.127.0.0/16,        |      |    2001:db8::80      |
#  | (attach, queues    |     | fd5e:5e:5e::/64, NAT   |      | offkit.py serve :7000|
#  |  per variant)      |     | gw0 198.18.1.2/24      |-veth-| net0 198.18.1.1/24   |
#  +--------------------+     |     2001:db8:1::2/64   |      |   2001:db8:1::1/64   |
#                             +------------------------+      +----------------------+
#
# Variants, each with a daemon and bottle of its own:
#   offload    vnet headers on both TUNs (the default): GSO packets pass whole
#   mixed      bottle --no-offload, egress with offloads: sentry segments
#              the egress's GSO packets (TCP and UDP) in software
#   noegress   [egress] offload = no, bottle with a vnet header (and no
#              offloads asked of it)
#   plain      no vnet header anywhere: one plain packet per read
#   1worker    [daemon] workers = 1 with a 4-queue bottle
#   4workers   [daemon] workers = 4 with a 1-queue bottle, and a connection
#              that idles past the TUNs' 3 s steering memory
#
# $P is sot<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (binary under test; default build/stage/usr/local/bin/sentry, as make stage installs it).
# Prints "ok - NAME" / "not ok - NAME" per test; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all offload "not root"
[ -c /dev/net/tun ] || gw_skip_all offload "no /dev/net/tun"
command -v nft >/dev/null || gw_skip_all offload "no nft"
[ -x "$SENTRY" ] || { echo "not ok - offload: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=sot$$
P=$GW_PREFIX
NET=$P-net GW=$P-gw B=$P-b
gw_init
[ -n "$PY" ] || gw_skip_all offload "no python3"
OK="$PY $here/lib/offkit.py"
SOCK=$tmp/ctl.sock
STORE=$tmp/store
DLOG=$tmp/decisions.log
DAEMON_LOG=$tmp/daemon.log
daemon_pid=
BULK=${BULK:-20000000}

setup_net() {
	mkns $NET && mkns $GW || return 1
	ip link add $P-g0 netns $GW type veth peer name $P-n0 netns $NET || return 1
	ip -n $GW addr add 198.18.1.2/24 dev $P-g0
	ip -n $GW addr add 2001:db8:1::2/64 dev $P-g0 nodad
	ip -n $NET addr add 198.18.1.1/24 dev $P-n0
	ip -n $NET addr add 2001:db8:1::1/64 dev $P-n0 nodad
	ip -n $NET addr add 198.18.0.80/32 dev lo
	ip -n $NET addr add 2001:db8::80/128 dev lo
	ip -n $GW link set $P-g0 up
	ip -n $NET link set $P-n0 up
	ip -n $GW route add default via 198.18.1.1
	ip -n $GW -6 route add default via 2001:db8:1::1
	spawn srv4 ip netns exec $NET $OK serve 198.18.0.80 7000 >"$tmp/srv4.out" 2>&1
	spawn srv6 ip netns exec $NET $OK serve 2001:db8::80 7000 >"$tmp/srv6.out" 2>&1
	wait_for 5 grep -q listening "$tmp/srv4.out" && wait_for 5 grep -q listening "$tmp/srv6.out"
	cat >"$tmp/bench.ini" <<-'EOF'
	[policy]
	name = open
	default = deny
	[allow]
	cidr = 198.18.0.0/16
	cidr = 2001:db8::/32
	EOF
	"$SENTRY" policy load --db "$STORE" "$tmp/bench.ini" >/dev/null && : >"$DLOG"
}

ctl() {
	"$SENTRY" ctl --socket "$SOCK" "$@"
}

stat_of() {	# stat_of DOTTED.PATH - one number from ctl --json stats
	ctl --json stats | $PY -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# start VARIANT - a daemon and a bottle set up the variant's way
start() {
	local offload=yes workers=0 attach=()
	case $1 in
	mixed) attach+=(--no-offload) ;;
	noegress) offload=no ;;
	plain) offload=no attach+=(--no-offload) ;;
	1worker) workers=1 attach+=(--queues 4) ;;
	4workers) workers=4 attach+=(--queues 1) ;;
	esac
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $STORE
	decision_log = $DLOG
	log_level = info
	workers = $workers
	[dns]
	upstream = 198.18.1.1
	[egress]
	offload = $offload
	EOF
	ip netns del $B 2>/dev/null
	mkns $B || return 1
	spawn daemon_pid ip netns exec $GW "$SENTRY" run -c "$tmp/sentry.ini" 2>>"$DAEMON_LOG"
	wait_for 10 ctl ping || return 1
	"$SENTRY" attach --netns /run/netns/$B --policy open --socket "$SOCK" \
		--address 10.0.2.100/24 --gateway 10.0.2.2 \
		--address fd00::100/64 --gateway fd00::2 "${attach[@]}" >>"$tmp/attach.log" 2>&1
}

stop() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	local st=$?
	daemon_pid=
	return $st
}

# bulk - TCP up and down, IPv4 and IPv6, every byte checked
bulk() {
	local host dir
	for host in 198.18.0.80 2001:db8::80; do
		for dir in up down; do
			run inns $B $OK $dir $host 7000 "$BULK"
			expect "$dir $BULK bytes to $host intact" "$out" = ok || return 1
		done
	done
}

t_txqueuelen() {
	run inns $B ip link show tun0
	[[ $out == *"qlen 10000"* ]] || { note "tun0 qlen is not 10000"; return 1; }
	run inns $GW ip link show sentry0
	[[ $out == *"qlen 10000"* ]] || { note "sentry0 qlen is not 10000"; return 1; }
}

# counters: average outbound and inbound packet size, GSO segments
avg() {	# avg out|in
	local p b
	p=$(stat_of "bottle_stats.$B.packets_$1")
	b=$(stat_of "bottle_stats.$B.bytes_$1")
	echo $((b / (p ? p : 1)))
}

t_variant() {	# t_variant VARIANT
	local v=$1 seg
	start "$v" || { note "$(tail -n 5 "$tmp/attach.log" "$DAEMON_LOG")"; return 1; }
	bulk || return 1
	run inns $B $OK udpgso 198.18.0.80 7000 1200 256
	expect "256 datagrams out in GSO sends, answered (got $out)" "$out" -ge 240 || return 1
	run inns $B $OK udpgso 2001:db8::80 7000 1200 256
	expect "the same over IPv6 (got $out)" "$out" -ge 240 || return 1
	run inns $B $OK udpdown 198.18.0.80 7000 1200 256
	expect "256 datagrams in, sent by the peer in GSO sends (got $out)" "$out" -ge 240 ||
		return 1
	seg=$(stat_of datapath.gso_segmented)
	note "variant $v: average packet out $(avg out) B, in $(avg in) B; GSO segmented $seg"
	case $v in
	offload)
		t_txqueuelen || return 1
		expect "no software segmentation ($seg)" "$seg" = 0 &&
		expect "GSO packets came from the bottle whole (average $(avg out) B)" \
			"$(avg out)" -gt 8000 &&
		expect "and from the egress (average $(avg in) B)" "$(avg in)" -gt 8000 ||
			return 1
		;;
	mixed)
		local n
		n=$(stat_of datapath.gso_segments)
		expect "the egress's GSO packets were cut in software ($seg)" "$seg" -gt 0 &&
		expect "each into several packets ($n from $seg)" "$n" -gt $((seg * 2)) ||
			return 1
		;;
	plain|noegress)
		expect "nothing to segment ($seg)" "$seg" = 0 &&
		expect "plain packets out (average $(avg out) B)" "$(avg out)" -lt 1600 || return 1
		;;
	esac
	expect "no write errors" "$(stat_of totals.write_errors)" = 0 &&
	expect "no vnet_hdr drops" "$(ctl --json stats | grep -c '"vnet_hdr"')" = 0 || return 1
	if [ "$v" = 4workers ]; then
		idle_flow || return 1
	fi
	stop || { note "daemon exit status not 0"; return 1; }
}

# A connection that idles past the TUNs' flow memory (3 s): its packets
# may now be steered to another worker, which must take the flow over
idle_flow() {
	local fd
	spawn hold_pid ip netns exec $B $PY -c '
import socket, sys, time
s = socket.create_connection(("198.18.0.80", 7000), timeout=10)
s.sendall(b"up 8\n12345678")
print(s.recv(100)[:8].decode(), flush=True)
' >"$tmp/idle1.out" 2>&1
	wait_for 5 test -s "$tmp/idle1.out" || { note "first connection failed"; return 1; }
	# several connections, each quiet for 4 s between its two halves
	cat >"$tmp/idle.py" <<-'EOF'
	import hashlib, socket, sys, time
	conns = [socket.create_connection(("198.18.0.80", 7000), timeout=10) for _ in range(8)]
	for c in conns:
	    c.sendall(b"up 16\n12345678")
	time.sleep(4.5)
	for c in conns:
	    c.sendall(b"abcdefgh")
	ok = sum(c.recv(100).decode().strip() == hashlib.sha256(b"12345678abcdefgh").hexdigest()
	         for c in conns)
	print(ok)
	EOF
	run inns $B $PY "$tmp/idle.py"
	expect "8 connections idle 4.5 s all finish (got $out)" "$out" = 8 || return 1
	echo "# flows moved between workers: $(stat_of datapath.flows_stolen)"
	expect "none refused as no_flow" "$(ctl --json stats | grep -c '"no_flow"')" = 0
}

if ! setup_net >"$tmp/setup.log" 2>&1; then
	echo "not ok - offload topology set-up"
	sed 's/^/# /' "$tmp/setup.log" | tail -n 20
	exit 1
fi

# each variant leaves no daemon behind, pass or fail
variant() {
	local st
	t_variant "$1"
	st=$?
	stop >/dev/null 2>&1
	return $st
}
t_offload() { variant offload; }
t_mixed() { variant mixed; }
t_noegress() { variant noegress; }
t_plain() { variant plain; }
t_1worker() { variant 1worker; }
t_4workers() { variant 4workers; }

check "offload: GSO both ways passes whole, contents intact" t_offload
check "mixed: GSO from the egress segmented for a plain bottle" t_mixed
check "noegress: plain egress, vnet bottle without offloads" t_noegress
check "plain: no vnet header anywhere" t_plain
check "1 worker reading 4 queues" t_1worker
check "4 workers sharing 1 queue; idle flows move between workers" t_4workers

[ "$gw_failed" = 0 ]
