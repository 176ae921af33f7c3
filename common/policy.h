/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - a policy in memory: rules, a compiled index, and the decision
 *
 * Theory of operation
 *
 * A policy is a default action, a few DNS settings and an ordered list of
 * rules. A rule allows or denies either a domain pattern or a CIDR prefix,
 * optionally narrowed to a set of protocol/port ranges (no set: anything).
 *
 *   domain rule  "example.com"    exactly that name
 *   wildcard     "*.example.com"  names strictly below it, on a label
 *                                 boundary: a.example.com, a.b.example.com;
 *                                 not example.com, not badexample.com
 *   CIDR rule    "198.18.0.0/24", "2001:db8::/32"
 *
 * Names and patterns are compared in their normalised form (dns.h: lower
 * case, no trailing dot), so matching is case-insensitive.
 *
 * Deciding is split in two so that every source of rules shares one
 * precedence function:
 *   1. candidates: the rules whose pattern matches - from the compiled
 *      index (policy_*_candidates(), used on the packet path) or straight
 *      from LMDB (pstore_direct_*(), used to measure and cross-check);
 *   2. policy_decide(): among the candidates whose port set admits the
 *      packet, any deny wins; otherwise any allow; otherwise no decision
 *      (the caller moves on to the next step, and finally the default).
 *
 * A DNS query for NAME (policy_decide_query()): deny if a deny domain rule
 * without a port set matches NAME; else allow if an allow domain rule (with
 * or without ports) matches; else the default. A deny domain rule *with* a
 * port set does not block the query; it only refuses those ports to the
 * addresses learnt for the name.
 *
 * A new flow to address A, protocol X, port P is checked in this order by
 * the engine: deny CIDR rules, allow CIDR rules (both through
 * policy_decide_cidr()), then the domain rules of every name A was learnt
 * from (policy_decide_name() for each; any deny beats any allow), then the
 * default.
 *
 * "icmp" in a port set means ICMP and ICMPv6.
 *
 * A compiled policy is read-only and may be shared; it is replaced whole
 * when the store changes.
 */
#ifndef SENTRY_POLICY_H
#define SENTRY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define POLICY_NAME_MAX		63	/* [A-Za-z0-9_.-], starting alphanumeric */
#define RULE_PORTS_MAX		16	/* protocol/port ranges per rule */
#define RULE_PATTERN_MAX	253	/* longest domain pattern, "*." excluded */
#define POLICY_RULES_MAX	65536	/* rules per policy */
#define RULE_DEFAULT		UINT32_MAX	/* "rule" of a decision taken by the default */
#define POLICY_CANDIDATES_MAX	64	/* candidates gathered per decision */

enum policy_action {
	ACTION_DENY = 0,
	ACTION_ALLOW = 1,
};

enum rule_kind {
	RULE_DOMAIN = 1,	/* exact name */
	RULE_WILDCARD = 2,	/* *.suffix */
	RULE_CIDR = 3,
};

struct port_range {
	uint8_t proto;		/* PROTO_TCP, PROTO_UDP or PROTO_ICMP (ICMP covers ICMPv6) */
	uint16_t lo, hi;	/* inclusive; 0-65535 for "tcp"; unused for icmp */
};

struct rule {
	uint8_t action;		/* enum policy_action */
	uint8_t kind;		/* enum rule_kind */
	uint8_t plen;		/* CIDR prefix length */
	uint8_t nports;		/* 0: any protocol and port */
	uint32_t line;		/* line in the source file, 0 if none */
	struct ipaddr net;	/* CIDR network, host bits zero */
	struct port_range ports[RULE_PORTS_MAX];
	uint16_t pattern_len;
	char pattern[RULE_PATTERN_MAX + 1];	/* domain or wildcard suffix, normalised */
};

struct policy_index;

/*
 * What a flow admitted through a learnt name must present (namecheck.h):
 * the [policy] key name_check. Enforce is 0 so that a store written
 * before the key existed (a zero byte) enforces.
 */
enum name_check_mode {
	NAME_CHECK_ENFORCE = 0,	/* a name the policy refuses refuses the flow */
	NAME_CHECK_LOG = 1,	/* logged as would_deny, forwarded */
	NAME_CHECK_OFF = 2,	/* not read */
};

struct policy {
	char name[POLICY_NAME_MAX + 1];
	uint8_t default_action;		/* enum policy_action */
	uint8_t private_answers;	/* ACTION_ALLOW: accept loopback/private/... answers */
	uint8_t dns_refusal;		/* DNS_RCODE_NXDOMAIN or DNS_RCODE_REFUSED */
	uint8_t name_check;		/* enum name_check_mode */
	uint32_t min_ttl, max_ttl;	/* seconds, clamp for learnt addresses */
	uint32_t nrules;
	struct rule *rules;		/* nrules, in source order */
	struct policy_index *index;	/* built by policy_build_index() */
};

struct policy_match {
	uint8_t action;		/* enum policy_action */
	uint32_t rule;		/* index into rules[], or RULE_DEFAULT */
};

/* policy_new() - an empty policy with the documented defaults, or NULL */
struct policy *policy_new(const char *name);
void policy_free(struct policy *p);

/*
 * policy_add_rule() - append a copy of @r
 * Return: 0, -E2BIG (POLICY_RULES_MAX) or -ENOMEM
 */
int policy_add_rule(struct policy *p, const struct rule *r);

/* policy_build_index() - (re)build the lookup index; 0 or -ENOMEM */
int policy_build_index(struct policy *p);

/* policy_index_free() - free an index (policy_free() and policy_add_rule() use it) */
void policy_index_free(struct policy_index *ix);

/* policy_name_valid() - @name fits POLICY_NAME_MAX and the character set */
bool policy_name_valid(const char *name);

/*
 * rule_parse_pattern() - parse a domain pattern ("example.com",
 * "*.example.com"; upper case and one trailing dot accepted) into @r's kind
 * and pattern.
 * Return: 0 or -EINVAL (empty label, label over 63, name over 253, a '*'
 * anywhere but a whole first label, a character outside [A-Za-z0-9_-.])
 */
int rule_parse_pattern(const char *s, struct rule *r);

/*
 * rule_parse_ports() - parse one port spec ("tcp/443", "udp/53",
 * "tcp/8000-8100", "tcp", "udp", "icmp") and append it to @r
 * Return: 0, -EINVAL (syntax, port 0 or > 65535, lo > hi), or -E2BIG
 */
int rule_parse_ports(const char *s, struct rule *r);

/*
 * rule_pattern_why() - why rule_parse_pattern() refuses @s, for messages
 * Return: a static string, or NULL if @s is a valid pattern
 */
const char *rule_pattern_why(const char *s);

/*
 * rule_ports_why() - why rule_parse_ports() refuses @s (a full port set
 * aside), for messages. Return: a static string, or NULL if @s is valid
 */
const char *rule_ports_why(const char *s);

/* rule_ports_match() - does @r's port set admit @proto/@port? */
bool rule_ports_match(const struct rule *r, uint8_t proto, uint16_t port);

/* rule_format() - "domain = *.example.com tcp/443" style text, for show and logs */
int rule_format(const struct rule *r, char *buf, size_t len);

/* rule_name_matches() - does domain or wildcard rule @r match @name? (naive) */
bool rule_name_matches(const struct rule *r, const char *name, size_t len);

/*
 * policy_domain_candidates() - domain and wildcard rules matching @name,
 * through the index. Return: count (at most @max stored).
 * The count may exceed @max: callers must clamp it, and should not decide
 * on a truncated set (the policy_decide_*() wrappers never do).
 */
size_t policy_domain_candidates(const struct policy *p, const char *name,
				size_t len, const struct rule **out, size_t max);

/* policy_cidr_candidates() - CIDR rules containing @a, through the index */
size_t policy_cidr_candidates(const struct policy *p, const struct ipaddr *a,
			      const struct rule **out, size_t max);

/*
 * policy_decide() - precedence among candidates
 * @cands, @n:	matching rules (in any order)
 * @query:	true for a DNS query: deny rules count only without a port set,
 *		allow rules count whatever their port set
 * @proto, @port: the flow's (ignored when @query)
 * @p:		the policy @cands belong to (for rule indexes); a candidate
 *		that is not an element of @p->rules (a copy returned by
 *		pstore_direct_*()) decides with m->rule = RULE_DEFAULT
 *
 * Among the candidates that apply, @m names the lowest rule index, so the
 * result does not depend on the order of @cands.
 * Return: true and @m set if a candidate decided; false if none applied.
 */
bool policy_decide(const struct policy *p, const struct rule *const *cands,
		   size_t n, bool query, uint8_t proto, uint16_t port,
		   struct policy_match *m);

/* policy_decide_query() - allow or deny a DNS query for @name; always decides */
void policy_decide_query(const struct policy *p, const char *name, size_t len,
			 struct policy_match *m);

/* policy_decide_cidr() - CIDR step for a new flow; false if no CIDR rule applied */
bool policy_decide_cidr(const struct policy *p, const struct ipaddr *a,
			uint8_t proto, uint16_t port, struct policy_match *m);

/* policy_decide_name() - domain rules of learnt name @name for a new flow */
bool policy_decide_name(const struct policy *p, const char *name, size_t len,
			uint8_t proto, uint16_t port, struct policy_match *m);

/* policy_default() - the default as a match */
void policy_default(const struct policy *p, struct policy_match *m);

#endif /* SENTRY_POLICY_H */
