#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scale.sh - one daemon, [tables] bottles of them at once (default 256),
# each under its own policy and each served: how long attaching them all
# takes, what they cost (the daemon's RSS, the kernel's unreclaimable
# memory), the daemon's CPU while they sit idle, DNS and HTTP through a
# sample, and that detaching them all leaves nothing behind. Writes
# bench/scale.md. Needs root. (make bench, section scale)
#
#   $P-bN (N = 1..256)        $P-gw                          $P-net
#  +------------------+     +------------------------+     +-------------------+
#  | tun0 10.0.2.100  |<===>| sentry run             |veth | dnsmasq .53       |
#  |  (2 queues)      | TUN | 256 bottles, policy bN |-----| HTTP .80          |
#  +------------------+     +------------------------+     +-------------------+
# Every namespace is made and removed here; no route leads off the machine.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make
# stage installs it), SCALE_BOTTLES (256), SCALE_SAMPLE (bottles whose DNS
# and HTTP are tried, spread over all of them; 16), SCALE_IDLE (seconds the
# idle CPU is measured over; 10), SCALE_OUT (bench/scale.md).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
N=${SCALE_BOTTLES:-256}
SAMPLE=${SCALE_SAMPLE:-16}
IDLE=${SCALE_IDLE:-10}
OUT=${SCALE_OUT:-$top/bench/scale.md}
. "$top/test/lib/tap.sh"
. "$here/lib/stage.sh"

[ "$(id -u)" = 0 ] || { echo "scale: needs root" >&2; exit 1; }
for t in ip dnsmasq dig curl python3; do
	command -v $t >/dev/null || { echo "scale: no $t" >&2; exit 1; }
done
t_init sentry-scale
P=ssc$$
SOCK=$tmp/control.sock

unreclaim_kb() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# utime + stime, all threads
ms() { echo $(($(date +%s%N) / 1000000)); }
ctl() { "$SENTRY" ctl --socket "$SOCK" "$@"; }

world() {
	local n
	for n in net gw; do
		ip netns add "$P-$n" || return 1
		t_defer ip netns del "$P-$n"
		ip -n "$P-$n" link set lo up
	done
	ip link add "$P-g" netns "$P-gw" type veth peer name "$P-n" netns "$P-net" || return 1
	ip -n "$P-net" addr add 198.18.1.1/24 dev "$P-n"
	ip -n "$P-net" link set "$P-n" up
	ip -n "$P-net" addr add 198.18.0.53/32 dev lo
	ip -n "$P-net" addr add 198.18.0.80/32 dev lo
	ip -n "$P-gw" addr add 198.18.1.2/24 dev "$P-g"
	ip -n "$P-gw" link set "$P-g" up
	ip -n "$P-gw" route add default via 198.18.1.1
	ip netns exec "$P-net" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
		--pid-file= --no-resolv --no-hosts --bind-interfaces --listen-address=198.18.0.53 \
		--address=/allowed.test/198.18.0.80 >/dev/null 2>&1 &
	t_defer kill $!
	mkdir -p "$tmp/www" && echo scale-ok >"$tmp/www/index.html"
	ip netns exec "$P-net" python3 -m http.server 80 --bind 198.18.0.80 \
		--directory "$tmp/www" >/dev/null 2>&1 &
	t_defer kill $!
}

# One policy per bottle: the same name allowed, under N names of policy
policies() {
	local i
	mkdir -p "$tmp/pol"
	for i in $(seq "$N"); do
		printf '[policy]\nname = b%d\ndefault = deny\n[allow]\ndomain = allowed.test tcp/80\n' \
			"$i" >"$tmp/pol/b$i.ini"
	done
	"$SENTRY" policy load --db "$tmp/store" "$tmp/pol"/*.ini >/dev/null
}

daemon() {
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $tmp/store
	decision_log = $tmp/decisions.jsonl
	[dns]
	upstream = 198.18.0.53
	[tables]
	bottles = $N
	EOF
	ip netns exec "$P-gw" "$SENTRY" run -c "$tmp/sentry.ini" 2>"$tmp/daemon.log" &
	pid=$!
	t_defer kill -TERM "$pid"
	for _ in $(seq 100); do
		ctl ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$tmp/daemon.log" >&2
	return 1
}

stage_init scale 8
stage "the test internet and the daemon's namespace"
world || { echo "scale: could not build the namespaces" >&2; exit 1; }
stage "$N policies into the store"
policies || { echo "scale: could not load $N policies" >&2; exit 1; }
stage "$N bottle namespaces, the daemon, the baseline"
# Made before the baseline: namespaces cost kernel memory of their own,
# which is not the bottles'
for i in $(seq "$N"); do
	ip netns add "$P-b$i" || exit 1
	t_defer ip netns del "$P-b$i"
	mkdir -p "/etc/netns/$P-b$i"
	echo "nameserver 10.0.2.3" >"/etc/netns/$P-b$i/resolv.conf"
	t_defer rm -rf "/etc/netns/$P-b$i"
done
daemon || { echo "scale: the daemon did not start" >&2; exit 1; }
sync
echo 3 >/proc/sys/vm/drop_caches
kmem0=$(unreclaim_kb) rss0=$(rss_kb "$pid")

echo "== scale: $N bottles, each under its own policy, one daemon ($(nproc) CPUs)"
stage "attaching $N bottles, one after another"
t0=$(ms)
fails=0
for i in $(seq "$N"); do
	"$SENTRY" attach --netns "/run/netns/$P-b$i" --socket "$SOCK" --policy "b$i" \
		--name "b$i" >>"$tmp/attach.log" 2>&1 || fails=$((fails + 1))
done
t1=$(ms)
listed=$(ctl bottles | grep -c '^b[0-9]')
kmem1=$(unreclaim_kb) rss1=$(rss_kb "$pid")

# idle: the daemon's CPU over IDLE seconds with every bottle attached
stage "the daemon's CPU with every bottle idle, over $IDLE s"
c0=$(cpu_ticks "$pid")
sleep "$IDLE"
c1=$(cpu_ticks "$pid")
hz=$(getconf CLK_TCK)

# a sample spread over all bottles: DNS through sentry, HTTP to the answer
stage "DNS and HTTP through a sample of $SAMPLE bottles"
dns_ok=0 http_ok=0 step=$(( N / SAMPLE > 0 ? N / SAMPLE : 1 )) tried=0
for ((i = 1; i <= N; i += step)); do
	tried=$((tried + 1))
	a=$(ip netns exec "$P-b$i" dig +short +time=2 +tries=1 @10.0.2.3 allowed.test A)
	[ "$a" = 198.18.0.80 ] && dns_ok=$((dns_ok + 1))
	[ "$(ip netns exec "$P-b$i" curl -s --max-time 5 http://allowed.test/)" = scale-ok ] &&
		http_ok=$((http_ok + 1))
done
policies_logged=$(grep '"event":"flow"' "$tmp/decisions.jsonl" | grep -o '"policy":"b[0-9]*"' | sort -u | wc -l)

# detach all: deleting each namespace file ends its bottle
stage "deleting every bottle's namespace, until the daemon has let them all go"
t2=$(ms)
for i in $(seq "$N"); do
	ip netns del "$P-b$i"
done
for _ in $(seq 300); do
	[ "$(ctl bottles | grep -c '^b[0-9]')" = 0 ] && break
	sleep 0.1
done
t3=$(ms)
left=$(ctl bottles | grep -c '^b[0-9]')
sync
echo 3 >/proc/sys/vm/drop_caches
kmem2=$(unreclaim_kb) rss2=$(rss_kb "$pid")
tuns=$(ip -n "$P-gw" -o link show | grep -vc -e ' lo:' -e sentry0 -e "$P-g@")

stage "the table: $OUT"
per_kmem=$(( (kmem1 - kmem0) / N ))
{
	echo "# sentry: $N bottles on one daemon (make bench, section scale)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- method: test/bench/scale.sh; each bottle a namespace of its own with the default TUN (one queue per CPU, txqueuelen 10000, noqueue root), its own policy; kernel memory is SUnreclaim in /proc/meminfo after dropping caches"
	echo
	echo "| measure | value |"
	echo "|---|---:|"
	echo "| bottles attached (failed attaches) | $((N - fails)) ($fails) |"
	echo "| bottles listed by ctl bottles | $listed |"
	echo "| time to attach all, one after another | $((t1 - t0)) ms ($(( (t1 - t0) * 1000 / N )) us each) |"
	echo "| kernel memory (SUnreclaim) for all | $(( (kmem1 - kmem0) / 1024 )) MB ($per_kmem kB per bottle) |"
	echo "| daemon RSS before, with all | $((rss0 / 1024)) MB, $((rss1 / 1024)) MB |"
	echo "| daemon CPU with all idle, over ${IDLE} s | $(( (c1 - c0) * 1000 / hz )) ms ($(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "%.2f%%", 100 * t / hz / s }') of a CPU) |"
	echo "| sample: DNS answered, HTTP fetched | $dns_ok/$tried, $http_ok/$tried |"
	echo "| policies named in flow decisions | $policies_logged |"
	echo "| deleting every namespace until every bottle was gone | $((t3 - t2)) ms |"
	echo "| bottles left, interfaces left in the daemon's namespace | $left, $tuns |"
	echo "| kernel memory after detaching all, namespaces deleted too (against before attaching) | $(( (kmem2 - kmem0) / 1024 )) MB |"
	echo "| daemon RSS after detaching all | $((rss2 / 1024)) MB |"
} >"$OUT"
cat "$OUT"
[ "$fails" = 0 ] && [ "$left" = 0 ] && [ "$dns_ok" = "$tried" ] && [ "$http_ok" = "$tried" ]
