#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# packets.sh - attacks in raw packets a bottle writes into its TUN: IPv6
# destinations that embed IPv4, spoofed sources, ICMP and ICMPv6
# tunnelling, every TCP flag combination, fragments (tiny, overlapping,
# orphaned, past 65535), and zero- and maximum-length packets. Packets are
# forged with advkit.py inject (AF_PACKET on tun0: no routing, no source
# check by the bottle's kernel); what arrives in the internet is counted by
# nft there and recorded by advkit.py sniff.
#
#  bottles: tun0 only          $P-gw                         $P-net: "the internet"
#  +----------------------+    +------------------------+    +------------------------------+
#  | $P-a  policy pk      |===>| sentry run             |    | .80 .86 .90 HTTP, echo       |
#  |  10.0.2.100/24       | fd |  log_refusals 0        |    | .97 HTTP :80, UDP sinks      |
#  |  fd00::100/64        |    |                        |    |   :9912 :9913                |
#  |  mtu 65520           |    | sentry0 egress TUN     |    | 2001:db8::97 HTTP            |
#  +----------------------+    |  100.127.0.0/16        |    | nft inet adv counters:       |
#  | $P-b  policy pk      |===>|  fd5e:5e:5e::/64       |    |   IPv4-in-IPv6 destinations, |
#  |  10.0.2.100/24,no v6 |    |                        |    |   udp/9911, later fragments, |
#  +----------------------+    | gw0 198.18.1.2/24      |-veth   ICMP, tcp/9100, udp/9913  |
#                              |     2001:db8:1::2/64   |    | net0 198.18.1.1/24           |
#  policy pk: default deny;    +------------------------+    |  (advkit.py sniff records    |
#  allow cidr 198.18.0.96/28 icmp udp/9911-9913 tcp/80      |   every packet arriving)     |
#        tcp/9100; 2001:db8::97/128 icmp tcp/80              +------------------------------+
#
# $P is advp<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make stage installs it). Prints "ok - NAME" /
# "not ok - NAME"; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root packets curl
GW_PREFIX=advp$$
P=$GW_PREFIX
A=$P-a B=$P-b
adv_init packets
SNIFF=$tmp/sniff.log

setup() {
	echo '{"ok.test": {"a": ["198.18.0.80"]}}' >"$tmp/zone.json"
	adv_config "$tmp/sentry.ini"
	cat >"$tmp/pk.ini" <<-'EOF'
	[policy]
	name = pk
	default = deny
	[allow]
	domain = ok.test tcp/80
	cidr = 198.18.0.96/28 icmp udp/9911 udp/9912 udp/9913 tcp/80 tcp/9100
	cidr = 2001:db8::97/128 icmp tcp/80
	EOF
	adv_setup_net || return 1
	: >"$SNIFF"
	spawn sniff_pid ip netns exec "$NET" $AK sniff net0 "$SNIFF" >"$tmp/sniff.out" 2>&1
	wait_for 5 grep -q ready "$tmp/sniff.out" || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/pk.ini" || return 1
	adv_start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	adv_attach $A pk --address fd00::100/64 --gateway fd00::2 --mtu 65520 &&
	adv_attach $B pk || { cat "$tmp/attach.log"; return 1; }
}

inject() {	# inject NS KIND ARGS... (into the namespace's tun0)
	local ns=$1
	shift
	run inns "$ns" $AK inject tun0 "$@"
}

# ------------------------------------------------------------------- tests

t_ipv6_embedded_dst() {
	local c0 d
	c0=$(adv_count v6embed)
	# 198.18.0.97 (allowed by an IPv4 CIDR rule), embedded every way
	local dsts="::ffff:198.18.0.97 ::198.18.0.97 64:ff9b::c612:61 64:ff9b:1::c612:61
		2002:c612:61::1 2001:0:c612:61::1" spec=()
	for d in $dsts; do
		spec+=(udp fd00::100 "$d" 9912 --)
	done
	inject $A "${spec[@]}"
	for d in $dsts; do
		expect_log event=flow verdict=deny reason=default proto=udp dst=$d dport=9912 \
			bottle=$A || return 1
	done
	run inns $A curl -6 -g -sS --max-time 5 "http://[64:ff9b::c612:61]/"
	expect "curl to NAT64 of an allowed address refused (exit 7)" $rc = 7 || return 1
	# (a client connecting to ::ffff:198.18.0.97 speaks plain IPv4 on the
	# wire - the kernel maps it - so only injection can send that address)
	expect "no IPv4-embedding destination reached the internet" "$(adv_count v6embed)" = "$c0"
}

t_ipv6_no_v6_bottle() {
	local n0 c0
	n0=$(drops $B ipv6_disabled)
	c0=$(adv_count v6embed)
	inject $B udp fd00::100 64:ff9b::c612:61 9912 -- udp fd00::100 2001:db8::97 9912 -- \
		udp ::ffff:10.0.2.100 ::ffff:198.18.0.97 9912
	counted $B ipv6_disabled "$n0" 3 &&
	expect "nothing reached the internet" "$(adv_count v6embed)" = "$c0"
}

t_spoofed() {
	local c0 n0 bad0 s
	c0=$(adv_count spoof)
	inject $A udp 10.0.2.100 198.18.0.97 9911
	wait_for 3 eval 'test "$(adv_count spoof)" -gt "$c0"' ||
		{ note "the control datagram from 10.0.2.100 never arrived"; return 1; }
	c0=$(adv_count spoof)
	n0=$(drops $A spoofed_source)
	bad0=$(drops $B ip_bad_addr)
	# a neighbour, an internet host, sentry's egress addresses, loopback,
	# and IPv6 sources that are not fd00::100 (one embeds 10.0.2.100)
	local spec=()
	for s in 10.0.2.201 198.18.0.80 100.127.0.1 100.127.0.2 127.0.0.1 10.0.2.2; do
		spec+=(udp "$s" 198.18.0.97 9911 --)
	done
	for s in fd00::201 ::ffff:10.0.2.100 fe80::1 2001:db8::80; do
		spec+=(udp "$s" 2001:db8::97 9911 --)
	done
	inject $A "${spec[@]}"
	# an unspecified source is malformed before it is spoofed (bottle B:
	# A's own kernel sends MLD to multicast groups, counted there too)
	inject $B udp 0.0.0.0 198.18.0.97 9911
	counted $A spoofed_source "$n0" 10 &&
	counted $B ip_bad_addr "$bad0" 1 || return 1
	expect_log event=flow verdict=deny reason=spoofed_source src=100.127.0.1 bottle=$A &&
	expect_log event=flow verdict=deny reason=spoofed_source src=::ffff:10.0.2.100 bottle=$A &&
	expect "nothing spoofed reached the internet" "$(adv_count spoof)" = "$c0"
}

t_icmp_tunnel() {
	run inns $A $AK ping 198.18.0.97 1200
	expect "echo with 1200 bytes to the icmp-allowed CIDR: payload back intact" "$out" = reply ||
		return 1
	expect_log event=flow verdict=allow proto=icmp dst=198.18.0.97 bottle=$A || return 1
	run inns $A $AK ping 198.18.0.86 1200
	expect "echo to a host no rule allows: refused at once (ICMP administratively prohibited)" \
		"$out" = "unreach 13" || return 1
	expect_log event=flow verdict=deny reason=default proto=icmp dst=198.18.0.86 &&
	expect "no echo reached 198.18.0.86" \
		"$(awk '$1 == 1 && $3 == "198.18.0.86" && $6 == 8' "$SNIFF" | wc -l)" = 0
}

t_icmpv6_tunnel() {
	run inns $A $AK ping 2001:db8::97 1200
	expect "ICMPv6 echo to the allowed address: payload back intact" "$out" = reply || return 1
	expect_log event=flow verdict=allow proto=icmpv6 dst=2001:db8::97 bottle=$A || return 1
	run inns $A $AK ping 2001:db8::86 1200
	expect "ICMPv6 echo to a host no rule allows: refused at once (administratively prohibited)" \
		"$out" = "unreach 1" || return 1
	expect_log event=flow verdict=deny reason=default proto=icmpv6 dst=2001:db8::86 &&
	expect "no echo reached 2001:db8::86" \
		"$(awk '$1 == 58 && $3 == "2001:db8::86" && $6 == 128' "$SNIFF" | wc -l)" = 0
}

# icmp_marked [MARK] - ICMP messages that reached the internet with a type
# other than echo request and advkit's marker after the checksum
# (0x5e5e0001 by default: identifier 0x5e5e, sequence 1)
icmp_marked() {
	awk -v m="${1:-1583218689}" '($1 == 1 && $6 != 8 || $1 == 58 && $6 != 128) && $7 == m' \
		"$SNIFF" | wc -l
}

t_icmp_types() {
	local n0 c0 t
	c0=$(icmp_marked)
	n0=$(drops $A icmp_type)
	# redirect, router solicitation, timestamp, information request,
	# address mask, an unsolicited echo reply, an unassigned type
	local spec=()
	for t in 5 10 13 15 17 0 42; do
		spec+=(icmp 10.0.2.100 198.18.0.97 "$t" --)
	done
	# router solicitation, neighbour solicitation, node information
	# query, an unsolicited echo reply, private experimentation
	for t in 133 135 139 129 200; do
		spec+=(icmp fd00::100 2001:db8::97 "$t" --)
	done
	inject $A "${spec[@]}"
	counted $A icmp_type "$n0" 12 || return 1
	expect "none reached the internet" "$(icmp_marked)" = "$c0"
}

t_icmp_error_smuggle() {
	local c0 in0 nf0
	c0=$(icmp_marked 1583218690)
	in0=$(drops $A icmp_inner)
	nf0=$(drops $A no_flow)
	# an error quoting a packet the bottle never received (another host's)
	# and one quoting a packet to the bottle from a flow that does not exist
	inject $A icmperr 10.0.2.100 198.18.0.97 198.18.0.86 198.18.0.80 -- \
		icmperr 10.0.2.100 198.18.0.97 198.18.0.86 10.0.2.100
	counted $A icmp_inner "$in0" 1 &&
	counted $A no_flow "$nf0" 1 &&
	expect "neither reached the internet" "$(icmp_marked 1583218690)" = "$c0"
}

t_tcp_flag_soup() {
	local c0 n0 want arrived bad
	c0=$(adv_count soup)
	n0=$(drops $A tcp_flags)
	inject $A tcpsoup 10.0.2.100 198.18.0.97 9100
	want=$(sed -n 's/^invalid //p' <<<"$out")
	expect "the oracle finds 184 of 256 combinations invalid" "$want" = 184 || return 1
	counted $A tcp_flags "$n0" "$want" || return 1
	settle adv_count soup >/dev/null
	# the sniffer's view: flags of every segment to :9100 with our marker seq
	arrived=$(awk '$1 == 6 && $5 == 9100 && int($7 / 65536) == 24158 { print $6 }' "$SNIFF" | sort -un)
	bad=$($PY - $arrived <<-'EOF'
	import sys
	FIN, SYN, RST, ACK, URG = 1, 2, 4, 16, 32
	ok = {SYN, SYN | URG, SYN | ACK, RST, RST | ACK, ACK, ACK | URG, FIN | ACK, FIN | ACK | URG}
	print(" ".join("0x%02x" % int(f) for f in sys.argv[1:]
	               if int(f) & (FIN | SYN | RST | ACK | URG) not in ok))
	EOF
	)
	expect "no invalid combination reached the internet (arrived: $bad)" -z "$bad" || return 1
	grep -qx 2 <<<"$arrived" || { note "the plain SYN (0x02) did not arrive"; return 1; }
	expect "the valid ones were forwarded ($(($(adv_count soup) - c0)) of 72)" \
		$(($(adv_count soup) - c0)) -ge 1 -a $(($(adv_count soup) - c0)) -le 72 || return 1
	expect_log event=flow verdict=allow proto=tcp dst=198.18.0.97 dport=9100 sport=20002
}

t_frag_tiny() {
	local t0 nf0 c0
	c0=$(adv_count frag97)
	t0=$(drops $A frag_tiny)
	nf0=$(drops $A frag_no_first)
	inject $A frag-tiny 10.0.2.100 198.18.0.97 9100
	counted $A frag_tiny "$t0" 1 &&
	counted $A frag_no_first "$nf0" 1 &&
	expect "neither fragment reached the internet" "$(adv_count frag97)" = "$c0"
}

t_frag_overlap() {
	local b0 c0
	c0=$(adv_count frag97)
	b0=$(drops $A frag_bad)
	inject $A frag-overlap 10.0.2.100 198.18.0.97 9912
	counted $A frag_bad "$b0" 2 || return 1
	expect_log event=flow verdict=allow proto=udp sport=40011 dst=198.18.0.97 dport=9912 ||
		return 1
	expect "no overlapping fragment reached the internet" "$(adv_count frag97)" = "$c0" || return 1
	sleep 0.3
	! grep -q "udp 198.18.0.97:9912 from .* 1200" "$tmp/serve.out" ||
		{ note "the datagram was reassembled from overlapping fragments"; return 1; }
}

t_frag_orphans() {
	local nf0 c0
	c0=$(adv_count frag97)
	nf0=$(drops $A frag_no_first)
	inject $A frag-orphans 10.0.2.100 198.18.0.97 20
	counted $A frag_no_first "$nf0" 20 &&
	expect "no orphan reached the internet" "$(adv_count frag97)" = "$c0"
}

t_frag_pod() {
	local b0 c0
	c0=$(adv_count frag97)
	b0=$(drops $A frag_bad)
	inject $A frag-pod 10.0.2.100 198.18.0.97
	counted $A frag_bad "$b0" 1 &&
	expect "the fragment past 65535 did not reach the internet" "$(adv_count frag97)" = "$c0"
}

t_zero_length() {
	local n0
	n0=$(drops $A pkt_empty)
	inject $A empty
	if [[ $out == *EINVAL* || $out == *EMSGSIZE* ]]; then
		note "the kernel refuses a zero-length write itself: $out"
	else
		counted $A pkt_empty "$n0" 1 || return 1
	fi
	daemon_alive
}

t_max_length() {
	local c0
	c0=$(adv_count big)
	run inns $A ip link set tun0 mtu 65535
	inject $A big 10.0.2.100 198.18.0.97 9913
	local irc=$rc
	run inns $A ip link set tun0 mtu 65520
	expect "a 65535-byte IPv4 datagram written" $irc = 0 || return 1
	wait_for 5 grep -q "udp 198.18.0.97:9913 from 198.18.1.2 65507" "$tmp/serve.out" || {
		note "the 65507-byte datagram never arrived whole: $(grep 9913 "$tmp/serve.out" | tail -2)"
		return 1
	}
	expect_log event=flow verdict=allow proto=udp dst=198.18.0.97 dport=9913 bottle=$A &&
	expect "it left as fragments" "$(adv_count big)" -ge 1 &&
	daemon_alive
}

t_still_serving() {
	run inns $A curl -sS --max-time 5 http://ok.test/
	expect "after all of it, a normal fetch works" $rc = 0
}

# -------------------------------------------------------------------- main

gw_setup "packets: topology set-up"

check "ipv6-leak-embedded-ipv4: NAT64, 6to4, Teredo, v4-mapped destinations denied" t_ipv6_embedded_dst
check "ipv6-leak-no-ipv6-bottle: IPv6 from a bottle without IPv6 dropped (ipv6_disabled)" t_ipv6_no_v6_bottle
check "spoofed-sources: neighbours, internet hosts, sentry's own, v4-mapped (spoofed_source)" t_spoofed
check "icmp-tunnel: echo payloads to an allowed CIDR pass, to others denied" t_icmp_tunnel
check "icmpv6-tunnel: echo payloads to an allowed address pass, to others denied" t_icmpv6_tunnel
check "icmp-types: ICMP and ICMPv6 other than echo dropped (icmp_type)" t_icmp_types
check "icmp-error-smuggling: errors quoting foreign or unknown packets dropped" t_icmp_error_smuggle
check "tcp-flag-soup: 256 flag combinations, the 184 invalid dropped (tcp_flags)" t_tcp_flag_soup
check "fragments-tiny-first: a first fragment without the TCP header (frag_tiny)" t_frag_tiny
check "fragments-overlapping: later fragments over the first's data (frag_bad)" t_frag_overlap
check "fragments-orphans: later fragments without a first (frag_no_first)" t_frag_orphans
check "fragments-ping-of-death: a fragment running past 65535 (frag_bad)" t_frag_pod
check "zero-length-packet: counted (pkt_empty), not fatal" t_zero_length
check "maximum-length-packet: 65535 bytes of IPv4 forwarded whole" t_max_length
check "a well-behaved fetch still works after the attacks" t_still_serving

adv_finish packets
