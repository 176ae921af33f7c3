#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# publish.sh - `make bench`, section "publish": inbound TCP through a
# published port, one iperf3 stream each way, with sentry's relay
# (helpers/publish_relay.h) against pasta's own -t and the kernel (DNAT
# through a veth). Writes bench/publish.md.
#
#  $P-cli             $P-host (where the ports are published)       bottles
# +-------------+veth+-------------------------------------+
# | iperf3 -c   |----| 198.18.60.1                         |
# | 198.18.60.2 |    | :5301 sentry's pasta personality ---|--relay--> $P-sb (TUN, daemon in $P-gw)
# +-------------+    | :5302 pasta -t 5302:5201 -----------|--tap----> $P-pb
#                    | :5303 nft DNAT -> 198.18.61.2:5201 -|--veth---> $P-kb 198.18.61.2
#                    +-------------------------------------+           each: iperf3 -s -p 5201
#
# Every address is in 198.18.0.0/15 and every link is between namespaces
# made here; $P is sbp<pid>, and everything is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry), BENCH_QUICK=1
# (2 s runs instead of 10).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
P=sbp$$
SECS=10
[ -n "${BENCH_QUICK:-}" ] && SECS=2
OUT=$top/bench/publish.md

die() { echo "publish bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
for t in iperf3 pasta nft python3; do command -v $t >/dev/null || die "no $t"; done
[ -x "$SENTRY" ] || die "no $SENTRY (make stage)"

tmp=$(mktemp -d /tmp/$P.XXXXXX)
pids=()
cleanup() {
	local p n
	exec 2>/dev/null	# no "Killed" notices
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for n in cli host gw sb pb kb; do
		for p in $(ip netns pids "$P-$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	wait 2>/dev/null
	for n in cli host gw sb pb kb; do ip netns del "$P-$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
wait_for() {	# wait_for SECONDS CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
inns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

for n in cli host gw sb pb kb; do
	ip netns add "$P-$n" || die "ip netns add"
	ip -n "$P-$n" link set lo up
done
ip link add "$P-c" netns "$P-cli" type veth peer name "$P-h" netns "$P-host"
ip -n "$P-cli" addr add 198.18.60.2/24 dev "$P-c"
ip -n "$P-host" addr add 198.18.60.1/24 dev "$P-h"
ip -n "$P-cli" link set "$P-c" up
ip -n "$P-host" link set "$P-h" up
ip -n "$P-host" route add default via 198.18.60.2	# pasta copies a routed interface
ip link add "$P-k" netns "$P-host" type veth peer name "$P-kb" netns "$P-kb"
ip -n "$P-host" addr add 198.18.61.1/24 dev "$P-k"
ip -n "$P-kb" addr add 198.18.61.2/24 dev "$P-kb"
ip -n "$P-host" link set "$P-k" up
ip -n "$P-kb" link set "$P-kb" up
ip -n "$P-kb" route add default via 198.18.61.1
inns host sysctl -qw net.ipv4.ip_forward=1
inns host nft "add table ip $P; add chain ip $P pre { type nat hook prerouting priority dstnat; };
	add rule ip $P pre tcp dport 5303 dnat to 198.18.61.2:5201" || die "nft"

cat >"$tmp/sentry.ini" <<-EOF
[daemon]
control_socket = $tmp/ctl.sock
policy_store = $tmp/store
decision_log = $tmp/decisions.log
default_policy = p
[dns]
upstream = 198.18.0.53
EOF
printf '[policy]\nname = p\ndefault = deny\n' >"$tmp/p.ini"
"$SENTRY" policy load --db "$tmp/store" "$tmp/p.ini" >/dev/null || die "policy load"
inns gw "$SENTRY" run -c "$tmp/sentry.ini" 2>"$tmp/daemon.log" &
pids+=($!)
wait_for 10 "$SENTRY" ctl --socket "$tmp/ctl.sock" ping || die "sentry did not start"
mkdir -p "$tmp/bin"
ln -s "$SENTRY" "$tmp/bin/pasta"

for b in sb pb kb; do
	inns $b iperf3 -s -p 5201 >/dev/null 2>&1 &
	pids+=($!)
done
inns host env SENTRY_SOCKET="$tmp/ctl.sock" SENTRY_CONFIG="$tmp/sentry.ini" \
	"$tmp/bin/pasta" --config-net -t 5301-5301:5201-5201 -u none --quiet \
	--netns "/run/netns/$P-sb" || die "sentry's pasta personality failed"
inns host pasta --config-net --netns "/run/netns/$P-pb" -t 5302:5201 -u none -T none -U none \
	-f -q --runas 0 >/dev/null 2>&1 &
pids+=($!)
for port in 5301 5302 5303; do
	wait_for 10 inns cli python3 -c "import socket; socket.create_connection(('198.18.60.1', $port), 1)" ||
		die "port $port does not answer"
done

gbits() {	# gbits PORT [-R] - Gbit/s the receiver saw
	inns cli iperf3 -c 198.18.60.1 -p "$1" -t "$SECS" -J ${2:-} 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' 2>/dev/null ||
		echo "-"
}

{
	echo "# Inbound TCP through a published port"
	echo
	echo "One iperf3 stream for ${SECS} s, client -> bottle (upload) and bottle -> client"
	echo "(download, -R); $(nproc) CPUs, $(uname -r), shared machine: figures are indicative."
	echo
	echo "| path | upload Gbit/s | download Gbit/s |"
	echo "|---|---|---|"
	for c in "sentry relay (splice):5301" "pasta -t:5302" "kernel DNAT via veth:5303"; do
		name=${c%:*} port=${c##*:}
		echo "| $name | $(gbits "$port") | $(gbits "$port" -R) |"
	done
} | tee "$tmp/publish.md"
mkdir -p "$(dirname "$OUT")" && cp "$tmp/publish.md" "$OUT"
