// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy_ini.c - policy files to struct policy and back
 *
 * Theory of operation
 *
 * inifile.c reads the lines (comments, blanks, line length, sections,
 * "key = value", the FILE:LINE message); here each key is checked, and
 * numbers go through num_parse().
 *
 * policy_write_ini() writes one canonical form: every [policy] setting
 * explicit, rules one per line as rule_format() prints them, a new [allow]
 * or [deny] header wherever the action changes, so the order survives.
 * The compiler refuses a rule whose canonical line would not fit, which is
 * what lets every compiled policy be written back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns.h"
#include "inifile.h"
#include "num.h"
#include "policy_ini.h"

#define FILE_MAX	(64u << 20)	/* 65536 rules of 198 characters fit */
#define TTL_MIN_MAX	86400
#define TTL_MAX_MAX	604800
#define LINE_CHARS	INIFILE_LINE_MAX

enum pkey { K_NAME, K_DEFAULT, K_PRIVATE, K_REFUSAL, K_MIN_TTL, K_MAX_TTL,
	    K_NAME_CHECK, K_N };

static const char *const pkey_names[K_N] = {
	[K_NAME] = "name",
	[K_DEFAULT] = "default",
	[K_PRIVATE] = "private_answers",
	[K_REFUSAL] = "dns_refusal",
	[K_MIN_TTL] = "min_ttl",
	[K_MAX_TTL] = "max_ttl",
	[K_NAME_CHECK] = "name_check",
};

static const char *const name_check_text[] = {
	[NAME_CHECK_ENFORCE] = "enforce",
	[NAME_CHECK_LOG] = "log",
	[NAME_CHECK_OFF] = "off",
};

enum psection { S_POLICY, S_ALLOW, S_DENY };

static const char *const sections[] = { "policy", "allow", "deny", NULL };

struct compile {
	struct inifile ini;
	struct policy *p;
	unsigned int seen[K_N];		/* line of each [policy] key, 0: unset */
};

#define fail(c, ...)	inifile_fail(&(c)->ini, __VA_ARGS__)

static int action_value(struct compile *c, const char *key, const char *v,
			uint8_t *out)
{
	if (!strcmp(v, "deny"))
		*out = ACTION_DENY;
	else if (!strcmp(v, "allow"))
		*out = ACTION_ALLOW;
	else
		return fail(c, "expected deny or allow for %s, got '%s'", key, v);
	return 1;
}

static int ttl_value(struct compile *c, const char *key, const char *v,
		     uint32_t max, uint32_t *out)
{
	int ret = num_u32(v, 0, max, out);

	if (ret == -ERANGE)
		return fail(c, "%s %s out of range (0..%u)", key, v, max);
	if (ret)
		return fail(c, "expected a number of seconds for %s, got '%s'",
			    key, v);
	return 1;
}

static int policy_key(struct compile *c, const char *key, const char *v)
{
	struct policy *p = c->p;
	int k;

	for (k = 0; k < K_N; k++)
		if (!strcmp(key, pkey_names[k]))
			break;
	if (k == K_N)
		return fail(c, "unknown key '%s' in [policy] (expected name, "
			    "default, private_answers, dns_refusal, min_ttl, "
			    "max_ttl, name_check)", key);
	if (!inifile_once(&c->ini, &c->seen[k], "policy", key))
		return 0;
	switch (k) {
	case K_NAME:
		if (!policy_name_valid(v))
			return fail(c, "bad policy name '%s' (1 to %d letters, "
				    "digits, '_', '.' or '-', starting with a "
				    "letter or digit)", v, POLICY_NAME_MAX);
		snprintf(p->name, sizeof(p->name), "%s", v);
		return 1;
	case K_DEFAULT:
		return action_value(c, key, v, &p->default_action);
	case K_PRIVATE:
		return action_value(c, key, v, &p->private_answers);
	case K_REFUSAL:
		if (!strcmp(v, "nxdomain"))
			p->dns_refusal = DNS_RCODE_NXDOMAIN;
		else if (!strcmp(v, "refused"))
			p->dns_refusal = DNS_RCODE_REFUSED;
		else
			return fail(c, "expected nxdomain or refused for "
				    "dns_refusal, got '%s'", v);
		return 1;
	case K_MIN_TTL:
		return ttl_value(c, key, v, TTL_MIN_MAX, &p->min_ttl);
	case K_NAME_CHECK:
		for (unsigned int i = 0; i <= NAME_CHECK_OFF; i++)
			if (!strcmp(v, name_check_text[i])) {
				p->name_check = (uint8_t)i;
				return 1;
			}
		return fail(c, "expected enforce, log or off for name_check, "
			    "got '%s'", v);
	default:
		return ttl_value(c, key, v, TTL_MAX_MAX, &p->max_ttl);
	}
}

static int rule_target(struct compile *c, struct rule *r, bool domain,
		       const char *tok)
{
	char want[PREFIX_TEXT_MAX];
	const char *why;
	struct ipaddr net;
	uint8_t plen;
	int ret;

	if (domain) {
		why = rule_pattern_why(tok);
		if (why)
			return fail(c, "bad domain pattern '%s': %s", tok, why);
		rule_parse_pattern(tok, r);
		return 1;
	}
	ret = addr_parse_prefix(tok, true, &r->net, &r->plen);
	if (ret == -EADDRNOTAVAIL) {
		addr_parse_prefix(tok, false, &net, &plen);
		addr_format(&net, want);
		return fail(c, "bad CIDR '%s': host bits set (did you mean "
			    "%s/%u?)", tok, want, plen);
	}
	if (ret)
		return fail(c, "bad CIDR '%s': expected ADDRESS/LENGTH, e.g. "
			    "198.18.0.0/24 or 2001:db8::/32", tok);
	r->kind = RULE_CIDR;
	return 1;
}

static int rule_key(struct compile *c, const char *section, uint8_t action,
		    const char *key, const char *v)
{
	char buf[INIFILE_LINE_MAX + 1], text[1024], *save = NULL, *tok;
	bool domain = !strcmp(key, "domain");
	struct rule r;
	const char *why;
	int n, ret;

	if (!domain && strcmp(key, "cidr"))
		return fail(c, "unknown key '%s' in [%s] (expected domain or "
			    "cidr)", key, section);
	memset(&r, 0, sizeof(r));
	r.action = action;
	r.line = c->ini.lineno;
	snprintf(buf, sizeof(buf), "%s", v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok)
		return fail(c, domain ? "expected a domain pattern after "
			    "'domain ='" : "expected a prefix after 'cidr =' "
			    "(e.g. 198.18.0.0/24)");
	if (!rule_target(c, &r, domain, tok))
		return 0;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		why = rule_ports_why(tok);
		if (why)
			return fail(c, "bad port spec '%s': %s", tok, why);
		if (rule_parse_ports(tok, &r))
			return fail(c, "more than %d port specs in one rule "
				    "(split it in two)", RULE_PORTS_MAX);
	}
	/* The canonical line can outgrow the source ("a=b" vs "a = b"). */
	n = rule_format(&r, text, sizeof(text));
	if (n < 0 || (size_t)n > LINE_CHARS)
		return fail(c, "rule too long once written out ('%.40s...', "
			    "at most %d characters): split its ports over two "
			    "rules", text, LINE_CHARS);
	ret = policy_add_rule(c->p, &r);
	if (ret == -E2BIG)
		return fail(c, "too many rules (at most %d)", POLICY_RULES_MAX);
	if (ret) {
		c->ini.err_ret = ret;
		return fail(c, "%s", strerror(-ret));
	}
	return 1;
}

static int on_key(struct inifile *f, int section, const char *k, const char *v)
{
	struct compile *c = f->user;

	if (section == S_POLICY)
		return policy_key(c, k, v);
	return rule_key(c, sections[section], section == S_ALLOW ?
			ACTION_ALLOW : ACTION_DENY, k, v);
}

/* policy_stem() - @file without directories and ".ini", into @buf */
static void policy_stem(const char *file, char *buf, size_t len)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".ini"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, base);
}

/* finish() - checks that span keys, blamed on the later line */
static int finish(struct compile *c)
{
	struct policy *p = c->p;
	char stem[256];

	if (p->min_ttl > p->max_ttl)
		return inifile_fail_at(&c->ini, c->seen[K_MIN_TTL] >
				       c->seen[K_MAX_TTL] ? c->seen[K_MIN_TTL] :
				       c->seen[K_MAX_TTL], "min_ttl %u is above "
				       "max_ttl %u", p->min_ttl, p->max_ttl);
	if (!c->seen[K_NAME]) {
		policy_stem(c->ini.file, stem, sizeof(stem));
		if (!policy_name_valid(stem)) {
			snprintf(c->ini.err, POLICY_ERR_MAX, "%s: the file name "
				 "is not a policy name; set name = in [policy]",
				 c->ini.file);
			return 0;
		}
		memcpy(p->name, stem, strlen(stem) + 1);	/* valid: it fits */
	}
	return 1;
}

int policy_compile_text(const char *text, size_t len, const char *filename,
			struct policy **out, char *err)
{
	char scratch[POLICY_ERR_MAX];
	struct compile c = {
		.ini = {
			.text = text, .len = len,
			.file = filename ? filename : "-",
			.sections = sections, .key = on_key, .user = &c,
			.err = err ? err : scratch, .errlen = POLICY_ERR_MAX,
		},
	};
	int ret;

	*out = NULL;
	err = c.ini.err;
	err[0] = '\0';
	c.p = policy_new(NULL);
	if (!c.p)
		return -ENOMEM;
	ret = inifile_parse(&c.ini);
	if (!ret && !finish(&c))
		ret = -EINVAL;
	if (!ret)
		ret = policy_build_index(c.p);
	if (ret) {
		if (!err[0])
			snprintf(err, POLICY_ERR_MAX, "%s: %s", c.ini.file,
				 strerror(-ret));
		policy_free(c.p);
		return ret;
	}
	*out = c.p;
	return 0;
}

int policy_compile_file(const char *path, struct policy **out, char *err)
{
	char scratch[POLICY_ERR_MAX], *buf = NULL;
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n;
	int ret;

	*out = NULL;
	if (!err)
		err = scratch;
	if (!f)
		goto err_errno;
	if (fstat(fileno(f), &st))
		goto err_close;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > FILE_MAX) {
		fclose(f);
		snprintf(err, POLICY_ERR_MAX, "%s: %s", path,
			 S_ISREG(st.st_mode) ? "file too large" :
			 "not a regular file");
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		errno = ENOMEM;
		goto err_close;
	}
	n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || n > (size_t)st.st_size) {
		errno = ferror(f) ? EIO : EFBIG;	/* grew while read */
		goto err_close;
	}
	fclose(f);
	ret = policy_compile_text(buf, n, path, out, err);
	free(buf);
	return ret;

err_close:
	ret = -errno;
	free(buf);
	fclose(f);
	snprintf(err, POLICY_ERR_MAX, "%s: %s", path, strerror(-ret));
	return ret;
err_errno:
	ret = -errno;
	snprintf(err, POLICY_ERR_MAX, "%s: %s", path, strerror(-ret));
	return ret;
}

static const char *action_text(uint8_t a)
{
	return a == ACTION_ALLOW ? "allow" : a == ACTION_DENY ? "deny" : NULL;
}

int policy_write_ini(const struct policy *p, FILE *f)
{
	const char *def = action_text(p->default_action);
	const char *priv = action_text(p->private_answers);
	const char *refusal = p->dns_refusal == DNS_RCODE_NXDOMAIN ? "nxdomain" :
			      p->dns_refusal == DNS_RCODE_REFUSED ? "refused" :
			      NULL;
	char line[1024];
	uint32_t i;
	int n;

	/* refuse what would not compile back, rather than write it */
	if (!policy_name_valid(p->name) || !def || !priv || !refusal ||
	    p->min_ttl > TTL_MIN_MAX || p->max_ttl > TTL_MAX_MAX ||
	    p->min_ttl > p->max_ttl || p->name_check > NAME_CHECK_OFF)
		return -EINVAL;
	for (i = 0; i < p->nrules; i++) {
		n = rule_format(&p->rules[i], line, sizeof(line));
		if (!action_text(p->rules[i].action))
			return -EINVAL;
		if (n == -ENOSPC || n > LINE_CHARS)
			return -EOVERFLOW;
		if (n < 0)
			return n;
	}
	fprintf(f, "; sentry policy \"%s\"\n"
		"; Written by sentry: every setting explicit, rules in their "
		"original order.\n"
		"[policy]\n"
		"name = %s\n"
		"default = %s\n"
		"private_answers = %s\n"
		"dns_refusal = %s\n"
		"min_ttl = %u\n"
		"max_ttl = %u\n"
		"name_check = %s\n",
		p->name, p->name, def, priv, refusal, p->min_ttl, p->max_ttl,
		name_check_text[p->name_check]);
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (!i || r->action != p->rules[i - 1].action)
			fprintf(f, "\n[%s]\n", action_text(r->action));
		rule_format(r, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
