# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# advlib.sh - what test/adversarial/*.sh share: the reporting, polling and
# clean-up helpers of test/netns/lib/gwlib.sh (sourced from there), plus a
# small "internet" with a hostile resolver, sentry's namespace, bottles,
# and counters read back from sentry and from the internet side.
#
# The sourcing script sets GW_PREFIX (unique: adv<x>$$), then calls
# adv_init. Before adv_setup_net it writes $tmp/zone.json (the resolver's
# zone, see lib/advkit.py) and may add names to ADV_NET_EXTRA (more
# commands run in NET). Variables it gets:
#   NET GW         the internet and sentry's namespace
#   SOCK STORE DLOG DAEMON_LOG RLOG   control socket, store, logs
#   AK             "$PY .../advkit.py",  NK "$PY .../netkit.py"
#
# The internet (NET) always holds:
#   198.18.0.53, 2001:db8::53   the resolver (advkit.py resolver, query log $RLOG)
#   198.18.0.80, 2001:db8::80   HTTP :80 :443, echo :7000
#   198.18.0.86, 2001:db8::86   HTTP :80 :443 :853 (a host no policy allows)
#   198.18.0.90                 HTTP :80, echo :7000 (shared by two names)
#   198.18.0.97, 2001:db8::97   HTTP :80, UDP sink :9912 (an allowed CIDR)
#   198.18.3.0/24               any address (AnyIP route): echo :7100
# and nft table inet adv with named counters (adv_count NAME) of what
# arrives from sentry's namespace.

ADVLIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$ADVLIB_DIR/../../netns/lib/gwlib.sh"

adv_init() {
	gw_init
	[ -n "$PY" ] || gw_skip_all "$1" "no python3"
	AK="$PY $ADVLIB_DIR/advkit.py"
	NET=$GW_PREFIX-net
	GW=$GW_PREFIX-gw
	SOCK=$tmp/ctl.sock
	STORE=$tmp/store
	DLOG=$tmp/decisions.log
	DAEMON_LOG=$tmp/daemon.log
	RLOG=$tmp/resolver.log
	: >"$RLOG"
	: >"$DLOG"
	daemon_pid=
}

adv_need_root() {	# adv_need_root SUITE TOOL...
	local suite=$1 t
	shift
	[ "$(id -u)" = 0 ] || gw_skip_all "$suite" "not root"
	[ -c /dev/net/tun ] || gw_skip_all "$suite" "no /dev/net/tun"
	for t in ip nft "$@"; do
		command -v "$t" >/dev/null || gw_skip_all "$suite" "no $t"
	done
	[ -x "$SENTRY" ] || { echo "not ok - $suite: no sentry binary at $SENTRY"; exit 1; }
}

ctl() {
	"$SENTRY" ctl --socket "$SOCK" "$@"
}

# stat_of JSON-PATH [BOTTLE] - one number from the daemon's stats (0: absent),
# asked on the control socket directly (lib/advkit.py): polling through
# `sentry ctl` would start a sanitized binary every 50 ms
stat_of() {
	$AK stat "$SOCK" ${2:+name=$2} "$1"
}

# drops BOTTLE REASON - how many packets/messages bottle BOTTLE lost to REASON
drops() {
	stat_of "bottle_stats.$1.drops.$2" "$1"
}

# counted BOTTLE REASON BEFORE N - REASON grows from BEFORE by exactly N
# (polled up to 3 s, and checked again 300 ms later)
counted() {
	local b=$1 r=$2 n0=$3 n=$4 now
	now=$($AK statwait "$SOCK" "$b" "bottle_stats.$b.drops.$r" $((n0 + n)))
	expect "$r counted $n (from $n0 to $now)" "$now" = $((n0 + n))
}

# counted_min BOTTLE REASON N0 N - as counted, but at least N: for drops of
# a refused flow, whose later packets are dropped under the same reason (a
# client's TCP may resend the refused segment before sentry's RST reaches
# it, and that resend is dropped and counted too)
counted_min() {
	local b=$1 r=$2 n0=$3 n=$4 now
	now=$($AK statwait "$SOCK" "$b" "bottle_stats.$b.drops.$r" $((n0 + n)))
	expect "$r counted at least $n (from $n0 to $now)" "$now" -ge $((n0 + n))
}

# adv_count NAME - packets NET's nft counter NAME has seen
adv_count() {
	ip netns exec "$NET" nft list counter inet adv "$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# settle CMD... - poll CMD's output until two reads 200 ms apart agree
# (at most 10 s): the daemon has drained what was written into its TUNs
settle() {
	local last=none now _
	for _ in $(seq 50); do
		now=$("$@" 2>/dev/null)
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.2
	done
	printf '%s\n' "$now"
}

# rss_kb PID - resident set size in kB
rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"
}

# resolver_saw PATTERN - the resolver's query log has a line matching PATTERN
resolver_saw() {
	grep -q -- "$1" "$RLOG"
}

adv_write_nft() {
	cat >"$tmp/net.nft" <<-'EOF'
	table inet adv {
		counter fromgw { }
		counter dns { }
		counter doh { }
		counter dot { }
		counter v6embed { }
		counter spoof { }
		counter frag97 { }
		counter icmpc { }
		counter soup { }
		counter big { }
		counter tcp53 { }
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname "net0" counter name fromgw
			iifname "net0" meta l4proto { tcp, udp } th dport 53 counter name dns
			iifname "net0" tcp dport 443 counter name doh
			iifname "net0" meta l4proto { tcp, udp } th dport 853 counter name dot
			iifname "net0" ip6 daddr { ::ffff:0:0/96, ::/96, 64:ff9b::/96, 64:ff9b:1::/48, 2002::/16, 2001::/32 } counter name v6embed
			iifname "net0" udp dport 9911 counter name spoof
			iifname "net0" ip daddr 198.18.0.97 ip frag-off & 0x1fff != 0 counter name frag97
			iifname "net0" meta l4proto { icmp, ipv6-icmp } counter name icmpc
			iifname "net0" tcp dport 9100 counter name soup
			iifname "net0" ip daddr 198.18.0.97 udp dport 9913 counter name big
			iifname "net0" tcp dport 53 counter name tcp53
		}
	}
	EOF
}

adv_setup_net() {
	local a
	adv_write_nft
	mkns "$NET" && mkns "$GW" || return 1
	ip link add gw0 netns "$GW" type veth peer name net0 netns "$NET" || return 1
	ip -n "$NET" addr add 198.18.1.1/24 dev net0
	ip -n "$NET" addr add 2001:db8:1::1/64 dev net0 nodad
	ip -n "$NET" link set net0 up
	for a in 53 80 86 90 97; do
		ip -n "$NET" addr add 198.18.0.$a/32 dev lo
	done
	for a in 53 80 86 97; do
		ip -n "$NET" addr add 2001:db8::$a/128 dev lo
	done
	ip -n "$NET" route add local 198.18.3.0/24 dev lo
	ip -n "$GW" addr add 198.18.1.2/24 dev gw0
	ip -n "$GW" addr add 2001:db8:1::2/64 dev gw0 nodad
	ip -n "$GW" link set gw0 up
	ip -n "$GW" route add default via 198.18.1.1
	ip -n "$GW" -6 route add default via 2001:db8:1::1
	inns "$NET" nft -f "$tmp/net.nft" || return 1
	spawn resolver_pid ip netns exec "$NET" $AK resolver "$tmp/zone.json" "$RLOG" \
		198.18.0.53 2001:db8::53 >"$tmp/resolver.out" 2>&1
	spawn serve_pid ip netns exec "$NET" $NK serve \
		--http 198.18.0.80:80 --http 198.18.0.80:443 --echo 198.18.0.80:7000 \
		--http "[2001:db8::80]:80" --http 198.18.0.86:80 --http 198.18.0.86:443 \
		--http 198.18.0.86:853 --http "[2001:db8::86]:80" --http 198.18.0.90:80 \
		--echo 198.18.0.90:7000 --http 198.18.0.97:80 --http "[2001:db8::97]:80" \
		--udp 198.18.0.97:9912 --udp 198.18.0.97:9913 --echo 0.0.0.0:7100 \
		>"$tmp/serve.out" 2>&1
	wait_for 10 grep -q ready "$tmp/serve.out" || { echo "# servers:"; cat "$tmp/serve.out"; return 1; }
	wait_for 10 grep -q ready "$tmp/resolver.out" || { echo "# resolver:"; cat "$tmp/resolver.out"; return 1; }
}

# adv_config FILE [KEY=VALUE...] - a sentry.ini for this topology; extra
# SECTION.KEY=VALUE pairs override or add settings
adv_config() {
	local f=$1
	shift
	$PY - "$f" "$SOCK" "$STORE" "$DLOG" "$@" <<-'EOF'
	import sys
	f, sock, store, dlog = sys.argv[1:5]
	cfg = {
	    "daemon": {"control_socket": sock, "policy_store": store, "decision_log": dlog,
	               "mode": "enforce", "log_level": "info", "log_refusals": "0"},
	    "dns": {"upstream": "198.18.0.53", "timeout_ms": "1000", "rate": "100", "burst": "200"},
	    "egress": {"pool4": "100.127.0.0/16", "pool6": "fd5e:5e:5e::/64"},
	    "tables": {"flows": "4096"},
	    "reject": {"tcp": "rst", "udp": "icmp", "other": "icmp"},
	}
	for kv in sys.argv[5:]:
	    k, v = kv.split("=", 1)
	    sec, key = k.split(".", 1)
	    cfg.setdefault(sec, {})[key] = v
	with open(f, "w") as out:
	    for sec, kv in cfg.items():
	        out.write("[%s]\n" % sec)
	        for k, v in kv.items():
	            out.write("%s = %s\n" % (k, v))
	EOF
}

adv_start_daemon() {	# adv_start_daemon CONFIG
	spawn daemon_pid ip netns exec "$GW" "$SENTRY" run -c "$1" 2>>"$DAEMON_LOG"
	wait_for 15 ctl ping
}

adv_stop_daemon() {	# SIGTERM, and the exit status must be 0 (ASan: no report)
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid"
	local st=$?
	daemon_pid=
	return $st
}

adv_attach() {	# adv_attach NS POLICY [ARGS...]
	local ns=$1 pol=$2
	shift 2
	mkns "$ns" 10.0.2.3 || return 1
	"$SENTRY" attach --netns "/run/netns/$ns" --policy "$pol" --socket "$SOCK" \
		--address 10.0.2.100/24 --gateway 10.0.2.2 "$@" >>"$tmp/attach.log" 2>&1
}

# daemon_alive - the daemon's process is there and answers
daemon_alive() {
	[ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null && ctl ping >/dev/null 2>&1
}

# adv_finish - stop the daemon (its exit status is a test of its own) and
# exit with the script's verdict
adv_finish() {
	local name=$1
	if [ -n "$daemon_pid" ]; then
		: >"$tmp/detail"
		if adv_stop_daemon; then
			echo "ok - $name: daemon exits 0 on SIGTERM (no sanitizer report)"
		else
			echo "not ok - $name: daemon exits 0 on SIGTERM (no sanitizer report)"
			gw_failed=$((gw_failed + 1))
			tail -n 30 "$DAEMON_LOG" | sed 's/^/# /'
		fi
	fi
	[ "$gw_failed" = 0 ]
	exit $?
}
