#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tput.sh - quick TCP throughput of sentry against the kernel, in one run
#
#   kernel:   $P-kc  veth  $P-ks                  (a plain veth pair)
#             10.9.0.1     10.9.0.2: iperf3 -s
#
#   sentry:   $P-b   TUN   $P-gw (sentry run)  veth  $P-net
#             tun0 ======= sentry0, NAT        ----  198.18.0.80: iperf3 -s
#             10.0.2.100   198.18.1.2/24             198.18.1.1/24
#
# For each MTU in $MTUS (veths, the bottle's TUN and the egress all get
# it): one stream, then $STREAMS streams (iperf3 -P), $TIME seconds each,
# $REPS times, kernel and sentry runs interleaved; prints the median
# Gbit/s of each and sentry/kernel, then the daemon's datapath counters,
# CPU time and memory. On a shared machine run it under `nice -n -19`.
#
# Environment: SENTRY (default ./sentry), MTUS ("1500 65520"), TIME (5),
# REPS (3), STREAMS (4), WORKERS (the daemon's [daemon] workers, default 0),
# OFFLOAD (yes), QUEUES (--queues for attach; default: attach's own),
# ATTACH_ARGS (more attach options, e.g. --no-offload), REVERSE=1 (iperf3
# -R: the server sends), RETRANS=1 (print iperf3's retransmit counts).
# Profiles of the first sentry run of each case: PERF=DIR records `perf
# record -e cpu-clock -g` of the daemon (PERF_ALL=1: of every CPU) into
# DIR; PERFSTAT=1 prints its system calls and context switches instead.
# Needs root; every namespace and process is removed on exit, and no
# address here is routed anywhere outside the namespaces.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SENTRY=${SENTRY:-$top/sentry}
MTUS=${MTUS:-1500 65520}
TIME=${TIME:-5}
REPS=${REPS:-3}
STREAMS=${STREAMS:-4}
WORKERS=${WORKERS:-0}
OFFLOAD=${OFFLOAD:-yes}
P=stp$$
tmp=$(mktemp -d /tmp/sentry-tput.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for ns in $P-kc $P-ks $P-b $P-gw $P-net; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "tput: $*" >&2; exit 1; }
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}
[ "$(id -u)" = 0 ] || die "run as root"
command -v iperf3 >/dev/null || die "no iperf3"
[ -x "$SENTRY" ] || die "no sentry at $SENTRY"

for ns in $P-kc $P-ks $P-b $P-gw $P-net; do
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
done
ip link add $P-k0 netns $P-kc type veth peer name $P-k1 netns $P-ks
ip -n $P-kc addr add 10.9.0.1/24 dev $P-k0
ip -n $P-ks addr add 10.9.0.2/24 dev $P-k1
ip -n $P-kc link set $P-k0 up
ip -n $P-ks link set $P-k1 up
ip link add $P-g0 netns $P-gw type veth peer name $P-n0 netns $P-net
ip -n $P-gw addr add 198.18.1.2/24 dev $P-g0
ip -n $P-net addr add 198.18.1.1/24 dev $P-n0
ip -n $P-net addr add 198.18.0.80/32 dev lo
ip -n $P-gw link set $P-g0 up
ip -n $P-net link set $P-n0 up
ip -n $P-gw route add default via 198.18.1.1
ip -n $P-net route add 100.127.0.0/16 via 198.18.1.2

# not -D: a daemon would outlive its namespace; these die in cleanup()
ip netns exec $P-ks iperf3 -s -B 10.9.0.2 >/dev/null 2>&1 &
pids+=($!)
ip netns exec $P-net iperf3 -s -B 198.18.0.80 >/dev/null 2>&1 &
pids+=($!)
wait_for 5 ip netns exec $P-ks bash -c 'exec 3<>/dev/tcp/10.9.0.2/5201' || die "iperf3 -s"
wait_for 5 ip netns exec $P-net bash -c 'exec 3<>/dev/tcp/198.18.0.80/5201' || die "iperf3 -s"

cat >"$tmp/bench.ini" <<'EOF'
[policy]
name = bench
default = deny
[allow]
cidr = 198.18.0.0/16
EOF
"$SENTRY" policy load --db "$tmp/store" "$tmp/bench.ini" >/dev/null || die "policy load"

start_sentry() {	# start_sentry MTU
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $tmp/ctl.sock
	policy_store = $tmp/store
	decision_log = $tmp/decisions.log
	log_level = warning
	workers = $WORKERS
	[dns]
	upstream = 198.18.1.1
	[egress]
	mtu = $1
	offload = $OFFLOAD
	pool6 = none
	EOF
	ip netns exec $P-gw "$SENTRY" run -c "$tmp/sentry.ini" 2>>"$tmp/daemon.log" &
	daemon_pid=$!
	pids+=($daemon_pid)
	wait_for 10 "$SENTRY" ctl --socket "$tmp/ctl.sock" ping || { cat "$tmp/daemon.log"; die "daemon"; }
	# shellcheck disable=SC2086
	"$SENTRY" attach --netns /run/netns/$P-b --policy bench --socket "$tmp/ctl.sock" \
		--mtu "$1" ${QUEUES:+--queues $QUEUES} ${ATTACH_ARGS:-} >/dev/null || die "attach"
}

stop_sentry() {
	kill "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
}

gbps() {	# gbps NS SERVER STREAMS - one iperf3 run's received Gbit/s
	ip netns exec "$1" iperf3 -c "$2" -t "$TIME" -P "$3" ${REVERSE:+-R} -J 2>/dev/null |
		python3 -c 'import json,sys
try:
	e = json.load(sys.stdin)["end"]
	print("%.2f" % (e["sum_received"]["bits_per_second"] / 1e9))
	print("retransmits", e["sum_sent"].get("retransmits"), file=sys.stderr)
except Exception: print("0")' 2>>"$tmp/retrans"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-8s %-8s %10s %10s %8s   (runs)\n' MTU streams kernel sentry ratio
for mtu in $MTUS; do
	ip -n $P-kc link set $P-k0 mtu "$mtu"
	ip -n $P-ks link set $P-k1 mtu "$mtu"
	ip -n $P-gw link set $P-g0 mtu "$mtu"
	ip -n $P-net link set $P-n0 mtu "$mtu"
	start_sentry "$mtu"
	for streams in 1 $STREAMS; do
		k=() s=()
		for ((r = 0; r < REPS; r++)); do
			k+=("$(gbps $P-kc 10.9.0.2 "$streams")")
			if [ -n "${PERF:-}" ] && [ $r = 0 ]; then
				mkdir -p "$PERF"
				target=(-p "$daemon_pid")
				[ -n "${PERF_ALL:-}" ] && target=(-a)
				perf record -e cpu-clock -g "${target[@]}" \
					-o "$PERF/sentry-$mtu-$streams.data" -- sleep "$TIME" \
					>/dev/null 2>&1 &
				perf_pid=$!
			elif [ -n "${PERFSTAT:-}" ] && [ $r = 0 ]; then
				perf stat -e syscalls:sys_enter_epoll_wait,syscalls:sys_enter_read \
					-e syscalls:sys_enter_write,context-switches,task-clock \
					-p "$daemon_pid" -o "$tmp/perfstat" -- sleep "$TIME" \
					>/dev/null 2>&1 &
				perf_pid=$!
			fi
			s+=("$(gbps $P-b 198.18.0.80 "$streams")")
			if [ -n "${perf_pid:-}" ]; then
				wait "$perf_pid"
				perf_pid=
				[ -n "${PERFSTAT:-}" ] && grep -E '^ +[0-9]' "$tmp/perfstat" |
					sed 's/^ */# perf stat: /'
			fi
		done
		km=$(median "${k[@]}")
		sm=$(median "${s[@]}")
		printf '%-8s %-8s %10s %10s %8s   (kernel %s; sentry %s)\n' "$mtu" "$streams" \
			"$km" "$sm" "$(awk -v a="$sm" -v b="$km" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" \
			"${k[*]}" "${s[*]}"
	done
	[ -n "${RETRANS:-}" ] && sed 's/^/# /' "$tmp/retrans" && : >"$tmp/retrans"
	"$SENTRY" ctl --socket "$tmp/ctl.sock" stats | sed -n '/^datapath/p;/packets  out/p;/drop /p' |
		sed 's/^ */# /'
	# shellcheck disable=SC2046
	set -- $(sed 's/^.*) //' "/proc/$daemon_pid/stat")
	echo "# daemon CPU: $(( (${12} + ${13}) * 1000 / $(getconf CLK_TCK) )) ms user+system" \
		"($(( ${12} * 1000 / $(getconf CLK_TCK) )) ms user)"
	grep -i rss /proc/$daemon_pid/status | sed 's/^/# /' | tr '\t' ' ' | tr -s ' '
	stop_sentry
done
