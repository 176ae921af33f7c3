#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dns.sh - attacks through DNS, against the live gateway: tunnelling, DoH,
# DoT and DoQ, rebinding (to special addresses and to sentry's own), the
# answer/connect race, shared addresses, TTL 0, malformed and injected
# upstream answers. The upstream is advkit.py's resolver, which answers
# each test name with exactly the bytes the attack needs.
#
#  bottles: tun0 only        $P-gw                           $P-net: "the internet"
#  +---------------------+   +-------------------------+     +------------------------------+
#  | $P-a  policy main   |==>| sentry run              |     | resolver 198.18.0.53,        |
#  |  10.0.2.100/24      |fd |  [dns] rate 100/s,      |     |   2001:db8::53 (advkit.py,   |
#  |  fd00::100/64       |   |  burst 200, timeout 1 s |     |   zone $tmp/zone.json, every |
#  +---------------------+   |                         |     |   query logged)              |
#  | $P-b  policy tun    |==>| sentry0 egress TUN      |     | .80 .86 .90 .97 HTTP/echo    |
#  |  10.0.2.100/24      |   |  100.127.0.0/16         |     | 198.18.3.0/24 AnyIP echo     |
#  +---------------------+   |  fd5e:5e:5e::/64        |     |   :7100 (race, TTL 0, ...)   |
#  | $P-c  policy priv   |==>| nft inet sentry         |     | nft inet adv: counters of    |
#  |  private_answers =  |   |                         |     |   DNS, 443, 853 arriving     |
#  |  allow, 10.0.2.100  |   | gw0 198.18.1.2/24       |-veth| net0 198.18.1.1/24           |
#  +---------------------+   |     2001:db8:1::2/64    |     |      2001:db8:1::1/64        |
#  resolver of every         +-------------------------+     +------------------------------+
#  bottle: 10.0.2.3 (sentry answers all port-53 traffic itself)
#
# $P is advd<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make stage installs it). Prints "ok - NAME" /
# "not ok - NAME"; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root dns dig curl
GW_PREFIX=advd$$
P=$GW_PREFIX
A=$P-a B=$P-b C=$P-c
adv_init dns

# Malformed answers: each kind (advkit.py bad_answer()) and the reason the
# header comments of common/dns.h and common/dns_name.c say it must get.
MALFORMED="
pointer_loop		dns_pointer
pointer_loop_label	dns_pointer
forward_pointer		dns_pointer
pointer_out_of_range	dns_pointer
pointer_into_header	dns_pointer
label_over_63		dns_label_type
name_over_255		dns_name_len
counts_high		dns_counts
counts_low		dns_trailing
trailing		dns_trailing
rdata_len		dns_rdata
truncated		dns_truncated
rdata_past_end		dns_rdata
not_response		dns_not_response
qdcount			dns_qdcount
mismatch		dns_mismatch
"

# Rebinding answers: name, type, address - every one must be refused
REBIND="
lo4	A	127.0.0.1
lo6	AAAA	::1
ten	A	10.1.2.3
p172	A	172.16.5.4
p192	A	192.168.1.1
ula	AAAA	fd00::1
meta	A	169.254.169.254
ll6	AAAA	fe80::1
cgnat	A	100.64.0.1
zero	A	0.0.0.0
gw	A	10.0.2.2
dns	A	10.0.2.3
egress	A	100.127.0.1
pool	A	100.127.0.2
pool6	AAAA	fd5e:5e:5e::1
mapped	AAAA	::ffff:198.18.0.97
compat	AAAA	::198.18.0.97
nat64	AAAA	64:ff9b::c612:61
nat64l	AAAA	64:ff9b:1::c612:61
sixtofour	AAAA	2002:c612:61::1
teredo	AAAA	2001:0:c612:61::1
"

write_files() {
	$PY - "$tmp/zone.json" "$MALFORMED" "$REBIND" <<-'EOF'
	import json, sys
	z = {
	    "ok.test": {"a": ["198.18.0.80"], "aaaa": ["2001:db8::80"]},
	    "*.wild.test": {"a": ["198.18.0.80"]},
	    "*.exfil.test": {"a": ["198.18.0.86"]},
	    "*.notlisted.test": {"a": ["198.18.0.86"]},
	    "resolver.test": {"a": ["198.18.0.53"], "aaaa": ["2001:db8::53"]},
	    "*.race.test": {"pattern": "198.18.3.{n}"},
	    "x.shared.test": {"a": ["198.18.0.90"]},
	    "y.shared.test": {"a": ["198.18.0.90"]},
	    "ttl0.test": {"a": ["198.18.3.240"], "ttl": 0},
	    "inject.test": {"a": ["198.18.3.241"], "extra": [
	        ["evil.test", "A", "198.18.3.242"], ["ok.test", "A", "198.18.3.243"]]},
	    "loop.test": {"cname": ["loop2.test"], "loop": True,
	                  "extra": [["evil.test", "A", "198.18.3.244"]]},
	    "longchain.test": {"cname": ["c%d.test" % i for i in range(1, 21)],
	                       "a": ["198.18.3.245"]},
	    "mixed.rebind.test": {"a": ["198.18.3.246", "127.0.0.1"]},
	}
	for i, line in enumerate(l for l in sys.argv[2].splitlines() if l.strip()):
	    kind = line.split()[0]
	    z[kind + ".mal.test"] = {"bad": kind, "a": ["198.18.4.%d" % (i + 1)]}
	for line in (l for l in sys.argv[3].splitlines() if l.strip()):
	    n, t, a = line.split()
	    z[n + ".rebind.test"] = {"a" if t == "A" else "aaaa": [a]}
	json.dump(z, open(sys.argv[1], "w"), indent=1)
	EOF
	adv_config "$tmp/sentry.ini"
	cat >"$tmp/main.ini" <<-'EOF'
	[policy]
	name = main
	default = deny
	private_answers = deny
	min_ttl = 30
	max_ttl = 3600
	[allow]
	domain = ok.test tcp/80
	domain = resolver.test
	domain = *.race.test tcp/7100
	domain = x.shared.test tcp/80
	domain = y.shared.test tcp/7000
	domain = ttl0.test tcp/7100
	domain = inject.test tcp/7100
	domain = loop.test tcp/7100
	domain = longchain.test tcp/7100
	domain = *.rebind.test
	domain = *.mal.test tcp/80
	EOF
	cat >"$tmp/tun.ini" <<-'EOF'
	[policy]
	name = tun
	default = deny
	[allow]
	domain = ok.test tcp/80
	domain = *.wild.test tcp/80
	[deny]
	domain = exfil.test
	domain = *.exfil.test
	EOF
	cat >"$tmp/priv.ini" <<-'EOF'
	; sentry's own addresses stay out of reach even when a policy
	; accepts private answers
	[policy]
	name = priv
	default = deny
	private_answers = allow
	[allow]
	domain = *.rebind.test
	EOF
}

setup() {
	write_files
	adv_setup_net || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/main.ini" "$tmp/tun.ini" "$tmp/priv.ini" ||
		return 1
	adv_start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	adv_attach $A main --address fd00::100/64 --gateway fd00::2 &&
	adv_attach $B tun && adv_attach $C priv || { cat "$tmp/attach.log"; return 1; }
}

# dig_status NS NAME [TYPE] [DIG-ARGS...] - the status dig reports ("NOERROR", ...)
dig_status() {
	local ns=$1 name=$2 type=${3:-A}
	shift 2
	[ $# -gt 0 ] && shift
	inns "$ns" dig +time=3 +tries=1 "$@" @10.0.2.3 "$name" "$type" |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}

# connect NS ADDR PORT - "connected", "refused", or another outcome
connect() {
	inns "$1" $AK connect "$2:$3"
}

# logged JSON-FRAGMENT... - a decision-log line holds every fragment (the
# daemon writes its log once per loop round: polled for up to 2 s)
log_has() {
	local cmd="grep -F -e \"\$1\" \"\$DLOG\"" i
	for ((i = 2; i <= $#; i++)); do
		cmd+=" | grep -F -e \"\${$i}\""
	done
	eval "$cmd" >/dev/null
}

logged() {
	wait_for 2 log_has "$@" && return 0
	note "no decision-log line with: $*"
	return 1
}

qfield() {	# qfield LINE KEY
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"
}

# ------------------------------------------------------------------- tests

t_tunnel_allowed_rate() {
	# a bottle smuggling data in allowed names: each query reaches the
	# upstream, so the rate limit is what bounds the channel
	local d0 r0 n0 l0 ne ref window bound
	d0=$(drops $B dns_rate)
	r0=$(grep -c 'wild\.test' "$RLOG")
	l0=$(wc -l <"$DLOG")
	run inns $B $AK qflood 10.0.2.3 '{r}.w{i}.wild.test' 1000 2
	ne=$(qfield "$out" noerror) ref=$(qfield "$out" refused)
	n0=$(settle drops $B dns_rate)
	# the daemon's own clock: from its first decision on the flood to its
	# last. Burst 200, then 100 a second, plus one token of rounding.
	window=$(tail -n "+$((l0 + 1))" "$DLOG" | $PY -c '
import json, sys
ts = [r["ts"] for r in map(json.loads, sys.stdin)
      if r.get("event") == "dns" and r.get("qname", "").endswith(".wild.test")]
print("%.6f" % (max(ts) - min(ts)) if ts else "none")')
	bound=$($PY -c "import math; print(200 + math.ceil(100 * $window) + 1)")
	note "decided in $window s: $ne allowed, $ref refused; bound $bound"
	expect "answered and rate-limited add up to 1000 ($out)" $((ne + ref)) = 1000 &&
	expect "allowed queries ($ne) within burst + rate x $window s ($bound)" "$ne" -le "$bound" &&
	expect "the burst was honoured ($ne >= 200)" "$ne" -ge 200 &&
	expect "dns_rate counted every refused query ($ref)" $((n0 - d0)) = "$ref" || return 1
	wait_for 3 eval 'test "$(grep -c "wild\.test" "$RLOG")" -ge $((r0 + ne))'
	expect "the upstream saw exactly the $ne allowed queries" \
		"$(grep -c 'wild\.test' "$RLOG")" = $((r0 + ne)) || return 1
	expect_log event=dns verdict=deny reason=dns_rate bottle=$B
}

t_tunnel_denied() {
	# long random labels under denied domains: answered by sentry, never
	# sent on (the bucket refills at 100/s: wait 2 s for 200 tokens)
	local c0 den0 out
	sleep 2
	c0=$(adv_count dns)
	den0=$(stat_of "bottle_stats.$B.dns_denied" $B)
	run inns $B $AK qflood 10.0.2.3 '{r}.{r}.x{i}.exfil.test' 100 2
	expect "100 NXDOMAIN for a denied domain" "$(qfield "$out" nxdomain)" = 100 || return 1
	run inns $B $AK qflood 10.0.2.3 '{r}.{r}.x{i}.notlisted.test' 50 2
	expect "50 NXDOMAIN for a domain no rule names" "$(qfield "$out" nxdomain)" = 50 || return 1
	run inns $B dig +tcp +time=3 +tries=1 @10.0.2.3 "$(printf 'a%.0s' {1..63}).tcp.exfil.test" TXT
	[[ $out == *"status: NXDOMAIN"* ]] || { note "over TCP: expected NXDOMAIN"; return 1; }
	expect "dns_denied counted 151" $(($(stat_of "bottle_stats.$B.dns_denied" $B) - den0)) = 151 &&
	expect "no DNS packet reached the internet" "$(adv_count dns)" = "$c0" || return 1
	if grep -qE 'exfil\.test|notlisted\.test' "$RLOG"; then
		note "the resolver saw: $(grep -E 'exfil|notlisted' "$RLOG" | head -3)"
		return 1
	fi
	expect_log event=dns verdict=deny reason=rule "rule=deny domain *.exfil.test" bottle=$B &&
	expect_log event=dns verdict=deny reason=default bottle=$B
}

t_doh() {
	local c0 dst
	c0=$(adv_count doh)
	for dst in 198.18.0.53 1.1.1.1 8.8.8.8 9.9.9.9; do
		run inns $A curl -sk --max-time 5 "https://$dst/dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"
		expect "DoH to $dst refused (exit 7)" $rc = 7 || return 1
		expect_log event=flow verdict=deny reason=default dst=$dst dport=443 bottle=$A || return 1
	done
	run inns $A curl -6 -gsk --max-time 5 "https://[2001:db8::53]/dns-query"
	expect "DoH to [2001:db8::53] refused" $rc = 7 || return 1
	expect_log event=flow verdict=deny reason=default dst=2001:db8::53 dport=443 &&
	expect "no packet to port 443 reached the internet" "$(adv_count doh)" = "$c0"
}

t_dot_doq() {
	local c0 dst targets=() results
	c0=$(adv_count dot)
	# resolver.test is allowed on every port: 853 is refused all the same
	run dig_status $A resolver.test A
	expect "resolver.test resolves" "$out" = NOERROR || return 1
	for dst in 198.18.0.53 1.1.1.1 198.18.0.86 [2001:db8::53]; do
		targets+=("$dst:853")
	done
	results=$(inns $A $AK connect "${targets[@]}")
	expect "DoT to ${targets[*]}: all refused ($(tr '\n' ' ' <<<"$results"))" \
		"$(grep -c '^refused$' <<<"$results")" = ${#targets[@]} || return 1
	for dst in 198.18.0.53 1.1.1.1 198.18.0.86 2001:db8::53; do
		run inns $A $NK udpprobe $dst 853
		expect "DoQ to $dst:853 refused with an ICMP error ($out)" \
			"$out" != timeout -a "$out" != answer || return 1
		logged '"event":"flow","verdict":"deny","reason":"dot_denied"' '"proto":"tcp"' \
			"\"dst\":\"$dst\",\"dport\":853" "\"bottle\":\"$A\"" &&
		logged '"event":"flow","verdict":"deny","reason":"dot_denied"' '"proto":"udp"' \
			"\"dst\":\"$dst\",\"dport\":853" || return 1
	done
	expect "no packet to port 853 reached the internet" "$(adv_count dot)" = "$c0"
}

t_rebinding() {
	local n t a st targets=() results pids=()
	# every query at once, then every verdict (wait for these only: the
	# daemon and the servers are children of this shell too). Each dig has
	# a source port of its own: dig binds its random port with
	# SO_REUSEADDR, so two digs at once could share one, and one of them
	# would then never see its answer.
	local port=30000
	while read -r n t a; do
		[ -n "$n" ] || continue
		port=$((port + 1))
		inns $A dig +time=3 +tries=1 -b "0.0.0.0#$port" @10.0.2.3 $n.rebind.test $t \
			>"$tmp/rb.$n" 2>&1 &
		pids+=($!)
	done <<<"$REBIND"
	inns $A dig +time=3 +tries=1 -b "0.0.0.0#30000" @10.0.2.3 mixed.rebind.test A \
		>"$tmp/rb.mixed" 2>&1
	wait "${pids[@]}"
	while read -r n t a; do
		[ -n "$n" ] || continue
		st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' "$tmp/rb.$n")
		expect "$n.rebind.test $t ($a): REFUSED" "$st" = REFUSED || return 1
		logged '"event":"dns","verdict":"deny","reason":"dns_private_answer"' \
			"\"qname\":\"$n.rebind.test\"" "\"bottle\":\"$A\"" || return 1
	done <<<"$REBIND"
	st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' "$tmp/rb.mixed")
	expect "an answer mixing a public and a loopback address: REFUSED" "$st" = REFUSED ||
		return 1
	run ctl names $A
	[[ $out != *rebind* && $out != *198.18.3.246* ]] ||
		{ note "a rebinding answer was learnt"; return 1; }
	# and the addresses themselves stay out of reach
	targets=(10.0.2.2:80 10.0.2.3:80 100.127.0.1:5353 100.127.0.2:80 169.254.169.254:80
		100.64.0.1:80 198.18.3.246:7100)
	results=$(inns $A $AK connect "${targets[@]}")
	expect "all refused: $(tr '\n' ' ' <<<"$results")" \
		"$(grep -c '^refused$' <<<"$results")" = ${#targets[@]} || return 1
	for a in "${targets[@]}"; do
		logged '"event":"flow","verdict":"deny","reason":"default"' \
			"\"dst\":\"${a%:*}\",\"dport\":${a##*:}" || return 1
	done
}

t_rebind_own_private_allowed() {
	# policy priv accepts private answers: 100.127.0.1 (the egress TUN,
	# where sentry's DNS-over-TCP listener is) is learnt, yet sentry's
	# namespace refuses the bottle anything but replies and redirected DNS
	local drop0 drop1
	run dig_status $C egress.rebind.test A
	expect "with private_answers = allow the answer passes" "$out" = NOERROR || return 1
	expect_log event=dns verdict=allow qname=egress.rebind.test bottle=$C || return 1
	drop0=$(inns $GW nft list chain inet sentry input | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p' | tail -1)
	run connect $C 100.127.0.1 5353
	expect "the daemon's own listener is out of reach" "$out" != connected || return 1
	expect_log event=flow verdict=allow dst=100.127.0.1 dport=5353 bottle=$C || return 1
	drop1=$(inns $GW nft list chain inet sentry input | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p' | tail -1)
	expect "sentry's nft input chain dropped it ($drop0 -> $drop1)" "${drop1:-0}" -gt "${drop0:-0}"
}

t_race() {
	local n0 race=$P-r ctrl=$P-rc
	# Each half runs in a bottle of its own, attached here: a new bottle's
	# DNS bucket starts full (burst 200), so neither half can meet the rate
	# limit whatever the earlier tests spent or however slowly this runs.
	adv_attach $race main && adv_attach $ctrl main || { cat "$tmp/attach.log"; return 1; }
	n0=$(wc -l <"$DLOG")
	run inns $race $AK race 10.0.2.3 'r%d.race.test' 200 7100
	expect "200 connections made the instant their answer arrived, none refused" \
		"$(tail -n 1 <<<"$out")" = "ok 200 refused 0 other 0" || return 1
	expect "200 flows allowed by *.race.test" \
		"$(tail -n "+$((n0 + 1))" "$DLOG" | grep '"event":"flow"' | grep '"verdict":"allow"' |
		   grep -c '"rule":"allow domain \*.race.test tcp/7100"')" = 200 || return 1
	expect "no query of the race met the rate limit" "$(drops $race dns_rate)" = 0 || return 1
	# the control: the same client sees a refusal when there is one (port
	# 7101 is not in the rule), so "none refused" above means something
	run inns $ctrl $AK race 10.0.2.3 'c%d.race.test' 20 7101
	expect "the client does see refusals (20 on a port the rule does not allow)" \
		"$(tail -n 1 <<<"$out")" = "ok 0 refused 20 other 0"
}

# A query longer than DNS_QUERY_MAX (1232) for an allowed name: refused
# with an answer, over UDP and TCP, counted, and never sent upstream (it
# used to be logged as allowed over TCP, then dropped without an answer)
t_too_long() {
	local d0 proto n=210 name
	d0=$(drops $A dns_too_long)
	for proto in udp tcp; do
		n=$((n + 1))
		run inns $A $AK bigq 10.0.2.3 r$n.race.test 1232 $proto
		expect "$proto: a 1232-byte query for an allowed name is answered" "$out" = noerror ||
			return 1
		n=$((n + 1)) name=r$n.race.test
		run inns $A $AK bigq 10.0.2.3 $name 2000 $proto
		expect "$proto: a 2000-byte query is answered REFUSED" "$out" = refused || return 1
		logged '"event":"dns","verdict":"deny","reason":"dns_too_long"' '"proto":"'$proto'"' \
			'"qname":"'$name'"' || return 1
		if grep -q "$name" "$RLOG"; then
			note "$proto: the long query reached the upstream"; return 1
		fi
		if log_has '"verdict":"allow"' '"qname":"'$name'"'; then
			note "$proto: the long query was logged as allowed"; return 1
		fi
	done
	counted $A dns_too_long "$d0" 2
}

# An allowed query carrying a 600-byte unknown EDNS option (65001) is
# answered; the upstream gets the question and sentry's own OPT (payload
# 1232, DO as asked, no option); ctl stats counts the option dropped
t_edns_option() {
	local name=r230.race.test o0 b0
	o0=$(stat_of dns_clean.options)
	b0=$(stat_of dns_clean.option_bytes)
	run inns $A $AK optq 10.0.2.3 $name 65001 600
	expect "the query is answered" "$out" = noerror || return 1
	resolver_saw "^$name A " || { note "the query never reached the upstream"; return 1; }
	run grep "^$name A " "$RLOG"
	expect "the upstream saw sentry's OPT only" "$out" = "$name A edns size=1232 flags=0x00008000 opts=-" ||
		return 1
	expect "ctl stats: dns_clean.options +1" "$(stat_of dns_clean.options)" = $((o0 + 1)) || return 1
	expect "ctl stats: dns_clean.option_bytes +604" "$(stat_of dns_clean.option_bytes)" = $((b0 + 604)) ||
		return 1
	grep -q "dns: bottle $A: query forwarded without 1 EDNS option(s) (604 bytes, first code 65001)" \
		"$DAEMON_LOG" || { note "the daemon did not log what it stripped"; return 1; }
}

t_shared_ip() {
	run dig_status $A x.shared.test A
	expect "x.shared.test resolves" "$out" = NOERROR || return 1
	run dig_status $A y.shared.test A
	expect "y.shared.test resolves" "$out" = NOERROR || return 1
	run inns $A curl -sS --max-time 5 http://198.18.0.90/
	expect "port 80 on the shared address works" $rc = 0 || return 1
	expect_log event=flow verdict=allow dst=198.18.0.90 dport=80 name=x.shared.test \
		"rule=allow domain x.shared.test tcp/80" || return 1
	run connect $A 198.18.0.90 7000
	expect "port 7000 on the shared address works" "$out" = connected || return 1
	expect_log event=flow verdict=allow dst=198.18.0.90 dport=7000 name=y.shared.test \
		"rule=allow domain y.shared.test tcp/7000" || return 1
	run connect $A 198.18.0.90 8080
	expect "a port neither name allows is refused" "$out" = refused || return 1
	expect_log event=flow verdict=deny reason=default dst=198.18.0.90 dport=8080
}

t_ttl_zero() {
	run inns $A $AK dnsq 10.0.2.3 ttl0.test
	expect "ttl0.test answered" "$out" = "noerror 198.18.3.240" || return 1
	run connect $A 198.18.3.240 7100
	expect "a connect right after a TTL-0 answer works" "$out" = connected || return 1
	expect_log event=flow verdict=allow dst=198.18.3.240 dport=7100 name=ttl0.test || return 1
	run ctl --json names $A
	local ttl
	ttl=$(printf '%s' "$out" | $PY -c '
import json, sys
n = [x for x in json.load(sys.stdin)["names"] if x["name"] == "ttl0.test"]
print(int(n[0]["ttl"]) if n else -1)')
	expect "the binding lives min_ttl = 30 s (ttl $ttl)" "$ttl" -ge 25 -a "$ttl" -le 30 || return 1
	sleep 1.1
	run connect $A 198.18.3.240 7100
	expect "and a new connect a second later still works" "$out" = connected
}

t_malformed_answers() {
	local kind reason i want got st pids=()
	declare -A before
	for reason in $(awk 'NF { print $2 }' <<<"$MALFORMED" | sort -u); do
		before[$reason]=$(drops $A $reason)
	done
	# every kind at once: each waits for the 1 s upstream timeout
	i=0
	while read -r kind reason; do
		[ -n "$kind" ] || continue
		inns $A dig +time=4 +tries=1 @10.0.2.3 $kind.mal.test A >"$tmp/mal.$kind" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done <<<"$MALFORMED"
	wait "${pids[@]}"
	i=0
	while read -r kind reason; do
		[ -n "$kind" ] || continue
		i=$((i + 1))
		st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' "$tmp/mal.$kind")
		expect "$kind: the bottle gets SERVFAIL, no answer ($st)" "$st" = SERVFAIL || {
			note "$(cat "$tmp/mal.$kind")"; return 1; }
		grep -q "198\.18\.4\.$i" "$tmp/mal.$kind" && { note "$kind: address passed on"; return 1; }
	done <<<"$MALFORMED"
	for reason in "${!before[@]}"; do
		want=$(awk -v r="$reason" '$2 == r' <<<"$MALFORMED" | wc -l)
		got=$(($(drops $A $reason) - before[$reason]))
		expect "$reason counted $want time(s) (got $got)" "$got" = "$want" || return 1
	done
	run ctl names $A
	[[ $out != *198.18.4.* ]] || { note "an address from a malformed answer was learnt"; return 1; }
	run connect $A 198.18.4.1 80
	expect "the address a malformed answer carried is refused" "$out" = refused || return 1
	daemon_alive || { note "daemon gone"; return 1; }
	run dig_status $A ok.test A
	expect "and the daemon still resolves" "$out" = NOERROR
}

t_offchain() {
	run dig_status $A inject.test A
	expect "inject.test answered" "$out" = NOERROR || return 1
	run connect $A 198.18.3.241 7100
	expect "the on-chain address is allowed" "$out" = connected || return 1
	expect_log event=flow verdict=allow dst=198.18.3.241 name=inject.test || return 1
	run connect $A 198.18.3.242 7100
	expect "an off-chain record for another name teaches nothing" "$out" = refused || return 1
	run connect $A 198.18.3.243 7100
	expect "nor one claiming an allowed name (ok.test)" "$out" = refused || return 1
	expect_log event=flow verdict=deny reason=default dst=198.18.3.242 &&
	expect_log event=flow verdict=deny reason=default dst=198.18.3.243
}

t_cname_loop() {
	run inns $A dig +time=3 +tries=1 @10.0.2.3 loop.test A
	[[ $out == *"status: NOERROR"* ]] || { note "loop.test: expected the answer passed on"; return 1; }
	run connect $A 198.18.3.244 7100
	expect "an A record beside a CNAME loop teaches nothing" "$out" = refused || return 1
	expect_log event=flow verdict=deny reason=default dst=198.18.3.244 || return 1
	run inns $A dig +time=3 +tries=1 @10.0.2.3 longchain.test A
	[[ $out == *"status: NOERROR"* ]] || { note "longchain.test: expected an answer"; return 1; }
	run connect $A 198.18.3.245 7100
	expect "an address 21 CNAMEs down (past the 16-name chain) is not learnt" "$out" = refused ||
		return 1
	expect_log event=flow verdict=deny reason=default dst=198.18.3.245 &&
	daemon_alive
}

# -------------------------------------------------------------------- main

gw_setup "dns: topology set-up"

check "dns-tunnel-allowed-domain: the rate limit bounds what reaches the upstream" t_tunnel_allowed_rate
check "dns-tunnel-denied-domain: long random labels never reach the upstream" t_tunnel_denied
check "doh: HTTPS to hard-coded resolvers (198.18.0.53, 1.1.1.1, ...) refused" t_doh
check "dot-doq: TCP and UDP 853 refused (dot_denied), even to an allowed name" t_dot_doq
check "dns-rebinding: loopback, private, link-local, metadata, CGNAT, sentry's own, IPv4-in-IPv6 answers refused" t_rebinding
check "dns-rebinding-own-address: learnt 100.127.0.1 still cannot reach sentry" t_rebind_own_private_allowed
check "answer-connect-race: 200 connects the instant the answer arrives, none refused" t_race
check "dns-too-long: a 2000-byte query for an allowed name is refused over UDP and TCP, not logged allowed" t_too_long
check "dns-edns-option-channel: a 600-byte unknown EDNS option is answered and never reaches the upstream" t_edns_option
check "shared-ip-cotenants: the log names the name that allowed each flow" t_shared_ip
check "ttl-zero-answer: clamped to min_ttl, a connect right after works" t_ttl_zero
check "malicious-upstream-answers: pointer loops, bad labels, counts, trailing bytes" t_malformed_answers
check "answer-injection-offchain: records off the CNAME chain teach nothing" t_offchain
check "answer-injection-cname-loop: loops and over-long chains teach nothing" t_cname_loop

adv_finish dns
