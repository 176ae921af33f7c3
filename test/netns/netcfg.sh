#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# netcfg.sh - gateway/kernel/netcfg.h against a real kernel: the bottle's TUN made
# from outside its namespace, the egress TUN with forwarding and NAT, and the
# nftables table. netcfg_driver (built here) plays sentry: it holds the TUN
# fds, writes packets into them and reads what the kernel answers.
#
#   netcfg_driver tun ............ setns() (in a thread) into -b and -b4
#        |                            (by --netns PATH and by --pid)
#        v
#   +---------------------------+      +---------------------------+
#   | -b   the bottle           |      | -b4  bottle, IPv4 only    |
#   | lo UP                     |      | lo UP                     |
#   | tun0 10.0.2.100/24        |      | eth0 10.0.2.100/32        |
#   |      fd5e:1::100/64 nodad |      |   disable_ipv6=1          |
#   | default via 10.0.2.2      |      | default dev eth0          |
#   | default via fd5e:1::2     |      +---------------------------+
#   | 2 queues (multi-queue)    |
#   +---------------------------+
#
#   netcfg_driver egress (run inside -d)
#        |
#        v
#   +-------------------------------+         +-----------------------+
#   | -d   sentry's own namespace   |  veth   | -i   "the internet"   |
#   | sentry0 100.127.0.1/32        | up0  i0 | 198.18.0.1/30         |
#   |         fd5e:5e:5e::1/128     |---------| fd5e:ffff::1/64       |
#   | 100.127.0.0/16 dev sentry0    |         | no route back to the  |
#   | fd5e:5e:5e::/64 dev sentry0   |         | pools: replies arrive |
#   | up0 198.18.0.2/30             |         | only if masqueraded   |
#   |     fd5e:ffff::2/64           |         +-----------------------+
#   | forwarding on, nft inet sentry|
#   +-------------------------------+
#
# The bottle namespaces and -d are not joined: the driver plays sentry on
# each side. Addresses come from 10.0.2.0/24, 198.18.0.0/15, 100.127.0.0/16
# and fd5e::/16; nothing leaves the machine.
#
# Prints "ok - NAME" / "not ok - NAME" per test; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pfx=sentry-t-netcfg-$$
B=$pfx-b B4=$pfx-b4 D=$pfx-d I=$pfx-i

skip_all() {
	echo "ok - netcfg # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "not root"
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
for tool in ip nft gcc pkg-config; do
	command -v $tool >/dev/null || skip_all "no $tool"
done

tmp=$(mktemp -d /tmp/sentry-t-netcfg.XXXXXX)
declare -A pid_of fd_of
sleeper=

cleanup() {
	local t
	for t in "${!fd_of[@]}"; do
		exec {fd_of[$t]}>&- 2>/dev/null
	done
	for t in "${!pid_of[@]}"; do
		kill "${pid_of[$t]}" 2>/dev/null
	done
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	wait 2>/dev/null
	for ns in $B $B4 $D $I; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=1
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
}
# t NAME CMD...: one test; CMD's output is shown only when it fails
t() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "command: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
has() {		# has PATTERN CMD...: CMD's output matches the extended regex
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
	grep -Eq -- "$pat" <<<"$out" && return 0
	printf 'no match for /%s/ in:\n%s\n' "$pat" "$out"
	return 1
}
hasf() {	# hasf STRING CMD...: CMD's output contains STRING
	local want=$1 out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
	grep -Fq -- "$want" <<<"$out" && return 0
	printf 'no "%s" in:\n%s\n' "$want" "$out"
	return 1
}
hasnt() {	# hasnt PATTERN CMD...: CMD succeeds and its output does not match
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
	grep -Eq -- "$pat" <<<"$out" || return 0
	printf 'unexpected /%s/ in:\n%s\n' "$pat" "$out"
	return 1
}

# ---- the driver ---------------------------------------------------------------

drv=$tmp/netcfg_driver
if ! gcc -std=gnu11 -D_GNU_SOURCE -g -O1 -I"$top/common" -I"$top/gateway" \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wcast-qual -Wformat=2 -Wvla -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	"$here/netcfg_driver.c" "$top"/gateway/kernel/{tun,nsjob,netlink,egress,nft}.c \
	"$top/common/addr.c" "$top/common/log.c" "$top/common/num.c" \
	$(pkg-config --cflags --libs libmnl libnftables) -lpthread \
	-o "$drv" 2>"$tmp/build.log"; then
	not_ok "build netcfg_driver" "$(cat "$tmp/build.log")"
	exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}

# start TAG CMD...: run a driver that keeps its fds; wait for "ready"
start() {
	local tag=$1 i fd
	shift
	mkfifo "$tmp/$tag.in"
	"$@" <"$tmp/$tag.in" >"$tmp/$tag.out" 2>"$tmp/$tag.err" &
	pid_of[$tag]=$!
	exec {fd}>"$tmp/$tag.in"
	fd_of[$tag]=$fd
	for i in $(seq 200); do
		grep -q '^ready' "$tmp/$tag.out" && return 0
		kill -0 "${pid_of[$tag]}" 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/$tag.err" "$tmp/$tag.out"
	return 1
}

# ask TAG LINE: send a command, print its one-line answer
ask() {
	local tag=$1 n i
	shift
	n=$(wc -l <"$tmp/$tag.out")
	echo "$*" >&"${fd_of[$tag]}"
	for i in $(seq 200); do
		if [ "$(wc -l <"$tmp/$tag.out")" -gt "$n" ]; then
			tail -n 1 "$tmp/$tag.out"
			return 0
		fi
		sleep 0.05
	done
	echo "no answer to '$*'"
}

# stop TAG: close the driver's stdin and wait for it; its status is ours
stop() {
	local tag=$1 rc
	exec {fd_of[$tag]}>&-
	unset "fd_of[$tag]"
	wait "${pid_of[$tag]}"
	rc=$?
	unset "pid_of[$tag]"
	[ $rc = 0 ] || cat "$tmp/$tag.err"
	return $rc
}

# t_stop NAME TAG: a test that the driver exits 0 once its stdin closes (run
# here, not in t's subshell, which could neither close the fd nor wait)
t_stop() {
	if stop "$2" >"$tmp/stop.log" 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "$tmp/stop.log"
	fi
}

answers() {	# answers WANT TAG LINE: the driver answers WANT to LINE
	local want=$1 got
	shift
	got=$(ask "$@")
	[ "$got" = "$want" ] && return 0
	echo "asked '${*:2}', wanted '$want', got '$got'"
	return 1
}

fails_with() {	# fails_with MESSAGE CMD...: CMD exits 1 printing MESSAGE
	local want=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -qF -- "$want" <<<"$out" && return 0
	echo "status $rc, wanted 1 and '$want', got: $out"
	return 1
}

for ns in $B $B4 $D $I; do
	ip netns add "$ns" || { not_ok "create namespace $ns"; exit 1; }
done

# ---- the bottle: dual stack, two queues, entered by path ----------------------

if start bottle "$drv" tun --netns "/run/netns/$B" --queues 2 \
	--addr 10.0.2.100/24 --gw 10.0.2.2 --addr6 fd5e:1::100/64 --gw6 fd5e:1::2
then
	ok "tun: created in the bottle from outside"
else
	not_ok "tun: created in the bottle from outside"
fi
t "tun: the caller's namespace never changed" \
	grep -q '^ready tun0 2 netns=same$' "$tmp/bottle.out"
t "tun: IPv4 address" has 'inet 10\.0\.2\.100/24 ' ip -n $B -4 addr show dev tun0
t "tun: IPv6 address, usable at once (nodad)" \
	has 'inet6 fd5e:1::100/64 scope global nodad' ip -n $B -6 addr show dev tun0
t "tun: IPv6 address not tentative" hasnt 'tentative' ip -n $B -6 addr show dev tun0
t "tun: IPv4 default route via the gateway, onlink" \
	has '^default via 10\.0\.2\.2 dev tun0 proto static onlink' ip -n $B -4 route
t "tun: IPv6 default route via the gateway" \
	has '^default via fd5e:1::2 dev tun0 .*onlink' ip -n $B -6 route
t "tun: MTU 65520, txqueuelen 10000" \
	has 'mtu 65520 .* qlen 10000' ip -n $B link show tun0
t "tun: read back through netlink_link_get()" \
	has '^index=[0-9]+ mtu=65520 txqlen=10000 up=1$' \
	ip netns exec $B "$drv" link tun0
t "tun: up" has '<[^>]*,UP,LOWER_UP>' ip -n $B link show tun0
t "tun: lo up" has '<LOOPBACK,UP,LOWER_UP>' ip -n $B link show lo
t "tun: TUN without packet info, multi-queue, 2 queues, not persistent" \
	has 'tun type tun pi off vnet_hdr off multi_queue numqueues 2 .*persist off' \
	ip -n $B -d link show tun0
t "tun: the kernel answers an IPv4 ping through the default route" \
	answers pong bottle ping4 198.18.0.1 10.0.2.100
t "tun: the kernel answers an IPv6 ping through the default route" \
	answers pong bottle ping6 2001:db8::1 fd5e:1::100

# 64 UDP flows: the TUN spreads flows over queues by hash, so both see some
echo "count 1500" >&"${fd_of[bottle]}"
ip netns exec $B bash -c \
	'for p in $(seq 40001 40064); do echo x >/dev/udp/198.18.0.9/$p; done' 2>/dev/null
for i in $(seq 100); do
	grep -q '^count' "$tmp/bottle.out" && break
	sleep 0.05
done
line=$(grep '^count' "$tmp/bottle.out")
if [[ "$line" =~ ^count\ ([0-9]+)\ ([0-9]+)$ ]] &&
   [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
   [ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -ge 64 ]; then
	ok "tun: both queues carry packets"
else
	not_ok "tun: both queues carry packets" "got '$line'"
fi

t "tun: a name already taken is an error, namespace unchanged" \
	fails_with "cannot create TUN tun0 (queue 1 of 1)" \
	"$drv" tun --netns "/run/netns/$B"
t_stop "tun: the driver exits cleanly" bottle
t "tun: fail closed: closing the fds removes the device" \
	fails_with "" ip -n $B link show tun0

# ---- a bottle without IPv6, entered by pid, no gateway -------------------------

ip netns exec $B4 sleep 600 &
sleeper=$!
for i in $(seq 100); do	# until ip has entered the namespace and exec'd
	[ "$(stat -L -c %i /proc/$sleeper/ns/net 2>/dev/null)" = \
	  "$(stat -L -c %i /run/netns/$B4)" ] && break
	sleep 0.02
done
if start b4 "$drv" tun --pid "$sleeper" --ifname eth0 --mtu 1500 --txqlen 500 \
	--addr 10.0.2.100/32; then
	ok "v4only: created by --pid"
else
	not_ok "v4only: created by --pid"
fi
t "v4only: disable_ipv6 is set" \
	has '^1$' ip netns exec $B4 cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6
t "v4only: no IPv6 address at all, not even link-local" \
	hasnt 'inet6' ip -n $B4 addr show dev eth0
t "v4only: no IPv6 route through the device" hasnt 'eth0' ip -n $B4 -6 route
t "v4only: default route to the device" \
	has '^default dev eth0 proto static scope link' ip -n $B4 -4 route
t "v4only: MTU 1500, txqueuelen 500" has 'mtu 1500 .* qlen 500' ip -n $B4 link show eth0
t "v4only: the kernel answers a ping" answers pong b4 ping4 198.18.0.1 10.0.2.100
t_stop "v4only: the driver exits cleanly" b4
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null
sleeper=

# ---- arguments the kernel never sees --------------------------------------------

t "err: a mount namespace is not a network namespace" \
	fails_with "/proc/self/ns/mnt is not a network namespace" \
	"$drv" netns /proc/self/ns/mnt
t "err: a missing namespace file" \
	fails_with "cannot open network namespace /run/netns/$pfx-none: No such file" \
	"$drv" tun --netns "/run/netns/$pfx-none"
t "err: MTU out of range" fails_with "MTU 70000 is not 68..65535" \
	"$drv" tun --netns "/run/netns/$B" --mtu 70000
t "err: nothing was left behind in the bottle" \
	hasnt 'tun0' ip -n $B link show

# ---- the egress ------------------------------------------------------------------

ip link add up0 netns $D type veth peer name i0 netns $I
ip -n $D addr add 198.18.0.2/30 dev up0
ip -n $D addr add fd5e:ffff::2/64 dev up0 nodad
ip -n $I addr add 198.18.0.1/30 dev i0
ip -n $I addr add fd5e:ffff::1/64 dev i0 nodad
ip -n $D link set up0 up
ip -n $I link set i0 up
ip -n $D link set lo up
ip -n $I link set lo up
ip -n $D route add default via 198.18.0.1
ip -n $D -6 route add default via fd5e:ffff::1

# a stale table of ours, as a crashed daemon would leave it
ip netns exec $D nft add table inet sentry
ip netns exec $D nft add chain inet sentry stale_junk

if start egress ip netns exec $D "$drv" egress; then
	ok "egress: set up"
else
	not_ok "egress: set up"
fi
t "egress: pool host addresses on sentry0" \
	has 'inet 100\.127\.0\.1/32 .*inet6 fd5e:5e:5e::1/128 scope global nodad' \
	bash -c "ip -n $D addr show dev sentry0 | tr '\n' ' '"
t "egress: IPv4 pool routed to sentry0" \
	has '^100\.127\.0\.0/16 dev sentry0 proto static scope link src 100\.127\.0\.1' \
	ip -n $D -4 route
t "egress: IPv6 pool routed to sentry0" \
	has '^fd5e:5e:5e::/64 dev sentry0 proto static src fd5e:5e:5e::1' ip -n $D -6 route
t "egress: MTU 65520, txqueuelen 10000, up" \
	has '<[^>]*,UP,LOWER_UP> mtu 65520 .* qlen 10000' ip -n $D link show sentry0
t "egress: IPv4 forwarding on" has '^1$' ip netns exec $D cat /proc/sys/net/ipv4/ip_forward
t "egress: IPv6 forwarding on" \
	has '^1$' ip netns exec $D cat /proc/sys/net/ipv6/conf/all/forwarding

nft_list() { ip netns exec $D nft -a list table inet "${1:-sentry}"; }
t "egress: stale table replaced" hasnt 'stale_junk' nft_list
for rule in \
	'iifname "sentry0" tcp dport 53 redirect to :5353' \
	'ip saddr 100.127.0.0/16 oifname != "sentry0" masquerade' \
	'ip6 saddr fd5e:5e:5e::/64 oifname != "sentry0" masquerade' \
	'iifname "sentry0" ip saddr != 100.127.0.0/16 counter packets 0 bytes 0 drop' \
	'iifname "sentry0" ip6 saddr != fd5e:5e:5e::/64 counter packets 0 bytes 0 drop' \
	'iifname "sentry0" tcp dport 5353 ct status dnat accept'; do
	t "egress: nft rule: $rule" hasf "$rule" nft_list
done

t "egress: IPv4 from the pool is forwarded and masqueraded" \
	answers pong egress ping4 100.127.0.5 198.18.0.1
t "egress: IPv6 from the pool is forwarded and masqueraded" \
	answers pong egress ping6 fd5e:5e:5e::5 fd5e:ffff::1
t "egress: a source outside the pool is dropped" \
	answers nopong egress ping4 10.0.2.77 198.18.0.1
t "egress: ... and counted" \
	has 'ip saddr != 100\.127\.0\.0/16 counter packets [1-9]' nft_list
t "egress: the daemon's own addresses are closed to the pool" \
	answers nopong egress ping4 100.127.0.5 198.18.0.2
t "egress: TCP DNS with no listener: the internet refuses" \
	answers rst egress syn4 100.127.0.5 40000 198.18.0.1 54
answers listening egress listen 5353 >/dev/null
t "egress: TCP DNS to any address reaches the daemon's listener" \
	answers synack egress syn4 100.127.0.5 40001 198.18.0.1 53

t "egress: teardown removes the table" ip netns exec $D "$drv" teardown
t "egress: ... it is gone" fails_with "" nft_list
t "egress: teardown again is not an error" ip netns exec $D "$drv" teardown
t_stop "egress: the driver exits cleanly" egress
t "egress: closing the fds removes sentry0 and its routes" \
	hasnt 'sentry0' bash -c "ip -n $D link; ip -n $D route; ip -n $D -6 route"

# ---- an egress with an IPv4 pool only ---------------------------------------------

if start eg4 ip netns exec $D "$drv" egress --pool6 none --ifname eg4 \
	--table sentry_v4 --dns-port 0; then
	ok "egress4: set up"
else
	not_ok "egress4: set up"
fi
t "egress4: IPv6 from the egress is dropped whole" \
	has 'iifname "eg4" meta nfproto ipv6 counter packets 0 bytes 0 drop' nft_list sentry_v4
t "egress4: no DNS redirect without a port" hasnt 'redirect' nft_list sentry_v4
t "egress4: IPv4 still flows" answers pong eg4 ping4 100.127.0.9 198.18.0.1
t "egress4: IPv6 does not" answers nopong eg4 ping6 fd5e:5e:5e::9 fd5e:ffff::1
t "egress4: no IPv6 address on the device" hasnt 'inet6 fd5e' ip -n $D addr show dev eg4
t "egress4: teardown" ip netns exec $D "$drv" teardown --table sentry_v4
t_stop "egress4: the driver exits cleanly" eg4

exit $failed
