// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - rules, their text forms, and the one precedence function
 *
 * Everything that turns text into a rule lives here (patterns, port specs),
 * so the policy compiler, the CLI and the store validate with one set of
 * guards. policy_decide() is the single place where deny beats allow; the
 * compiled index (policy_index.c) and the store's direct lookups (pstore.c)
 * only gather candidates for it.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "num.h"
#include "packet.h"
#include "policy.h"

#define PORT_MAX	65535

struct policy *policy_new(const char *name)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	/* Validated by the compiler and by pstore_put(), not here: a policy
	 * is often made before its name is known. */
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	p->default_action = ACTION_DENY;
	p->private_answers = ACTION_DENY;
	p->dns_refusal = DNS_RCODE_NXDOMAIN;
	p->name_check = NAME_CHECK_ENFORCE;
	p->min_ttl = 30;
	p->max_ttl = 3600;
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_index_free(p->index);
	free(p->rules);
	free(p);
}

int policy_add_rule(struct policy *p, const struct rule *r)
{
	size_t cap = p->rules ? malloc_usable_size(p->rules) / sizeof(*r) : 0;

	if (p->nrules >= POLICY_RULES_MAX)
		return -E2BIG;
	/* The capacity is read back from the allocator, so a rules[] array
	 * allocated elsewhere (pstore_get(), a test) can be appended to. */
	if (p->nrules >= cap) {
		size_t want = p->nrules < 8 ? 16 : (size_t)p->nrules * 2;
		struct rule *n;

		if (want > POLICY_RULES_MAX)
			want = POLICY_RULES_MAX;
		n = realloc(p->rules, want * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->rules = n;
	}
	p->rules[p->nrules++] = *r;
	/* A stale index would hide the new rule; lookups fall back to a scan
	 * until policy_build_index() runs again. */
	policy_index_free(p->index);
	p->index = NULL;
	return 0;
}

bool policy_name_valid(const char *name)
{
	size_t i;

	if (!name || !((name[0] >= 'a' && name[0] <= 'z') ||
		       (name[0] >= 'A' && name[0] <= 'Z') ||
		       (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (i = 1; name[i]; i++) {
		char c = name[i];

		if (i >= POLICY_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* One walk for both the parser and the messages, so they cannot disagree. */
static const char *parse_pattern(const char *s, struct rule *r)
{
	size_t len = strlen(s), label = 0, i;
	uint8_t kind = RULE_DOMAIN;

	/* "example.com." is the same name written absolute */
	if (len && s[len - 1] == '.')
		len--;
	if (!len)
		return "empty pattern";
	if (s[0] == '*') {
		/* "*" alone would match every name: say so with a rule of its own */
		if (len == 1)
			return "'*' needs a domain after it ('*.example.com')";
		if (s[1] != '.')
			return "'*' may only be a whole first label ('*.example.com')";
		kind = RULE_WILDCARD;
		s += 2;
		len -= 2;
		if (!len)
			return "'*.' needs a domain after it ('*.example.com')";
	}
	if (len > RULE_PATTERN_MAX)
		return "name longer than 253 characters";
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (!label)
				return "empty label ('..', or a leading '.')";
			label = 0;
			if (r)
				r->pattern[i] = '.';
			continue;
		}
		if (c == '*')
			return "'*' may only be a whole first label ('*.example.com')";
		if (!label_char(c))
			return "character outside letters, digits, '-', '_' and '.'";
		if (++label > DNS_LABEL_MAX)
			return "label longer than 63 characters";
		if (r)
			r->pattern[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (!label)
		return "empty label ('..', or a leading '.')";
	if (r) {
		r->kind = kind;
		r->pattern_len = (uint16_t)len;
		r->pattern[len] = '\0';
	}
	return NULL;
}

int rule_parse_pattern(const char *s, struct rule *r)
{
	struct rule tmp;

	/* Parse into a scratch rule: @r stays untouched on error. */
	memset(tmp.pattern, 0, sizeof(tmp.pattern));
	if (parse_pattern(s, &tmp))
		return -EINVAL;
	r->kind = tmp.kind;
	r->pattern_len = tmp.pattern_len;
	memcpy(r->pattern, tmp.pattern, sizeof(r->pattern));
	return 0;
}

const char *rule_pattern_why(const char *s)
{
	return parse_pattern(s, NULL);
}

/* parse_port() - the digits at *@s as a port, 1..65535; advances *@s */
static bool parse_port(const char **s, uint16_t *out)
{
	size_t n = strspn(*s, "0123456789");
	uint64_t v;

	if (num_parse_span(*s, n, 10, 1, PORT_MAX, &v))
		return false;
	*s += n;
	*out = (uint16_t)v;
	return true;
}

static const char *parse_ports(const char *s, struct port_range *pr)
{
	const char *slash = strchr(s, '/');
	size_t plen = slash ? (size_t)(slash - s) : strlen(s);
	const char *p;

	/* case-insensitive, like the domain patterns beside them */
	if (plen == 3 && !strncasecmp(s, "tcp", 3))
		pr->proto = PROTO_TCP;
	else if (plen == 3 && !strncasecmp(s, "udp", 3))
		pr->proto = PROTO_UDP;
	else if (plen == 4 && !strncasecmp(s, "icmp", 4))
		pr->proto = PROTO_ICMP;
	else
		return "expected tcp, udp or icmp, optionally with /PORT or /LOW-HIGH";
	pr->lo = 0;
	pr->hi = pr->proto == PROTO_ICMP ? 0 : PORT_MAX;
	if (!slash)
		return NULL;
	if (pr->proto == PROTO_ICMP)
		return "icmp takes no port";
	p = slash + 1;
	if (!parse_port(&p, &pr->lo))
		return "a port is a number from 1 to 65535";
	pr->hi = pr->lo;
	if (*p == '-') {
		p++;
		if (!parse_port(&p, &pr->hi))
			return "a port is a number from 1 to 65535";
		if (pr->lo > pr->hi)
			return "the low end of a port range is above the high end";
	}
	if (*p)
		return "unexpected text after the port";
	return NULL;
}

int rule_parse_ports(const char *s, struct rule *r)
{
	struct port_range pr;

	if (parse_ports(s, &pr))
		return -EINVAL;
	if (r->nports >= RULE_PORTS_MAX)
		return -E2BIG;
	r->ports[r->nports++] = pr;
	return 0;
}

const char *rule_ports_why(const char *s)
{
	struct port_range pr;

	return parse_ports(s, &pr);
}

bool rule_ports_match(const struct rule *r, uint8_t proto, uint16_t port)
{
	unsigned int i;

	if (!r->nports)
		return true;
	for (i = 0; i < r->nports && i < RULE_PORTS_MAX; i++) {
		const struct port_range *pr = &r->ports[i];

		if (pr->proto == PROTO_ICMP) {
			if (proto == PROTO_ICMP || proto == PROTO_ICMPV6)
				return true;
			continue;
		}
		if (pr->proto == proto && port >= pr->lo && port <= pr->hi)
			return true;
	}
	return false;
}

/*
 * put() - append @n bytes at *@off as snprintf() would: cut to @len with a
 * NUL kept, *@off the would-be length. rule_format() runs for every logged
 * new flow, and printf calls would cost more than the rest of the decision.
 */
static void put(char *buf, size_t len, size_t *off, const char *s, size_t n)
{
	if (*off < len) {
		size_t k = n < len - *off - 1 ? n : len - *off - 1;

		memcpy(buf + *off, s, k);
		buf[*off + k] = '\0';
	}
	*off += n;
}

static void put_str(char *buf, size_t len, size_t *off, const char *s)
{
	put(buf, len, off, s, strlen(s));
}

static void put_uint(char *buf, size_t len, size_t *off, unsigned int v)
{
	char d[10];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(buf, len, off, d + n, sizeof(d) - n);
}

int rule_format(const struct rule *r, char *buf, size_t len)
{
	char a[ADDR_TEXT_MAX];
	size_t off = 0;
	unsigned int i;

	if (len)
		buf[0] = '\0';
	if (r->pattern_len > RULE_PATTERN_MAX)
		return -EINVAL;
	switch (r->kind) {
	case RULE_DOMAIN:
	case RULE_WILDCARD:
		put_str(buf, len, &off, r->kind == RULE_DOMAIN ? "domain = " :
							    "domain = *.");
		/* as "%.*s": at most pattern_len bytes, and not past a NUL */
		put(buf, len, &off, r->pattern, strnlen(r->pattern, r->pattern_len));
		break;
	case RULE_CIDR:
		put_str(buf, len, &off, "cidr = ");
		put_str(buf, len, &off, addr_format(&r->net, a));
		put_str(buf, len, &off, "/");
		put_uint(buf, len, &off, r->plen);
		break;
	default:
		return -EINVAL;
	}
	for (i = 0; i < r->nports && i < RULE_PORTS_MAX; i++) {
		const struct port_range *pr = &r->ports[i];
		const char *proto = pr->proto == PROTO_TCP ? "tcp" :
				    pr->proto == PROTO_UDP ? "udp" : "icmp";

		put_str(buf, len, &off, " ");
		put_str(buf, len, &off, proto);
		if (pr->proto == PROTO_ICMP || (pr->lo == 0 && pr->hi == PORT_MAX))
			continue;
		put_str(buf, len, &off, "/");
		put_uint(buf, len, &off, pr->lo);
		if (pr->lo != pr->hi) {
			put_str(buf, len, &off, "-");
			put_uint(buf, len, &off, pr->hi);
		}
	}
	if (off >= len)
		return -ENOSPC;
	return (int)off;
}

bool rule_name_matches(const struct rule *r, const char *name, size_t len)
{
	size_t plen = r->pattern_len;

	switch (r->kind) {
	case RULE_DOMAIN:
		return len == plen && !memcmp(name, r->pattern, plen);
	case RULE_WILDCARD:
		/* strictly below, on a label boundary, with a non-empty label */
		return len > plen + 1 && name[len - plen - 1] == '.' &&
		       !memcmp(name + len - plen, r->pattern, plen);
	default:
		return false;
	}
}

/*
 * struct tally - what the candidates seen so far decide. Both policy_decide()
 * and the full scans below feed it, so precedence is written once.
 */
struct tally {
	bool deny, allow;
	uint32_t deny_rule, allow_rule;
};

static uint32_t rule_index(const struct policy *p, const struct rule *r)
{
	uintptr_t base, at = (uintptr_t)r;

	if (!p || !p->rules)
		return RULE_DEFAULT;
	base = (uintptr_t)p->rules;
	if (at < base || at >= base + (uintptr_t)p->nrules * sizeof(*r) ||
	    (at - base) % sizeof(*r))
		return RULE_DEFAULT;
	return (uint32_t)((at - base) / sizeof(*r));
}

static void consider(const struct policy *p, const struct rule *r, bool query,
		     uint8_t proto, uint16_t port, struct tally *t)
{
	uint32_t i;

	if (query) {
		/* a deny with ports narrows flows, never the name itself */
		if (r->action == ACTION_DENY && r->nports)
			return;
	} else if (!rule_ports_match(r, proto, port)) {
		return;
	}
	i = rule_index(p, r);
	if (r->action == ACTION_DENY) {
		if (!t->deny || i < t->deny_rule)
			t->deny_rule = i;
		t->deny = true;
	} else if (r->action == ACTION_ALLOW) {
		if (!t->allow || i < t->allow_rule)
			t->allow_rule = i;
		t->allow = true;
	}
}

static bool verdict(const struct tally *t, struct policy_match *m)
{
	if (t->deny) {
		m->action = ACTION_DENY;
		m->rule = t->deny_rule;
		return true;
	}
	if (t->allow) {
		m->action = ACTION_ALLOW;
		m->rule = t->allow_rule;
		return true;
	}
	return false;
}

bool policy_decide(const struct policy *p, const struct rule *const *cands,
		   size_t n, bool query, uint8_t proto, uint16_t port,
		   struct policy_match *m)
{
	struct tally t = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		consider(p, cands[i], query, proto, port, &t);
	return verdict(&t, m);
}

/*
 * More candidates than POLICY_CANDIDATES_MAX: dropping some could drop the
 * one deny that matters, so look at every rule instead. Slow, correct, and
 * only reachable by a policy written to get here.
 */
static bool scan_names(const struct policy *p, const char *name, size_t len,
		       bool query, uint8_t proto, uint16_t port,
		       struct policy_match *m)
{
	struct tally t = { 0 };
	uint32_t i;

	for (i = 0; i < p->nrules; i++)
		if (rule_name_matches(&p->rules[i], name, len))
			consider(p, &p->rules[i], query, proto, port, &t);
	return verdict(&t, m);
}

static bool decide_name(const struct policy *p, const char *name, size_t len,
			bool query, uint8_t proto, uint16_t port,
			struct policy_match *m)
{
	const struct rule *c[POLICY_CANDIDATES_MAX];
	size_t n = policy_domain_candidates(p, name, len, c,
					    POLICY_CANDIDATES_MAX);

	if (n > POLICY_CANDIDATES_MAX)
		return scan_names(p, name, len, query, proto, port, m);
	return policy_decide(p, c, n, query, proto, port, m);
}

void policy_decide_query(const struct policy *p, const char *name, size_t len,
			 struct policy_match *m)
{
	if (!decide_name(p, name, len, true, 0, 0, m))
		policy_default(p, m);
}

bool policy_decide_name(const struct policy *p, const char *name, size_t len,
			uint8_t proto, uint16_t port, struct policy_match *m)
{
	return decide_name(p, name, len, false, proto, port, m);
}

bool policy_decide_cidr(const struct policy *p, const struct ipaddr *a,
			uint8_t proto, uint16_t port, struct policy_match *m)
{
	const struct rule *c[POLICY_CANDIDATES_MAX];
	size_t n = policy_cidr_candidates(p, a, c, POLICY_CANDIDATES_MAX);
	struct tally t = { 0 };
	uint32_t i;

	if (n <= POLICY_CANDIDATES_MAX)
		return policy_decide(p, c, n, false, proto, port, m);
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind == RULE_CIDR && addr_in_prefix(a, &r->net, r->plen))
			consider(p, r, false, proto, port, &t);
	}
	return verdict(&t, m);
}

void policy_default(const struct policy *p, struct policy_match *m)
{
	m->action = p->default_action;
	m->rule = RULE_DEFAULT;
}
