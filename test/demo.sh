#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/demo.sh - `make demo`: a real bottle behind sentry, real DNS and HTTP,
# allowed and denied, and the decision log.
#
#   sdemo-bottle                 sdemo-gw                          sdemo-net ("the internet")
#  +---------------+        +--------------------+            +---------------------------+
#  | curl, dig     |  TUN   | sentry run         |   veth     | dnsmasq     198.18.0.53   |
#  | tun0          |========| sentry0 (egress)   |------------| www         198.18.0.80   |
#  | 10.0.2.100/24 |        | 198.18.1.2/24      |            | tracker     198.18.0.81   |
#  +---------------+        | nft masquerade     |            | img.cdn     198.18.0.82   |
#                           +--------------------+            | 198.18.1.1/24             |
#                                                             +---------------------------+
# Everything lives in namespaces this script creates and deletes; no packet
# leaves the machine. Needs root.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
SENTRY=${SENTRY:-$top/sentry}
P=sdemo
tmp=$(mktemp -d /tmp/sentry-demo.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for ns in $P-bottle $P-gw $P-net; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp" /etc/netns/$P-bottle
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "demo: $*" >&2; exit 1; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run_in_bottle() {	# show the command, run it in the bottle
	printf '\033[2mbottle$ %s\033[0m\n' "$*"
	ip netns exec $P-bottle "$@"
}
wait_for() {	# wait_for SECONDS CMD...: poll until CMD succeeds
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

[ "$(id -u)" = 0 ] || die "run as root (it creates network namespaces)"
[ -x "$SENTRY" ] || die "$SENTRY not built (make sentry)"
for ns in $P-bottle $P-gw $P-net; do ip netns del "$ns" 2>/dev/null; done

say "Building the test internet, sentry's namespace and an empty bottle"
ip netns add $P-net && ip netns add $P-gw && ip netns add $P-bottle || die "ip netns add failed"
ip link add $P-gw0 netns $P-gw type veth peer name $P-net0 netns $P-net
ip -n $P-net link set lo up
ip -n $P-net addr add 198.18.1.1/24 dev $P-net0
ip -n $P-net link set $P-net0 up
for a in 198.18.0.53 198.18.0.80 198.18.0.81 198.18.0.82; do
	ip -n $P-net addr add $a/24 dev lo
done
ip -n $P-gw link set lo up
ip -n $P-gw addr add 198.18.1.2/24 dev $P-gw0
ip -n $P-gw link set $P-gw0 up
ip -n $P-gw route add default via 198.18.1.1

ip netns exec $P-net dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--listen-address=198.18.0.53 --bind-interfaces --log-queries \
	--log-facility="$tmp/dnsmasq.log" --pid-file="$tmp/dnsmasq.pid" \
	--address=/www.example.test/198.18.0.80 \
	--address=/tracker.example.test/198.18.0.81 \
	--address=/img.cdn.example.test/198.18.0.82 &
pids+=($!)
for site in www:198.18.0.80 tracker:198.18.0.81 img:198.18.0.82; do
	mkdir -p "$tmp/${site%%:*}"
	echo "hello from ${site%%:*}.example.test" >"$tmp/${site%%:*}/index.html"
	ip netns exec $P-net /usr/bin/python3 -m http.server 80 --bind "${site#*:}" \
		--directory "$tmp/${site%%:*}" >/dev/null 2>&1 &
	pids+=($!)
done

cat >"$tmp/demo.ini" <<'POLICY'
; The demo's policy: two sites allowed on port 80, a tracker denied,
; everything else denied by default.
[policy]
name = demo
default = deny
[allow]
domain = www.example.test tcp/80
domain = *.cdn.example.test tcp/80
[deny]
domain = tracker.example.test
cidr = 169.254.169.254/32
POLICY
cat >"$tmp/sentry.ini" <<CONF
[daemon]
control_socket = $tmp/control.sock
policy_store = $tmp/policies
decision_log = $tmp/decisions.jsonl
[dns]
upstream = 198.18.0.53
CONF

say "Loading the policy and starting sentry"
"$SENTRY" policy load --db "$tmp/policies" "$tmp/demo.ini" || die "policy load failed"
"$SENTRY" check -c "$tmp/sentry.ini" --quiet >/dev/null || "$SENTRY" check -c "$tmp/sentry.ini" || die "sentry check failed"
ip netns exec $P-gw "$SENTRY" run -c "$tmp/sentry.ini" 2>"$tmp/daemon.log" &
pids+=($!)
wait_for 10 "$SENTRY" ctl --socket "$tmp/control.sock" ping || { cat "$tmp/daemon.log"; die "sentry did not start"; }
wait_for 10 ip netns exec $P-net bash -c 'exec 3<>/dev/tcp/198.18.0.80/80' || die "web server did not start"
"$SENTRY" attach --netns /run/netns/$P-bottle --policy demo --socket "$tmp/control.sock" || die "attach failed"
# `ip netns exec` shows /etc/netns/NAME/resolv.conf as the bottle's /etc/resolv.conf
mkdir -p /etc/netns/$P-bottle
echo "nameserver 10.0.2.3" >/etc/netns/$P-bottle/resolv.conf
run_in_bottle ip -brief addr show tun0
run_in_bottle ip route

say "Allowed: www.example.test resolves and its page loads"
run_in_bottle cat /etc/resolv.conf
run_in_bottle dig +short +time=2 +tries=1 www.example.test
run_in_bottle curl -sS -m 5 http://www.example.test/

say "Allowed by a wildcard: img.cdn.example.test"
run_in_bottle curl -sS -m 5 http://img.cdn.example.test/

say "Denied: tracker.example.test gets NXDOMAIN from sentry (the query never leaves)"
run_in_bottle dig +time=2 +tries=1 tracker.example.test | grep -E 'status|EDE'
grep -q 'tracker.example.test' "$tmp/dnsmasq.log" && echo "!! dnsmasq saw the query" ||
	echo "dnsmasq's log has no query for tracker.example.test"

say "Denied: DNS to another resolver is answered by sentry all the same"
run_in_bottle dig +time=2 +tries=1 @198.18.0.99 tracker.example.test | grep -E 'status|SERVER'

say "Denied: a direct connection to an address no allowed name gave"
run_in_bottle curl -sS -m 5 http://198.18.0.81/
echo "(refused at once: sentry answered the SYN with a TCP RST)"

say "Denied: port 8080 of an allowed site (the rule says tcp/80)"
run_in_bottle curl -sS -m 5 http://www.example.test:8080/

say "The decision log ($tmp/decisions.jsonl), one JSON object per decision"
sleep 0.2	# the daemon flushes its log once per event-loop round
printf '\033[2m$ sentry log -c %s\033[0m\n' "$tmp/sentry.ini"
"$SENTRY" log -c "$tmp/sentry.ini"
printf '\n\033[2m$ sentry log -c %s --verdict deny --event flow\033[0m\n' "$tmp/sentry.ini"
"$SENTRY" log -c "$tmp/sentry.ini" --verdict deny --event flow
echo; echo "first line, raw (sentry log -o json passes lines through):"
"$SENTRY" log -c "$tmp/sentry.ini" -o json | head -n 1

say "sentry ctl stats"
"$SENTRY" ctl --socket "$tmp/control.sock" stats
say "Done: removing the namespaces"
