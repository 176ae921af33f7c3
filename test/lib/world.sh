# SPDX-License-Identifier: GPL-2.0-or-later
#
# world.sh - a test "internet" and a sentry daemon in front of it, for the
# suites that bring their own bottles (Podman makes them). Sourced after
# tap.sh and t_init.
#
#        W_GW: sentry's namespace                 W_NET: "the internet"
#   +-------------------------------+        +------------------------------+
#   | sentry run -c $W_CONF         |        | dnsmasq      198.18.0.53     |
#   |   control socket in $W_SOCKDIR|        |   allowed.test -> .80        |
#   |   (0600, or 0660 with group   |        |   denied.test  -> .81        |
#   |    W_CTL_GROUP: rootless)     |        |   other.test   -> .83        |
#   | sentry0 (egress TUN), nft NAT |        | HTTP :80 on .80 .81 .82 .83  |
#   | gw0 198.18.1.2/24 ----------veth------ net0 198.18.1.1/24            |
#   | default via 198.18.1.1        |        | (no route anywhere else)     |
#   +-------------------------------+        +------------------------------+
#
# Bottles reach W_GW only through the TUN fds their helper hands to the
# daemon over the control socket (a file, so it works from any network
# namespace). W_NET has no route to the egress pool and no uplink: nothing
# here can reach the real network.
#
# Policies in the store: "web" allows allowed.test on tcp/80 and nothing
# else (denied.test is named in [deny]); "other" allows other.test only.
#
# The script sets W_PREFIX (short: interface and namespace names) and
# SENTRY, then calls world_setup [DEFAULT-POLICY] and world_daemon_start.
# The daemon's sentry.ini is contrib/sentry.ini's defaults but for paths,
# the test upstream and fast refusals (user nobody, log_level info): a
# rootful Podman's helper is root and needs nothing more (socket 0600).
# For rootless Podman set W_CTL_GROUP first (a group name or gid the Podman
# user holds): the README's set-up, control_group = it, control_mode = 0660.

W_DAEMON_PID=
W_DAEMON_WRAP=()
W_CTL_GROUP=${W_CTL_GROUP:-}

world_files() {	# world_files DEFAULT-POLICY
	W_NET=$W_PREFIX-net
	W_GW=$W_PREFIX-gw
	W_SOCKDIR=$tmp/sock
	W_SOCK=$W_SOCKDIR/control.sock
	W_STORE=$tmp/store
	W_CONF=$tmp/sentry.ini
	W_DLOG=$tmp/decisions.jsonl
	W_DAEMON_LOG=$tmp/daemon.log
	W_DNSLOG=$tmp/dnsmasq.log
	mkdir -p "$W_SOCKDIR" "$tmp/www"
	chmod 0755 "$W_SOCKDIR"
	: >"$W_DAEMON_LOG"
	cat >"$W_CONF" <<-EOF
	; the daemon the Podman suites put their containers behind
	[daemon]
	control_socket = $W_SOCK
	${W_CTL_GROUP:+control_mode = 0660}
	${W_CTL_GROUP:+control_group = $W_CTL_GROUP}
	policy_store = $W_STORE
	decision_log = $W_DLOG
	${1:+default_policy = $1}
	[dns]
	upstream = 198.18.0.53
	[reject]
	tcp = rst
	udp = icmp
	EOF
	cat >"$tmp/web.ini" <<-'EOF'
	[policy]
	name = web
	default = deny
	[allow]
	domain = allowed.test tcp/80
	[deny]
	domain = denied.test
	EOF
	cat >"$tmp/other.ini" <<-'EOF'
	[policy]
	name = other
	default = deny
	[allow]
	domain = other.test tcp/80
	EOF
}

world_net() {
	local a
	ip netns add "$W_NET" || return 1
	t_defer ip netns del "$W_NET"
	ip netns add "$W_GW" || return 1
	t_defer ip netns del "$W_GW"
	ip -n "$W_NET" link set lo up
	ip -n "$W_GW" link set lo up
	ip link add gw0 netns "$W_GW" type veth peer name net0 netns "$W_NET" || return 1
	ip -n "$W_NET" addr add 198.18.1.1/24 dev net0
	ip -n "$W_NET" link set net0 up
	for a in 53 80 81 82 83; do
		ip -n "$W_NET" addr add 198.18.0.$a/32 dev lo
	done
	ip -n "$W_GW" addr add 198.18.1.2/24 dev gw0
	ip -n "$W_GW" link set gw0 up
	ip -n "$W_GW" route add default via 198.18.1.1
}

# world_spawn CMD... - start CMD in the background, killed (with its
# children) on exit
world_spawn() {
	"$@" &
	t_defer t_kill_tree "$!"
}

world_servers() {
	local h
	world_spawn ip netns exec "$W_NET" dnsmasq --keep-in-foreground \
		--conf-file=/dev/null --user=root --pid-file= --no-resolv --no-hosts \
		--bind-interfaces --listen-address=198.18.0.53 --log-queries \
		--log-facility="$W_DNSLOG" --local-ttl=60 \
		--address=/allowed.test/198.18.0.80 --address=/denied.test/198.18.0.81 \
		--address=/other.test/198.18.0.83 >/dev/null 2>&1
	for h in 80 81 82 83; do
		mkdir -p "$tmp/www/$h"
		echo "hello from 198.18.0.$h" >"$tmp/www/$h/index.html"
		world_spawn ip netns exec "$W_NET" /usr/bin/python3 -m http.server 80 \
			--bind 198.18.0.$h --directory "$tmp/www/$h" >/dev/null 2>&1
	done
	for h in 80 81 82 83; do
		wait_for 10 ip netns exec "$W_NET" bash -c "exec 3<>/dev/tcp/198.18.0.$h/80" ||
			{ echo "# HTTP server on 198.18.0.$h did not start"; return 1; }
	done
	wait_for 10 ip netns exec "$W_NET" busybox nslookup -type=a allowed.test 198.18.0.53 ||
		{ echo "# dnsmasq did not answer"; return 1; }
}

# world_setup [DEFAULT-POLICY] - namespaces, servers, policy store
world_setup() {
	world_files "${1:-}"
	world_net || { echo "# could not make the namespaces"; return 1; }
	world_servers || return 1
	"$SENTRY" policy load --db "$W_STORE" "$tmp/web.ini" "$tmp/other.ini" \
		>"$tmp/policy.log" 2>&1 || { sed 's/^/# /' "$tmp/policy.log"; return 1; }
}

ctl() {	# ctl ARGS... - sentry ctl on the world's daemon
	"$SENTRY" ctl --socket "$W_SOCK" "$@"
}

# world_daemon_start - start the daemon in W_GW; W_DAEMON_WRAP (an array)
# goes between `ip netns exec W_GW` and sentry, to change its view
world_daemon_start() {
	ip netns exec "$W_GW" "${W_DAEMON_WRAP[@]}" "$SENTRY" run -c "$W_CONF" \
		2>>"$W_DAEMON_LOG" &
	W_DAEMON_PID=$!
	t_defer world_daemon_stop
	wait_for 10 ctl ping && [ -S "$W_SOCK" ] || {
		echo "# sentry run did not start:"
		sed 's/^/#   /' "$W_DAEMON_LOG"
		return 1
	}
}

world_daemon_stop() {
	[ -n "$W_DAEMON_PID" ] || return 0
	kill -TERM "$W_DAEMON_PID" 2>/dev/null
	local i
	for i in $(seq 50); do
		kill -0 "$W_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	t_kill_tree "$W_DAEMON_PID"
	wait "$W_DAEMON_PID" 2>/dev/null
	W_DAEMON_PID=
}

# world_report - the tail of the daemon's and dnsmasq's logs (for failures)
world_report() {
	echo "daemon log (last 12 lines):"
	tail -n 12 "$W_DAEMON_LOG" 2>/dev/null | sed 's/^/  /'
	echo "decision log (last 8 lines):"
	tail -n 8 "$W_DLOG" 2>/dev/null | sed 's/^/  /'
}
