// SPDX-License-Identifier: GPL-2.0-or-later
/* test_policy_ini.c - policy files: every message, its line, round trips */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "packet.h"
#include "policy_ini.h"
#include "t.h"

static const char example[] =
	"[policy]\n"
	"name = builds              ; default: the file name without .ini\n"
	"default = deny             ; deny | allow\n"
	"private_answers = deny     ; deny | allow: DNS answers with loopback/private/link-local/CGNAT addresses\n"
	"min_ttl = 30\n"
	"max_ttl = 3600\n"
	"[allow]\n"
	"domain = deb.debian.org\n"
	"domain = *.pythonhosted.org tcp/443\n"
	"domain = github.com tcp/443 tcp/22\n"
	"cidr = 198.18.0.0/24 udp/123\n"
	"[deny]\n"
	"domain = ads.example.com\n"
	"cidr = 169.254.169.254/32\n";

static int compile(const char *text, const char *file, struct policy **p,
		   char *err)
{
	return policy_compile_text(text, strlen(text), file, p, err);
}

/* fails() - compiling @text gives -EINVAL and exactly @msg */
static int fails(const char *text, const char *file, const char *msg)
{
	char err[POLICY_ERR_MAX];
	struct policy *p = (struct policy *)1;
	int ret = compile(text, file, &p, err);

	if (ret != -EINVAL || p || strcmp(err, msg)) {
		printf("#   text: %s\n#   got %d \"%s\"\n#   want \"%s\"\n", text,
		       ret, err, msg);
		policy_free(ret ? NULL : p);
		return 0;
	}
	return 1;
}

/* show() - policy_write_ini() into a new string */
static char *show(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (policy_write_ini(p, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static bool rules_equal(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (a->action != b->action || a->kind != b->kind ||
	    a->nports != b->nports || a->pattern_len != b->pattern_len ||
	    memcmp(a->pattern, b->pattern, a->pattern_len))
		return false;
	if (a->kind == RULE_CIDR &&
	    (a->plen != b->plen || !addr_equal(&a->net, &b->net)))
		return false;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].lo != b->ports[i].lo ||
		    a->ports[i].hi != b->ports[i].hi)
			return false;
	return true;
}

static bool policies_equal(const struct policy *a, const struct policy *b)
{
	uint32_t i;

	if (strcmp(a->name, b->name) || a->default_action != b->default_action ||
	    a->private_answers != b->private_answers ||
	    a->dns_refusal != b->dns_refusal || a->min_ttl != b->min_ttl ||
	    a->max_ttl != b->max_ttl || a->nrules != b->nrules)
		return false;
	for (i = 0; i < a->nrules; i++)
		if (!rules_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

TEST(example_compiles)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;
	struct policy_match m;

	CHECK_EQ(compile(example, "x/whatever.ini", &p, err), 0);
	CHECK_STR(p->name, "builds");
	CHECK_EQ(p->default_action, ACTION_DENY);
	CHECK_EQ(p->private_answers, ACTION_DENY);
	CHECK_EQ(p->dns_refusal, DNS_RCODE_NXDOMAIN);
	CHECK_EQ(p->min_ttl, 30);
	CHECK_EQ(p->max_ttl, 3600);
	CHECK_EQ(p->nrules, 6);
	CHECK(p->index);
	CHECK_EQ(p->rules[0].action, ACTION_ALLOW);
	CHECK_EQ(p->rules[0].kind, RULE_DOMAIN);
	CHECK_STR(p->rules[0].pattern, "deb.debian.org");
	CHECK_EQ(p->rules[0].line, 8);
	CHECK_EQ(p->rules[1].kind, RULE_WILDCARD);
	CHECK_STR(p->rules[1].pattern, "pythonhosted.org");
	CHECK_EQ(p->rules[1].nports, 1);
	CHECK_EQ(p->rules[2].nports, 2);
	CHECK_EQ(p->rules[2].ports[1].lo, 22);
	CHECK_EQ(p->rules[3].kind, RULE_CIDR);
	CHECK_EQ(p->rules[3].plen, 24);
	CHECK_EQ(p->rules[3].ports[0].proto, PROTO_UDP);
	CHECK_EQ(p->rules[4].action, ACTION_DENY);
	CHECK_EQ(p->rules[5].plen, 32);
	CHECK_EQ(p->rules[5].line, 14);
	policy_decide_query(p, "files.pythonhosted.org", 22, &m);
	CHECK_EQ(m.action, ACTION_ALLOW);
	policy_decide_query(p, "ads.example.com", 15, &m);
	CHECK_EQ(m.action, ACTION_DENY);
	CHECK_EQ(m.rule, 4);
	policy_free(p);
}

TEST(settings_and_defaults)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;

	CHECK_EQ(compile("", "/etc/sentry/policies/empty.ini", &p, err), 0);
	CHECK_STR(p->name, "empty");
	CHECK_EQ(p->default_action, ACTION_DENY);
	CHECK_EQ(p->dns_refusal, DNS_RCODE_NXDOMAIN);
	CHECK_EQ(p->nrules, 0);
	policy_free(p);
	CHECK_EQ(compile("[policy]\ndefault = allow\nprivate_answers = allow\n"
			 "dns_refusal = refused\nmin_ttl = 0\nmax_ttl = 604800\n",
			 "noext", &p, err), 0);
	CHECK_STR(p->name, "noext");
	CHECK_EQ(p->default_action, ACTION_ALLOW);
	CHECK_EQ(p->private_answers, ACTION_ALLOW);
	CHECK_EQ(p->dns_refusal, DNS_RCODE_REFUSED);
	CHECK_EQ(p->min_ttl, 0);
	CHECK_EQ(p->max_ttl, 604800);
	policy_free(p);
	CHECK_EQ(compile("[policy]\nmin_ttl = 86400\nmax_ttl = 86400\n", "a.ini",
			 &p, err), 0);
	CHECK_EQ(p->min_ttl, 86400);
	policy_free(p);
	/* leading zeros are decimal ("030" is thirty), as in sentry.ini */
	CHECK_EQ(compile("[policy]\nmin_ttl = 030\nmax_ttl = 00040\n"
			 "[allow]\ncidr = 10.0.0.0/08 tcp/00443\n", "a.ini",
			 &p, err), 0);
	CHECK_EQ(p->min_ttl, 30);
	CHECK_EQ(p->max_ttl, 40);
	CHECK_EQ(p->rules[0].plen, 8);
	CHECK_EQ(p->rules[0].ports[0].lo, 443);
	policy_free(p);
	/* a bad file name is fine once the file names the policy */
	CHECK_EQ(compile("[policy]\nname = ok\n", "my policy.ini", &p, err), 0);
	CHECK_STR(p->name, "ok");
	policy_free(p);
}

TEST(pattern_error_message)
{
	CHECK(fails("[policy]\nname = b\n\n; rules\n[allow]\ndomain = a.com\n"
		    "domain = ex*ample.com\n", "builds.ini",
		    "builds.ini:7: bad domain pattern 'ex*ample.com': '*' may "
		    "only be a whole first label ('*.example.com')"));
	CHECK(fails("[deny]\ndomain = a..b\n", "x.ini",
		    "x.ini:2: bad domain pattern 'a..b': empty label ('..', or "
		    "a leading '.')"));
	CHECK(fails("[deny]\ndomain =\n", "x.ini",
		    "x.ini:2: expected a domain pattern after 'domain ='"));
	CHECK(fails("[deny]\ncidr =  ; nothing\n", "x.ini",
		    "x.ini:2: expected a prefix after 'cidr =' (e.g. 198.18.0.0/24)"));
	/* ';' starts a comment only after a blank */
	CHECK(fails("[allow]\ndomain = a.com;x\n", "x.ini",
		    "x.ini:2: bad domain pattern 'a.com;x': character outside "
		    "letters, digits, '-', '_' and '.'"));
}

TEST(policy_key_messages)
{
	CHECK(fails("[policy]\nname = x\ndefualt = deny\n", "x.ini",
		    "x.ini:3: unknown key 'defualt' in [policy] (expected name, "
		    "default, private_answers, dns_refusal, min_ttl, max_ttl, "
		    "name_check)"));
	CHECK(fails("[policy]\ndefault = deny\n[allow]\n[policy]\ndefault = allow\n",
		    "x.ini", "x.ini:5: duplicate key 'default' in [policy] "
		    "(first set on line 2)"));
	CHECK(fails("[policy]\ndefault = maybe\n", "x.ini",
		    "x.ini:2: expected deny or allow for default, got 'maybe'"));
	CHECK(fails("[policy]\nprivate_answers = Allow\n", "x.ini",
		    "x.ini:2: expected deny or allow for private_answers, got 'Allow'"));
	CHECK(fails("[policy]\ndns_refusal = servfail\n", "x.ini",
		    "x.ini:2: expected nxdomain or refused for dns_refusal, got "
		    "'servfail'"));
	CHECK(fails("[policy]\nname = -bad\n", "x.ini",
		    "x.ini:2: bad policy name '-bad' (1 to 63 letters, digits, "
		    "'_', '.' or '-', starting with a letter or digit)"));
	CHECK(fails("[policy]\nname =\n", "x.ini",
		    "x.ini:2: bad policy name '' (1 to 63 letters, digits, "
		    "'_', '.' or '-', starting with a letter or digit)"));
	CHECK(fails("", "my policy.ini", "my policy.ini: the file name is not a "
		    "policy name; set name = in [policy]"));
}

TEST(ttl_messages)
{
	CHECK(fails("[policy]\nmin_ttl = 86401\n", "x.ini",
		    "x.ini:2: min_ttl 86401 out of range (0..86400)"));
	CHECK(fails("[policy]\nmax_ttl = 604801\n", "x.ini",
		    "x.ini:2: max_ttl 604801 out of range (0..604800)"));
	/* a number too wide is out of range, as sentry.ini says (num.h) */
	CHECK(fails("[policy]\nmax_ttl = 99999999999\n", "x.ini",
		    "x.ini:2: max_ttl 99999999999 out of range (0..604800)"));
	/* leading zeros are decimal, up to the width of the max (nine
	 * digits were allowed before): the rule of sentry.ini (num.h) */
	CHECK(fails("[policy]\nmin_ttl = 000030\n", "x.ini",
		    "x.ini:2: min_ttl 000030 out of range (0..86400)"));
	CHECK(fails("[policy]\nmin_ttl = +30\n", "x.ini",
		    "x.ini:2: expected a number of seconds for min_ttl, got '+30'"));
	CHECK(fails("[policy]\nmin_ttl = 3O\n", "x.ini",
		    "x.ini:2: expected a number of seconds for min_ttl, got '3O'"));
	CHECK(fails("[policy]\nmin_ttl = -1\n", "x.ini",
		    "x.ini:2: expected a number of seconds for min_ttl, got '-1'"));
	CHECK(fails("[policy]\nmin_ttl =\n", "x.ini",
		    "x.ini:2: expected a number of seconds for min_ttl, got ''"));
	/* against the default max_ttl, then reported on the later line */
	CHECK(fails("[policy]\nmin_ttl = 4000\n", "x.ini",
		    "x.ini:2: min_ttl 4000 is above max_ttl 3600"));
	CHECK(fails("[policy]\nmax_ttl = 10\n", "x.ini",
		    "x.ini:2: min_ttl 30 is above max_ttl 10"));
	CHECK(fails("[policy]\nmin_ttl = 100\nname = n\nmax_ttl = 99\n", "x.ini",
		    "x.ini:4: min_ttl 100 is above max_ttl 99"));
	CHECK(fails("[policy]\nmax_ttl = 99\nmin_ttl = 100\n", "x.ini",
		    "x.ini:3: min_ttl 100 is above max_ttl 99"));
}

TEST(section_messages)
{
	CHECK(fails("[policy]\n[alow]\ndomain = a.com\n", "x.ini",
		    "x.ini:2: unknown section [alow] (expected [policy], [allow] "
		    "or [deny])"));
	/* even an empty one */
	CHECK(fails("[Allow]\n", "x.ini", "x.ini:1: unknown section [Allow] "
		    "(expected [policy], [allow] or [deny])"));
	CHECK(fails("[allow] domain = a.com\n", "x.ini",
		    "x.ini:1: unexpected text after [allow]"));
	CHECK(fails("\n[allow\ndomain = a.com\n", "x.ini",
		    "x.ini:2: expected ']' to close the section name"));
	CHECK(fails("domain = a.com\n", "x.ini",
		    "x.ini:1: 'domain' before any section (expected [policy], "
		    "[allow] or [deny] first)"));
	CHECK(fails("[allow]\ndomian = a.com\n", "x.ini",
		    "x.ini:2: unknown key 'domian' in [allow] (expected domain or "
		    "cidr)"));
	CHECK(fails("[deny]\nname = a\n", "x.ini",
		    "x.ini:2: unknown key 'name' in [deny] (expected domain or "
		    "cidr)"));
}

/* The reader shared with sentry.ini (inifile.c) shows control bytes as
 * '?': policy messages quoted them raw, escape sequences included */
TEST(control_bytes_in_messages)
{
	CHECK(fails("[allow]\ndomain = a\x1b[2Jb\n", "x.ini",
		    "x.ini:2: bad domain pattern 'a?[2Jb': character outside "
		    "letters, digits, '-', '_' and '.'"));
	CHECK(fails("[al\x01low]\n", "x.ini", "x.ini:1: unknown section "
		    "[al?low] (expected [policy], [allow] or [deny])"));
}

TEST(syntax_messages)
{
	CHECK(fails("[allow]\ndomain = a.com\n\ndomain a.com\n", "x.ini",
		    "x.ini:4: expected 'key = value'"));
	CHECK(fails("[allow]\ndomain: a.com\n", "x.ini",
		    "x.ini:2: expected 'key = value'"));
	/* the earliest error wins, whoever found it */
	CHECK(fails("[allow]\nnonsense\ndomain = a..b\n", "x.ini",
		    "x.ini:2: expected 'key = value'"));
	CHECK(fails("[allow]\ndomain = a..b\nnonsense\n", "x.ini",
		    "x.ini:2: bad domain pattern 'a..b': empty label ('..', or a "
		    "leading '.')"));
	CHECK(fails("[allow]\nnonsense\n[bogus]\n", "x.ini",
		    "x.ini:2: expected 'key = value'"));
	CHECK(fails("[allow]\ndomain = a.com\nx\0y\n", "x.ini",
		    "x.ini:3: expected 'key = value'"));
}

TEST(nul_byte)
{
	static const char text[] = "[allow]\ndomain = a.com\ndomain = b\0.com\n";
	char err[POLICY_ERR_MAX];
	struct policy *p;

	CHECK_EQ(policy_compile_text(text, sizeof(text) - 1, "x.ini", &p, err),
		 -EINVAL);
	CHECK(!p);
	CHECK_STR(err, "x.ini:3: NUL byte in the line (a text file was expected)");
}

TEST(cidr_messages)
{
	CHECK(fails("[deny]\ncidr = 10.0.0.1/8\n", "x.ini",
		    "x.ini:2: bad CIDR '10.0.0.1/8': host bits set (did you mean "
		    "10.0.0.0/8?)"));
	CHECK(fails("[deny]\ncidr = 2001:db8::1/32\n", "x.ini",
		    "x.ini:2: bad CIDR '2001:db8::1/32': host bits set (did you "
		    "mean 2001:db8::/32?)"));
	CHECK(fails("[deny]\ncidr = 10.0.0.0/33\n", "x.ini",
		    "x.ini:2: bad CIDR '10.0.0.0/33': expected ADDRESS/LENGTH, "
		    "e.g. 198.18.0.0/24 or 2001:db8::/32"));
	CHECK(fails("[deny]\ncidr = example.com\n", "x.ini",
		    "x.ini:2: bad CIDR 'example.com': expected ADDRESS/LENGTH, "
		    "e.g. 198.18.0.0/24 or 2001:db8::/32"));
}

TEST(port_messages)
{
	CHECK(fails("[allow]\ndomain = a.com tcp/0\n", "x.ini",
		    "x.ini:2: bad port spec 'tcp/0': a port is a number from 1 "
		    "to 65535"));
	CHECK(fails("[allow]\ncidr = 10.0.0.0/8 tcp/9-8\n", "x.ini",
		    "x.ini:2: bad port spec 'tcp/9-8': the low end of a port "
		    "range is above the high end"));
	CHECK(fails("[allow]\ndomain = a.com 443\n", "x.ini",
		    "x.ini:2: bad port spec '443': expected tcp, udp or icmp, "
		    "optionally with /PORT or /LOW-HIGH"));
	CHECK(fails("[allow]\ndomain = a.com u/1 u/2 u/3 u/4 u/5 u/6 u/7 u/8\n",
		    "x.ini", "x.ini:2: bad port spec 'u/1': expected tcp, udp or "
		    "icmp, optionally with /PORT or /LOW-HIGH"));
	CHECK(fails("[allow]\ndomain = a.com udp/1 udp/2 udp/3 udp/4 udp/5 "
		    "udp/6 udp/7 udp/8 udp/9 udp/10 udp/11 udp/12 udp/13 udp/14 "
		    "udp/15 udp/16 udp/17\n", "x.ini",
		    "x.ini:2: more than 16 port specs in one rule (split it in two)"));
}

TEST(line_length)
{
	char text[1024], err[POLICY_ERR_MAX], name[256];
	struct policy *p;
	size_t n;

	/* a 198-character comment, then a 198-character rule: fine */
	strcpy(text, "[allow]\n;");
	n = strlen(text);
	memset(text + n, 'c', 197);
	strcpy(text + n + 197, "\ndomain = ");
	/* 189 more: three labels of 63 */
	memset(name, 'a', 189);
	name[63] = name[127] = '.';
	name[189] = '\0';
	strcat(text, name);
	strcat(text, "\r\n");
	CHECK_EQ(compile(text, "x.ini", &p, err), 0);
	CHECK_EQ(p->nrules, 1);
	CHECK_EQ(p->rules[0].pattern_len, 189);
	policy_free(p);
	/* one more character on either line is too long */
	strcpy(text, "[allow]\n;");
	n = strlen(text);
	memset(text + n, 'c', 198);
	strcpy(text + n + 198, "\n");
	CHECK(fails(text, "x.ini", "x.ini:2: line too long (at most 198 characters)"));
	snprintf(text, sizeof(text), "[allow]\ndomain = %s\n\n\ndomain =  %s\n",
		 name, name);
	CHECK(fails(text, "x.ini", "x.ini:5: line too long (at most 198 characters)"));
	/* the same without a final newline */
	snprintf(text, sizeof(text), "[allow]\ndomain =  %s", name);
	CHECK(fails(text, "x.ini", "x.ini:2: line too long (at most 198 characters)"));
	/* "domain=X" fits but "domain = X" would not: refused, so that every
	 * compiled policy can be written back */
	memset(name, 'a', 191);
	name[63] = name[127] = '.';
	name[191] = '\0';
	snprintf(text, sizeof(text), "[allow]\ndomain=%s\n", name);
	CHECK(fails(text, "x.ini", "x.ini:2: rule too long once written out "
		    "('domain = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...', at most 198 "
		    "characters): split its ports over two rules"));
}

TEST(comments_blanks_repeats)
{
	static const char text[] =
		"\xef\xbb\xbf; a comment\n"
		"# another\n"
		"\n"
		"   [policy]   ; indented section\n"
		"\tname = c ; inline\n"
		"[allow]\n"
		"  domain = a.example   ; indented: not a continuation\n"
		"\t  domain = b.example   ; after a key: still not a continuation\n"
		"domain = B.Example tcp/443 ; the same name again\n"
		"[deny]\n"
		"domain = c.example\n"
		"[allow]\n"
		"cidr = 192.0.2.0/24\n"
		"\n";
	char err[POLICY_ERR_MAX];
	struct policy *p;

	CHECK_EQ(compile(text, "x.ini", &p, err), 0);
	CHECK_STR(p->name, "c");
	CHECK_EQ(p->nrules, 5);
	CHECK_STR(p->rules[0].pattern, "a.example");
	CHECK_EQ(p->rules[0].line, 7);
	CHECK_STR(p->rules[1].pattern, "b.example");
	CHECK_EQ(p->rules[1].nports, 0);
	CHECK_STR(p->rules[2].pattern, "b.example");
	CHECK_EQ(p->rules[2].nports, 1);
	CHECK_EQ(p->rules[3].action, ACTION_DENY);
	CHECK_EQ(p->rules[4].action, ACTION_ALLOW);
	CHECK_EQ(p->rules[4].kind, RULE_CIDR);
	policy_free(p);
}

TEST(canonical_text)
{
	static const char want[] =
		"; sentry policy \"t\"\n"
		"; Written by sentry: every setting explicit, rules in their original order.\n"
		"[policy]\n"
		"name = t\n"
		"default = allow\n"
		"private_answers = deny\n"
		"dns_refusal = refused\n"
		"min_ttl = 5\n"
		"max_ttl = 60\n"
		"name_check = enforce\n"
		"\n"
		"[deny]\n"
		"domain = *.example.com tcp/22\n"
		"cidr = 2001:db8::/32\n"
		"\n"
		"[allow]\n"
		"domain = a.example.com tcp udp/1-2 icmp tcp/1-65535\n"
		"\n"
		"[deny]\n"
		"cidr = 10.0.0.0/8\n";
	char err[POLICY_ERR_MAX], *out;
	struct policy *p;

	CHECK_EQ(compile("[policy]\ndns_refusal=refused\nmax_ttl=60\nmin_ttl=5\n"
			 "default=allow\n[deny]\ndomain=*.EXAMPLE.com. TCP/22-22\n"
			 "cidr=2001:0db8::/32\n[allow]\ndomain=a.example.com TCP "
			 "udp/1-2 icmp tcp/1-65535\n[deny]\ncidr=10.0.0.0/8\n", "t.ini", &p, err), 0);
	out = show(p);
	CHECK(out);
	if (strcmp(out, want)) {
		printf("#   got:\n%s", out);
		t_fail_at("canonical text differs");
	}
	free(out);
	policy_free(p);
}

TEST(round_trip_is_byte_identical)
{
	char err[POLICY_ERR_MAX], *one, *two;
	struct policy *p, *q;

	CHECK_EQ(compile(example, "builds.ini", &p, err), 0);
	one = show(p);
	CHECK(one);
	CHECK_EQ(policy_compile_text(one, strlen(one), "elsewhere.ini", &q, err), 0);
	CHECK(policies_equal(p, q));
	two = show(q);
	CHECK(two);
	CHECK_STR(one, two);
	free(one);
	free(two);
	policy_free(p);
	policy_free(q);
}

TEST(round_trip_keeps_interleaved_order)
{
	struct policy *p = policy_new("mixed"), *q;
	char err[POLICY_ERR_MAX], *one = NULL, *two = NULL;
	static const char *const pats[] = { "a.x", "*.b.x", "c.x", "*.x" };
	struct rule r;
	int i;

	CHECK(p);
	p->min_ttl = 0;
	p->max_ttl = 0;
	for (i = 0; i < 40; i++) {
		memset(&r, 0, sizeof(r));
		r.action = (i * 7 % 3) ? ACTION_ALLOW : ACTION_DENY;
		if (i % 3) {
			CHECK_EQ(rule_parse_pattern(pats[i % 4], &r), 0);
		} else {
			char pfx[32];

			r.kind = RULE_CIDR;
			snprintf(pfx, sizeof(pfx), i % 2 ? "10.%d.0.0/16" : "fd%02x::/16", i);
			CHECK_EQ(addr_parse_prefix(pfx, true, &r.net, &r.plen), 0);
		}
		if (i % 5 == 0)
			CHECK_EQ(rule_parse_ports("tcp/443", &r), 0);
		CHECK_EQ(policy_add_rule(p, &r), 0);
	}
	one = show(p);
	CHECK(one);
	CHECK_EQ(policy_compile_text(one, strlen(one), "m.ini", &q, err), 0);
	CHECK(policies_equal(p, q));
	two = show(q);
	CHECK(two);
	CHECK_STR(one, two);
	free(one);
	free(two);
	policy_free(p);
	policy_free(q);
}

TEST(write_refuses_what_would_not_compile)
{
	struct policy *p = policy_new("w");
	char buf[256];
	struct rule r;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	int i;

	CHECK(p && f);
	memset(&r, 0, sizeof(r));
	/* a pattern of 253 cannot fit a 198-character line */
	memset(buf, 'a', 253);
	buf[63] = buf[127] = buf[191] = '.';
	buf[253] = '\0';
	CHECK_EQ(rule_parse_pattern(buf, &r), 0);
	CHECK_EQ(policy_add_rule(p, &r), 0);
	CHECK_EQ(policy_write_ini(p, f), -EOVERFLOW);
	p->nrules = 0;
	snprintf(p->name, sizeof(p->name), "bad name");
	CHECK_EQ(policy_write_ini(p, f), -EINVAL);
	snprintf(p->name, sizeof(p->name), "w");
	p->dns_refusal = 2;
	CHECK_EQ(policy_write_ini(p, f), -EINVAL);
	p->dns_refusal = DNS_RCODE_NXDOMAIN;
	p->min_ttl = 10;
	p->max_ttl = 5;
	CHECK_EQ(policy_write_ini(p, f), -EINVAL);
	p->max_ttl = 50;
	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_pattern("a.b", &r), 0);
	for (i = 0; i < 16; i++)
		CHECK_EQ(rule_parse_ports("tcp/10000-10001", &r), 0);
	p->nrules = 0;
	CHECK_EQ(policy_add_rule(p, &r), 0);
	CHECK_EQ(policy_write_ini(p, f), -EOVERFLOW);
	fclose(f);
	policy_free(p);
}

TEST(too_many_rules)
{
	size_t cap = 16 + (POLICY_RULES_MAX + 1) * 12, n;
	char *text = malloc(cap), err[POLICY_ERR_MAX];
	struct policy *p;
	int i;

	CHECK(text);
	n = (size_t)sprintf(text, "[deny]\n");
	for (i = 0; i < POLICY_RULES_MAX; i++)
		n += (size_t)sprintf(text + n, "domain = a\n");
	CHECK_EQ(policy_compile_text(text, n, "x.ini", &p, err), 0);
	CHECK_EQ(p->nrules, POLICY_RULES_MAX);
	policy_free(p);
	n += (size_t)sprintf(text + n, "domain = a\n");
	CHECK_EQ(policy_compile_text(text, n, "x.ini", &p, err), -EINVAL);
	CHECK_STR(err, "x.ini:65538: too many rules (at most 65536)");
	free(text);
}

TEST(compile_file)
{
	char dir[] = "/tmp/sentry-ini-XXXXXX", path[64], err[POLICY_ERR_MAX];
	struct policy *p;
	FILE *f;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/from-file.ini", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("[allow]\ndomain = a.com\ndomain = b..com\n", f);
	fclose(f);
	CHECK_EQ(policy_compile_file(path, &p, err), -EINVAL);
	CHECK(strstr(err, "/from-file.ini:3: bad domain pattern 'b..com'"));
	f = fopen(path, "w");
	CHECK(f);
	fputs("[allow]\ndomain = a.com\n", f);
	fclose(f);
	CHECK_EQ(policy_compile_file(path, &p, err), 0);
	CHECK_STR(p->name, "from-file");
	CHECK_EQ(p->nrules, 1);
	policy_free(p);
	unlink(path);
	CHECK_EQ(policy_compile_file(path, &p, err), -ENOENT);
	CHECK(strstr(err, "from-file.ini: No such file or directory"));
	CHECK_EQ(policy_compile_file(dir, &p, err), -EINVAL);
	CHECK(strstr(err, ": not a regular file"));
	rmdir(dir);
}

int main(void)
{
	RUN(example_compiles);
	RUN(settings_and_defaults);
	RUN(pattern_error_message);
	RUN(policy_key_messages);
	RUN(ttl_messages);
	RUN(section_messages);
	RUN(control_bytes_in_messages);
	RUN(syntax_messages);
	RUN(nul_byte);
	RUN(cidr_messages);
	RUN(port_messages);
	RUN(line_length);
	RUN(comments_blanks_repeats);
	RUN(canonical_text);
	RUN(round_trip_is_byte_identical);
	RUN(round_trip_keeps_interleaved_order);
	RUN(write_refuses_what_would_not_compile);
	RUN(too_many_rules);
	RUN(compile_file);
	return t_done();
}
