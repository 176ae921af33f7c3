// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy_ini.c - policy files to struct policy and back, through libinih
 *
 * Theory of operation
 *
 * libinih parses; we feed it. Debian's build reports no line numbers to
 * the handler (INI_HANDLER_LINENO 0) and silently splits lines longer than
 * its buffer, so every line goes through our own reader first. The reader
 * counts lines (the handler reads the number from the shared state), and
 * refuses what inih would mishandle before inih sees it:
 *   - a line longer than the buffer (inih would parse the tail as a line);
 *   - a NUL byte (inih would stop reading the line there);
 *   - an unknown section, or text after "[section]" (inih ignores both);
 * and it strips leading blanks, so an indented line is never taken as a
 * continuation of the previous value (inih's multi-line mode).
 *
 * inih keeps going after an error; we keep only the first one. Its own
 * syntax errors (a line without '=', a '[' without ']') are not seen by the
 * handler, only in the line number inih returns, so the message is made
 * afterwards from the earliest of the two.
 *
 * policy_write_ini() writes one canonical form: every [policy] setting
 * explicit, rules one per line as rule_format() prints them, a new [allow]
 * or [deny] header wherever the action changes, so the order survives.
 * The compiler refuses a rule whose canonical line would not fit, which is
 * what lets every compiled policy be written back.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns.h"
#include "policy_ini.h"

#define FILE_MAX	(64u << 20)	/* 65536 rules of 198 characters fit */
#define TTL_MIN_MAX	86400
#define TTL_MAX_MAX	604800
#define LINE_CHARS	(INI_MAX_LINE - 2)	/* room for '\n' and the NUL */

enum pkey { K_NAME, K_DEFAULT, K_PRIVATE, K_REFUSAL, K_MIN_TTL, K_MAX_TTL, K_N };

static const char *const pkey_names[K_N] = {
	[K_NAME] = "name",
	[K_DEFAULT] = "default",
	[K_PRIVATE] = "private_answers",
	[K_REFUSAL] = "dns_refusal",
	[K_MIN_TTL] = "min_ttl",
	[K_MAX_TTL] = "max_ttl",
};

struct compile {
	const char *text;
	size_t len, pos;
	const char *file;
	unsigned int lineno;		/* line last given to inih */
	const char *line;		/* that line, as in the text */
	size_t line_len;
	size_t max_chars;		/* longest line inih can take */
	struct policy *p;
	unsigned int seen[K_N];		/* line of each [policy] key, 0: unset */
	unsigned int err_line;		/* first error we found, 0: none */
	int err_ret;
	char *err;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct compile *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err_line)
		return 0;
	c->err_line = c->lineno ? c->lineno : 1;
	if (!c->err_ret)
		c->err_ret = -EINVAL;
	/* a long file name may crowd out the message; it never overflows */
	n = snprintf(c->err, POLICY_ERR_MAX, "%s:%u: ", c->file, c->err_line);
	if (n < 0 || n >= POLICY_ERR_MAX)
		return 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, POLICY_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

static bool blank(char ch)
{
	return isspace((unsigned char)ch);
}

/* check_section() - a "[name]" line: a section we know, nothing after it */
static void check_section(struct compile *c, const char *s, size_t n)
{
	const char *end = memchr(s, ']', n);
	size_t name_len, i;

	if (!end)
		return;		/* inih reports the missing ']' */
	name_len = (size_t)(end - s) - 1;
	for (i = (size_t)(end - s) + 1; i < n && blank(s[i]); i++)
		;
	if (i < n && s[i] != ';' && s[i] != '#') {
		fail(c, "unexpected text after [%.*s]", (int)name_len, s + 1);
		return;
	}
	if ((name_len == 6 && !memcmp(s + 1, "policy", 6)) ||
	    (name_len == 5 && !memcmp(s + 1, "allow", 5)) ||
	    (name_len == 4 && !memcmp(s + 1, "deny", 4)))
		return;
	fail(c, "unknown section [%.*s] (expected [policy], [allow] or [deny])",
	     (int)name_len, s + 1);
}

/* next_line() - inih's fgets: one line of the text, checked */
static char *next_line(char *str, int num, void *stream)
{
	struct compile *c = stream;
	const char *s, *nl;
	size_t n;

	if (c->err_line || c->pos >= c->len || num < 3)
		return NULL;
	s = c->text + c->pos;
	nl = memchr(s, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - s) : c->len - c->pos;
	c->pos += n + (nl ? 1 : 0);
	c->lineno++;
	c->line = s;
	c->line_len = n;
	c->max_chars = (size_t)num - 2;
	/* an empty line has n == 0 */
	// cppcheck-suppress knownConditionTrueFalse
	if (n && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n)) {
		fail(c, "NUL byte in the line (a text file was expected)");
		return NULL;
	}
	if (n > c->max_chars) {
		fail(c, "line too long (at most %zu characters)", c->max_chars);
		return NULL;
	}
	/* inih would take a BOM only on line 1 and an indented line as more
	 * of the previous value: strip both here, where they cannot matter */
	if (c->lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	while (n && blank(*s)) {
		s++;
		n--;
	}
	if (n && *s == '[') {
		check_section(c, s, n);
		if (c->err_line)
			return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* parse_uint() - decimal digits only, no sign, no blanks */
static bool parse_uint(const char *s, unsigned long max, uint32_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 9)
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

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
		     unsigned long max, uint32_t *out)
{
	uint32_t dummy;

	if (parse_uint(v, max, out))
		return 1;
	if (*v && parse_uint(v, 999999999, &dummy))
		return fail(c, "%s %s out of range (0..%lu)", key, v, max);
	return fail(c, "expected a number of seconds for %s, got '%s'", key, v);
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
			    "max_ttl)", key);
	if (c->seen[k])
		return fail(c, "duplicate key '%s' in [policy] (first set on "
			    "line %u)", key, c->seen[k]);
	c->seen[k] = c->lineno;
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
	char buf[INI_MAX_LINE + 1], text[1024], *save = NULL, *tok;
	bool domain = !strcmp(key, "domain");
	struct rule r;
	const char *why;
	int n, ret;

	if (!domain && strcmp(key, "cidr"))
		return fail(c, "unknown key '%s' in [%s] (expected domain or "
			    "cidr)", key, section);
	memset(&r, 0, sizeof(r));
	r.action = action;
	r.line = c->lineno;
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
		c->err_ret = ret;
		return fail(c, "%s", strerror(-ret));
	}
	return 1;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct compile *c = user;
	size_t sep = 0;

	if (c->err_line)
		return 0;
	/* inih also splits "key: value"; one spelling is enough */
	while (sep < c->line_len && c->line[sep] != '=' && c->line[sep] != ':')
		sep++;
	if (sep >= c->line_len || c->line[sep] != '=')
		return fail(c, "expected 'key = value'");
	if (!strcmp(section, "policy"))
		return policy_key(c, key, value);
	if (!strcmp(section, "allow"))
		return rule_key(c, section, ACTION_ALLOW, key, value);
	if (!strcmp(section, "deny"))
		return rule_key(c, section, ACTION_DENY, key, value);
	return fail(c, "'%s' before any section (expected [policy], [allow] "
		    "or [deny] first)", key);
}

/* syntax_error() - the message for an error only inih saw, on line @n */
static void syntax_error(struct compile *c, unsigned int n)
{
	const char *s = c->text, *end = c->text + c->len;
	unsigned int i;

	for (i = 1; i < n && s < end; i++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		s = nl ? nl + 1 : end;
	}
	while (s < end && blank(*s))
		s++;
	c->lineno = n;
	c->err_line = 0;
	if (s < end && *s == '[')
		fail(c, "expected ']' to close the section name");
	else
		fail(c, "expected 'key = value'");
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

static int finish(struct compile *c)
{
	struct policy *p = c->p;
	char stem[256];

	if (p->min_ttl > p->max_ttl) {
		c->lineno = c->seen[K_MIN_TTL] > c->seen[K_MAX_TTL] ?
			    c->seen[K_MIN_TTL] : c->seen[K_MAX_TTL];
		return fail(c, "min_ttl %u is above max_ttl %u", p->min_ttl,
			    p->max_ttl);
	}
	if (!c->seen[K_NAME]) {
		policy_stem(c->file, stem, sizeof(stem));
		if (!policy_name_valid(stem)) {
			c->err_ret = -EINVAL;
			c->err_line = 1;
			snprintf(c->err, POLICY_ERR_MAX, "%s: the file name is "
				 "not a policy name; set name = in [policy]",
				 c->file);
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
		.text = text, .len = len, .file = filename ? filename : "-",
		.line = "", .err = err ? err : scratch,
	};
	int rc, ret;

	*out = NULL;
	err = c.err;
	err[0] = '\0';
	c.p = policy_new(NULL);
	if (!c.p)
		return -ENOMEM;
	rc = ini_parse_stream(next_line, &c, handler, &c);
	if (rc == -2) {
		ret = -ENOMEM;
		goto err;
	}
	if (rc > 0 && (!c.err_line || (unsigned int)rc < c.err_line))
		syntax_error(&c, (unsigned int)rc);
	if (!c.err_line && !finish(&c))
		goto fail;
	if (c.err_line)
		goto fail;
	ret = policy_build_index(c.p);
	if (ret)
		goto err;
	*out = c.p;
	return 0;

fail:
	ret = c.err_ret ? c.err_ret : -EINVAL;
err:
	if (!err[0])
		snprintf(err, POLICY_ERR_MAX, "%s: %s", c.file, strerror(-ret));
	policy_free(c.p);
	return ret;
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
	    p->min_ttl > p->max_ttl)
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
		"max_ttl = %u\n",
		p->name, p->name, def, priv, refusal, p->min_ttl, p->max_ttl);
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
