#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# replay.sh - the attacks test/replay/ already captures, run as adversarial
# tests under the attack's name. Each replay case checks every decision
# (verdict, reason, rule) and the drop counters of `sentry replay`, so each
# line below asserts both the verdict and the drop reason; the cases' own
# README.md files say what each packet is. No namespaces, no root: the
# captures are replayed on their own clock by test/replay/run.
#
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make stage installs it). Prints "ok - NAME" /
# "not ok - NAME" per attack.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
export SENTRY

# case                   attack (what the case asserts)
CASES="
dns-denied               dns-tunnel-denied-name: denied names answered locally (dns_denied)
dns-tcp-denied           dns-tunnel-over-tcp: a denied name inside a TCP stream (dns_denied)
x-dns-label-dot          dns-label-with-a-dot: web\\046example.test is not web.example.test
x-dns-query-malformed    dns-malformed-queries: QR set, two questions, pointers, 64-byte label, trailing bytes, 257-byte name
dot                      dot-doq: TCP and UDP 853 refused although the name allows every port (dot_denied)
rebinding                dns-rebinding: loopback, private and metadata answers refused whole (dns_private_answer)
x-private-embedded       dns-rebinding-embedded: v4-mapped, NAT64, 6to4, CGNAT, link-local, ULA answers refused
private-allow            dns-rebinding-opt-in: private answers learnt only under private_answers = allow
x-dns-pointer-loop       malicious-answer-pointer-loop (dns_pointer)
x-dns-forward-pointer    malicious-answer-forward-pointer (dns_pointer)
x-dns-label-long         malicious-answer-label-over-63 (dns_label_type)
x-dns-counts             malicious-answer-counts (dns_counts)
x-dns-trailing           malicious-answer-trailing-garbage (dns_trailing)
x-dns-unsolicited        answer-injection-unsolicited: wrong id, wrong port, unasked (dns_unsolicited)
x-dns-pending            answer-injection-mismatch: an answer to another question (dns_mismatch)
x-cname-offchain         answer-injection-offchain: records off the CNAME chain teach nothing
shared-address           shared-ip-cotenants: every name of an address decides, any deny wins
x-ttl-zero               ttl-zero-answer-min-ttl-0: with min_ttl = 0 a TTL-0 answer teaches nothing lasting
x-ttl-clamp              ttl-clamp: TTLs clamped to [min_ttl, max_ttl]
x-spoofed-source         spoofed-sources (spoofed_source)
x-ipv6-disabled          ipv6-leak-no-ipv6-bottle (ipv6_disabled)
x-ipv6-ext               ipv6-extension-header-chains (ipv6_ext_chain, ipv6_ext_order)
x-frag-tiny              fragments-tiny-first (frag_tiny, frag_no_first)
x-frag-no-first          fragments-orphans (frag_no_first)
x-frag-key               fragments-foreign-datagram: a later fragment of another datagram (frag_no_first)
x-frag-udp               fragments-follow-the-first: a denied first fragment takes the rest with it (policy)
x-frag-v6                fragments-ipv6 (policy)
x-tcp-flags              tcp-flag-soup-sample: SYN+FIN, SYN+RST, null, Xmas (tcp_flags), port 0 (tcp_port_zero)
x-malformed-ip           malformed-ip: version, lengths, checksum, options, addresses (ipv4_*, ip_bad_addr, ...)
x-proto-unsupported      other-protocols: GRE and SCTP refused before policy (proto_unsupported)
x-icmp-error             icmp-error-smuggling: inbound errors quoting packets never sent (no_flow)
x-inbound                unsolicited-inbound: nothing comes in without a flow (no_flow)
"

names=$(awk 'NF { print $1 }' <<<"$CASES")
out=$("$top/test/replay/run" $names 2>&1)
rc=$?
failed=0
while read -r c attack; do
	[ -n "$c" ] || continue
	line=$(grep -E "^(not )?ok - replay/$c\$" <<<"$out")
	case "$line" in
	"ok - "*)
		echo "ok - $attack (replay $c)" ;;
	*)
		echo "not ok - $attack (replay $c)"
		failed=1
		# the runner's detail lines for this case follow its result line
		awk -v c="$c" '$0 ~ "ok - replay/" c "$" { on = 1; next }
			on && /^#/ { print; next } { on = 0 }' <<<"$out"
		[ -n "$line" ] || echo "# test/replay/run gave no result for $c (exit $rc)"
		;;
	esac
done <<<"$CASES"
[ $failed = 0 ]
