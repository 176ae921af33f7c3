/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decision.h - the decision log: one JSON object per line
 *
 * One record per new-flow decision and per DNS query decision (plus a
 * record when an allowed query's answer is refused, and when a live flow is
 * revoked). Fields, in this order, absent when not applicable:
 *
 *   ts       seconds since the epoch, microsecond precision (a number)
 *   event    "flow" | "dns" | "inbound" (a connection to a published
 *            port, reported by the bottle's relay: gateway/daemon/inbound.h)
 *   verdict  "allow" | "deny" | "would_deny" (audit mode: denied, forwarded)
 *   reason   "rule" | "default" | a drop reason name (drop.h), when refused
 *            before policy (spoofed_source, dot_denied, dns_private_answer ...)
 *   rule     the deciding rule, "allow domain *.example.com tcp/443",
 *            "deny cidr 169.254.169.254/32", or "default deny"
 *   name     the learnt name whose rule decided a flow; for name_mismatch,
 *            the name the flow presented (escaped: \DDD for bytes outside
 *            [a-z0-9_-.])
 *   proto    "tcp" | "udp" | "icmp" | "icmpv6" | a number
 *   src, sport, dst, dport
 *   qname    the query name, escaped (dns.h) - then JSON-escaped here
 *   qtype    "A", "AAAA", ... or the number
 *   detail   free text for refusals (e.g. "answer 127.0.0.1 is loopback")
 *   bottle, policy
 *
 * Names from the wire are already reduced to [a-z0-9_-.\] by the DNS
 * parser; every string is JSON-escaped again here regardless.
 */
#ifndef SENTRY_DECISION_H
#define SENTRY_DECISION_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct rule;

struct decision {
	uint64_t ts_ns;			/* wall clock (or capture clock), ns */
	const char *event;
	const char *verdict;
	const char *reason;
	const char *rule;		/* NULL: absent */
	const char *name;
	uint8_t proto;
	uint8_t has_ports;
	uint16_t sport, dport;
	struct ipaddr src, dst;
	const char *qname;
	uint16_t qtype;
	const char *detail;
	const char *bottle;
	const char *policy;
};

/* Where decisions go: the replay file, the daemon's log. */
struct decision_sink {
	void (*emit)(void *ctx, const char *line, size_t len);
	void *ctx;
};

#define DECISION_LINE_MAX	4096

/*
 * decision_format() - @d as one JSON line, '\n' included, NUL-terminated
 * Return: the length written (truncated records are cut at a field, never
 * mid-escape, and still valid JSON).
 */
size_t decision_format(const struct decision *d, char *buf, size_t cap);

/* decision_rule_text() - "allow domain *.example.com tcp/443" for @r */
void decision_rule_text(const struct rule *r, char *buf, size_t cap);

/* proto_name() - "tcp", "udp", "icmp", "icmpv6", or NULL */
const char *proto_name(uint8_t proto);

/* dns_type_name() - "A", "AAAA", "CNAME", ... or NULL */
const char *dns_type_name(uint16_t type);

#endif /* SENTRY_DECISION_H */
