#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# standalone.sh - a helper personality that finds no daemon starts a
# private one for its bottle ([helper] standalone = yes), joined to "the
# host" by real pasta, or through an egress namespace the admin prepared.
#
#   P-b: the bottle             P-host: plays the host          P-net: "the internet"
#  +--------------+            +------------------------+      +----------------------+
#  | eth0 (TUN)   |  TUN fds   | the pasta personality  | veth | dnsmasq 198.18.0.53  |
#  | curl, dig    |<---------->|  -> private daemon in  |------| HTTP    198.18.0.80  |
#  +--------------+            |     its own namespace, |      | 198.18.1.1/24        |
#                              |     joined here by     |      +----------------------+
#                              |     real pasta         |
#                              | 198.18.1.2/24          |
#                              +------------------------+
# Every namespace is made and removed here; no route leads off the machine.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
. "$top/test/lib/tap.sh"

if [ "$(id -u)" != 0 ]; then
	t_skip standalone "not root"
	exit 0
fi
if ! command -v pasta >/dev/null || [ "$(readlink -f "$(command -v pasta)")" = "$(readlink -f "$SENTRY")" ]; then
	t_skip standalone "Debian's passt (real pasta) is not installed"
	exit 0
fi
t_init sentry-standalone
P=sst$$

ns() { ip netns exec "$P-$1" "${@:2}"; }

setup_world() {
	for n in host net; do
		ip netns add "$P-$n" || return 1
		t_defer ip netns del "$P-$n"
	done
	ip link add "$P-h0" netns "$P-host" type veth peer name "$P-n0" netns "$P-net"
	ip -n "$P-net" link set lo up
	ip -n "$P-host" link set lo up
	ip -n "$P-net" addr add 198.18.1.1/24 dev "$P-n0"
	ip -n "$P-net" link set "$P-n0" up
	ip -n "$P-host" addr add 198.18.1.2/24 dev "$P-h0"
	ip -n "$P-host" link set "$P-h0" up
	ip -n "$P-host" route add default via 198.18.1.1
	ip -n "$P-net" addr add 198.18.0.53/24 dev lo
	ip -n "$P-net" addr add 198.18.0.80/24 dev lo
	# not through ns(): $! must be the server itself (ip netns exec execs),
	# not a subshell whose death would leave the server running
	ip netns exec "$P-net" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--bind-interfaces --listen-address=198.18.0.53 \
		--address=/web.test/198.18.0.80 --pid-file="$tmp/dnsmasq.pid" \
		>/dev/null 2>&1 &
	t_defer kill $!
	mkdir -p "$tmp/www" && echo standalone-ok >"$tmp/www/index.html"
	ip netns exec "$P-net" /usr/bin/python3 -m http.server 80 --bind 198.18.0.80 \
		--directory "$tmp/www" >/dev/null 2>&1 &
	t_defer kill $!
	printf '[policy]\nname = web\n[allow]\ndomain = web.test tcp/80\n' >"$tmp/web.ini"
	"$SENTRY" policy load --db "$tmp/db" "$tmp/web.ini" >/dev/null || return 1
	mkdir -p "$tmp/bin" "$tmp/rt"
	ln -s "$SENTRY" "$tmp/bin/pasta"
	wait_for 10 ns net bash -c 'exec 3<>/dev/tcp/198.18.0.80/80'
}

write_conf() {	# write_conf STANDALONE [EGRESS_NETNS]
	cat >"$tmp/sentry.ini" <<-CONF
	[daemon]
	control_socket = $tmp/no-daemon.sock
	policy_store = $tmp/db
	decision_log = $tmp/decisions.jsonl
	default_policy = web
	[dns]
	upstream = 198.18.0.53
	[helper]
	standalone = $1
	egress_netns = ${2:-}
	CONF
}

# Podman 5's argv; stdout and stderr are one pipe that must reach EOF
helper() {	# helper BOTTLE -> prints the helper's output, returns its status
	ns host env SENTRY_CONFIG="$tmp/sentry.ini" XDG_RUNTIME_DIR="$tmp/rt" \
		PATH="$tmp/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"$tmp/bin/pasta" --config-net --dns-forward 169.254.1.1 -t none -u none \
		-T none -U none --no-map-gw --quiet --netns "/run/netns/$P-$1" \
		--map-guest-addr 169.254.1.2 2>&1
}

new_bottle() {	# new_bottle NAME
	ip netns add "$P-$1" && t_defer ip netns del "$P-$1"
	mkdir -p "/etc/netns/$P-$1"
	echo "nameserver 169.254.1.1" >"/etc/netns/$P-$1/resolv.conf"
	t_defer rm -rf "/etc/netns/$P-$1"
}

setup_world || { t_not_ok "standalone: topology"; exit 1; }

# 1. no daemon, standalone off: a clear failure, as Podman would show it
write_conf no
new_bottle b0
out=$(timeout 20 bash -c "$(declare -f helper ns); P=$P tmp=$tmp; helper b0")
rc=$?
case "$rc:$out" in
1:*"cannot reach the sentry daemon"*) t_ok "no daemon and standalone off: the helper fails clearly" ;;
*) t_not_ok "no daemon and standalone off: the helper fails clearly" "rc=$rc" "$out" ;;
esac

# 2. standalone on, pasta joins the private namespace to the host
write_conf yes
new_bottle b1
start=$SECONDS
out=$(timeout 30 bash -c "$(declare -f helper ns); P=$P tmp=$tmp; helper b1")
rc=$?
if [ "$rc" = 0 ] && [ $((SECONDS - start)) -lt 25 ]; then
	t_ok "standalone: the helper exits 0 and nothing holds its output pipe"
else
	t_not_ok "standalone: the helper exits 0 and nothing holds its output pipe" "rc=$rc" "$out" \
		"$(tail -5 "$tmp"/rt/sentry/*.log 2>/dev/null)"
fi
t_defer pkill -x sentry-alone
body=$(ns b1 curl -s -m 5 http://web.test/)
if [ "$body" = standalone-ok ]; then
	t_ok "standalone: an allowed name resolves and fetches"
else
	t_not_ok "standalone: an allowed name resolves and fetches" "got '$body'" \
		"$(tail -5 "$tmp"/rt/sentry/*.log 2>/dev/null)"
fi
ns b1 curl -s -m 5 http://198.18.0.53/ >/dev/null
rc=$?
if [ "$rc" = 7 ] && grep -q '"verdict":"deny".*"dst":"198.18.0.53","dport":80' "$tmp/decisions.jsonl"; then
	t_ok "standalone: a direct address is refused and logged"
else
	t_not_ok "standalone: a direct address is refused and logged" "curl rc=$rc" \
		"$(tail -3 "$tmp/decisions.jsonl")"
fi

# 3. the bottle goes: the private daemon, its pasta and its files go too
pasta_pid=$(cat "$tmp/rt/sentry/$P-b1.pasta.pid" 2>/dev/null)
alone_pid=$(pgrep -x sentry-alone)
gone() { ! kill -0 "${pasta_pid:-999999}" 2>/dev/null && ! kill -0 "${alone_pid:-999999}" 2>/dev/null; }
ip netns del "$P-b1"
if [ -n "$pasta_pid" ] && [ -n "$alone_pid" ] && wait_for 10 gone &&
   ! grep -q "$tmp/rt/sentry" /proc/mounts && [ ! -e "$tmp/rt/sentry/$P-b1.sock" ]; then
	t_ok "standalone: the daemon and its pasta stop when the bottle goes, leaving no mount"
else
	t_not_ok "standalone: the daemon and its pasta stop when the bottle goes, leaving no mount" \
		"pasta $pasta_pid, daemon $alone_pid" "$(grep "$tmp" /proc/mounts)" "$(ls -la "$tmp/rt/sentry")"
fi

# 4. an egress namespace the administrator joined to the host (here: by veth)
ip netns add "$P-eg" && t_defer ip netns del "$P-eg"
ip link add "$P-e0" netns "$P-eg" type veth peer name "$P-e1" netns "$P-net"
ip -n "$P-eg" link set lo up
ip -n "$P-eg" addr add 198.18.2.2/24 dev "$P-e0"
ip -n "$P-eg" link set "$P-e0" up
ip -n "$P-net" addr add 198.18.2.1/24 dev "$P-e1"
ip -n "$P-net" link set "$P-e1" up
ip -n "$P-eg" route add default via 198.18.2.1
write_conf yes "/run/netns/$P-eg"
new_bottle b2
out=$(timeout 30 bash -c "$(declare -f helper ns); P=$P tmp=$tmp; helper b2")
rc=$?
body=$(ns b2 curl -s -m 5 http://web.test/)
if [ "$rc" = 0 ] && [ "$body" = standalone-ok ] && [ ! -e "$tmp/rt/sentry/$P-b2.pasta.pid" ]; then
	t_ok "standalone: through an administrator's egress_netns, without pasta"
else
	t_not_ok "standalone: through an administrator's egress_netns, without pasta" "rc=$rc" \
		"body '$body'" "$out" "$(tail -5 "$tmp"/rt/sentry/*.log 2>/dev/null)"
fi
alone_pid=$(pgrep -x sentry-alone)
ip netns del "$P-b2"
if wait_for 10 bash -c "! kill -0 ${alone_pid:-999999} 2>/dev/null"; then
	t_ok "standalone: that daemon stops with its bottle too"
else
	t_not_ok "standalone: that daemon stops with its bottle too" "pid $alone_pid"
fi
exit 0
