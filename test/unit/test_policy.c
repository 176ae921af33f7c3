// SPDX-License-Identifier: GPL-2.0-or-later
/* test_policy.c - patterns, port specs, matching and precedence */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "packet.h"
#include "policy.h"
#include "t.h"

/* add() - append a rule from text: "allow domain *.x.com tcp/443" */
static int add(struct policy *p, const char *spec)
{
	char buf[512], *save = NULL, *act, *kind, *target, *tok;
	struct rule r;
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(buf, sizeof(buf), "%s", spec);
	act = strtok_r(buf, " ", &save);
	kind = strtok_r(NULL, " ", &save);
	target = strtok_r(NULL, " ", &save);
	if (!act || !kind || !target)
		return -EINVAL;
	r.action = !strcmp(act, "allow") ? ACTION_ALLOW : ACTION_DENY;
	if (!strcmp(kind, "domain")) {
		ret = rule_parse_pattern(target, &r);
	} else {
		r.kind = RULE_CIDR;
		ret = addr_parse_prefix(target, true, &r.net, &r.plen);
	}
	if (ret)
		return ret;
	while ((tok = strtok_r(NULL, " ", &save)))
		if ((ret = rule_parse_ports(tok, &r)))
			return ret;
	return policy_add_rule(p, &r);
}

/* mk() - a policy from rules separated by ';', index built */
static struct policy *mk(uint8_t def, const char *rules)
{
	struct policy *p = policy_new("t");
	char buf[4096], *save = NULL, *one;

	if (!p)
		return NULL;
	p->default_action = def;
	snprintf(buf, sizeof(buf), "%s", rules);
	for (one = strtok_r(buf, ";", &save); one; one = strtok_r(NULL, ";", &save)) {
		while (*one == ' ')
			one++;
		if (add(p, one)) {
			policy_free(p);
			return NULL;
		}
	}
	if (policy_build_index(p)) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static int query(const struct policy *p, const char *name, uint32_t *rule)
{
	struct policy_match m = { 0xff, 0 };

	policy_decide_query(p, name, strlen(name), &m);
	if (rule)
		*rule = m.rule;
	return m.action;
}

/* name_flow() - policy_decide_name(): -1 if no rule applied */
static int name_flow(const struct policy *p, const char *name, uint8_t proto,
		     uint16_t port)
{
	struct policy_match m;

	if (!policy_decide_name(p, name, strlen(name), proto, port, &m))
		return -1;
	return m.action;
}

static int cidr_flow(const struct policy *p, const char *addr, uint8_t proto,
		     uint16_t port, uint32_t *rule)
{
	struct policy_match m;
	struct ipaddr a;

	if (addr_parse(addr, &a))
		return -2;
	if (!policy_decide_cidr(p, &a, proto, port, &m))
		return -1;
	if (rule)
		*rule = m.rule;
	return m.action;
}

TEST(new_policy_has_documented_defaults)
{
	struct policy *p = policy_new("builds");

	CHECK(p);
	CHECK_STR(p->name, "builds");
	CHECK_EQ(p->default_action, ACTION_DENY);
	CHECK_EQ(p->private_answers, ACTION_DENY);
	CHECK_EQ(p->dns_refusal, DNS_RCODE_NXDOMAIN);
	CHECK_EQ(p->min_ttl, 30);
	CHECK_EQ(p->max_ttl, 3600);
	CHECK_EQ(p->nrules, 0);
	CHECK(!p->index);
	policy_free(p);
	policy_free(NULL);
}

TEST(policy_names)
{
	char n63[64], n64[65];

	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'a', 64);
	n64[64] = '\0';
	CHECK(policy_name_valid("builds"));
	CHECK(policy_name_valid("a"));
	CHECK(policy_name_valid("0day"));
	CHECK(policy_name_valid("Debian-apt_2.x"));
	CHECK(policy_name_valid(n63));
	CHECK(!policy_name_valid(n64));
	CHECK(!policy_name_valid(""));
	CHECK(!policy_name_valid(NULL));
	CHECK(!policy_name_valid("-a"));
	CHECK(!policy_name_valid(".a"));
	CHECK(!policy_name_valid("_a"));
	CHECK(!policy_name_valid("a b"));
	CHECK(!policy_name_valid("a/b"));
	CHECK(!policy_name_valid("a\nb"));
	CHECK(!policy_name_valid("caf\xc3\xa9"));
}

TEST(pattern_parsing_normalises)
{
	struct rule r;

	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_pattern("example.com", &r), 0);
	CHECK_EQ(r.kind, RULE_DOMAIN);
	CHECK_STR(r.pattern, "example.com");
	CHECK_EQ(r.pattern_len, 11);
	CHECK_EQ(rule_parse_pattern("*.Example.COM.", &r), 0);
	CHECK_EQ(r.kind, RULE_WILDCARD);
	CHECK_STR(r.pattern, "example.com");
	CHECK_EQ(rule_parse_pattern("A_b-C.d", &r), 0);
	CHECK_STR(r.pattern, "a_b-c.d");
	CHECK_EQ(rule_parse_pattern("localhost", &r), 0);
	CHECK_EQ(r.kind, RULE_DOMAIN);
	CHECK_EQ(rule_parse_pattern("*.com", &r), 0);
	CHECK_EQ(r.kind, RULE_WILDCARD);
	CHECK_STR(r.pattern, "com");
}

TEST(pattern_length_boundaries)
{
	char buf[300];
	struct rule r;
	size_t i;

	/* a 63-character label is fine, 64 is not */
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".com");
	CHECK_EQ(rule_parse_pattern(buf, &r), 0);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".com");
	CHECK_EQ(rule_parse_pattern(buf, &r), -EINVAL);
	CHECK_STR(rule_pattern_why(buf), "label longer than 63 characters");

	/* 253 characters: four labels of 63 with dots is 255; build 253 */
	for (i = 0; i < 253; i++)
		buf[i] = (i % 64 == 63) ? '.' : 'b';
	buf[253] = '\0';
	CHECK_EQ(rule_parse_pattern(buf, &r), 0);
	CHECK_EQ(r.pattern_len, 253);
	/* ... with a trailing dot still 253 */
	buf[253] = '.';
	buf[254] = '\0';
	CHECK_EQ(rule_parse_pattern(buf, &r), 0);
	CHECK_EQ(r.pattern_len, 253);
	/* 254 is one too many */
	buf[253] = 'b';
	CHECK_EQ(rule_parse_pattern(buf, &r), -EINVAL);
	CHECK_STR(rule_pattern_why(buf), "name longer than 253 characters");
	/* "*." does not count against the 253 */
	memmove(buf + 2, buf, 254);
	buf[0] = '*';
	buf[1] = '.';
	buf[255] = '\0';
	CHECK_EQ(rule_parse_pattern(buf, &r), 0);
	CHECK_EQ(r.kind, RULE_WILDCARD);
	CHECK_EQ(r.pattern_len, 253);
}

TEST(pattern_errors)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "empty pattern" },
		{ ".", "empty pattern" },
		{ "..", "empty label ('..', or a leading '.')" },
		{ "a..b", "empty label ('..', or a leading '.')" },
		{ ".a", "empty label ('..', or a leading '.')" },
		{ "a..", "empty label ('..', or a leading '.')" },
		{ "*", "'*' needs a domain after it ('*.example.com')" },
		{ "*.", "'*' needs a domain after it ('*.example.com')" },
		{ "*..", "'*.' needs a domain after it ('*.example.com')" },
		{ "ex*ample.com", "'*' may only be a whole first label ('*.example.com')" },
		{ "*example.com", "'*' may only be a whole first label ('*.example.com')" },
		{ "a.*.com", "'*' may only be a whole first label ('*.example.com')" },
		{ "*.*.com", "'*' may only be a whole first label ('*.example.com')" },
		{ "**.com", "'*' may only be a whole first label ('*.example.com')" },
		{ "example.*", "'*' may only be a whole first label ('*.example.com')" },
		{ "exa mple.com", "character outside letters, digits, '-', '_' and '.'" },
		{ "exa/mple.com", "character outside letters, digits, '-', '_' and '.'" },
		{ "a\\046b.com", "character outside letters, digits, '-', '_' and '.'" },
		{ "caf\xc3\xa9.com", "character outside letters, digits, '-', '_' and '.'" },
		{ "*.a..b", "empty label ('..', or a leading '.')" },
	};
	struct rule r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		if (rule_parse_pattern(bad[i].s, &r) != -EINVAL) {
			t_fail_at("accepted '%s'", bad[i].s);
			return;
		}
		/* nothing written on failure */
		CHECK_EQ(r.kind, 0x5a);
		CHECK_EQ(r.pattern[0], 0x5a);
		CHECK_STR(rule_pattern_why(bad[i].s), bad[i].why);
	}
	CHECK(rule_pattern_why("example.com") == NULL);
}

TEST(port_parsing)
{
	struct rule r;

	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_ports("tcp/443", &r), 0);
	CHECK_EQ(rule_parse_ports("udp/53", &r), 0);
	CHECK_EQ(rule_parse_ports("tcp/8000-8100", &r), 0);
	CHECK_EQ(rule_parse_ports("tcp", &r), 0);
	CHECK_EQ(rule_parse_ports("udp", &r), 0);
	CHECK_EQ(rule_parse_ports("icmp", &r), 0);
	CHECK_EQ(rule_parse_ports("TCP/1", &r), 0);
	CHECK_EQ(rule_parse_ports("udp/65535", &r), 0);
	CHECK_EQ(rule_parse_ports("tcp/7-7", &r), 0);
	CHECK_EQ(r.nports, 9);
	CHECK_EQ(r.ports[0].proto, PROTO_TCP);
	CHECK_EQ(r.ports[0].lo, 443);
	CHECK_EQ(r.ports[0].hi, 443);
	CHECK_EQ(r.ports[1].proto, PROTO_UDP);
	CHECK_EQ(r.ports[1].lo, 53);
	CHECK_EQ(r.ports[2].lo, 8000);
	CHECK_EQ(r.ports[2].hi, 8100);
	CHECK_EQ(r.ports[3].lo, 0);
	CHECK_EQ(r.ports[3].hi, 65535);
	CHECK_EQ(r.ports[4].proto, PROTO_UDP);
	CHECK_EQ(r.ports[4].hi, 65535);
	CHECK_EQ(r.ports[5].proto, PROTO_ICMP);
	CHECK_EQ(r.ports[6].proto, PROTO_TCP);
	CHECK_EQ(r.ports[6].lo, 1);
	CHECK_EQ(r.ports[7].hi, 65535);
	CHECK_EQ(r.ports[8].lo, 7);
	CHECK_EQ(r.ports[8].hi, 7);
}

TEST(port_errors)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "expected tcp, udp or icmp, optionally with /PORT or /LOW-HIGH" },
		{ "sctp/1", "expected tcp, udp or icmp, optionally with /PORT or /LOW-HIGH" },
		{ "tcp443", "expected tcp, udp or icmp, optionally with /PORT or /LOW-HIGH" },
		{ "/443", "expected tcp, udp or icmp, optionally with /PORT or /LOW-HIGH" },
		{ "tcp/0", "a port is a number from 1 to 65535" },
		{ "tcp/65536", "a port is a number from 1 to 65535" },
		{ "tcp/100000", "a port is a number from 1 to 65535" },
		{ "tcp/", "a port is a number from 1 to 65535" },
		{ "tcp/-1", "a port is a number from 1 to 65535" },
		{ "tcp/+1", "a port is a number from 1 to 65535" },
		{ "tcp/ 1", "a port is a number from 1 to 65535" },
		{ "tcp/0x50", "a port is a number from 1 to 65535" },
		{ "tcp/8x", "unexpected text after the port" },
		{ "tcp/80-", "a port is a number from 1 to 65535" },
		{ "tcp/80-0", "a port is a number from 1 to 65535" },
		{ "tcp/80-65536", "a port is a number from 1 to 65535" },
		{ "tcp/81-80", "the low end of a port range is above the high end" },
		{ "tcp/80x", "unexpected text after the port" },
		{ "tcp/80/1", "unexpected text after the port" },
		{ "tcp/1-2-3", "unexpected text after the port" },
		{ "icmp/8", "icmp takes no port" },
	};
	struct rule r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rule_parse_ports(bad[i].s, &r) != -EINVAL) {
			t_fail_at("accepted '%s'", bad[i].s);
			return;
		}
		CHECK_STR(rule_ports_why(bad[i].s), bad[i].why);
	}
	CHECK_EQ(r.nports, 0);
	CHECK(rule_ports_why("tcp/443") == NULL);
	/* RULE_PORTS_MAX specs fit; one more is -E2BIG and leaves the set */
	for (i = 0; i < RULE_PORTS_MAX; i++)
		CHECK_EQ(rule_parse_ports("udp/1", &r), 0);
	CHECK_EQ(rule_parse_ports("udp/2", &r), -E2BIG);
	CHECK_EQ(r.nports, RULE_PORTS_MAX);
	/* syntax is checked before room */
	CHECK_EQ(rule_parse_ports("udp/0", &r), -EINVAL);
}

TEST(ports_match)
{
	struct rule r;

	memset(&r, 0, sizeof(r));
	/* no set: anything, any protocol */
	CHECK(rule_ports_match(&r, PROTO_TCP, 1));
	CHECK(rule_ports_match(&r, PROTO_UDP, 0));
	CHECK(rule_ports_match(&r, 132, 9));
	CHECK_EQ(rule_parse_ports("tcp/443", &r), 0);
	CHECK(rule_ports_match(&r, PROTO_TCP, 443));
	CHECK(!rule_ports_match(&r, PROTO_TCP, 442));
	CHECK(!rule_ports_match(&r, PROTO_TCP, 444));
	CHECK(!rule_ports_match(&r, PROTO_UDP, 443));
	CHECK(!rule_ports_match(&r, PROTO_ICMP, 0));
	CHECK(!rule_ports_match(&r, 132, 443));
	CHECK_EQ(rule_parse_ports("udp/8000-8100", &r), 0);
	CHECK(rule_ports_match(&r, PROTO_UDP, 8000));
	CHECK(rule_ports_match(&r, PROTO_UDP, 8100));
	CHECK(!rule_ports_match(&r, PROTO_UDP, 7999));
	CHECK(!rule_ports_match(&r, PROTO_UDP, 8101));
	CHECK(!rule_ports_match(&r, PROTO_TCP, 8000));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_ports("icmp", &r), 0);
	CHECK(rule_ports_match(&r, PROTO_ICMP, 0));
	CHECK(rule_ports_match(&r, PROTO_ICMPV6, 0));
	CHECK(rule_ports_match(&r, PROTO_ICMP, 1234));
	CHECK(!rule_ports_match(&r, PROTO_TCP, 0));
	CHECK(!rule_ports_match(&r, PROTO_UDP, 0));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_ports("tcp", &r), 0);
	CHECK(rule_ports_match(&r, PROTO_TCP, 0));
	CHECK(rule_ports_match(&r, PROTO_TCP, 65535));
	CHECK(!rule_ports_match(&r, PROTO_UDP, 53));
}

TEST(rule_formats)
{
	struct policy *p = mk(ACTION_DENY,
		"allow domain *.Example.com tcp/443 udp/1000-2000 icmp tcp;"
		"deny cidr 2001:db8::/32;"
		"allow cidr 198.18.0.0/24 udp/123;"
		"deny domain a.b");
	char buf[256];

	CHECK(p);
	CHECK_EQ(rule_format(&p->rules[0], buf, sizeof(buf)),
		 strlen("domain = *.example.com tcp/443 udp/1000-2000 icmp tcp"));
	CHECK_STR(buf, "domain = *.example.com tcp/443 udp/1000-2000 icmp tcp");
	CHECK(rule_format(&p->rules[1], buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "cidr = 2001:db8::/32");
	CHECK(rule_format(&p->rules[2], buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "cidr = 198.18.0.0/24 udp/123");
	CHECK_EQ(rule_format(&p->rules[3], buf, sizeof(buf)), 12);
	CHECK_STR(buf, "domain = a.b");
	/* exactly enough room, then one byte short */
	CHECK_EQ(rule_format(&p->rules[3], buf, 13), 12);
	CHECK_EQ(rule_format(&p->rules[3], buf, 12), -ENOSPC);
	CHECK_EQ(strlen(buf), 11);
	policy_free(p);
}

TEST(wildcard_semantics)
{
	static const struct {
		const char *name;
		bool match;
	} cases[] = {
		{ "a.example.com", true },
		{ "a.b.example.com", true },
		{ "www.a.b.example.com", true },
		{ "example.com", false },
		{ "badexample.com", false },
		{ "a.badexample.com", false },
		{ "example.com.evil.net", false },
		{ "a.example.com.evil.net", false },
		{ "a.example.co", false },
		{ "xexample.com", false },
		{ ".example.com", false },
		{ "a\\046example.com", false },
		{ "", false },
	};
	struct policy *p = mk(ACTION_DENY, "allow domain *.example.com");
	const struct rule *c[4];
	size_t i;

	CHECK(p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = cases[i].name;
		size_t len = strlen(n);

		if (rule_name_matches(&p->rules[0], n, len) != cases[i].match ||
		    (policy_domain_candidates(p, n, len, c, 4) == 1) != cases[i].match ||
		    (query(p, n, NULL) == ACTION_ALLOW) != cases[i].match) {
			t_fail_at("'%s' should %smatch", n, cases[i].match ? "" : "not ");
			return;
		}
	}
	policy_free(p);
}

TEST(exact_semantics)
{
	struct policy *p = mk(ACTION_DENY, "allow domain Example.COM");
	const struct rule *c[4];

	CHECK(p);
	CHECK(rule_name_matches(&p->rules[0], "example.com", 11));
	CHECK(!rule_name_matches(&p->rules[0], "a.example.com", 13));
	CHECK(!rule_name_matches(&p->rules[0], "example.co", 10));
	CHECK(!rule_name_matches(&p->rules[0], "example.comm", 12));
	CHECK_EQ(policy_domain_candidates(p, "example.com", 11, c, 4), 1);
	CHECK(c[0] == &p->rules[0]);
	CHECK_EQ(policy_domain_candidates(p, "www.example.com", 15, c, 4), 0);
	/* the length is what counts, not a NUL */
	CHECK_EQ(policy_domain_candidates(p, "example.com.", 11, c, 4), 1);
	CHECK_EQ(query(p, "example.com", NULL), ACTION_ALLOW);
	CHECK_EQ(query(p, "www.example.com", NULL), ACTION_DENY);
	policy_free(p);
}

TEST(case_insensitive_through_parsing)
{
	/* names arrive normalised (lower case); rules are lowered at parse */
	struct policy *p = mk(ACTION_DENY,
			      "allow domain *.PythonHosted.ORG;allow domain GitHub.Com.");

	CHECK(p);
	CHECK_EQ(query(p, "files.pythonhosted.org", NULL), ACTION_ALLOW);
	CHECK_EQ(query(p, "github.com", NULL), ACTION_ALLOW);
	CHECK_EQ(query(p, "gist.github.com", NULL), ACTION_DENY);
	policy_free(p);
}

TEST(deny_beats_allow)
{
	struct policy *p = mk(ACTION_ALLOW,
		"allow domain ads.example.com;"
		"deny domain *.example.com;"
		"allow domain *.example.com;"
		"deny domain ads.example.com");
	uint32_t rule;

	CHECK(p);
	/* whatever the order, deny wins, and the first deny is named */
	CHECK_EQ(query(p, "ads.example.com", &rule), ACTION_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(query(p, "x.example.com", &rule), ACTION_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(query(p, "example.com", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, RULE_DEFAULT);
	CHECK_EQ(name_flow(p, "ads.example.com", PROTO_TCP, 443), ACTION_DENY);
	CHECK_EQ(name_flow(p, "example.com", PROTO_TCP, 443), -1);
	policy_free(p);
}

TEST(allow_names_the_first_allow)
{
	struct policy *p = mk(ACTION_DENY,
		"allow domain *.example.com;allow domain a.example.com;"
		"allow domain *.a.example.com");
	const struct rule *c[4];
	struct policy_match m;
	uint32_t rule;

	CHECK(p);
	CHECK_EQ(query(p, "a.example.com", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 0);
	CHECK_EQ(query(p, "b.a.example.com", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 0);
	/* candidates in any order give the same answer */
	c[0] = &p->rules[2];
	c[1] = &p->rules[0];
	CHECK(policy_decide(p, c, 2, false, PROTO_TCP, 1, &m));
	CHECK_EQ(m.rule, 0);
	c[0] = &p->rules[0];
	c[1] = &p->rules[2];
	CHECK(policy_decide(p, c, 2, false, PROTO_TCP, 1, &m));
	CHECK_EQ(m.rule, 0);
	CHECK(!policy_decide(p, c, 0, false, PROTO_TCP, 1, &m));
	policy_free(p);
}

TEST(port_sets_narrow_flows)
{
	struct policy *p = mk(ACTION_DENY,
		"allow domain example.com tcp/443 tcp/22;"
		"deny domain example.com tcp/22;"
		"allow domain *.example.com udp/5000-5010");

	CHECK(p);
	CHECK_EQ(name_flow(p, "example.com", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(name_flow(p, "example.com", PROTO_TCP, 22), ACTION_DENY);
	CHECK_EQ(name_flow(p, "example.com", PROTO_TCP, 80), -1);
	CHECK_EQ(name_flow(p, "example.com", PROTO_UDP, 443), -1);
	CHECK_EQ(name_flow(p, "a.example.com", PROTO_UDP, 5000), ACTION_ALLOW);
	CHECK_EQ(name_flow(p, "a.example.com", PROTO_UDP, 5010), ACTION_ALLOW);
	CHECK_EQ(name_flow(p, "a.example.com", PROTO_UDP, 5011), -1);
	CHECK_EQ(name_flow(p, "a.example.com", PROTO_UDP, 4999), -1);
	CHECK_EQ(name_flow(p, "a.example.com", PROTO_TCP, 5000), -1);
	policy_free(p);
}

TEST(query_semantics)
{
	/* a deny with ports refuses those ports, not the name */
	struct policy *p = mk(ACTION_DENY,
		"allow domain example.com tcp/443;"
		"deny domain example.com tcp/22;"
		"deny domain *.tracker.example.com;"
		"allow domain *.example.com;"
		"deny domain only-ports.example.net tcp/25");
	uint32_t rule;

	CHECK(p);
	CHECK_EQ(query(p, "example.com", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 0);
	CHECK_EQ(name_flow(p, "example.com", PROTO_TCP, 22), ACTION_DENY);
	CHECK_EQ(query(p, "x.tracker.example.com", &rule), ACTION_DENY);
	CHECK_EQ(rule, 2);
	CHECK_EQ(query(p, "tracker.example.com", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 3);
	/* a deny with ports alone decides nothing for the query: default */
	CHECK_EQ(query(p, "only-ports.example.net", &rule), ACTION_DENY);
	CHECK_EQ(rule, RULE_DEFAULT);
	p->default_action = ACTION_ALLOW;
	CHECK_EQ(query(p, "only-ports.example.net", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, RULE_DEFAULT);
	CHECK_EQ(query(p, "unrelated.org", &rule), ACTION_ALLOW);
	CHECK_EQ(rule, RULE_DEFAULT);
	policy_free(p);
}

TEST(cidr_ipv4)
{
	struct policy *p = mk(ACTION_DENY,
		"allow cidr 198.18.0.0/24 udp/123;"
		"deny cidr 169.254.169.254/32;"
		"allow cidr 169.254.0.0/16;"
		"allow cidr 10.0.0.0/8;"
		"deny cidr 10.1.0.0/16 tcp");
	uint32_t rule;

	CHECK(p);
	CHECK_EQ(cidr_flow(p, "198.18.0.0", PROTO_UDP, 123, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "198.18.0.255", PROTO_UDP, 123, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "198.18.1.0", PROTO_UDP, 123, NULL), -1);
	CHECK_EQ(cidr_flow(p, "198.17.255.255", PROTO_UDP, 123, NULL), -1);
	CHECK_EQ(cidr_flow(p, "198.18.0.7", PROTO_TCP, 123, NULL), -1);
	CHECK_EQ(cidr_flow(p, "169.254.169.254", PROTO_TCP, 80, &rule), ACTION_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(cidr_flow(p, "169.254.169.253", PROTO_TCP, 80, &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 2);
	CHECK_EQ(cidr_flow(p, "169.254.169.255", PROTO_TCP, 80, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "10.1.2.3", PROTO_TCP, 1, NULL), ACTION_DENY);
	CHECK_EQ(cidr_flow(p, "10.1.2.3", PROTO_UDP, 1, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "10.2.0.0", PROTO_TCP, 1, NULL), ACTION_ALLOW);
	/* IPv6 never matches an IPv4 rule, mapped or not */
	CHECK_EQ(cidr_flow(p, "::ffff:169.254.169.254", PROTO_TCP, 80, NULL), -1);
	CHECK_EQ(cidr_flow(p, "::ffff:10.0.0.1", PROTO_TCP, 80, NULL), -1);
	policy_free(p);
}

TEST(cidr_zero_and_host_lengths)
{
	struct policy *p = mk(ACTION_DENY,
		"allow cidr 0.0.0.0/0 tcp/443;"
		"deny cidr 203.0.113.9/32;"
		"allow cidr ::/0 tcp/443;"
		"deny cidr 2001:db8::1/128");
	uint32_t rule;

	CHECK(p);
	CHECK_EQ(cidr_flow(p, "0.0.0.0", PROTO_TCP, 443, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "255.255.255.255", PROTO_TCP, 443, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "1.2.3.4", PROTO_TCP, 80, NULL), -1);
	CHECK_EQ(cidr_flow(p, "203.0.113.9", PROTO_TCP, 443, &rule), ACTION_DENY);
	CHECK_EQ(rule, 1);
	CHECK_EQ(cidr_flow(p, "203.0.113.8", PROTO_TCP, 443, &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 0);
	CHECK_EQ(cidr_flow(p, "203.0.113.10", PROTO_TCP, 443, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "::", PROTO_TCP, 443, &rule), ACTION_ALLOW);
	CHECK_EQ(rule, 2);
	CHECK_EQ(cidr_flow(p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PROTO_TCP, 443, NULL),
		 ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "2001:db8::1", PROTO_TCP, 443, &rule), ACTION_DENY);
	CHECK_EQ(rule, 3);
	CHECK_EQ(cidr_flow(p, "2001:db8::", PROTO_TCP, 443, &rule), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "2001:db8::2", PROTO_TCP, 443, NULL), ACTION_ALLOW);
	policy_free(p);
}

TEST(cidr_ipv6_boundaries)
{
	struct policy *p = mk(ACTION_DENY, "deny cidr fe80::/10;deny cidr fd00:ec2::254/128;"
			      "allow cidr 2001:db8:1::/48 tcp/443");

	CHECK(p);
	CHECK_EQ(cidr_flow(p, "fe80::1", PROTO_TCP, 1, NULL), ACTION_DENY);
	CHECK_EQ(cidr_flow(p, "febf:ffff::1", PROTO_TCP, 1, NULL), ACTION_DENY);
	CHECK_EQ(cidr_flow(p, "fec0::", PROTO_TCP, 1, NULL), -1);
	CHECK_EQ(cidr_flow(p, "fe7f:ffff::", PROTO_TCP, 1, NULL), -1);
	CHECK_EQ(cidr_flow(p, "fd00:ec2::254", PROTO_TCP, 80, NULL), ACTION_DENY);
	CHECK_EQ(cidr_flow(p, "fd00:ec2::255", PROTO_TCP, 80, NULL), -1);
	CHECK_EQ(cidr_flow(p, "2001:db8:1:ffff::", PROTO_TCP, 443, NULL), ACTION_ALLOW);
	CHECK_EQ(cidr_flow(p, "2001:db8:2::", PROTO_TCP, 443, NULL), -1);
	CHECK_EQ(cidr_flow(p, "2001:db8:0:ffff::", PROTO_TCP, 443, NULL), -1);
	CHECK_EQ(cidr_flow(p, "169.254.0.1", PROTO_TCP, 1, NULL), -1);
	policy_free(p);
}

TEST(stale_or_missing_index_still_correct)
{
	struct policy *p = mk(ACTION_DENY, "allow domain *.example.com");
	const struct rule *c[4];

	CHECK(p);
	CHECK(p->index);
	/* adding a rule drops the index; lookups scan until it is rebuilt */
	CHECK_EQ(add(p, "deny domain bad.example.com"), 0);
	CHECK(!p->index);
	CHECK_EQ(query(p, "bad.example.com", NULL), ACTION_DENY);
	CHECK_EQ(policy_domain_candidates(p, "bad.example.com", 15, c, 4), 2);
	CHECK_EQ(add(p, "deny cidr 192.0.2.0/24"), 0);
	CHECK_EQ(cidr_flow(p, "192.0.2.1", PROTO_TCP, 1, NULL), ACTION_DENY);
	CHECK_EQ(policy_build_index(p), 0);
	CHECK(p->index);
	CHECK_EQ(query(p, "bad.example.com", NULL), ACTION_DENY);
	CHECK_EQ(cidr_flow(p, "192.0.2.1", PROTO_TCP, 1, NULL), ACTION_DENY);
	/* rebuilding twice is fine */
	CHECK_EQ(policy_build_index(p), 0);
	CHECK_EQ(query(p, "ok.example.com", NULL), ACTION_ALLOW);
	policy_free(p);
}

TEST(more_candidates_than_fit)
{
	/* 70 allows match, then one deny: the deny must not be cut off */
	struct policy *p = policy_new("many");
	const struct rule *c[POLICY_CANDIDATES_MAX];
	struct policy_match m;
	struct ipaddr a;
	char spec[64];
	int i;

	CHECK(p);
	for (i = 0; i < 70; i++) {
		snprintf(spec, sizeof(spec), "allow domain x.example.com tcp/%d", i + 1);
		CHECK_EQ(add(p, spec), 0);
		snprintf(spec, sizeof(spec), "allow cidr 192.0.2.0/24 tcp/%d", i + 1);
		CHECK_EQ(add(p, spec), 0);
	}
	CHECK_EQ(add(p, "deny domain *.example.com"), 0);
	CHECK_EQ(add(p, "deny cidr 192.0.0.0/16"), 0);
	CHECK_EQ(policy_build_index(p), 0);
	CHECK_EQ(policy_domain_candidates(p, "x.example.com", 13, c,
					  POLICY_CANDIDATES_MAX), 71);
	CHECK_EQ(query(p, "x.example.com", NULL), ACTION_DENY);
	CHECK(policy_decide_name(p, "x.example.com", 13, PROTO_TCP, 5, &m));
	CHECK_EQ(m.action, ACTION_DENY);
	CHECK_EQ(m.rule, 140);
	CHECK_EQ(addr_parse("192.0.2.9", &a), 0);
	CHECK_EQ(policy_cidr_candidates(p, &a, c, POLICY_CANDIDATES_MAX), 71);
	CHECK(policy_decide_cidr(p, &a, PROTO_TCP, 5, &m));
	CHECK_EQ(m.action, ACTION_DENY);
	CHECK_EQ(m.rule, 141);
	policy_free(p);
}

TEST(copies_decide_without_an_index)
{
	struct policy *p = mk(ACTION_DENY, "deny domain a.b");
	const struct rule *c[1];
	struct policy_match m;
	struct rule copy;

	CHECK(p);
	copy = p->rules[0];
	c[0] = &copy;
	CHECK(policy_decide(p, c, 1, true, 0, 0, &m));
	CHECK_EQ(m.action, ACTION_DENY);
	CHECK_EQ(m.rule, RULE_DEFAULT);
	CHECK(policy_decide(NULL, c, 1, true, 0, 0, &m));
	CHECK_EQ(m.action, ACTION_DENY);
	policy_default(p, &m);
	CHECK_EQ(m.action, ACTION_DENY);
	CHECK_EQ(m.rule, RULE_DEFAULT);
	policy_free(p);
}

TEST(rule_limit)
{
	struct policy *p = policy_new("big");
	struct rule r;
	uint32_t i;

	CHECK(p);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_pattern("a.example", &r), 0);
	for (i = 0; i < POLICY_RULES_MAX; i++)
		if (policy_add_rule(p, &r)) {
			t_fail_at("add %u failed", i);
			return;
		}
	CHECK_EQ(policy_add_rule(p, &r), -E2BIG);
	CHECK_EQ(p->nrules, POLICY_RULES_MAX);
	CHECK_EQ(policy_build_index(p), 0);
	CHECK_EQ(query(p, "a.example", NULL), ACTION_DENY);
	policy_free(p);
}

int main(void)
{
	RUN(new_policy_has_documented_defaults);
	RUN(policy_names);
	RUN(pattern_parsing_normalises);
	RUN(pattern_length_boundaries);
	RUN(pattern_errors);
	RUN(port_parsing);
	RUN(port_errors);
	RUN(ports_match);
	RUN(rule_formats);
	RUN(wildcard_semantics);
	RUN(exact_semantics);
	RUN(case_insensitive_through_parsing);
	RUN(deny_beats_allow);
	RUN(allow_names_the_first_allow);
	RUN(port_sets_narrow_flows);
	RUN(query_semantics);
	RUN(cidr_ipv4);
	RUN(cidr_zero_and_host_lengths);
	RUN(cidr_ipv6_boundaries);
	RUN(stale_or_missing_index_still_correct);
	RUN(more_candidates_than_fit);
	RUN(copies_decide_without_an_index);
	RUN(rule_limit);
	return t_done();
}
