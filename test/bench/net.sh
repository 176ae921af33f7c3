#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# net.sh - `make bench`, section "net": sentry side by side with the kernel,
# pasta and slirp4netns, on one topology, in one run.
#
#  bottles                   forwarders                          $P-net, "the test internet"
#  +------------------+      +-------------------------+         +---------------------------+
#  | (a) $P-ka        | veth | $P-kr: kernel routing,  |  veth   | lo 198.18.0.80:           |
#  | 198.18.11.2/24   |------| no NAT, no policy       |---------|   iperf3 -s 5201..5204    |
#  +------------------+      | 198.18.10.2/24          |         |   connrate server :7000   |
#  | (b) $P-sb        | TUN  | $P-gw: sentry run,      |  veth   | lo 198.18.0.53:           |
#  | tun0 (attach)    |======| egress TUN, masquerade  |---------|   dnsmasq, *.allowed.test |
#  | 198.18.21.100/24 |      | 198.18.20.2/24          |         |                           |
#  +------------------+      +-------------------------+         | veth ends 198.18.10.1,    |
#  | (c) $P-pb        | tap  | $P-ph: pasta --config-  |  veth   |   .20.1, .30.1, .40.1     |
#  | tap0 (copies the |======| net, sockets here       |---------|                           |
#  | host: .30.2/24)  |      | 198.18.30.2/24          |         |                           |
#  +------------------+      +-------------------------+         |                           |
#  | (d) $P-lb        | tap  | $P-lh: slirp4netns,     |  veth   |                           |
#  | tap0             |======| sockets here            |---------|                           |
#  | 198.18.41.100/24 |      | 198.18.40.2/24          |         |                           |
#  +------------------+      +-------------------------+         |                           |
#  | (e) $P-qb        | tap  | $P-qh: pasta 2025 (the  |  veth   |                           |
#  | tap0 (copies the |======| Debian 13 tree's), as   |---------|                           |
#  | host: .50.2/24)  |      | (c); 198.18.50.2/24     |         |                           |
#  +------------------+      +-------------------------+         |                           |
#  | (f) $P-fb        | veth | $P-fr: kernel routing,  |  veth   |                           |
#  | 198.18.61.2/24   |------| sentry run + sentry     |---------|                           |
#  |                  |      | guard --netns (NFQUEUE) |         |                           |
#  |                  |      | 198.18.60.2/24, no NAT  |         |                           |
#  +------------------+      +-------------------------+         +---------------------------+
#
# Every address is in 198.18.0.0/15 and every link is between namespaces
# this script creates: no namespace here has a way to the machine's own
# network, so no packet can reach the real uplink. $P is sbn<pid>; every
# namespace and process is removed on exit, whatever way it comes.
#
# pasta runs as root (--runas 0: dropping to nobody, this version cannot
# join the namespace) with no port forwarding (-t/-u/-T/-U none);
# pasta 2025 (e) is Debian 13's passt, what Podman 5 users run: the
# binary of the Debian 13 tree test/lib/trixie.sh builds ($T_CACHE/trixie),
# run with the tree's own dynamic loader and libc (--library-path), the
# same options as (c). It is skipped, with the reason in the results,
# when the tree is absent or the binary does not start.
# (f) is (a) with sentry's NFQUEUE source: a daemon of its own in $P-fr
# guards the bottle (`sentry guard --netns`), so a flow's first packets
# go through the queue and the rest stay in the kernel (conntrack mark).
# slirp4netns with --disable-host-loopback. Both keep their taps as they
# make them (TAP_QLEN changes that); sentry sets txqueuelen on its TUNs.
#
# Each forwarder (b)-(d) is a process of its own, so its CPU time is read
# from /proc/PID/stat around each TCP run and divided by the bytes moved;
# (a) is the kernel's softirq work and has no such figure. The MTU of a
# case is set on every link of the path (the bottle's interface, the
# veths, sentry's egress), so "MTU 1500" means a 1500-byte path all the
# way. UDP, connections and DNS run at MTU 65520, the bottles' default.
#
# Measured, each REPS times with the setups interleaved, medians shown:
#   TCP, 1 and 4 streams (iperf3 -P), at MTU 1500 and 65520, TCP_TIME s,
#     both ways: up (the bottle sends) and down (iperf3 -R: the server
#     in the test internet sends, the bottle receives);
#   UDP, 64-byte datagrams, both ways: the highest rate with < 1% loss,
#     by a binary search of iperf3 -u -b (UDP_STEPS probes of UDP_TIME s
#     after one unlimited probe); a probe that fails (iperf3 reports an
#     error) is recorded as failed with its reason, never as a zero;
#   new TCP connections per second (lib/connrate.c, CONN_PARALLEL in
#     flight), CPS_TIME s;
#   DNS queries per second with dnsperf for allowed names (dnsmasq
#     answers; (a), (c), (d) query it through their path) and, for sentry,
#     denied names (sentry answers itself), DNS_TIME s;
#   the forwarders' CPU seconds per GB, per connection and per query, the
#     whole machine's CPU seconds per GB, and the forwarders' peak RSS.
# On a 2-CPU machine the load generators share the CPUs with the
# forwarder, so the machine's CPU per GB explains most ratios: whatever a
# forwarder burns, iperf3 does not get. Other work on the machine skews
# everything; the results say how busy it was.
# The table goes to stdout and to bench/results.md with the machine's
# description (BENCH_QUICK=1: to build/bench-net/results.md).
#
# Environment:
#   BENCH_QUICK=1     a smoke run: one rep, short durations
#   SENTRY            the binary (default ./sentry)
#   WORKERS           [daemon] workers (default 0: one per CPU)
#   QUEUES            attach --queues (default: WORKERS if set, else
#                     attach's own, one per CPU)
#   OFFLOAD           [egress] offload (default yes); ATTACH_ARGS more
#                     attach options, e.g. --no-offload
#   SETUPS            which to run (default "kernel sentry nfqueue pasta
#                     pasta25 slirp")
#   DIRS              which ways TCP and UDP run (default "up dn")
#   T_CACHE           where the Debian 13 tree is (default test/cache)
#   REPS TCP_TIME UDP_TIME UDP_STEPS CPS_TIME DNS_TIME CONN_PARALLEL
#   TAP_QLEN          txqueuelen for pasta's and slirp4netns's tap
#                     (default: as they leave it; sentry sets its own)
#   BENCH_PERF=DIR    perf record -e cpu-clock -g of the sentry daemon
#                     during its first run of each measurement, into DIR
#   BENCH_RESULTS     where the Markdown goes (default bench/results.md)
#   BENCH_HOLD=1      stop once the MTU 65520 forwarders are up and wait,
#                     for poking at them by hand; Ctrl-C cleans up
# Raw figures and the daemon's logs and counters stay in build/bench-net/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
TAB="$PY $here/lib/nettab.py"

if [ -n "${BENCH_QUICK:-}" ]; then
	REPS=${REPS:-1} TCP_TIME=${TCP_TIME:-2} UDP_TIME=${UDP_TIME:-1}
	UDP_STEPS=${UDP_STEPS:-3} CPS_TIME=${CPS_TIME:-2} DNS_TIME=${DNS_TIME:-2}
else
	REPS=${REPS:-3} TCP_TIME=${TCP_TIME:-5} UDP_TIME=${UDP_TIME:-2}
	UDP_STEPS=${UDP_STEPS:-5} CPS_TIME=${CPS_TIME:-5} DNS_TIME=${DNS_TIME:-5}
fi
CONN_PARALLEL=${CONN_PARALLEL:-32}
WORKERS=${WORKERS:-0}
OFFLOAD=${OFFLOAD:-yes}
SETUPS=${SETUPS:-kernel sentry nfqueue pasta pasta25 slirp}
DIRS=${DIRS:-up dn}
T_CACHE=${T_CACHE:-$top/test/cache}
TREE25=$T_CACHE/trixie
PASTA25=()	# the command that runs pasta 2025, once found
PASTA25_VERSION=
pasta25_why=	# why it is not measured
LOGDIR=$top/build/bench-net
RESULTS=${BENCH_RESULTS:-$top/bench/results.md}
[ -n "${BENCH_QUICK:-}" ] && RESULTS=${BENCH_RESULTS:-$LOGDIR/results.md}

P=sbn$$
NET=$P-net
SERVER=198.18.0.80
DNS=198.18.0.53
UDP_LEN=64
CPS_PORT=7000
tmp=$(mktemp -d /tmp/sentry-bench-net.XXXXXX)
RAW=$LOGDIR/raw.txt
pids=()
perf_pid=
HZ=$(getconf CLK_TCK)
t_start=$SECONDS

# Per setup: its bottle, its forwarder's namespace and its iperf3 port
declare -A BOTTLE=([kernel]=$P-ka [sentry]=$P-sb [pasta]=$P-pb [slirp]=$P-lb [pasta25]=$P-qb
	[nfqueue]=$P-fb)
declare -A FWD=([kernel]=$P-kr [sentry]=$P-gw [pasta]=$P-ph [slirp]=$P-lh [pasta25]=$P-qh
	[nfqueue]=$P-fr)
declare -A PORT=([kernel]=5201 [sentry]=5202 [pasta]=5203 [slirp]=5204 [pasta25]=5205
	[nfqueue]=5206)
# The bottle's interface and the test internet's end of the forwarder's veth
declare -A BIF=([kernel]=$P-ka0 [sentry]=tun0 [pasta]=tap0 [slirp]=tap0 [pasta25]=tap0
	[nfqueue]=$P-fb0)
declare -A NIF=([kernel]=$P-nk [sentry]=$P-ns [pasta]=$P-np [slirp]=$P-nl [pasta25]=$P-nq
	[nfqueue]=$P-nf)
declare -A FPID=()	# the forwarder process of the current phase
declare -A HWM=()	# its peak RSS, kB, the highest over the phases

cleanup() {
	local p ns

	[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	# Anything still inside our namespaces was started by this script
	for ns in $NET $P-ka $P-kr $P-sb $P-gw $P-pb $P-ph $P-lb $P-lh $P-qb $P-qh $P-fb $P-fr; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.2
	for ns in $NET $P-ka $P-kr $P-sb $P-gw $P-pb $P-ph $P-lb $P-lh $P-qb $P-qh $P-fb $P-fr; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "net: $*" >&2; exit 1; }
note() { echo "net: $*" >&2; }
wait_for() {	# wait_for SECONDS CMD... - poll until CMD succeeds
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}
record() { echo "$1 $2 $3" >>"$RAW"; }	# record MEASURE SETUP VALUE|"failed REASON"
has() { case " $SETUPS " in *" $1 "*) return 0 ;; esac; return 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }	# not for &: $! must be the command

cpu_ticks() {	# cpu_ticks PID - user + system time of the whole process
	local f=()
	# the fields after comm, which may hold spaces: utime and stime are 14, 15
	read -r -a f < <(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null)
	echo $(( ${f[11]:-0} + ${f[12]:-0} ))
}

machine_ticks() {	# every CPU's busy time: user, nice, system, irq, softirq
	awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat
}

note_hwm() {	# note_hwm SETUP - keep the highest VmHWM of its forwarder
	local pid=${FPID[$1]:-} kb
	[ -n "$pid" ] || return 0
	kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	[ -n "$kb" ] && [ "$kb" -gt "${HWM[$1]:-0}" ] && HWM[$1]=$kb
	return 0
}

perf_start() {	# perf_start NAME SECONDS - profile the daemon, first rep only
	[ -n "${BENCH_PERF:-}" ] && [ -n "${FPID[sentry]:-}" ] || return 0
	mkdir -p "$BENCH_PERF"
	perf record -e cpu-clock -g -p "${FPID[sentry]}" -o "$BENCH_PERF/$1.data" \
		-- sleep "$2" >/dev/null 2>&1 &
	perf_pid=$!
}
perf_wait() {
	[ -n "$perf_pid" ] || return 0
	wait "$perf_pid"
	perf_pid=
}

# ---- the topology ----------------------------------------------------------

mkns() {
	ip netns add "$1" || die "ip netns add $1"
	ip -n "$1" link set lo up
	# Wide ephemeral ranges: the connection test opens ports at a high rate
	in_ns "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
}

# veth NS IFNAME ADDR/N NETIF NETADDR/N - a link from NS to the test internet
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns $NET || die "veth $2"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n $NET addr add "$5" dev "$4"
	ip -n "$1" link set "$2" up
	ip -n $NET link set "$4" up
}

# routed ROUTER BOTTLE NETIF N - BOTTLE behind ROUTER, which forwards (no
# NAT): ROUTER 198.18.N.2 on a veth to $NET (its end NETIF, 198.18.N.1),
# BOTTLE 198.18.(N+1).2 on a veth to ROUTER (198.18.(N+1).1)
routed() {
	local r=$1 b=$2 up=198.18.$4 in=198.18.$(($4 + 1))

	veth "$r" "${r}0" $up.2/24 "$3" $up.1/24
	ip link add "${b}0" netns "$b" type veth peer name "${r}1" netns "$r"
	ip -n "$b" addr add $in.2/24 dev "${b}0"
	ip -n "$r" addr add $in.1/24 dev "${r}1"
	ip -n "$b" link set "${b}0" up
	ip -n "$r" link set "${r}1" up
	ip -n "$b" route add default via $in.1
	ip -n "$r" route add default via $up.1
	in_ns "$r" sysctl -qw net.ipv4.ip_forward=1
	ip -n $NET route add $in.0/24 via $up.2
}

build_topology() {
	local s

	mkns $NET
	ip -n $NET addr add $SERVER/32 dev lo
	ip -n $NET addr add $DNS/32 dev lo
	for s in $SETUPS; do mkns "${BOTTLE[$s]}"; mkns "${FWD[$s]}"; done

	if has kernel; then
		routed $P-kr $P-ka $P-nk 10
	fi
	if has nfqueue; then
		routed $P-fr $P-fb $P-nf 60
	fi
	if has sentry; then
		veth $P-gw $P-gw0 198.18.20.2/24 $P-ns 198.18.20.1/24
		ip -n $P-gw route add default via 198.18.20.1
		ip -n $NET route add 198.18.22.0/24 via 198.18.20.2
	fi
	if has pasta; then
		veth $P-ph $P-ph0 198.18.30.2/24 $P-np 198.18.30.1/24
		ip -n $P-ph route add default via 198.18.30.1
	fi
	if has slirp; then
		veth $P-lh $P-lh0 198.18.40.2/24 $P-nl 198.18.40.1/24
		ip -n $P-lh route add default via 198.18.40.1
	fi
	if has pasta25; then
		veth $P-qh $P-qh0 198.18.50.2/24 $P-nq 198.18.50.1/24
		ip -n $P-qh route add default via 198.18.50.1
	fi
}

set_mtu() {	# set_mtu MTU - every veth of every path
	local l
	for l in $P-ka:$P-ka0 $P-kr:$P-kr1 $P-kr:$P-kr0 $NET:$P-nk $P-gw:$P-gw0 $NET:$P-ns \
		 $P-ph:$P-ph0 $NET:$P-np $P-lh:$P-lh0 $NET:$P-nl $P-qh:$P-qh0 $NET:$P-nq \
		 $P-fb:$P-fb0 $P-fr:$P-fr1 $P-fr:$P-fr0 $NET:$P-nf; do
		ip -n "${l%%:*}" link set "${l#*:}" mtu "$1" 2>/dev/null
	done
}

start_services() {
	local s p

	for s in $SETUPS; do
		ip netns exec $NET iperf3 -s -B $SERVER -p "${PORT[$s]}" --idle-timeout 20 \
			>>"$LOGDIR/iperf3-$s.log" 2>&1 &
		pids+=($!)
	done
	ip netns exec $NET "$tmp/connrate" server $SERVER $CPS_PORT 2>>"$LOGDIR/connrate.log" &
	pids+=($!)
	ip netns exec $NET dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --listen-address=$DNS --bind-interfaces --pid-file= \
		--address=/allowed.test/198.18.0.90 --address=/denied.test/198.18.0.91 \
		--log-facility="$LOGDIR/dnsmasq.log" &
	pids+=($!)
	for s in $SETUPS; do p=${PORT[$s]}
		wait_for 10 in_ns $NET bash -c "exec 3<>/dev/tcp/$SERVER/$p" ||
			die "iperf3 server on port $p did not start"
	done
	wait_for 10 in_ns $NET bash -c "exec 3<>/dev/tcp/$SERVER/$CPS_PORT" ||
		die "connrate server did not start"

	for ((p = 0; p < 1000; p++)); do echo "n$p.allowed.test A"; done >"$tmp/allow.q"
	for ((p = 0; p < 1000; p++)); do echo "n$p.denied.test A"; done >"$tmp/deny.q"
}

reachable() {	# reachable SETUP - a TCP connection from its bottle to the server
	in_ns "${BOTTLE[$1]}" timeout 2 bash -c "exec 3<>/dev/tcp/$SERVER/$CPS_PORT"
}

# ---- the forwarders, started per MTU ---------------------------------------

start_sentry() {	# start_sentry MTU
	local q=${QUEUES:-}
	[ -z "$q" ] && [ "$WORKERS" != 0 ] && q=$WORKERS
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $tmp/ctl.sock
	policy_store = $tmp/store
	decision_log = $tmp/decisions.log
	log_level = warning
	workers = $WORKERS
	[dns]
	upstream = $DNS
	rate = 0
	[egress]
	mtu = $1
	offload = $OFFLOAD
	pool4 = 198.18.22.0/24
	pool6 = none
	EOF
	ip netns exec $P-gw "$SENTRY" run -c "$tmp/sentry.ini" 2>>"$LOGDIR/daemon.log" &
	FPID[sentry]=$!
	pids+=($!)
	wait_for 10 "$SENTRY" ctl --socket "$tmp/ctl.sock" ping ||
		{ tail "$LOGDIR/daemon.log"; die "sentry did not start"; }
	# shellcheck disable=SC2086 # ATTACH_ARGS is a list of words
	"$SENTRY" attach --netns /run/netns/$P-sb --policy bench --socket "$tmp/ctl.sock" \
		--address 198.18.21.100/24 --gateway 198.18.21.2 --dns 198.18.21.3 \
		--mtu "$1" ${q:+--queues $q} ${ATTACH_ARGS:-} >>"$LOGDIR/daemon.log" 2>&1 ||
		die "sentry attach failed (see $LOGDIR/daemon.log)"
}

start_nfqueue() {	# start_nfqueue MTU - a daemon in $P-fr guarding $P-fb
	cat >"$tmp/nfq.ini" <<-EOF
	[daemon]
	control_socket = $tmp/nfq.sock
	policy_store = $tmp/store
	decision_log = $tmp/nfq-decisions.log
	log_level = warning
	workers = $WORKERS
	[dns]
	upstream = $DNS
	rate = 0
	[egress]
	interface = $P-fe
	nft_table = ${P}fe
	pool4 = 198.18.62.0/24
	pool6 = none
	[nfqueue]
	queue_maxlen = 4096
	EOF
	ip netns exec $P-fr "$SENTRY" run -c "$tmp/nfq.ini" 2>>"$LOGDIR/nfq-daemon.log" &
	FPID[nfqueue]=$!
	pids+=($!)
	wait_for 10 "$SENTRY" ctl --socket "$tmp/nfq.sock" ping ||
		{ tail "$LOGDIR/nfq-daemon.log"; die "sentry (nfqueue) did not start"; }
	"$SENTRY" guard --socket "$tmp/nfq.sock" --netns /run/netns/$P-fb --policy bench \
		--name fb --queue 7 >>"$LOGDIR/nfq-daemon.log" 2>&1 ||
		die "sentry guard failed (see $LOGDIR/nfq-daemon.log)"
}

start_pasta() {	# start_pasta MTU
	ip netns exec $P-ph pasta --config-net --netns /run/netns/$P-pb -I tap0 -m "$1" \
		-t none -u none -T none -U none -f -q --runas 0 \
		-l "$tmp/pasta.log" >/dev/null 2>&1 &
	FPID[pasta]=$!
	pids+=($!)
}

# find_pasta25 - set PASTA25 to a command that runs the tree's pasta, or
# pasta25_why to why not. The tree's binary needs its own glibc (2.38+,
# Debian 12 has 2.36), so it runs under the tree's dynamic loader with
# the tree's library directory. The AVX2 build is run directly where the
# CPU has AVX2: pasta's own switch to it re-executes /proc/self/exe +
# ".avx2", which under a loader names the loader; it says so once on
# stderr and goes on as the build it is.
find_pasta25() {
	local ld=$TREE25/usr/lib64/ld-linux-x86-64.so.2 bin=$TREE25/usr/bin/pasta
	if [ ! -x "$bin" ]; then
		pasta25_why="no Debian 13 tree at $TREE25 (test/lib/trixie.sh builds it; set T_CACHE)"
		return 1
	fi
	[ -x "$ld" ] || { pasta25_why="the tree has no dynamic loader at $ld"; return 1; }
	grep -qw avx2 /proc/cpuinfo && [ -x "$bin.avx2" ] && bin=$bin.avx2
	PASTA25=("$ld" --library-path "$TREE25/usr/lib/x86_64-linux-gnu" "$bin")
	if ! "${PASTA25[@]}" --version >/dev/null 2>&1; then
		pasta25_why="$bin does not start under the tree's loader: $("${PASTA25[@]}" --version 2>&1 | tail -n 1)"
		PASTA25=()
		return 1
	fi
	PASTA25_VERSION=$(chroot "$TREE25" dpkg-query -W -f='${Version}' passt 2>/dev/null || echo '?')
}

start_pasta25() {	# start_pasta25 MTU
	ip netns exec $P-qh "${PASTA25[@]}" --config-net --netns /run/netns/$P-qb -I tap0 -m "$1" \
		-t none -u none -T none -U none -f -q --runas 0 \
		-l "$tmp/pasta25.log" >/dev/null 2>&1 &
	FPID[pasta25]=$!
	pids+=($!)
}

start_slirp() {	# start_slirp MTU
	ip netns exec $P-lh slirp4netns --configure --mtu="$1" --cidr=198.18.41.0/24 \
		--disable-host-loopback --netns-type=path /run/netns/$P-lb tap0 \
		>>"$LOGDIR/slirp4netns.log" 2>&1 &
	FPID[slirp]=$!
	pids+=($!)
}

stop_forwarders() {
	local s pid
	for s in sentry nfqueue pasta pasta25 slirp; do
		pid=${FPID[$s]:-}
		[ -n "$pid" ] || continue
		note_hwm "$s"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		FPID[$s]=
	done
}

start_phase() {	# start_phase MTU - the forwarders, checked end to end
	local s
	set_mtu "$1"
	has sentry && start_sentry "$1"
	has nfqueue && start_nfqueue "$1"
	has pasta && start_pasta "$1"
	has slirp && start_slirp "$1"
	has pasta25 && start_pasta25 "$1"
	for s in $SETUPS; do
		wait_for 10 reachable "$s" || die "$s: the server is not reachable from the bottle"
		if [ -n "${TAP_QLEN:-}" ] && [ "$s" != kernel ] && [ "$s" != sentry ]; then
			ip -n "${BOTTLE[$s]}" link set tap0 txqueuelen "$TAP_QLEN"
		fi
	done
}

end_phase() {	# end_phase MTU
	if [ -n "${FPID[sentry]:-}" ]; then
		{ echo "== MTU $1"; "$SENTRY" ctl --socket "$tmp/ctl.sock" stats; } \
			>>"$LOGDIR/sentry-stats.txt" 2>&1
	fi
	if [ -n "${FPID[nfqueue]:-}" ]; then
		{ echo "== MTU $1"; "$SENTRY" ctl --socket "$tmp/nfq.sock" stats; } \
			>>"$LOGDIR/nfq-stats.txt" 2>&1
	fi
	stop_forwarders
}

# ---- the measurements ------------------------------------------------------

# rflag DIR - iperf3's option for a direction: down is -R (the server sends)
rflag() { [ "$1" = dn ] && echo -R; }

tcp_run() {	# tcp_run SETUP STREAMS MTU DIR REP
	local s=$1 id=tcp$2_$3_$4 pid=${FPID[$1]:-} c0=0 m0 out bytes gbps
	local json=$LOGDIR/iperf3-$id-$s-$5.json

	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	m0=$(machine_ticks)
	[ "$s" = sentry ] && [ "$5" = 0 ] && perf_start "$id" "$TCP_TIME"
	# shellcheck disable=SC2046 # rflag is one word or none
	in_ns "${BOTTLE[$s]}" timeout $((TCP_TIME + 20)) iperf3 -c $SERVER -p "${PORT[$s]}" \
		-t "$TCP_TIME" -P "$2" $(rflag "$4") -J >"$json" 2>&1
	perf_wait
	out=$($TAB tcp "$json")
	if [ "${out%% *}" = failed ]; then
		record "$id" "$s" "$out"
		note "$s: TCP $2 stream(s), MTU $3, $4: $out (see $json)"
		return 0
	fi
	gbps=${out% *} bytes=${out#* }
	record "$id" "$s" "$gbps"
	cpu_per "mcpu_$id" "$s" $(($(machine_ticks) - m0)) "$bytes" 1e9
	[ -n "$pid" ] && cpu_per "cpu_$id" "$s" $(($(cpu_ticks "$pid") - c0)) "$bytes" 1e9
}

# cpu_per MEASURE SETUP TICKS COUNT UNIT - record CPU seconds per UNIT of
# COUNT (bytes per GB: 1e9; per item in microseconds: 1e-6)
cpu_per() {
	[ "${4:-0}" -gt 0 ] || return 0
	record "$1" "$2" "$(awk -v t="$3" -v hz="$HZ" -v n="$4" -v u="$5" \
		'BEGIN {printf "%.4f", (u >= 1 ? t / hz / (n / u) : t / hz / n / u)}')"
}

# settle SETUP - wait (up to 5 s) until the path of SETUP is quiet: the
# packet counters of the bottle's interface and of the test internet's
# end of the veth unchanged for 200 ms. A UDP probe ends when iperf3's
# client stops sending, not when its last datagram arrives: sentry's TUN
# rings (txqueuelen 10000 a queue, one worker a queue) may still hold
# tens of milliseconds of the unlimited probe while the next test's TCP
# control connection, on the other queue, overtakes them. iperf3's UDP
# server takes the first datagram on its port as its client and connects
# to its source, so a late datagram of the previous test made the server
# talk to a closed port: the bottle answered port-unreachable and the
# probe failed ("unable to read from stream socket: Connection refused";
# bench/udp-zero.md).
settle() {
	local s=$1 deadline=$((SECONDS + 5)) a b=
	while [ $SECONDS -lt $deadline ]; do
		a=$(ip netns exec "${BOTTLE[$s]}" cat /sys/class/net/"${BIF[$s]}"/statistics/{rx,tx}_packets \
			2>/dev/null | tr '\n' ' ')
		a+=$(ip netns exec $NET cat /sys/class/net/"${NIF[$s]}"/statistics/{rx,tx}_packets \
			2>/dev/null | tr '\n' ' ')
		[ "$a" = "$b" ] && return 0
		b=$a
		sleep 0.2
	done
	note "$s: the path did not go quiet within 5 s of a UDP probe"
}

# udp_probe SETUP DIR PPS (0: unlimited) - "SENT_PPS RECV_PPS LOSS%", or
# "failed REASON" when iperf3 reports an error
udp_probe() {
	local json=$LOGDIR/udp-$1-$2.json
	# shellcheck disable=SC2046 # rflag is one word or none
	in_ns "${BOTTLE[$1]}" timeout $((UDP_TIME + 20)) iperf3 -c $SERVER -p "${PORT[$1]}" \
		-u -l $UDP_LEN -b $(($3 * UDP_LEN * 8)) -t "$UDP_TIME" $(rflag "$2") -J >"$json" 2>&1
	settle "$1"
	$TAB udp "$json"
}

# udp_run SETUP DIR REP - the highest received rate of a probe with < 1%
# loss. One unlimited probe gives the sender's ceiling and what got
# through; then UDP_STEPS probes bisect between 0 and that ceiling, the
# first at the rate that got through. A failed probe fails the run: its
# reason is recorded, not a zero.
udp_run() {
	local s=$1 id=udp64_$2 r sent got loss lo=0 hi best=0 try i

	[ "$s" = sentry ] && [ "$3" = 0 ] && perf_start "$id" "$UDP_TIME"
	r=$(udp_probe "$s" "$2" 0)
	perf_wait
	echo "udp $s $2 unlimited: $r" >>"$LOGDIR/udp.log"
	if [ "${r%% *}" = failed ]; then
		record "$id" "$s" "failed unlimited probe: ${r#failed }"
		note "$s: UDP $2, unlimited probe: $r"
		return 0
	fi
	read -r sent got loss <<<"$r"
	if awk -v l="$loss" 'BEGIN {exit !(l < 1)}'; then
		record "$id" "$s" "$got"
		return
	fi
	hi=$sent try=$got
	for ((i = 0; i < UDP_STEPS; i++)); do
		[ "$try" -gt 0 ] || break
		r=$(udp_probe "$s" "$2" "$try")
		echo "udp $s $2 $try pps: $r" >>"$LOGDIR/udp.log"
		if [ "${r%% *}" = failed ]; then
			record "$id" "$s" "failed probe at $try pps: ${r#failed }"
			note "$s: UDP $2, probe at $try pps: $r"
			return 0
		fi
		read -r sent got loss <<<"$r"
		if awk -v l="$loss" 'BEGIN {exit !(l < 1)}'; then
			[ "$got" -gt "$best" ] && best=$got
			lo=$try
		else
			hi=$try
		fi
		try=$(((lo + hi) / 2))
	done
	if [ "$best" -gt 0 ]; then
		record "$id" "$s" "$best"
	else
		record "$id" "$s" "failed no probe kept loss under 1% (last: $r)"
	fi
}

cps_run() {	# cps_run SETUP REP
	local s=$1 pid=${FPID[$1]:-} c0=0 out n rate
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	[ "$s" = sentry ] && [ "$2" = 0 ] && perf_start cps "$CPS_TIME"
	out=$(in_ns "${BOTTLE[$s]}" timeout $((CPS_TIME + 20)) "$tmp/connrate" client \
		$SERVER $CPS_PORT "$CPS_TIME" "$CONN_PARALLEL" 2>&1)
	perf_wait
	echo "cps $s: $out" >>"$LOGDIR/connrate.log"
	read -r n rate < <(echo "$out" | awk '$1 == "connections" {print $2, $8}')
	record cps "$s" "${rate:-0}"
	[ -n "$pid" ] && cpu_per cpu_cps "$s" $(($(cpu_ticks "$pid") - c0)) "${n:-0}" 1e-6
}

dns_run() {	# dns_run SETUP allow|deny REP
	local out=$LOGDIR/dnsperf-$2-$1-$3.txt pid=${FPID[$1]:-} c0=0 qps lost n
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	[ "$1" = sentry ] && [ "$3" = 0 ] && perf_start "dns_$2" "$DNS_TIME"
	# dnsperf's defaults but a 2 s timeout: one client, 100 queries in flight
	in_ns "${BOTTLE[$1]}" timeout $((DNS_TIME + 20)) dnsperf -s $DNS -d "$tmp/$2.q" \
		-l "$DNS_TIME" -c 1 -q 100 -t 2 >"$out" 2>&1
	perf_wait
	read -r qps lost n < <($TAB dnsperf "$out")
	record "dns_$2" "$1" "$qps"
	[ -n "$pid" ] && cpu_per "cpu_dns_$2" "$1" $(($(cpu_ticks "$pid") - c0)) "$n" 1e-6
	awk -v l="$lost" 'BEGIN {exit !(l > 0.1)}' &&
		note "$1: dnsperf lost $lost% of $2 queries (see $out)"
	return 0
}

each() {	# each FUNCTION ARGS... - REPS times, the setups interleaved
	local rep s
	for ((rep = 0; rep < REPS; rep++)); do
		for s in $SETUPS; do
			"$@" "$s" "$rep"
		done
	done
}
tcp_each() { tcp_run "$4" "$1" "$2" "$3" "$5"; }	# tcp_each STREAMS MTU DIR SETUP REP
udp_each() { udp_run "$2" "$1" "$3"; }	# udp_each DIR SETUP REP
dns_each() {	# dns_each allow|deny SETUP REP - denied names only where sentry answers
	{ [ "$1" = allow ] || [ "$2" = sentry ] || [ "$2" = nfqueue ]; } && dns_run "$2" "$1" "$3"
}
trunc_log() {
	local f
	for f in "$tmp/decisions.log" "$tmp/nfq-decisions.log"; do
		[ -f "$f" ] && : >"$f"
	done
	return 0
}

# ---- the run ---------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
"$top/contrib/install-deps.sh" bench || note "could not install every package of the bench group"
for c in iperf3 dnsmasq gcc ip; do command -v $c >/dev/null || die "no $c"; done
[ -x "$SENTRY" ] || die "no sentry at $SENTRY (make sentry)"
command -v pasta >/dev/null || { note "no pasta: (c) skipped"; SETUPS=${SETUPS/pasta/}; }
command -v slirp4netns >/dev/null || { note "no slirp4netns: (d) skipped"; SETUPS=${SETUPS/slirp/}; }
if has pasta25 && ! find_pasta25; then
	note "pasta 2025: (e) skipped: $pasta25_why"
	SETUPS=${SETUPS/pasta25/}
fi
DNSPERF=1
command -v dnsperf >/dev/null || { note "no dnsperf: DNS not measured"; DNSPERF=; }
[ -n "${BENCH_PERF:-}" ] && ! command -v perf >/dev/null && die "BENCH_PERF needs perf"
read -r -a list <<<"$SETUPS"
SETUPS=${list[*]}
read -r -a dirs <<<"$DIRS"
. "$here/lib/stage.sh"
# set-up, topology, TCP (2 stream counts x ways x 2 MTUs), UDP (ways),
# connections, DNS, the table
stage_init net $((2 + 4 * ${#dirs[@]} + ${#dirs[@]} + 1 + ${DNSPERF:-0} + 1))
stage "set-up: connrate, the policy, how busy the machine is"

mkdir -p "$LOGDIR" "$(dirname "$RESULTS")"
rm -f "$LOGDIR"/*.json "$LOGDIR"/*.txt "$LOGDIR"/*.log
: >"$RAW"
gcc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wcast-qual -Wformat=2 -Wvla -Werror "$here/lib/connrate.c" \
	-o "$tmp/connrate" || die "cannot build connrate"
cat >"$tmp/bench.ini" <<'EOF'
[policy]
name = bench
default = deny
private_answers = allow
[allow]
cidr = 198.18.0.80/32
domain = *.allowed.test
EOF
"$SENTRY" policy load --db "$tmp/store" "$tmp/bench.ini" >/dev/null || die "policy load"

# Other work on the machine skews every figure: say how busy it was
read -r b0 i0 < <(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
sleep 1
read -r b1 i1 < <(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
busy=$(( (b1 - b0) * 100 / (b1 - b0 + i1 - i0 + 1) ))
[ "$busy" -gt 10 ] && note "the machine is ${busy}% busy before the run: the figures will suffer"
echo "== net: $SETUPS; $REPS run(s) each${BENCH_QUICK:+ (BENCH_QUICK)}"
stage "namespaces, dnsmasq and iperf3 servers for: $SETUPS"
build_topology
start_services

for mtu in 1500 65520; do
	start_phase $mtu
	if [ -n "${BENCH_HOLD:-}" ] && [ $mtu = 65520 ]; then
		echo "holding: namespaces $P-*, daemon socket $tmp/ctl.sock; Ctrl-C ends"
		sleep 100000 & pids+=($!); wait $!
	fi
	for n in 1 4; do
		for dir in $DIRS; do
			stage "TCP, $n stream(s), MTU $mtu, $dir, $REPS run(s) of ${TCP_TIME} s per setup"
			each tcp_each $n $mtu $dir
			trunc_log
		done
	done
	if [ $mtu = 65520 ]; then
		for dir in $DIRS; do
			stage "UDP, $UDP_LEN-byte datagrams, $dir: the highest rate under 1% loss"
			each udp_each $dir
		done
		stage "new TCP connections, ${CPS_TIME} s per setup and run"
		each cps_run
		trunc_log
		if [ -n "$DNSPERF" ]; then
			stage "DNS, allowed and denied names, ${DNS_TIME} s per setup and run"
			each dns_each allow
			each dns_each deny
			trunc_log
		fi
	fi
	end_phase $mtu
done
for s in sentry nfqueue pasta pasta25 slirp; do
	[ -n "${HWM[$s]:-}" ] && record rss "$s" "${HWM[$s]}"
done

stage "the table: $RESULTS"
rev=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$pasta25_why" ]; then
	p25="not measured: $pasta25_why"
elif ! has pasta25; then
	p25="not in SETUPS"
else
	p25="passt $PASTA25_VERSION from the Debian 13 tree, run with the tree's loader and libc"
fi
workers=$WORKERS queues=${QUEUES:-$WORKERS}
[ "$workers" = 0 ] && workers="0 (one per CPU)"
[ "$queues" = 0 ] && queues="one per CPU"
{
	echo "# sentry: network benchmark (make bench, section net)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)," \
		"$(nproc) CPUs online, $(awk '/^MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
		"Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null)"
	echo "- sentry: revision $rev (the working tree may hold more), workers = $workers," \
		"queues = $queues, offload = $OFFLOAD${ATTACH_ARGS:+, attach $ATTACH_ARGS}"
	echo "- peers: iperf3 $(iperf3 --version | awk 'NR == 1 {print $2}')," \
		"dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}')," \
		"passt $(dpkg-query -W -f='${Version}' passt 2>/dev/null || echo '?')," \
		"pasta 2025: $p25," \
		"slirp4netns $(slirp4netns --version 2>/dev/null | awk 'NR == 1 {print $3}')," \
		"dnsmasq $(dnsmasq --version | awk 'NR == 1 {print $3}')${TAP_QLEN:+, tap txqueuelen $TAP_QLEN}"
	echo "- load: CPU ${busy}% busy in the second before the run; load average" \
		"$(cut -d' ' -f1-3 /proc/loadavg) at its end (other work skews the figures)"
	echo "- method: test/bench/net.sh; medians of $REPS run(s); TCP ${TCP_TIME} s," \
		"UDP probes ${UDP_TIME} s, connections ${CPS_TIME} s ($CONN_PARALLEL in flight)," \
		"DNS ${DNS_TIME} s${BENCH_QUICK:+; BENCH_QUICK: a smoke run, not a measurement}"
} >"$tmp/info"
$TAB table "$RAW" "$tmp/info" >"$RESULTS.tmp" && mv -f "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"
echo
echo "net: written to $RESULTS in $((SECONDS - t_start)) s; raw figures and logs in $LOGDIR"
