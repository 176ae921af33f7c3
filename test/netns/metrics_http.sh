#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/netns/metrics_http.sh - [metrics] listen and textfile: a stock
# Prometheus scrapes GET /metrics and its query API sees a per-bottle
# counter move; promtool accepts the HTTP body; the textfile is whole.
#
# Everything listens on 127.0.0.1 inside the gateway's own namespace (a
# fresh one: its ports are all free), so no scrape leaves the machine.
# Prometheus keeps its data in the test's tmp dir; the trap kills it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
GW_PREFIX=smh$$
. "$here/lib/gwlib.sh"

[ "$(id -u)" = 0 ] || gw_skip_all metrics_http "not root"
[ -c /dev/net/tun ] || gw_skip_all metrics_http "no /dev/net/tun"
command -v promtool >/dev/null || gw_skip_all metrics_http "no promtool (Debian's prometheus package)"
command -v prometheus >/dev/null || gw_skip_all metrics_http "no prometheus"
command -v curl >/dev/null || gw_skip_all metrics_http "no curl"
command -v dig >/dev/null || gw_skip_all metrics_http "no dig"
gw_init
GW=smh$$-gw B=smh$$-bottle SOCK=$tmp/control.sock DLOG=$tmp/decisions.jsonl
DAEMON_LOG=$tmp/daemon.log MPORT=9464 PPORT=9090 TEXT=$tmp/prom/sentry.prom
SERIES='sentry_bottle_dns_queries_total{bottle="mbottle",verdict="deny"}'

setup() {
	mkns $GW && mkns $B || return 1
	mkdir -p "$tmp/prom" "$tmp/tsdb" && chmod 0777 "$tmp/prom"	# the daemon writes as nobody
	cat >"$tmp/sentry.ini" <<-EOF
	[daemon]
	control_socket = $SOCK
	policy_store = $tmp/store
	decision_log = $DLOG
	[dns]
	upstream = 198.18.0.53
	[metrics]
	listen = 127.0.0.1:$MPORT
	textfile = $TEXT
	EOF
	printf '[policy]\nname = m\ndefault = deny\n[allow]\ndomain = ok.test\n' >"$tmp/m.ini"
	"$SENTRY" policy load --db "$tmp/store" "$tmp/m.ini" || return 1
	spawn dpid ip netns exec $GW "$SENTRY" run -c "$tmp/sentry.ini" 2>"$DAEMON_LOG"
	wait_for 10 "$SENTRY" ctl --socket "$SOCK" ping || return 1
	"$SENTRY" attach --netns /run/netns/$B --policy m --name mbottle --socket "$SOCK" || return 1
	cat >"$tmp/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	scrape_configs:
	  - job_name: sentry
	    static_configs:
	      - targets: ['127.0.0.1:$MPORT']
	EOF
	spawn ppid ip netns exec $GW prometheus --config.file="$tmp/prometheus.yml" \
		--storage.tsdb.path="$tmp/tsdb" --web.listen-address=127.0.0.1:$PPORT \
		2>"$tmp/prometheus.log"
}
gw_setup "metrics_http: set-up"

promq() {	# promq EXPR: the value of the instant query, empty when none
	ip netns exec $GW curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1" |
		$PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
prom_at_least() {	# prom_at_least EXPR N: the query returns a value >= N
	local v
	v=$(promq "$1") && [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]
}

t_http_promtool() {
	run ip netns exec $GW curl -sS --max-time 10 -o "$tmp/body.txt" -w '%{http_code}' \
		"http://127.0.0.1:$MPORT/metrics"
	expect "GET /metrics answers 200" "$rc:$out" = "0:200" || return 1
	run promtool check metrics <"$tmp/body.txt"
	expect "promtool check metrics accepts the HTTP body" "$rc:$out" = "0:" || return 1
	grep -q '^sentry_dns_upstream_latency_seconds_bucket{le="+Inf"} ' "$tmp/body.txt" ||
		{ note "no latency histogram"; return 1; }
	run ip netns exec $GW curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$MPORT/other"
	expect "another path is 404" "$out" = 404
}

t_prometheus_sees_traffic() {
	wait_for 60 prom_at_least "$SERIES" 0 ||
		{ note "prometheus never scraped the series"; tail -5 "$tmp/prometheus.log" >&2; return 1; }
	local before
	before=$(promq "$SERIES")
	run ip netns exec $B dig +time=2 +tries=1 @10.0.2.3 denied.test
	run ip netns exec $B dig +time=2 +tries=1 @10.0.2.3 denied2.test
	wait_for 60 prom_at_least "$SERIES" $((${before%.*} + 2))
	expect "Prometheus's query API sees the per-bottle counter move (${before} -> $(promq "$SERIES"))" $? = 0
}

textfile_complete() {
	[ -s "$TEXT" ] && grep -q '^sentry_bottle_flows_total{bottle="mbottle"' "$TEXT"
}
t_textfile() {
	wait_for 20 textfile_complete
	expect "the textfile appears with the per-bottle series" $? = 0 || return 1
	run promtool check metrics <"$TEXT"
	expect "promtool accepts the textfile (complete, not cut)" "$rc:$out" = "0:" || return 1
	expect "no temporary file left beside it" ! -e "$TEXT.tmp"
}

check "metrics_http: GET /metrics passes promtool; other paths 404" t_http_promtool
check "metrics_http: a real Prometheus sees a per-bottle counter move" t_prometheus_sees_traffic
check "metrics_http: the textfile is written whole" t_textfile
# Every query of contrib/grafana-sentry.json, with its variables filled in,
# is accepted by this Prometheus and names only series the daemon serves
# (a series renamed in metrics.c and not in the dashboard fails here).
t_dashboard() {
	$PY - "$top/contrib/grafana-sentry.json" "$tmp/body.txt" >"$tmp/dash.exprs" <<-'PYEOF' || return 1
	import json, re, sys
	d = json.load(open(sys.argv[1]))
	served = {l.split("{")[0].split(" ")[0] for l in open(sys.argv[2]) if not l.startswith("#")}
	bad = 0
	for p in d["panels"]:
	    for t in p["targets"]:
	        e = t["expr"]
	        for m in set(re.findall(r"sentry_[a-z_]+", e)):
	            if m not in served:
	                print("series not served: " + m, file=sys.stderr); bad = 1
	        e = e.replace("$__rate_interval", "1m")
	        e = re.sub(r"\$[a-z]+", ".*", e)
	        print(e)
	sys.exit(bad)
	PYEOF
	local e st n=0
	while IFS= read -r e; do
		st=$(ip netns exec $GW curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" \
			--data-urlencode "query=$e" | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')
		expect "Prometheus accepts the dashboard's query $e" "$st" = success || return 1
		n=$((n + 1))
	done <"$tmp/dash.exprs"
	expect "the dashboard has queries" $n -ge 8
}

# [metrics] listen is bounded: 4 connections from one address at once (8
# in all), and an idle connection is closed by the server (5 s timeout),
# so a client that connects and says nothing cannot hold a descriptor.
t_bounds() {
	# Prometheus's own keep-alive connection would take one of the slots
	kill "$ppid" && wait "$ppid" 2>/dev/null
	ip netns exec $GW $PY - "$MPORT" >"$tmp/bounds.out" 2>&1 <<-'PYEOF'
	import socket, sys, time
	port = int(sys.argv[1])
	def get():
	    s = socket.create_connection(("127.0.0.1", port), timeout=30)
	    s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
	    data = b""
	    try:
	        while True:
	            b = s.recv(65536)
	            if not b:
	                break
	            data += b
	    except OSError:
	        pass
	    s.close()
	    return data
	idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(4)]
	fifth = get()
	print("fifth:", fifth[:12])
	ok_bound = not fifth.startswith(b"HTTP/1.0 200") and not fifth.startswith(b"HTTP/1.1 200")
	# the server closes every idle connection: recv() returns b"" (EOF), not a timeout
	def eof(s):
	    s.settimeout(30)
	    try:
	        return s.recv(1) == b""
	    except OSError as e:
	        return isinstance(e, ConnectionResetError)
	closed = all([eof(s) for s in idle])
	for s in idle:
	    s.close()
	# libmicrohttpd shuts a timed-out connection down before its clean-up
	# frees the address's slot, so the first GET may still meet the bound:
	# ask until one is served, for at most 5 s
	deadline = time.monotonic() + 5
	after, tries = get(), 1
	while b" 200 " not in after[:16] and time.monotonic() < deadline:
	    time.sleep(0.05)
	    after, tries = get(), tries + 1
	print("after:", after[:12], "on try", tries)
	ok_after = b" 200 " in after[:16]
	print("bound", ok_bound, "idle_closed", closed, "after", ok_after)
	sys.exit(0 if ok_bound and closed and ok_after else 1)
	PYEOF
	local rc=$?
	cat "$tmp/bounds.out" >>"$tmp/detail"
	expect "a 5th connection from one address is refused, idle ones are closed, then GET works" $rc = 0
}

t_stop() {
	kill -TERM "$dpid" && wait "$dpid"
	expect "the daemon stops cleanly with the HTTP thread running" $? = 0
}
check "metrics_http: the Grafana dashboard's queries run on the daemon's series" t_dashboard
check "metrics_http: connections are bounded and idle ones time out" t_bounds
check "metrics_http: SIGTERM stops the daemon, HTTP thread and all" t_stop
exit $((gw_failed > 0))
