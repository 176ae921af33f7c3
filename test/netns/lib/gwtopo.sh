# SPDX-License-Identifier: GPL-2.0-or-later
#
# gwtopo.sh - the topology drawn at the top of test/netns/gateway.sh: its
# files (sentry.ini, policies, NET's nft counters), namespaces, servers,
# daemon and bottles. Sourced after gwlib.sh, with NET GW A B C D E, $tmp,
# DLOG DAEMON_LOG STORE SOCK DNSLOG set.

ctl() {	# ctl ARGS... - sentry ctl on our socket
	"$SENTRY" ctl --socket "$SOCK" "$@"
}

# stat_of JSON-PATH [BOTTLE] - one number from `ctl --json stats`
stat_of() {
	ctl --json stats ${2:-} | $NK jget "$1"
}

# net_count COUNTER - packets counted so far by NET's nft counter
net_count() {
	ip netns exec "$NET" nft list counter inet sgt "$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

write_files() {
	cat >"$tmp/sentry.ini" <<-EOF
	; gateway.sh: the daemon under test
	[daemon]
	control_socket = $SOCK
	policy_store = $STORE
	decision_log = $DLOG
	mode = enforce
	log_level = info
	log_refusals = 0
	[dns]
	upstream = 198.18.0.53
	timeout_ms = 2000
	rate = 1000
	burst = 1000
	[egress]
	pool4 = 100.127.0.0/16
	pool6 = fd5e:5e:5e::/64
	[tables]
	flows = 4096
	per_name = 100
	[reject]
	tcp = rst
	udp = icmp
	EOF
	sed 's/^mode = enforce/mode = audit/' "$tmp/sentry.ini" >"$tmp/audit.ini"

	cat >"$tmp/main.ini" <<-'EOF'
	[policy]
	name = main
	default = deny
	private_answers = deny
	min_ttl = 30
	max_ttl = 3600
	[allow]
	domain = allowed.test tcp/80 tcp/7000
	domain = *.wild.test tcp/80
	domain = blocked.test tcp/80
	domain = any.test
	domain = rebind.test
	domain = rebind10.test
	domain = rebind6.test
	domain = marker.test
	domain = big.test
	domain = cname.test tcp/80
	domain = svc.test tcp/80
	cidr = 198.18.0.96/28
	[deny]
	cidr = 198.18.0.82/32
	EOF
	cat >"$tmp/other.ini" <<-'EOF'
	[policy]
	name = other
	default = deny
	[allow]
	domain = any.test tcp/80
	EOF
	cat >"$tmp/ttl.ini" <<-'EOF'
	[policy]
	name = ttl
	default = deny
	min_ttl = 1
	max_ttl = 2
	[allow]
	domain = ttl.test tcp/7000
	EOF
	cat >"$tmp/rev.ini" <<-'EOF'
	[policy]
	name = rev
	default = deny
	[allow]
	domain = rev.test tcp/7000
	EOF
	cat >"$tmp/rev2.ini" <<-'EOF'
	; rev.ini without rev.test: live flows to it must be cut
	[policy]
	name = rev
	default = deny
	[allow]
	domain = elsewhere.test tcp/7000
	EOF
	cat >"$tmp/net.nft" <<-'EOF'
	table inet sgt {
		counter dns_other { }
		counter dot { }
		counter spoof { }
		counter v6leak { }
		counter fromgw { }
		counter dns_tcp { }
		counter frag_later { }
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			ip saddr 198.18.1.2 counter name fromgw
			ip saddr 198.18.1.2 tcp dport 53 tcp flags & (syn | ack) == syn counter name dns_tcp
			ip daddr 198.18.0.97 ip frag-off & 0x1fff != 0 counter name frag_later
			meta l4proto { tcp, udp } th dport 53 ip daddr != 198.18.0.53 counter name dns_other
			meta l4proto { tcp, udp } th dport 853 counter name dot
			udp dport 9911 counter name spoof
			meta nfproto ipv6 meta l4proto { tcp, udp } th dport { 9902, 9903 } counter name v6leak
		}
	}
	EOF
}

setup_net() {
	local a big=()
	mkns "$NET" && mkns "$GW" || return 1
	ip link add gw0 netns "$GW" type veth peer name net0 netns "$NET" || return 1
	ip -n "$NET" addr add 198.18.1.1/24 dev net0
	ip -n "$NET" addr add 2001:db8:1::1/64 dev net0 nodad
	ip -n "$NET" link set net0 up
	for a in 53 80 81 82 83 84 85 86 88 89 97; do
		ip -n "$NET" addr add 198.18.0.$a/32 dev lo
	done
	for a in 53 80 86; do
		ip -n "$NET" addr add 2001:db8::$a/128 dev lo
	done
	ip -n "$GW" addr add 198.18.1.2/24 dev gw0
	ip -n "$GW" addr add 2001:db8:1::2/64 dev gw0 nodad
	ip -n "$GW" link set gw0 up
	# a narrower hop than either end (1500): uploads need path MTU
	# discovery, whose ICMP errors must find their way back through sentry
	ip -n "$GW" route add default via 198.18.1.1 mtu 1400
	ip -n "$GW" -6 route add default via 2001:db8:1::1 mtu 1400
	inns "$NET" nft -f "$tmp/net.nft" || return 1

	for a in $(seq 60); do
		big+=("--address=/big.test/198.18.2.$a")	# 986 bytes: TC at 512
	done
	spawn dnsmasq_pid ip netns exec "$NET" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--user=root --pid-file= --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.18.0.53 --listen-address=2001:db8::53 \
		--log-queries --log-facility="$DNSLOG" --local-ttl=300 \
		--address=/allowed.test/198.18.0.80 --address=/allowed.test/2001:db8::80 \
		--address=/denied.test/198.18.0.86 --address=/denied.test/2001:db8::86 \
		--address=/wild.test/198.18.0.81 --address=/blocked.test/198.18.0.82 \
		--address=/any.test/198.18.0.83 --address=/ttl.test/198.18.0.84 \
		--address=/rev.test/198.18.0.85 --address=/rebind.test/127.0.0.1 \
		--address=/rebind10.test/10.1.2.3 --address=/rebind6.test/64:ff9b::7f00:1 \
		--address=/marker.test/198.18.0.87 "${big[@]}" \
		--host-record=target.test,198.18.0.88 --cname=cname.test,target.test \
		--dns-rr=svc.test,65,00010000040004c6120059
	spawn serve_pid ip netns exec "$NET" $NK serve \
		--http 198.18.0.80:80 --http 198.18.0.80:8080 --http "[2001:db8::80]:80" \
		--http 198.18.0.81:80 --http 198.18.0.82:80 --http 198.18.0.83:80 \
		--http 198.18.0.83:853 --http 198.18.0.86:80 --http "[2001:db8::86]:80" \
		--http 198.18.0.97:80 --echo 198.18.0.84:7000 --echo 198.18.0.85:7000 \
		--echo 198.18.0.83:7000 --echo "[2001:db8::80]:7000" --udp 198.18.0.97:9912 \
		--http 198.18.0.88:80 --http 198.18.0.89:80 \
		>"$tmp/serve.out" 2>&1
	wait_for 10 grep -q ready "$tmp/serve.out" || { echo "# servers:"; cat "$tmp/serve.out"; return 1; }
	wait_for 10 inns "$NET" dig +short +time=1 +tries=1 @198.18.0.53 allowed.test ||
		{ echo "# dnsmasq did not answer"; return 1; }
}

start_daemon() {	# start_daemon CONFIG
	spawn daemon_pid ip netns exec "$GW" "$SENTRY" run -c "$1" 2>>"$DAEMON_LOG"
	wait_for 10 ctl ping
}

attach() {	# attach NS POLICY [ARGS...]
	local ns=$1 pol=$2
	shift 2
	"$SENTRY" attach --netns "/run/netns/$ns" --policy "$pol" --socket "$SOCK" \
		--address 10.0.2.100/24 --gateway 10.0.2.2 "$@" >>"$tmp/attach.log" 2>&1
}

setup() {
	write_files
	setup_net || return 1
	for ns in $A $B $C $D $E; do
		mkns "$ns" 10.0.2.3 || return 1
	done
	"$SENTRY" policy load --db "$STORE" "$tmp/main.ini" "$tmp/other.ini" \
		"$tmp/ttl.ini" "$tmp/rev.ini" >"$tmp/policy.log" 2>&1 || {
		cat "$tmp/policy.log"; return 1; }
	start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	attach $A main --address fd00::100/64 --gateway fd00::2 &&
	attach $B other && attach $C ttl && attach $D rev && attach $E main --queues 4 || {
		cat "$tmp/attach.log"; return 1; }
}

