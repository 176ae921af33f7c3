#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-captures.sh [CASE...] - record the real-traffic replay captures
#
# Run as root. For each case this builds two network namespaces joined by a
# veth pair:
#
#   sentrycap-bottle  sc-bottle 10.0.2.100/24 (2001:db8:2::100/64 in IPv6 cases),
#                     default route via 10.0.2.2; the clients (dig, curl,
#                     busybox ping) run here; tcpdump records sc-bottle.
#   sentrycap-net     sc-net 10.0.2.2/24 (2001:db8:2::1/64); the "internet":
#                     198.18.0.0/15 and 2001:db8::/32 addresses on lo, a real
#                     dnsmasq on 198.18.0.53 (and 2001:db8::53), real HTTP
#                     servers (python3 -m http.server).
#
# Nothing is routed anywhere else: sentrycap-net has forwarding off, and an
# nftables prerouting chain there drops, silently, every packet from the
# bottle to an address it does not hold, plus whatever the case asks to
# drop (so that a connection sentry is expected to deny gets no answer in the
# capture either, and a capture holds exactly the packets we reason about).
# Neighbour entries are permanent, so neither ARP nor neighbour discovery
# runs; the capture filter leaves out link chatter (ARP, multicast, ND).
#
# Outputs, per case directory: input.pcap, expected-summary (the drop and DNS
# counters written below by hand, plus packets= and allowed= counted from the
# capture), and the "How the capture was made" section of README.md (the
# case's function, as bash prints it). policy.ini, expected.jsonl, args and
# the top of README.md are written by hand and never touched here.
#
# Every namespace, process and temporary file goes away on exit, failure
# included (trap).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
B=sentrycap-bottle
N=sentrycap-net
PY=/usr/bin/python3
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LC_ALL=C)
work=$(mktemp -d /tmp/sentrycap.XXXXXX)
[ -n "${SENTRYCAP_DEBUG:-}" ] && set -x
pids=()
tcpdump_pid=
case_dir=

die() { echo "make-captures: $*" >&2; exit 1; }

# netns_pids NS - processes still inside a namespace of ours (all started here)
netns_pids() {
	ip netns pids "$1" 2>/dev/null || true
}

teardown() {
	local p ns
	if [ -n "$tcpdump_pid" ]; then
		kill -INT "$tcpdump_pid" 2>/dev/null || true
		wait "$tcpdump_pid" 2>/dev/null || true
		tcpdump_pid=
	fi
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
	# anything a client left behind in our namespaces goes with them
	for ns in "$B" "$N"; do
		for p in $(netns_pids "$ns"); do
			kill "$p" 2>/dev/null || true
		done
	done
	sleep 0.2
	for ns in "$B" "$N"; do
		for p in $(netns_pids "$ns"); do
			kill -KILL "$p" 2>/dev/null || true
		done
	done
	[ -z "$case_dir" ] || rm -f "$case_dir/input.pcap.tmp"
	ip netns del "$B" 2>/dev/null || true
	ip netns del "$N" 2>/dev/null || true
	rm -rf "/etc/netns/$B"
}

cleanup() {
	local rc=$?
	teardown
	rm -rf "$work"
	[ $rc = 0 ] || echo "make-captures: failed (case ${case_dir:-none})" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[ "$(id -u)" = 0 ] || die "run as root"
for t in ip nft dnsmasq tcpdump dig curl wget busybox ss; do
	command -v $t >/dev/null || die "missing $t"
done
[ -x $PY ] || die "missing $PY"

in_b() { ip netns exec "$B" "${CLEAN_ENV[@]}" "$@"; }
in_n() { ip netns exec "$N" "${CLEAN_ENV[@]}" "$@"; }

# wait_for TRIES CMD... - poll CMD every 0.1 s
wait_for() {
	local n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

listening() {	# listening tcp|udp ADDR PORT
	local a=$2
	case "$a" in *:*) a="[$a]" ;; esac
	in_n ss -Hln --"$1" | awk '{print $4}' | grep -qxF "$a:$3"
}

# net_up [v6] - namespaces, veth, addresses, routes, neighbours, nft.
# Server addresses come from $LOCAL4 / $LOCAL6 (set by the case).
net_up() {
	local v6=${1:-} a bmac nmac set4 set6
	ip netns add "$N"
	ip netns add "$B"
	in_b sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	if [ "$v6" = v6 ]; then
		for ns in "$B" "$N"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
				net.ipv6.conf.default.disable_ipv6=0 \
				net.ipv6.conf.default.accept_ra=0 \
				net.ipv6.conf.default.router_solicitations=0 \
				net.ipv6.conf.default.dad_transmits=0
		done
	fi
	in_n sysctl -qw net.ipv4.ip_forward=0
	ip link add sc-bottle netns "$B" type veth peer name sc-net netns "$N"
	ip -n "$B" link set lo up
	ip -n "$N" link set lo up
	ip -n "$B" addr add 10.0.2.100/24 dev sc-bottle
	ip -n "$N" addr add 10.0.2.2/24 dev sc-net
	for a in 198.18.0.53 $LOCAL4; do
		ip -n "$N" addr add "$a/32" dev lo
	done
	if [ "$v6" = v6 ]; then
		ip -n "$B" addr add 2001:db8:2::100/64 dev sc-bottle nodad
		ip -n "$N" addr add 2001:db8:2::1/64 dev sc-net nodad
		for a in 2001:db8::53 $LOCAL6; do
			ip -n "$N" addr add "$a/128" dev lo nodad
		done
	fi
	ip -n "$B" link set sc-bottle up
	ip -n "$N" link set sc-net up
	ip -n "$B" route add default via 10.0.2.2
	bmac=$(ip -n "$B" -br link show sc-bottle | awk '{print $3}')
	nmac=$(ip -n "$N" -br link show sc-net | awk '{print $3}')
	ip -n "$B" neigh replace 10.0.2.2 lladdr "$nmac" dev sc-bottle nud permanent
	ip -n "$N" neigh replace 10.0.2.100 lladdr "$bmac" dev sc-net nud permanent
	if [ "$v6" = v6 ]; then
		ip -n "$B" -6 route add default via 2001:db8:2::1
		ip -n "$B" -6 neigh replace 2001:db8:2::1 lladdr "$nmac" dev sc-bottle nud permanent
		ip -n "$N" -6 neigh replace 2001:db8:2::100 lladdr "$bmac" dev sc-net nud permanent
	fi

	set4="10.0.2.2, 198.18.0.53"
	for a in $LOCAL4; do set4="$set4, $a"; done
	set6="2001:db8:2::1, 2001:db8::53"
	for a in $LOCAL6; do set6="$set6, $a"; done
	in_n nft -f - <<-EOF
	table inet sentrycap {
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname != "sc-net" accept
			ip6 daddr { fe80::/10, ff00::/8 } accept
			ip daddr != { $set4 } drop
			ip6 daddr != { $set6 } drop
			$NFT_EXTRA
		}
	}
	EOF

	mkdir -p "/etc/netns/$B"
	if [ "$v6" = v6 ] && [ "${DNS6:-}" = 1 ]; then
		printf 'nameserver 2001:db8::53\noptions timeout:2 attempts:1\n' >"/etc/netns/$B/resolv.conf"
	else
		printf 'nameserver 198.18.0.53\noptions timeout:2 attempts:1\n' >"/etc/netns/$B/resolv.conf"
	fi
}

# dns_up [--port=P] [--listen-address=A] DNSMASQ-OPTIONS... - a real dnsmasq
# in the net namespace, answering only from its own records.
dns_up() {
	local port=53 o a listens=() opts=() largs=()
	for o in "$@"; do
		case "$o" in
		--listen-address=*) listens+=("${o#--listen-address=}") ;;
		--port=*) port=${o#--port=} ;;
		*) opts+=("$o") ;;
		esac
	done
	[ ${#listens[@]} -gt 0 ] || listens=(198.18.0.53)
	for a in "${listens[@]}"; do largs+=("--listen-address=$a"); done
	# not through in_n: a backgrounded function is a subshell, and $! must be
	# the server itself (ip netns exec and env exec, they do not fork)
	ip netns exec "$N" "${CLEAN_ENV[@]}" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces "${largs[@]}" --port="$port" \
		--pid-file= --user=root --group=root --local-ttl=600 --log-queries \
		--log-facility="$work/dnsmasq-$port.log" "${opts[@]}" \
		>>"$work/dnsmasq.out" 2>&1 &
	pids+=($!)
	for a in "${listens[@]}"; do
		wait_for 50 listening udp "$a" "$port" || die "dnsmasq did not start"
	done
}

# http_up ADDR [PORT] - python3 -m http.server serving $work/www
http_up() {
	local addr=$1 port=${2:-80}
	mkdir -p "$work/www"
	[ -f "$work/www/index.html" ] || printf 'hello from the replay net\n' >"$work/www/index.html"
	[ -f "$work/www/large.bin" ] || head -c 131072 /dev/zero >"$work/www/large.bin"
	ip netns exec "$N" "${CLEAN_ENV[@]}" $PY -m http.server --bind "$addr" --directory "$work/www" "$port" \
		>>"$work/http.out" 2>&1 &
	pids+=($!)
	wait_for 100 listening tcp "$addr" "$port" || die "http.server $addr:$port did not start"
}

cap_start() {
	local out=$case_dir/input.pcap
	: >"$work/tcpdump.err"
	ip netns exec "$B" tcpdump -i sc-bottle -n -U --immediate-mode -Z root -s 262144 -w "$out.tmp" \
		'not arp and not ip multicast and not ip6 multicast and not ether multicast
		 and not (ip6 and ip6[6] == 58 and ip6[40] >= 133 and ip6[40] <= 137)' \
		2>"$work/tcpdump.err" &
	tcpdump_pid=$!
	wait_for 50 grep -q "listening on" "$work/tcpdump.err" || die "tcpdump did not start"
}

cap_stop() {
	sleep 0.5	# let the last answers arrive
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid" || true
	tcpdump_pid=
	mv "$case_dir/input.pcap.tmp" "$case_dir/input.pcap"
}

# summary DROPPED KEY=VALUE... - write expected-summary: packets and allowed
# are counted from the capture, the rest is the case's own reasoning.
summary() {
	local dropped=$1 total
	shift
	total=$(tcpdump -r "$case_dir/input.pcap" -n 2>/dev/null | wc -l)
	{
		echo "packets=$total"
		echo "allowed=$((total - dropped))"
		echo "dropped=$dropped"
		printf '%s\n' "$@"
	} >"$case_dir/expected-summary"
}

# readme CASE - replace the generated section of README.md
readme() {
	local f=$case_dir/README.md keep
	keep=$(sed '/^## How the capture was made/,$d' "$f" 2>/dev/null || true)
	{
		printf '%s\n\n' "$keep"
		echo "## How the capture was made"
		echo
		echo "Generated by \`sudo test/replay/make-captures.sh $1\` (see the top of that"
		echo "script for the namespaces, addresses and the nftables drop chain it sets"
		echo "up around every case). The case's own commands, as bash prints the function:"
		echo
		echo '```bash'
		declare -f "case_$(echo "$1" | tr - _)"
		echo
		echo "# with"
		declare -p CLEAN_ENV CURL DENIED DIG | sed 's/^declare -a //'
		declare -f in_b
		echo '```'
	} >"$f"
}

# ---------------------------------------------------------------------------
# The cases. Each sets LOCAL4/LOCAL6/NFT_EXTRA, brings the net up, records,
# and states the drops it expects (the same reasoning as its expected.jsonl).
# Ports that expected.jsonl names are pinned (curl --local-port, dig -b A#P).

CURL=(curl -sS -o /dev/null --max-time 20)
DENIED=(--connect-timeout 0.5)	# a denied SYN gets no answer: one SYN only
DIG=(dig +tries=1 +time=2 +norecurse +short)

case_http_allowed() {
	LOCAL4="198.18.0.10" NFT_EXTRA=""
	net_up
	dns_up --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${CURL[@]}" -4 --local-port 40001 http://web.example.test/
	in_b wget -4 -q -O /dev/null http://web.example.test/
	cap_stop
	summary 0 dns_allowed=2 dns_denied=0 flows=2
}

case_dns_denied() {
	LOCAL4="198.18.0.10" NFT_EXTRA=""
	net_up
	dns_up --address=/ads.example.test/198.18.0.66 --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40100 ads.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40101 http://198.18.0.66/ || true
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40102 web.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40103 unknown.example.test A
	cap_stop
	summary 5 dns_allowed=1 dns_denied=2 drop_dns_denied=2 drop_dns_unsolicited=2 drop_policy=1
}

case_direct_ip_denied() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp sport 40200 drop"
	net_up
	dns_up --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40200 http://198.18.0.10/ || true
	in_b "${CURL[@]}" -4 --local-port 40201 http://web.example.test/
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40202 http://198.18.0.12/ || true
	in_b busybox ping -c 1 -W 1 198.18.0.12 || true
	cap_stop
	summary 3 dns_allowed=1 dns_denied=0 drop_policy=3
}

case_wildcard() {
	LOCAL4="198.18.0.10 198.18.0.11" NFT_EXTRA=""
	net_up
	dns_up --host-record=a.example.test,198.18.0.10 \
		--host-record=b.c.example.test,198.18.0.11 \
		--host-record=example.test,198.18.0.20 \
		--host-record=badexample.test,198.18.0.21
	http_up 198.18.0.10
	http_up 198.18.0.11
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40300 a.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40301 b.c.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40302 example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40303 badexample.test A
	in_b "${CURL[@]}" --local-port 40304 http://198.18.0.10/
	in_b "${CURL[@]}" --local-port 40305 http://198.18.0.11/
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40306 http://198.18.0.20/ || true
	cap_stop
	summary 5 dns_allowed=2 dns_denied=2 drop_dns_denied=2 drop_dns_unsolicited=2 drop_policy=1
}

case_port_set() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp dport 8080 drop
			udp dport 80 drop"
	net_up
	dns_up --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40400 web.example.test A
	in_b "${CURL[@]}" --local-port 40401 http://198.18.0.10/
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40402 http://198.18.0.10:8080/ || true
	in_b dig +short +tries=1 +time=1 @198.18.0.10 -p 80 -b 10.0.2.100#40403 probe.example.test A || true
	cap_stop
	summary 2 dns_allowed=1 dns_denied=0 drop_policy=2
}

case_cname() {
	LOCAL4="198.18.0.30" NFT_EXTRA=""
	net_up
	dns_up --host-record=edge.cdn-example.test,198.18.0.30 \
		--cname=www.example.test,edge.cdn-example.test
	http_up 198.18.0.30
	cap_start
	in_b "${CURL[@]}" -4 --local-port 40500 http://www.example.test/
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40501 edge.cdn-example.test A
	cap_stop
	summary 2 dns_allowed=1 dns_denied=1 drop_dns_denied=1 drop_dns_unsolicited=1
}

case_cidr() {
	LOCAL4="198.18.0.10 198.18.0.11 198.18.5.5" NFT_EXTRA="tcp sport 40602 drop
			tcp sport 40605 drop"
	net_up
	dns_up --address=/web.example.test/198.18.0.10 --address=/safe.example.test/198.18.0.11
	http_up 198.18.0.10
	http_up 198.18.0.11
	http_up 198.18.5.5
	http_up 198.18.5.5 8080
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40600 web.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#40601 safe.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40602 http://198.18.0.10/ || true
	in_b "${CURL[@]}" --local-port 40603 http://198.18.0.11/
	in_b "${CURL[@]}" --local-port 40604 http://198.18.5.5/
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40605 http://198.18.5.5:8080/ || true
	cap_stop
	summary 2 dns_allowed=2 dns_denied=0 drop_policy=2
}

case_ttl_expiry() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp sport 40701 drop"
	net_up
	dns_up --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	# 128 KiB at 24 KiB/s: this flow outlives the 1 s clamp by seconds
	in_b "${CURL[@]}" -4 --local-port 40700 --limit-rate 24k http://web.example.test/large.bin &
	local slow=$!
	sleep 3
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40701 http://198.18.0.10/ || true
	wait $slow
	cap_stop
	summary 1 dns_allowed=1 dns_denied=0 drop_policy=1
}

case_ipv6() {
	LOCAL4="" LOCAL6="2001:db8::10" NFT_EXTRA=""
	net_up v6
	dns_up --listen-address=198.18.0.53 --listen-address=2001:db8::53 \
		--host-record=v6.example.test,2001:db8::10
	http_up 2001:db8::10
	cap_start
	in_b "${CURL[@]}" -6 --local-port 40800 http://v6.example.test/
	in_b "${DIG[@]}" @2001:db8::53 -b 2001:db8:2::100#40801 v6.example.test AAAA
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 40802 'http://[2001:db8::12]/' || true
	cap_stop
	summary 1 dns_allowed=3 dns_denied=0 drop_policy=1
}

case_dns_tcp() {
	LOCAL4="198.18.0.10" NFT_EXTRA=""
	net_up
	dns_up --address=/web.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${DIG[@]}" +tcp @198.18.0.53 -b 10.0.2.100#40900 web.example.test A
	in_b "${CURL[@]}" --local-port 40901 http://198.18.0.10/
	cap_stop
	summary 0 dns_allowed=1 dns_denied=0
}

case_dns_tcp_denied() {
	LOCAL4="198.18.0.10" NFT_EXTRA=""
	net_up
	dns_up --address=/denied.example.test/198.18.0.66 --address=/web.example.test/198.18.0.10
	cap_start
	in_b "${DIG[@]}" +tcp @198.18.0.53 -b 10.0.2.100#40950 denied.example.test A
	in_b "${DIG[@]}" +tcp @198.18.0.53 -b 10.0.2.100#40951 web.example.test A
	cap_stop
	summary 2 dns_allowed=1 dns_denied=1 drop_dns_denied=1 drop_dns_unsolicited=1
}

case_rebinding() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp sport 41004 drop"
	net_up
	dns_up --address=/rebind.example.test/127.0.0.1 \
		--address=/rebind2.example.test/10.1.2.3 \
		--host-record=mixed.example.test,198.18.0.10 \
		--host-record=mixed.example.test,169.254.169.254
	http_up 198.18.0.10
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41000 rebind.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41001 rebind2.example.test A
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41002 mixed.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41003 http://10.1.2.3/ || true
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41004 http://198.18.0.10/ || true
	cap_stop
	summary 5 dns_allowed=3 dns_denied=3 drop_dns_private_answer=3 drop_policy=2
}

case_private_allow() {
	LOCAL4="10.1.2.3" NFT_EXTRA=""
	net_up
	dns_up --address=/rebind2.example.test/10.1.2.3
	http_up 10.1.2.3
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41100 rebind2.example.test A
	in_b "${CURL[@]}" --local-port 41101 http://10.1.2.3/
	cap_stop
	summary 0 dns_allowed=1 dns_denied=0
}

case_dot() {
	LOCAL4="" NFT_EXTRA="tcp dport 853 drop
			udp dport 853 drop"
	net_up
	dns_up --host-record=resolver.example.test,198.18.0.53
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41200 resolver.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41201 https://198.18.0.53:853/ || true
	in_b dig +short +tries=1 +time=1 @198.18.0.53 -p 853 -b 10.0.2.100#41202 resolver.example.test A || true
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41203 https://198.18.0.54:853/ || true
	cap_stop
	summary 2 dns_allowed=1 dns_denied=0 drop_dot_denied=2
}

case_icmp() {
	LOCAL4="198.18.0.10" LOCAL6="2001:db8::10" NFT_EXTRA="tcp sport 41301 drop"
	net_up v6
	dns_up
	http_up 198.18.0.10
	cap_start
	in_b busybox ping -c 2 198.18.0.10
	in_b busybox ping -c 1 -W 1 198.18.0.11 || true
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41301 http://198.18.0.10/ || true
	in_b busybox ping6 -c 1 2001:db8::10
	cap_stop
	summary 2 dns_allowed=0 dns_denied=0 drop_policy=2
}

case_default_allow() {
	LOCAL4="198.18.0.10 198.18.0.11" NFT_EXTRA="tcp sport 41402 drop"
	net_up
	dns_up --address=/web.example.test/198.18.0.10 --address=/blocked.example.test/198.18.0.12
	http_up 198.18.0.10
	http_up 198.18.0.11
	cap_start
	in_b "${CURL[@]}" -4 --local-port 41400 http://web.example.test/
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41401 blocked.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41402 http://198.18.0.12/ || true
	in_b "${CURL[@]}" --local-port 41403 http://198.18.0.11/
	cap_stop
	summary 3 dns_allowed=1 dns_denied=1 drop_dns_denied=1 drop_dns_unsolicited=1 drop_policy=1
}

case_deny_port_rule() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp dport 8080 drop"
	net_up
	dns_up --address=/api.example.test/198.18.0.10
	http_up 198.18.0.10
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41500 api.example.test A
	in_b "${CURL[@]}" --local-port 41501 http://198.18.0.10/
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41502 http://198.18.0.10:8080/ || true
	cap_stop
	summary 1 dns_allowed=1 dns_denied=0 drop_policy=1
}

case_shared_address() {
	LOCAL4="198.18.0.10" NFT_EXTRA="tcp sport 41603 drop"
	net_up
	dns_up --address=/x.example.test/198.18.0.10 --address=/y.example.test/198.18.0.10
	http_up 198.18.0.10
	http_up 198.18.0.10 8081
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41600 x.example.test A
	in_b "${CURL[@]}" --local-port 41601 http://198.18.0.10/
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41602 y.example.test A
	in_b "${CURL[@]}" "${DENIED[@]}" --local-port 41603 http://198.18.0.10/ || true
	in_b "${CURL[@]}" --local-port 41604 http://198.18.0.10:8081/
	cap_stop
	summary 1 dns_allowed=2 dns_denied=0 drop_policy=1
}

case_udp_flow() {
	LOCAL4="198.18.0.40" NFT_EXTRA="udp dport 5000 drop"
	net_up
	dns_up --address=/svc.example.test/198.18.0.40
	# a second real dnsmasq: a plain UDP service on 198.18.0.40:5353
	dns_up --listen-address=198.18.0.40 --port=5353 --address=/probe.example.test/198.18.0.41
	cap_start
	in_b "${DIG[@]}" @198.18.0.53 -b 10.0.2.100#41700 svc.example.test A
	in_b "${DIG[@]}" @198.18.0.40 -p 5353 -b 10.0.2.100#41701 probe.example.test A
	in_b dig +short +tries=1 +time=1 @198.18.0.40 -p 5000 -b 10.0.2.100#41702 probe.example.test A || true
	cap_stop
	summary 1 dns_allowed=1 dns_denied=0 drop_policy=1
}

ALL_CASES=(http-allowed dns-denied direct-ip-denied wildcard port-set cname cidr
	ttl-expiry ipv6 dns-tcp dns-tcp-denied rebinding private-allow dot icmp default-allow
	deny-port-rule shared-address udp-flow)

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("${ALL_CASES[@]}")
for c in "${cases[@]}"; do
	fn=case_$(echo "$c" | tr - _)
	declare -F "$fn" >/dev/null || die "no case $c"
	case_dir=$here/$c
	mkdir -p "$case_dir"
	LOCAL4="" LOCAL6="" NFT_EXTRA="" DNS6=""
	echo "== $c"
	"$fn"
	teardown
	readme "$c"
	tcpdump -r "$case_dir/input.pcap" -n 2>/dev/null | sed 's/^/   /'
done
case_dir=
