#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# publish.sh - published ports (pasta's -t/-u): the helper binds them where
# it runs, the bottle is attached with its mappings, and a relay process
# carries each connection into the bottle with the kernel's TCP on both
# sides (helpers/publish_relay.h).
#
#  $P-cli: a remote client          $P-host: plays the host               $P-b1: the bottle
#  +-------------------+   veth    +------------------------------+ TUN  +---------------------+
#  | 198.18.5.2/24     |-----------| 198.18.5.1/24, fd00:5::1/64  |<---->| eth0 10.0.2.100/24  |
#  | fd00:5::2/64      |           | the pasta personality binds  |      | pubkit serve 80, 53 |
#  | pubkit echo/udp   |           | *:8080 127.0.0.1:8081 *:5353 |      | (TCP echo after EOF,|
#  +-------------------+           | then forks the relay, which  |      |  UDP echo)          |
#                                  | joins $P-b1 for its sockets  |      +---------------------+
#                                  +------------------------------+
#  $P-gw: the daemon (control socket $tmp/sock, decision log $tmp/decisions.log); $P-gw2:
#  a second daemon with [helper] publish = deny. More bottles $P-b2..b7 come and go: a
#  port in use, deny, detach, slirp4netns's --api-socket (driven as Podman 4 drives it),
#  40 concurrent connections, and last the daemon killed mid-transfer.
#  No namespace has a route off the machine.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all publish "not root"
[ -c /dev/net/tun ] || gw_skip_all publish "no /dev/net/tun"
[ -x "$SENTRY" ] || { echo "not ok - publish: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=spb$$
P=$GW_PREFIX
gw_init
[ -n "$PY" ] || gw_skip_all publish "no python3"
PK="$PY $here/lib/pubkit.py"
DAEMON_LOG=$tmp/daemon.log
DLOG=$tmp/decisions.log
SOCK=$tmp/sock/control.sock
SOCK2=$tmp/sock/deny.sock

ctl() { "$SENTRY" ctl --socket "$SOCK" "$@"; }

write_files() {
	mkdir -m 0755 "$tmp/sock" "$tmp/bin"
	ln -s "$SENTRY" "$tmp/bin/pasta"
	: >"$DLOG"
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $tmp/store
	decision_log = $DLOG
	default_policy = p
	[dns]
	upstream = 198.18.0.53
	[helper]
	publish_conns = 3
	EOF
	sed -e "s|^control_socket = .*|control_socket = $SOCK2|" \
	    -e "s|^decision_log = .*|decision_log = $tmp/deny.log|" \
	    -e 's/^publish_conns = 3/publish = deny/' "$tmp/sentry.ini" >"$tmp/deny.ini"
	printf '[policy]\nname = p\ndefault = deny\n' >"$tmp/p.ini"
}

setup() {
	write_files
	"$SENTRY" policy load --db "$tmp/store" "$tmp/p.ini" || return 1
	for n in gw gw2 host cli; do mkns "$P-$n" || return 1; done
	ip link add "$P-h" netns "$P-host" type veth peer name "$P-c" netns "$P-cli" || return 1
	ip -n "$P-host" addr add 198.18.5.1/24 dev "$P-h"
	ip -n "$P-host" addr add fd00:5::1/64 dev "$P-h" nodad
	ip -n "$P-host" link set "$P-h" up
	ip -n "$P-cli" addr add 198.18.5.2/24 dev "$P-c"
	ip -n "$P-cli" addr add fd00:5::2/64 dev "$P-c" nodad
	ip -n "$P-cli" link set "$P-c" up
	spawn daemon_pid ip netns exec "$P-gw" "$SENTRY" run -c "$tmp/sentry.ini" 2>>"$DAEMON_LOG"
	spawn deny_pid ip netns exec "$P-gw2" "$SENTRY" run -c "$tmp/deny.ini" 2>>"$DAEMON_LOG"
	wait_for 10 ctl ping && wait_for 10 "$SENTRY" ctl --socket "$SOCK2" ping
}

# helper SOCKET BOTTLE ARGS... - Podman 5's argv with ARGS for -t/-u; the
# output is one pipe that must reach EOF (command substitution waits for it)
helper() {
	local sock=$1 b=$2
	shift 2
	run timeout 20 ip netns exec "$P-host" env SENTRY_SOCKET="$sock" \
		SENTRY_CONFIG="$tmp/sentry.ini" "$tmp/bin/pasta" --config-net \
		--dns-forward 169.254.1.1 "$@" -T none -U none --no-map-gw --quiet \
		--netns "/run/netns/$b" --map-guest-addr 169.254.1.2
}

# relay_pid BOTTLE PORT: the process in $P-host holding host port PORT
# (TCP listening or UDP bound); BOTTLE only names whose it should be
relay_pid() {
	ip netns exec "$P-host" ss -Hltunp "sport = :$2" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}
listening() { [ -n "$(relay_pid "$1" "$2")" ]; }
not_listening() { [ -z "$(relay_pid "$1" "$2")" ]; }

t_attach() {
	mkns "$P-b1" || return 1
	spawn srv_pid ip netns exec "$P-b1" $PK serve 80 53 >"$tmp/srv.out"
	wait_for 5 grep -q ready "$tmp/srv.out" || { note "bottle server not ready"; return 1; }
	helper "$SOCK" "$P-b1" -t 8080-8080:80-80 -t 127.0.0.1/8081-8081:80-80 \
		-t fd00:5::1/8086-8086:80-80 -u 5353-5353:53-53
	expect "helper exits 0" "$rc" = 0 &&
	listening b1 8080 && listening b1 8081 && listening b1 8086
}

t_tcp() {
	run ip netns exec "$P-cli" $PK echo 198.18.5.1 8080 1000000
	expect "1 MB each way, half-closed, through *:8080" "$out" = "ok 1000000"
}

t_bind() {
	run ip netns exec "$P-host" $PK echo 127.0.0.1 8081 1000
	expect "127.0.0.1:8081 from the host" "$out" = "ok 1000" || return 1
	run ip netns exec "$P-cli" $PK connect 198.18.5.1 8081
	expect "8081 is not on 198.18.5.1" "${out%% *}" = fail
}

t_ipv6() {
	run ip netns exec "$P-cli" $PK echo fd00:5::1 8080 5000
	expect "[fd00:5::1]:8080 (the *:8080 mapping's IPv6 socket)" "$out" = "ok 5000" || return 1
	run ip netns exec "$P-cli" $PK echo fd00:5::1 8086 5000
	expect "[fd00:5::1]:8086 (an IPv6 bind address)" "$out" = "ok 5000"
}

t_udp() {
	run ip netns exec "$P-cli" $PK udp 198.18.5.1 5353
	expect "a datagram to 5353 and its reply" "$out" = ok
}

t_inbound_log() {
	run ip netns exec "$P-cli" $PK echo 198.18.5.1 8080 10
	expect_log event=inbound verdict=allow bottle="$P-b1" proto=tcp src=198.18.5.2 \
		dport=80 "rule=publish tcp *:8080->80" || return 1
	dlog_mark=0	# the UDP association was made in t_udp
	expect_log event=inbound verdict=allow bottle="$P-b1" proto=udp dport=53 \
		"rule=publish udp *:5353->53"
}

t_ctl_bottles() {
	run ctl bottles
	printf '%s\n' "$out" | grep -q "published: tcp \*:8080->80, tcp 127.0.0.1:8081->80, tcp \[fd00:5::1\]:8086->80, udp \*:5353->53" ||
		{ note "text lists the mappings"; return 1; }
	run ctl --json bottles
	printf '%s\n' "$out" | $NK jget "bottles.0.published.1.bind" >"$tmp/j" 2>&1
	expect "json: bind address" "$(cat "$tmp/j")" = 127.0.0.1 || return 1
	expect "json: inbound count" "$(printf '%s\n' "$out" | $NK jget bottles.0.inbound.allowed)" -ge 3
}

t_conn_bound() {
	local before
	before=$(ctl --json bottles | $NK jget bottles.0.inbound.refused)
	coproc HOLD { ip netns exec "$P-cli" $PK hold 198.18.5.1 8080 3; }
	gw_pids+=("$HOLD_PID")
	local l1 l2
	read -r -t 15 l1 <&"${HOLD[0]}"
	read -r -t 15 l2 <&"${HOLD[0]}"
	note "hold: '$l1' '$l2'"
	exec {HOLD[1]}>&-
	wait "$HOLD_PID" 2>/dev/null
	expect "3 held, the 4th reset (publish_conns = 3)" "$l1/$l2" = "held 3/extra reset" || return 1
	expect "refused counted" "$(ctl --json bottles | $NK jget bottles.0.inbound.refused)" -gt "${before:-0}" || return 1
	expect_log event=inbound verdict=deny reason=publish_conns bottle="$P-b1" || return 1
	# the held ones are closed now: the mapping serves again
	wait_for 5 eval "ip netns exec $P-cli $PK echo 198.18.5.1 8080 10 | grep -q 'ok 10'"
}

t_egress_still_denied() {
	run ip netns exec "$P-b1" $PK connect 198.18.5.2 9
	expect "the bottle's own connection fails" "${out%% *}" = fail || return 1
	expect_log event=flow verdict=deny bottle="$P-b1" dst=198.18.5.2 dport=9 || return 1
	run ctl flows
	if printf '%s\n' "$out" | grep -q ':80\b'; then
		note "a published connection made a flow in the engine"
		return 1
	fi
}

t_in_use() {
	mkns "$P-b2" || return 1
	helper "$SOCK" "$P-b2" -t 8080-8080:80-80 -u none
	expect "helper exits 1" "$rc" = 1 || return 1
	case $out in *"port 8080/tcp is in use"*) ;; *) note "message names the port"; return 1 ;; esac
	run ctl bottles
	if printf '%s\n' "$out" | grep -q "^$P-b2 "; then note "no bottle left behind"; return 1; fi
}

t_deny() {
	mkns "$P-b3" || return 1
	helper "$SOCK2" "$P-b3" -t 8090-8090:80-80 -u none
	expect "helper exits 1" "$rc" = 1 || return 1
	case $out in *"publish = deny"*"8090"*) ;; *) note "message says publish = deny and the port"; return 1 ;; esac
	not_listening b3 8090 || { note "the port was closed again"; return 1; }
	# no ports: the same daemon still attaches it
	helper "$SOCK2" "$P-b3" -t none -u none
	expect "without ports it attaches" "$rc" = 0
}

t_detach_ends_relay() {
	mkns "$P-b4" || return 1
	helper "$SOCK" "$P-b4" -t 8084-8084:80-80 -u none
	expect "attached with a port" "$rc" = 0 || return 1
	listening b4 8084 || { note "8084 listens"; return 1; }
	run "$SENTRY" detach --socket "$SOCK" "$P-b4"
	wait_for 5 not_listening b4 8084 || { note "8084 still listens after detach"; return 1; }
}

# slirp4netns's --api-socket, as Podman 4 drives it with port_handler=slirp4netns
api() {	# api JSON - one request through the coprocess; the answer in $out
	printf '%s\n' "$1" >&"${SL[1]}"
	out=
	read -r -t 20 out <&"${SL[0]}"
	note "api $1 -> $out"
}

t_slirp_api() {
	mkns "$P-b5" || return 1
	ln -sf "$SENTRY" "$tmp/bin/slirp4netns"
	spawn srv5_pid ip netns exec "$P-b5" $PK serve 80 53 >"$tmp/srv5.out"
	wait_for 5 grep -q ready "$tmp/srv5.out" || { note "bottle server not ready"; return 1; }
	coproc SL { ip netns exec "$P-host" env SENTRY_SOCKET="$SOCK" SENTRY_CONFIG="$tmp/sentry.ini" \
		$PK slirp "$tmp/api.sock" "$tmp/bin/slirp4netns" --mtu=65520 -c -e 3 -r 4 \
		--api-socket "$tmp/api.sock" --netns-type=path "/run/netns/$P-b5" tap0 2>"$tmp/slirp.err"; }
	gw_pids+=("$SL_PID")
	local l
	read -r -t 20 l <&"${SL[0]}"
	expect "the helper is ready" "$l" = ready || { run cat "$tmp/slirp.err"; return 1; }
	api '{"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "0.0.0.0", "host_port": 8095, "guest_addr": "10.0.2.100", "guest_port": 80}}'
	expect "add answers an id" "$out" = '{"return":{"id":1}}' || return 1
	run ip netns exec "$P-cli" $PK echo 198.18.5.1 8095 100000
	expect "TCP through the forward" "$out" = "ok 100000" || return 1
	api '{"execute": "list_hostfwd"}'
	expect "list as slirp4netns" "$out" = '{"return":{"entries":[{"id":1,"proto":"tcp","host_addr":"0.0.0.0","host_port":8095,"guest_addr":"10.0.2.100","guest_port":80}]}}' || return 1
	run ctl bottles
	printf '%s\n' "$out" | grep -q "published: tcp 0.0.0.0:8095->80" || { note "ctl bottles shows it"; return 1; }
	expect_log event=inbound verdict=allow bottle="$P-b5" "rule=publish tcp 0.0.0.0:8095->80" || return 1
	api '{"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_port": 8095, "guest_port": 80}}'
	case $out in *'"desc":"bad request: add_hostfwd: slirp_add_hostfwd failed: port 8095/tcp on 0.0.0.0 is in use"'*) ;;
	*) note "a port in use is an error naming it"; return 1 ;; esac
	api '{"execute": "add_hostfwd", "arguments": {"proto": "udp", "host_port": 5395, "guest_port": 53}}'
	expect "a UDP forward" "$out" = '{"return":{"id":2}}' || return 1
	run ip netns exec "$P-cli" $PK udp 198.18.5.1 5395
	expect "UDP through it" "$out" = ok || return 1
	api '{"execute": "remove_hostfwd", "arguments": {"id": 1}}'
	expect "remove" "$out" = '{"return":{}}' || return 1
	wait_for 5 not_listening b5 8095 || { note "8095 still listens"; return 1; }
	run ctl bottles
	printf '%s\n' "$out" | grep -q "8095" && { note "ctl bottles still lists 8095"; return 1; }
	api '{"execute": "remove_hostfwd", "arguments": {"id": 1}}'
	expect "remove twice" "$out" = '{"error":{"desc":"bad request: remove_hostfwd: bad arguments.id"}}' || return 1
	api '{"execute": "add_hostfwd"'
	expect "bad JSON" "$out" = '{"error":{"desc":"bad request: cannot parse JSON"}}' || return 1
	exec {SL[1]}>&-
	read -r -t 20 l <&"${SL[0]}"
	expect "the helper exits 0 at the exit fd's EOF" "$l" = "exit 0" || return 1
	wait_for 5 not_listening b5 5395 || { note "5395 still bound after the helper exited"; return 1; }
	run ctl bottles
	! printf '%s\n' "$out" | grep -q "^$P-b5 " || { note "bottle detached"; return 1; }
}

t_slirp_deny() {
	mkns "$P-b6" || return 1
	coproc SL { ip netns exec "$P-host" env SENTRY_SOCKET="$SOCK2" SENTRY_CONFIG="$tmp/sentry.ini" \
		$PK slirp "$tmp/api6.sock" "$tmp/bin/slirp4netns" -c -e 3 -r 4 \
		--api-socket "$tmp/api6.sock" --netns-type=path "/run/netns/$P-b6" tap0 2>"$tmp/slirp6.err"; }
	gw_pids+=("$SL_PID")
	local l
	read -r -t 20 l <&"${SL[0]}"
	expect "the helper is ready" "$l" = ready || return 1
	api '{"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_port": 8096, "guest_port": 80}}'
	case $out in *'slirp_add_hostfwd failed: published ports are denied'*) ;;
	*) note "publish = deny refuses add_hostfwd"; return 1 ;; esac
	not_listening b6 8096 || { note "8096 closed again"; return 1; }
	exec {SL[1]}>&-
	read -r -t 20 l <&"${SL[0]}"
	expect "exit 0" "$l" = "exit 0"
}

nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

t_many() {
	local pid base i bad=0 pids=()
	sed 's/^publish_conns = 3/publish_conns = 64/' "$tmp/sentry.ini" >"$tmp/many.ini"
	mkns "$P-b7" || return 1
	spawn srv7_pid ip netns exec "$P-b7" $PK serve 80 53 >"$tmp/srv7.out"
	wait_for 5 grep -q ready "$tmp/srv7.out" || { note "bottle server not ready"; return 1; }
	run timeout 20 ip netns exec "$P-host" env SENTRY_SOCKET="$SOCK" SENTRY_CONFIG="$tmp/many.ini" \
		"$tmp/bin/pasta" --config-net -t 8097-8097:80-80 -u none --quiet --netns "/run/netns/$P-b7"
	expect "attached" "$rc" = 0 || return 1
	pid=$(relay_pid b7 8097)
	base=$(nfds "$pid")
	for i in $(seq 40); do
		ip netns exec "$P-cli" $PK echo 198.18.5.1 8097 20000 >"$tmp/many.$i" &
		pids+=("$!")
	done
	wait "${pids[@]}"	# not a bare wait: the daemons are our children too
	for i in $(seq 40); do
		[ "$(cat "$tmp/many.$i")" = "ok 20000" ] || { bad=$((bad + 1)); note "client $i: $(cat "$tmp/many.$i")"; }
	done
	expect "40 concurrent connections all echoed" "$bad" = 0 || return 1
	wait_for 5 eval '[ "$(nfds '"$pid"')" = '"$base"' ]' ||
		{ note "relay holds $(nfds "$pid") descriptors, $base before"; return 1; }
}

# a bottle that never accepts: the relay's connects it cannot complete are
# reset after RELAY_CONNECT_TIMEOUT_S (10 s), freeing their slots. The one
# connection its queue took stays, as a direct one would, until the
# bottle closes it (or keepalive finds the client gone, minutes later)
t_deaf() {
	local pid base l1 l2
	mkns "$P-b8" || return 1
	spawn srv8_pid ip netns exec "$P-b8" $PK deaf 80 >"$tmp/srv8.out"
	wait_for 5 grep -q ready "$tmp/srv8.out" || { note "deaf server not ready"; return 1; }
	helper "$SOCK" "$P-b8" -t 8098-8098:80-80 -u none
	expect "attached" "$rc" = 0 || return 1
	pid=$(relay_pid b8 8098)
	base=$(nfds "$pid")
	coproc DEAF { ip netns exec "$P-cli" $PK hold 198.18.5.1 8098 3 2>"$tmp/deaf.err"; }
	gw_pids+=("$DEAF_PID")
	read -r -t 15 l1 <&"${DEAF[0]}"
	read -r -t 15 l2 <&"${DEAF[0]}"
	expect "3 held, the 4th refused (publish_conns = 3)" "$l1/$l2" = "held 3/extra reset" ||
		{ run cat "$tmp/deaf.err"; return 1; }
	# two of the three wait on a full queue: reset at the deadline, 12 descriptors freed
	wait_for 20 eval '[ "$(nfds '"$pid"')" -le $(('"$base"' + 6)) ]' ||
		{ note "relay holds $(nfds "$pid") descriptors, $base before"; return 1; }
	exec {DEAF[1]}>&-
	wait "$DEAF_PID" 2>/dev/null
	kill "$srv8_pid"	# the bottle's listener closes: its queued connection is reset
	wait_for 5 eval '[ "$(nfds '"$pid"')" = '"$base"' ]' ||
		{ note "relay holds $(nfds "$pid") descriptors after the bottle closed, $base before"; return 1; }
}

# the daemon killed in the middle of a transfer: the TUN goes with it, so
# the relay ends, its connections are reset and its port is freed
t_daemon_killed() {
	local pid base cpid
	pid=$(relay_pid b7 8097)
	expect "a relay pid" -n "$pid" || return 1
	base=$(nfds "$pid")
	ip netns exec "$P-cli" $PK stream 198.18.5.1 8097 >"$tmp/long.out" &
	cpid=$!
	wait_for 10 eval '[ "$(nfds '"$pid"')" -gt '"$base"' ]' || { note "the transfer never started"; return 1; }
	{ kill -KILL "$daemon_pid"; wait "$daemon_pid"; } 2>/dev/null
	gone() { ! kill -0 "$1" 2>/dev/null; }
	wait_for 10 gone "$pid" && wait_for 5 not_listening b7 8097 ||
		{ note "relay $pid still there after the daemon died"; return 1; }
	wait "$cpid"
	run cat "$tmp/long.out"
	expect "the client saw the transfer fail" "${out%% *}" = fail
}

t_netns_gone() {
	local pid
	pid=$(relay_pid b1 8080)
	expect "a relay pid" -n "$pid" || return 1
	kill "$srv_pid" 2>/dev/null
	ip netns del "$P-b1"
	gone() { ! kill -0 "$1" 2>/dev/null; }
	wait_for 5 not_listening b1 8080 && wait_for 5 not_listening b1 5353 &&
		wait_for 5 gone "$pid" ||
		{ note "relay $pid or its listeners still there"; return 1; }
}

gw_setup "publish: set-up"
check "publish: helper attaches with -t/-u and binds every port" t_attach || exit 1
check "publish: TCP to the bottle both ways, half-close carried" t_tcp
check "publish: a bind address listens there only" t_bind
check "publish: IPv6 clients (both-family mapping and IPv6 bind)" t_ipv6
check "publish: UDP datagram and reply" t_udp
check "publish: inbound decision lines with the mapping as the rule" t_inbound_log
check "publish: ctl bottles shows the mappings (text and JSON)" t_ctl_bottles
check "publish: connections per mapping bounded, refusals counted and logged" t_conn_bound
check "publish: the bottle's own egress is still denied; no engine flow" t_egress_still_denied
check "publish: a port in use is a clear error naming it; no bottle" t_in_use
check "publish: [helper] publish = deny refuses the attach clearly" t_deny
check "publish: detach ends the relay and frees the port" t_detach_ends_relay
check "publish: deleting the namespace ends the relay" t_netns_gone
check "publish: slirp4netns --api-socket add/list/remove_hostfwd as slirp4netns answers" t_slirp_api
check "publish: slirp4netns add_hostfwd refused under publish = deny" t_slirp_deny
check "publish: 40 concurrent connections, no descriptor left behind" t_many
check "publish: a bottle that never accepts holds its slots for the connect timeout only" t_deaf
check "publish: the daemon killed mid-transfer ends the relay and frees the port" t_daemon_killed
if grep -q "seccomp: forbidden" "$DAEMON_LOG"; then
	echo "not ok - publish: no forbidden system call"; gw_failed=$((gw_failed + 1))
fi
exit $((gw_failed > 0))
