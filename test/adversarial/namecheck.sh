#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# namecheck.sh - issue 11, item 5: naming another host at a shared address.
#
# allowed.example and other.example resolve to the same address. A bottle
# allowed allowed.example learns that address, then names other.example
# to the server: in its TLS ClientHello (server_name) or its HTTP Host.
# The flow was admitted through the learnt name, so the name it presents
# must be one its policy allows: sentry refuses it (an RST to the bottle,
# a decision line with the presented name, drop reason name_mismatch),
# while allowed.example keeps working. A bottle whose policy says
# name_check = log passes the same flow, logged as would_deny.
#
#  bottles: tun0 only          $P-gw                      $P-net: "the internet"
#  +----------------------+    +---------------------+    +-----------------------------+
#  | $P-e policy names    |===>| sentry run          |--->| resolver 198.18.0.53:       |
#  |  (name_check enforce)|    |  sentry0 egress TUN |    |  allowed.example and        |
#  | $P-l policy nameslog |===>|  100.127.0.0/16     |    |  other.example: 198.18.0.81 |
#  |  (name_check = log)  |    +---------------------+    | 198.18.0.81: HTTPS :443     |
#  +----------------------+                               |  (python ssl), HTTP :80     |
#  both 10.0.2.100/24                                     +-----------------------------+
#
# $P is advn<pid>; every namespace, file and process is removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry). Prints
# "ok - NAME" / "not ok - NAME"; needs root, skips without.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root namecheck curl openssl
GW_PREFIX=advn$$
P=$GW_PREFIX
E=$P-e L=$P-l
SHARED=198.18.0.81
adv_init namecheck

setup() {
	printf '{"allowed.example": {"a": ["%s"]}, "other.example": {"a": ["%s"]}}\n' \
		$SHARED $SHARED >"$tmp/zone.json"
	adv_config "$tmp/sentry.ini"
	cat >"$tmp/names.ini" <<-'EOF'
	[policy]
	name = names
	default = deny
	[allow]
	domain = allowed.example tcp/443 tcp/80 udp/443
	EOF
	sed 's/^name = names$/name = nameslog\nname_check = log/' "$tmp/names.ini" \
		>"$tmp/nameslog.ini"
	adv_setup_net || return 1
	ip -n "$NET" addr add $SHARED/32 dev lo || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=allowed.example \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || return 1
	# HTTPS, a thread per connection: a refused flow leaves the server a
	# half-open connection waiting for its hello, which must not hold others
	spawn tls_pid ip netns exec "$NET" $PY -c 'import http.server, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
class H(http.server.BaseHTTPRequestHandler):
    timeout = 10
    def setup(self):
        self.request.settimeout(10)
        self.request = ctx.wrap_socket(self.request, server_side=True)
        super().setup()
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "3")
        self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    def handle_error(self, *a): pass
s = S((sys.argv[1], 443), H); print("ready", flush=True); s.serve_forever()' \
		$SHARED "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/https.out" 2>&1
	spawn http_pid ip netns exec "$NET" $NK serve --http $SHARED:80 >"$tmp/http.out" 2>&1
	wait_for 10 grep -q ready "$tmp/http.out" || return 1
	wait_for 10 grep -q ready "$tmp/https.out" || return 1
	"$SENTRY" policy load --db "$STORE" "$tmp/names.ini" "$tmp/nameslog.ini" || return 1
	adv_start_daemon "$tmp/sentry.ini" || { cat "$DAEMON_LOG"; return 1; }
	adv_attach $E names && adv_attach $L nameslog || { cat "$tmp/attach.log"; return 1; }
}

# curl_in NS ARGS... - curl in a bottle; $out: its exit status, then what it said
curl_in() {
	local ns=$1 rc
	shift
	out=$(ip netns exec "$ns" curl -sS -k --max-time 5 -o /dev/null \
		-w '%{http_code}' "$@" 2>&1)
	rc=$?
	note "\$ curl $* -> exit $rc: $out"
	out="$rc $out"
}

# ------------------------------------------------------------------- tests

t_allowed_sni() {
	# resolving allowed.example teaches the shared address
	curl_in $E https://allowed.example/
	expect "TLS to allowed.example completes (exit 0, HTTP 200)" "$out" = "0 200" &&
	expect_log event=flow verdict=allow name=allowed.example dport=443 bottle=$E
}

t_sni_mismatch() {
	local n0
	n0=$(drops $E name_mismatch)
	# the learnt address, named other.example in the ClientHello
	curl_in $E --resolve other.example:443:$SHARED https://other.example/
	# curl 35: the TLS connect failed; the RST shows as "reset by peer"
	expect "the handshake is reset (curl exit 35, reset by peer)" \
		"${out%% *}" = 35 -a -n "$(printf '%s' "$out" | grep -i reset)" || return 1
	counted_min $E name_mismatch "$n0" 1 &&
	expect_log event=flow verdict=deny reason=name_mismatch name=other.example \
		dst=$SHARED dport=443 bottle=$E
}

t_allowed_host() {
	curl_in $E http://allowed.example/
	expect "HTTP to allowed.example answers 200" "$out" = "0 200"
}

t_host_mismatch() {
	local n0
	n0=$(drops $E name_mismatch)
	curl_in $E -H "Host: other.example" http://allowed.example/
	# curl 56: receiving failed, the connection was reset
	expect "the request is reset (curl exit 56)" "${out%% *}" = 56 || return 1
	counted_min $E name_mismatch "$n0" 1 &&
	expect_log event=flow verdict=deny reason=name_mismatch name=other.example \
		dst=$SHARED dport=80 bottle=$E
}

t_log_mode() {
	curl_in $L https://allowed.example/
	expect "TLS to allowed.example completes under nameslog" "$out" = "0 200" || return 1
	curl_in $L --resolve other.example:443:$SHARED https://other.example/
	expect "under name_check = log, other.example passes (HTTP 200)" "$out" = "0 200" &&
	expect_log event=flow verdict=would_deny reason=name_mismatch name=other.example \
		bottle=$L
}

# quic_in NS NAME SPORT - one QUIC v1 Initial naming NAME to the shared
# address, sealed by test/replay/make-crafted.py's builder
quic_in() {
	run inns "$1" $PY -c 'import importlib.util, socket, sys
spec = importlib.util.spec_from_file_location("crafted", sys.argv[1])
c = importlib.util.module_from_spec(spec); spec.loader.exec_module(c)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[4])))
s.sendto(c.quic_initial(bytes(8), 0, c.client_hello(sys.argv[3])), (sys.argv[2], 443))
print("sent")' "$top/test/replay/make-crafted.py" $SHARED "$2" "$3"
}

t_quic_mismatch() {
	local n0
	n0=$(drops $E name_mismatch)
	quic_in $E allowed.example 41443
	expect "an Initial was sent" "$out" = sent || return 1
	expect_log event=flow verdict=allow name=allowed.example proto=udp dport=443 bottle=$E ||
		return 1
	quic_in $E other.example 41444
	counted_min $E name_mismatch "$n0" 1 &&
	expect_log event=flow verdict=deny reason=name_mismatch name=other.example \
		proto=udp dport=443 bottle=$E &&
	expect "the daemon opened both Initials and lives (libcrypto under the sandbox)" \
		"$(daemon_alive && echo yes)" = yes
}

t_still_allowed_after() {
	# the refusals cut only their own flows
	curl_in $E https://allowed.example/
	expect "allowed.example still works after the refusals" "$out" = "0 200"
}

# -------------------------------------------------------------------- main

gw_setup "namecheck: topology set-up"

check "sni-allowed: TLS naming allowed.example at its learnt address completes" t_allowed_sni
check "sni-mismatch: a ClientHello naming other.example at the shared address gets an RST (name_mismatch)" t_sni_mismatch
check "host-allowed: HTTP with Host allowed.example answers" t_allowed_host
check "host-mismatch: HTTP with Host other.example at the shared address gets an RST (name_mismatch)" t_host_mismatch
check "name-check-log: under name_check = log the same flow passes, logged would_deny" t_log_mode
check "quic-mismatch: a QUIC Initial naming other.example at the shared address is refused (name_mismatch), allowed.example passes" t_quic_mismatch
check "allowed-after: allowed.example still works" t_still_allowed_after

adv_finish namecheck
