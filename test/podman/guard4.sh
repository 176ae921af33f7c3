#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guard4.sh - rootful Podman 4 (Debian 12's, CNI, runc) containers on
# kernel-routed networks, guarded with `sentry guard --container NAME`:
# one on Podman's default bridge network, one on a named network.
#
#   $P-r: the "host" of this test: Podman, sentry run        $P-n: "the internet"
#  +------------------------------------------------------+  +-------------------------+
#  | holder's private mounts (tmpfs /var/lib, /run/netns, |  | HTTP 198.18.0.80 :80    |
#  |   /dev/shm): CNI's leases, netns files, Podman locks |  |      198.18.0.81 :80    |
#  | containers.conf, storage.conf, CNI configs in $tmp    |  | dnsmasq 198.18.0.53     |
#  |                                                      |  |                         |
#  |  cni-podman0 10.88.0.1/16 --- veth -- sgd-$$ (eth0)  |  |                         |
#  |  cni-sg$$    10.89.x.1/24 --- veth -- sgn-$$ (eth0)  |  |                         |
#  |  tables ip/ip6 sentry_g_sgd-$$, sentry_g_sgn-$$       |  |                         |
#  |    (forward + input, matched by address on the bridge)|  |                         |
#  |  tables bridge sentry_g_*: each port its own address  |  |                         |
#  |  CNI masquerade -> rn 198.18.1.2/24 ======= veth ======= net0 198.18.1.1/24      |
#  |  default via 198.18.1.1 (the only way out)           |  +-------------------------+
#  +------------------------------------------------------+
#
# Podman runs only inside $P-r (nsenter into a holder process there), so
# its bridges NAT to $P-n and nowhere else: checked before any traffic
# (the router's only default route is the veth, the containers' only
# default route is their bridge). Policy "p": 198.18.0.80/32 tcp/80.
#
# Environment: SENTRY, T_CACHE (the busybox rootfs cache, test/cache),
# PM_TIMEOUT. Needs root. TAP output.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$top/test/netns/lib/gwlib.sh"
. "$top/test/lib/podman.sh"

[ "$(id -u)" = 0 ] || gw_skip_all guard4 "not root"
for tool in podman runc dnsmasq nsenter unshare timeout ip nft curl dig; do
	command -v $tool >/dev/null || gw_skip_all guard4 "no $tool"
done
pmver=$(podman --version 2>/dev/null | awk '{print $3}')
case "$pmver" in 4.*) ;; *) gw_skip_all guard4 "podman is '$pmver', not 4.x" ;; esac
[ -d /usr/lib/cni ] || gw_skip_all guard4 "no CNI plugins in /usr/lib/cni"
[ -x "$SENTRY" ] || { echo "not ok - guard4: no sentry binary at $SENTRY"; exit 1; }

GW_PREFIX=sg4$$
P=$GW_PREFIX
R=$P-r N=$P-n
DEF=sgd-$$ NAMED=sgn-$$ STOPPED=sgs-$$ NET=sg$$
Q=$((4000 + $$ % 1000))
gw_init
[ -n "$PY" ] || gw_skip_all guard4 "no python3"
DAEMON_LOG=$tmp/daemon.log
DLOG=$tmp/decisions.log
SOCK=$tmp/control.sock
holder=

# Containers first (Podman tears down their networks), then the holder
# with its mounts; gw_cleanup kills what is left in our namespaces.
guard4_cleanup() {
	if [ -n "$holder" ]; then
		PM_TIMEOUT=30 pm rm -af -t 0 >/dev/null 2>&1
		kill -KILL "$holder" 2>/dev/null
	fi
	gw_cleanup
}
trap guard4_cleanup EXIT

ctl() { "$SENTRY" ctl --socket "$SOCK" "$@"; }
# in_r CMD... - CMD in the router namespace with the holder's mounts: where Podman runs
in_r() { nsenter -t "$holder" -m -n -- "$@"; }
# cnet CTR CMD... - CMD (the machine's curl, dig) in CTR's network
# namespace: what is guarded is the namespace (and `podman exec` of
# busybox crashes under runc here)
cnet() {
	local c=$1
	shift
	pm inspect --format '{{.State.Pid}}' "$c" || return 1
	out=$(nsenter -t "$pm_out" -n -- "$@" 2>&1)
	rc=$?
	note "\$ [$c] $* -> exit $rc"
	[ -n "$out" ] && printf '%s\n' "$out" | head -n 25 | sed 's/^/    /' >>"$tmp/detail"
	return 0
}

setup() {
	mkns $R 198.18.0.53 && mkns $N || return 1
	ip link add rn netns $R type veth peer name net0 netns $N || return 1
	ip -n $R addr add 198.18.1.2/24 dev rn && ip -n $R link set rn up &&
	ip -n $R route add default via 198.18.1.1 || return 1
	inns $R sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip -n $N addr add 198.18.1.1/24 dev net0 && ip -n $N link set net0 up &&
	ip -n $N addr add 198.18.0.80/32 dev lo && ip -n $N addr add 198.18.0.81/32 dev lo &&
	ip -n $N addr add 198.18.0.53/32 dev lo || return 1
	# a way back to Podman's default network that needs no masquerade: what
	# a container sends from an address CNI does not masquerade would be
	# answered (t_spoof)
	ip -n $N route add 10.88.0.0/16 via 198.18.1.2 || return 1
	mkdir -p "$tmp/www" && echo hello >"$tmp/www/index.html"
	spawn srv inns $N sh -c "cd '$tmp/www' && exec $NK serve --http 198.18.0.80:80 \
		--http 198.18.0.81:80" >"$tmp/srv.log" 2>&1
	wait_for 10 grep -q ready "$tmp/srv.log" || return 1
	spawn dnsmasq_pid inns $N dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--user=root --pid-file= --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.18.0.53 --address=/allowed.test/198.18.0.80 \
		--address=/denied.test/198.18.0.81
	wait_for 10 inns $N dig +short +time=1 +tries=1 @198.18.0.53 allowed.test ||
		{ echo "dnsmasq did not answer"; return 1; }

	# the holder: in $P-r, with private mounts over what Podman and CNI
	# would otherwise share with the machine's own Podman
	# (sysfs of $P-r, as `ip netns exec` makes it, but with the cgroup
	# mounts runc needs carried over)
	mkdir -p "$tmp/cg"
	spawn holder unshare --mount --propagation private -- \
		nsenter --net=/run/netns/$R -- /bin/sh -c '
		mount --rbind /sys/fs/cgroup "$1" && mount -t sysfs sg4 /sys &&
		mount --move "$1" /sys/fs/cgroup &&
		mount -t tmpfs sg4 /var/lib && mkdir -p /var/lib/cni &&
		mkdir -p /run/netns && mount -t tmpfs sg4 /run/netns &&
		mount -t tmpfs sg4 /dev/shm && exec sleep 100000' holder "$tmp/cg"
	wait_for 10 sh -c "grep -q ' /dev/shm tmpfs' /proc/$holder/mounts &&
		[ \"\$(readlink /proc/$holder/exe)\" = \"$(readlink -f "$(command -v sleep)")\" ]" ||
		{ echo "the holder did not start"; return 1; }

	pm_init "$tmp/podman"
	mkdir -p "$tmp/cni"
	pm_conf "$tmp/containers.conf" "tmp_dir = \"$PM_DIR/tmp\""
	printf '[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "%s"\n' \
		"$tmp/cni" >>"$tmp/containers.conf"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$PM_DIR/root" "$PM_DIR/runroot" >"$tmp/storage.conf"
	export CONTAINERS_CONF=$tmp/containers.conf CONTAINERS_STORAGE_CONF=$tmp/storage.conf
	PM_PREFIX=(nsenter -t "$holder" -m -n --)
	PM_ROOTFS=$T_CACHE/rootfs-host
	pm_rootfs /bin/busybox "$PM_ROOTFS" || { echo "no busybox rootfs"; return 1; }

	cat >"$tmp/p.ini" <<-'INI'
	[policy]
	name = p
	default = deny
	[allow]
	cidr = 198.18.0.80/32 tcp/80
	domain = allowed.test tcp/80
	INI
	"$SENTRY" policy load --db "$tmp/store" "$tmp/p.ini" || return 1
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $tmp/store
	decision_log = $DLOG
	user = nobody
	[dns]
	upstream = 198.18.0.53
	[egress]
	interface = ${P}e
	nft_table = ${P//[^a-z0-9]/}
	[reject]
	tcp = rst
	EOF
	: >"$DLOG"
	spawn daemon_pid nsenter -t "$holder" -m -n -- "$SENTRY" run -c "$tmp/sentry.ini" >>"$DAEMON_LOG" 2>&1
	wait_for 10 ctl ping || { echo "the daemon did not start"; return 1; }

	# no Podman before this holds: its NAT can only lead into $P-n
	[ "$(ip -n $R route show default | xargs)" = "default via 198.18.1.1 dev rn" ] &&
	[ -z "$(ip -n $R -6 route show default)" ] &&
	[ -z "$(ip -n $R -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -vxE "lo|rn|${P}e")" ] || { echo "the router is not sealed"; return 1; }
	pm network create --subnet 10.89.$(($$ % 200 + 10)).0/24 "$NET" ||
		{ echo "$pm_out"; return 1; }
	pm run -d --name "$DEF" --network bridge --rootfs "$PM_ROOTFS" sleep 1000 ||
		{ echo "$pm_out"; return 1; }
	pm run -d --name "$NAMED" --network "$NET" --rootfs "$PM_ROOTFS" sleep 1000 ||
		{ echo "$pm_out"; return 1; }
	pm create --name "$STOPPED" --network bridge --rootfs "$PM_ROOTFS" sleep 1000 ||
		{ echo "$pm_out"; return 1; }
}

t_contained() {
	# before any traffic: the router's only way out is the veth into $P-n
	run ip -n $R route show default
	expect "the router's only default route is the test internet's" \
		"$(echo $out)" = "default via 198.18.1.1 dev rn" || return 1
	run ip -n $R -6 route show default
	expect "no IPv6 default route in the router" -z "$out" || return 1
	local c r
	for c in "$DEF" "$NAMED"; do
		pm inspect --format '{{.State.Pid}}' "$c" || return 1
		run nsenter -t "$pm_out" -n ip route show default
		r=$out
		[[ $r == "default via 10.88.0.1 dev eth0"* || $r == "default via 10.89."*".1 dev eth0"* ]] ||
			{ note "$c: default route '$r'"; return 1; }
		run nsenter -t "$pm_out" -n ip -o link
		expect "$c has lo and eth0 only" "$(printf '%s\n' "$out" | wc -l)" = 2 || return 1
	done
	# the bridges live in $P-r, not in the machine's namespace
	run ip -n $R -o link show type bridge
	expect "both bridges in the router namespace" \
		"$(printf '%s\n' "$out" | grep -c 'cni-')" = 2
}

guard_ctr() {	# guard_ctr NAME QUEUE
	in_r "$SENTRY" guard --socket "$SOCK" --container "$1" --policy p --queue "$2"
}

t_guard_default() {
	run guard_ctr "$DEF" $Q
	expect "guard --container on the default bridge" $rc = 0 || return 1
	[[ $out == *"a port of bridge cni-podman0"* ]] || { note "not the bridge"; return 1; }
	run ip netns exec $R nft list table ip "sentry_g_$DEF"
	expect "its table matches it by address on the bridge" \
		"$(printf '%s\n' "$out" | grep -c 'iifname "cni-podman0" ip saddr 10.88.')" -ge 1
}

t_guard_named() {
	run guard_ctr "$NAMED" $((Q + 1))
	expect "guard --container on a named network" $rc = 0 || return 1
	[[ $out == *"a port of bridge cni-"* ]] || { note "not a bridge"; return 1; }
	run ctl bottles
	expect "ctl bottles lists both as nfqueue bottles" \
		"$(printf '%s\n' "$out" | grep -cE "^($DEF|$NAMED) .*nfqueue$")" = 2
}

fetch() {	# fetch CTR URL
	cnet "$1" curl -sS --max-time 5 "$2"
}

t_traffic() {	# t_traffic CTR
	local c=$1
	fetch "$c" http://198.18.0.80/
	expect "$c: allowed address fetched" "$out" = "hello from 198.18.0.80:80" || return 1
	expect_log verdict=allow dst=198.18.0.80 dport=80 bottle=$c || return 1
	fetch "$c" http://198.18.0.81/
	expect "$c: denied address refused at once (RST: curl exit 7)" $rc = 7 || return 1
	expect_log verdict=deny dst=198.18.0.81 dport=80 bottle=$c || return 1
	cnet "$c" dig +time=2 +tries=1 @198.18.0.53 denied.test A
	[[ $out == *"status: NXDOMAIN"* ]] || { note "$c: denied.test not NXDOMAIN"; return 1; }
	expect_log event=dns verdict=deny qname=denied.test bottle=$c || return 1
	# nobody listens on 198.18.0.99: the answer can only be sentry's
	cnet "$c" dig +short +time=2 +tries=1 @198.18.0.99 allowed.test A
	expect "$c: DNS to any address answered by sentry" "$out" = 198.18.0.80
}

t_default_traffic() { t_traffic "$DEF"; }
t_named_traffic() { t_traffic "$NAMED"; }

t_spoof() {
	# a second address on the container's eth0 (it could do this itself with
	# CAP_NET_ADMIN, or answer ARP for it with CAP_NET_RAW): the bridge port
	# table drops what it sends from there, so it cannot step outside its match
	local pid
	pm inspect --format '{{.State.Pid}}' "$DEF" || return 1
	pid=$pm_out
	run ip netns exec $R nft list table bridge "sentry_g_$DEF"
	expect "a bridge table pins the container's port" $rc = 0 || return 1
	nsenter -t "$pid" -n ip addr add 10.88.0.250/16 dev eth0 || return 1
	run nsenter -t "$pid" -n curl -sS --max-time 3 --interface 10.88.0.250 http://198.18.0.81/
	nsenter -t "$pid" -n ip addr del 10.88.0.250/16 dev eth0
	expect "another source address gets nothing through" $rc != 0 || return 1
	[[ $out != *"hello"* ]]
}

t_errors() {
	run in_r "$SENTRY" guard --socket "$SOCK" --container "nosuch$$" --policy p
	expect "a missing container: exit 1" $rc = 1 || return 1
	[[ $out == *"no container 'nosuch$$'"* ]] || { note "message: $out"; return 1; }
	run in_r "$SENTRY" guard --socket "$SOCK" --container "$STOPPED" --policy p
	expect "a stopped container: exit 1" $rc = 1 || return 1
	[[ $out == *"is not running"* ]] || { note "message: $out"; return 1; }
}

t_unguard() {
	run "$SENTRY" unguard --socket "$SOCK" "$DEF"
	expect "unguard" $rc = 0 || return 1
	fetch "$DEF" http://198.18.0.81/
	expect "unguarded, the container reaches what the policy denied" \
		"$out" = "hello from 198.18.0.81:80"
}

gw_setup "guard4 set-up"
check "Podman is contained in the router namespace" t_contained
check "guard --container: default bridge network" t_guard_default
check "guard --container: named network" t_guard_named
check "default bridge: allowed, denied, DNS" t_default_traffic
check "named network: allowed, denied, DNS" t_named_traffic
check "a container cannot leave its match by changing address" t_spoof
check "missing and stopped containers: clear errors" t_errors
check "unguard lifts it" t_unguard
[ $gw_failed = 0 ]
