// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * declog.c - decision lines read back (declog.h)
 *
 * A hand-written reader for the one shape decision.c writes: a flat
 * object of strings and numbers. A general JSON library would accept far
 * more than a decision line may hold and still leave us to check every
 * field; this walks the line once, p/rem style, and each failure names the
 * byte where the line stopped making sense.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "declog.h"
#include "num.h"

struct rd {
	const char *p;
	size_t rem;
	size_t start;		/* the line's length, for error offsets */
	char *err;
	size_t errcap;
};

static int fail(struct rd *r, const char *what)
{
	if (r->errcap)
		snprintf(r->err, r->errcap, "byte %zu: %s",
			 r->start - r->rem + 1, what);
	return -EINVAL;
}

static void skip_ws(struct rd *r)
{
	while (r->rem && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' ||
			  *r->p == '\n')) {
		r->p++;
		r->rem--;
	}
}

/*
 * read_string() - a JSON string at the cursor into @out (cut at @cap - 1);
 * anything but printable ASCII is stored as '?'.
 */
static int read_string(struct rd *r, char *out, size_t cap)
{
	size_t n = 0;

	if (!r->rem || *r->p != '"')
		return fail(r, "expected '\"'");
	r->p++;
	r->rem--;
	for (;;) {
		unsigned char c;

		if (!r->rem)
			return fail(r, "unterminated string");
		c = (unsigned char)*r->p++;
		r->rem--;
		if (c == '"')
			break;
		/* a raw control byte is not JSON */
		if (c < 0x20)
			return fail(r, "control byte in a string");
		if (c == '\\') {
			if (!r->rem)
				return fail(r, "unterminated escape");
			c = (unsigned char)*r->p++;
			r->rem--;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': case 'f': case 'n': case 'r': case 't':
				c = '?';
				break;
			case 'u': {
				unsigned int v = 0;

				if (r->rem < 4)
					return fail(r, "short \\u escape");
				for (int i = 0; i < 4; i++) {
					int h = num_hex_digit(r->p[i]);

					if (h < 0)
						return fail(r, "bad \\u escape");
					v = v << 4 | (unsigned int)h;
				}
				r->p += 4;
				r->rem -= 4;
				c = v >= 0x20 && v < 0x7f ? (unsigned char)v : '?';
				break;
			}
			default:
				return fail(r, "unknown escape");
			}
		} else if (c >= 0x7f) {
			c = '?';
		}
		if (out && n + 1 < cap)
			out[n++] = (char)c;
	}
	if (out && cap)
		out[n] = '\0';
	return 0;
}

/*
 * read_number() - a non-negative JSON number: its integer part in @whole,
 * up to six fraction digits as microseconds in @frac_us. Exponents and
 * signs are not something the daemon writes.
 */
static int read_number(struct rd *r, uint64_t *whole, uint64_t *frac_us)
{
	size_t n = 0, f = 0;
	uint64_t us = 0;

	while (n < r->rem && r->p[n] >= '0' && r->p[n] <= '9')
		n++;
	if (!n)
		return fail(r, "expected a value");
	if (num_parse_span(r->p, n, 10, 0, UINT64_MAX / 2000000, whole))
		return fail(r, "number out of range");
	r->p += n;
	r->rem -= n;
	if (r->rem && *r->p == '.') {
		r->p++;
		r->rem--;
		while (r->rem && *r->p >= '0' && *r->p <= '9') {
			if (f < 6) {
				us = us * 10 + (uint64_t)(*r->p - '0');
				f++;
			}
			r->p++;
			r->rem--;
		}
		if (!f)
			return fail(r, "expected a digit after '.'");
		for (; f < 6; f++)
			us *= 10;
	}
	if (r->rem && (*r->p == 'e' || *r->p == 'E'))
		return fail(r, "exponents are not read");
	*frac_us = us;
	return 0;
}

static int skip_literal(struct rd *r)
{
	static const char *const lits[] = { "true", "false", "null" };

	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t k = strlen(lits[i]);

		if (r->rem >= k && !memcmp(r->p, lits[i], k)) {
			r->p += k;
			r->rem -= k;
			return 0;
		}
	}
	return fail(r, "expected a string, a number, true, false or null");
}

/* Where each known string key goes; numbers are handled in read_value() */
static char *string_slot(struct declog_entry *e, const char *key, size_t *cap)
{
#define SLOT(k, field) \
	if (!strcmp(key, k)) { *cap = sizeof(e->field); return e->field; }
	SLOT("event", event)
	SLOT("verdict", verdict)
	SLOT("reason", reason)
	SLOT("rule", rule)
	SLOT("name", name)
	SLOT("proto", proto)
	SLOT("src", src)
	SLOT("dst", dst)
	SLOT("qname", qname)
	SLOT("qtype", qtype)
	SLOT("detail", detail)
	SLOT("bottle", bottle)
	SLOT("policy", policy)
#undef SLOT
	*cap = 0;
	return NULL;
}

static int read_value(struct rd *r, struct declog_entry *e, const char *key)
{
	uint64_t whole, frac;
	size_t cap;
	char *slot;

	if (!r->rem)
		return fail(r, "expected a value");
	if (*r->p == '"') {
		slot = string_slot(e, key, &cap);
		/* "qtype":"A", or "qtype":4242 when it has no name */
		return read_string(r, slot, cap);
	}
	if (*r->p == '{' || *r->p == '[')
		return fail(r, "nested values are not part of a decision line");
	if (*r->p < '0' || *r->p > '9')
		return skip_literal(r);
	if (read_number(r, &whole, &frac))
		return -EINVAL;
	if (!strcmp(key, "ts")) {
		e->ts_us = whole * 1000000 + frac;
	} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
		if (whole > 65535 || frac)
			return fail(r, "port out of range");
		*(!strcmp(key, "sport") ? &e->sport : &e->dport) = (int32_t)whole;
	} else if (!strcmp(key, "qtype") || !strcmp(key, "proto")) {
		char *dst = key[0] == 'q' ? e->qtype : e->proto;

		if (whole > 65535 || frac)
			return fail(r, "number out of range");
		snprintf(dst, 16, "%u", (unsigned int)whole);
	}
	return 0;
}

int declog_parse(const char *line, size_t len, struct declog_entry *e,
		 char *err, size_t errcap)
{
	struct rd r = { line, len, len, err, errcap };
	char key[32];

	memset(e, 0, sizeof(*e));
	e->sport = e->dport = -1;
	skip_ws(&r);
	if (!r.rem || *r.p != '{')
		return fail(&r, "expected '{'");
	r.p++;
	r.rem--;
	skip_ws(&r);
	if (r.rem && *r.p == '}')
		return fail(&r, "empty object");
	for (;;) {
		skip_ws(&r);
		if (read_string(&r, key, sizeof(key)))
			return -EINVAL;
		skip_ws(&r);
		if (!r.rem || *r.p != ':')
			return fail(&r, "expected ':'");
		r.p++;
		r.rem--;
		skip_ws(&r);
		if (read_value(&r, e, key))
			return -EINVAL;
		skip_ws(&r);
		if (r.rem && *r.p == ',') {
			r.p++;
			r.rem--;
			continue;
		}
		if (r.rem && *r.p == '}')
			break;
		return fail(&r, "expected ',' or '}'");
	}
	r.p++;
	r.rem--;
	skip_ws(&r);
	/* two records run together, or garbage after one */
	if (r.rem)
		return fail(&r, "text after the object");
	if (!e->event[0] || !e->verdict[0])
		return fail(&r, "no \"event\" or no \"verdict\"");
	return 0;
}

/* in_list() - whether @word is one of the comma-separated @list */
static bool in_list(const char *list, const char *word)
{
	size_t k = strlen(word);

	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == k && !strncmp(p, word, n))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

bool declog_match(const struct declog_entry *e, const struct declog_filter *f)
{
	if (f->bottle && *f->bottle && strcmp(f->bottle, e->bottle))
		return false;
	if (f->policy && *f->policy && strcmp(f->policy, e->policy))
		return false;
	if (f->verdicts && *f->verdicts && !in_list(f->verdicts, e->verdict))
		return false;
	if (f->events && *f->events && !in_list(f->events, e->event))
		return false;
	if (f->since_us && e->ts_us < f->since_us)
		return false;
	return true;
}

/* endpoint() - "10.0.2.100:53", "[2001:db8::1]:53" or the bare address */
static void endpoint(char *buf, size_t cap, const char *addr, int32_t port)
{
	bool v6 = strchr(addr, ':') != NULL;

	if (!*addr)
		snprintf(buf, cap, "?");
	else if (port < 0)
		snprintf(buf, cap, "%s", addr);
	else
		snprintf(buf, cap, v6 ? "[%s]:%d" : "%s:%d", addr, (int)port);
}

size_t declog_format_text(const struct declog_entry *e, bool utc, char *buf,
			  size_t cap)
{
	char when[40] = "-", src[80], dst[80], what[DECLOG_STR_MAX + 24];
	char verdict[16], why[2 * DECLOG_TEXT_MAX + 48];
	int n;

	if (e->ts_us) {
		time_t t = (time_t)(e->ts_us / 1000000);
		struct tm tm;

		if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) &&
		    strftime(when, 24, "%Y-%m-%d %H:%M:%S", &tm))
			snprintf(when + strlen(when), sizeof(when) - strlen(when),
				 ".%06u", (unsigned int)(e->ts_us % 1000000));
	}
	for (size_t i = 0; i < sizeof(verdict); i++) {
		char c = e->verdict[i];

		verdict[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
		if (!c)
			break;
	}
	endpoint(src, sizeof(src), e->src, e->sport);
	endpoint(dst, sizeof(dst), e->dst, e->dport);
	if (e->qname[0])
		snprintf(what, sizeof(what), " %s %s", e->qname,
			 e->qtype[0] ? e->qtype : "?");
	else if (e->name[0])
		snprintf(what, sizeof(what), " %s", e->name);
	else
		what[0] = '\0';
	/* the rule; a refusal before policy says its reason and detail too */
	if (!e->rule[0] || (e->reason[0] && strcmp(e->reason, "rule") &&
			    strcmp(e->reason, "default")))
		snprintf(why, sizeof(why), "%s%s%s%s%s", e->rule,
			 e->rule[0] && e->reason[0] ? ", " : "", e->reason,
			 e->detail[0] ? ": " : "", e->detail);
	else
		snprintf(why, sizeof(why), "%s", e->rule);
	n = snprintf(buf, cap, "%s %s %-10s %s %s %s -> %s%s  (%s)\n",
		     when, e->bottle[0] ? e->bottle : "-", verdict, e->event,
		     e->proto[0] ? e->proto : "-", src, dst, what,
		     why[0] ? why : "-");
	if (n < 0)
		return 0;
	if ((size_t)n >= cap) {
		if (cap >= 2) {
			buf[cap - 2] = '\n';
			buf[cap - 1] = '\0';
		}
		return cap ? cap - 1 : 0;
	}
	return (size_t)n;
}

static int parse_calendar(const char *s, bool utc, uint64_t *out)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M", "%Y-%m-%d",
	};

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm;
		const char *end;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		tm.tm_isdst = -1;
		end = strptime(s, fmts[i], &tm);
		if (!end || *end)
			continue;
		t = utc ? timegm(&tm) : mktime(&tm);
		if (t < 0)
			return -EINVAL;
		*out = (uint64_t)t * 1000000;
		return 0;
	}
	return -EINVAL;
}

int declog_parse_since(const char *s, uint64_t now_us, bool utc, uint64_t *out)
{
	size_t n = strlen(s), digits = 0;
	uint64_t v, unit = 0;

	while (digits < n && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (!digits)
		return -EINVAL;
	if (digits == n)	/* epoch seconds */
		return num_parse(s, 10, 0, UINT64_MAX / 1000000, &v) ? -EINVAL :
		       (*out = v * 1000000, 0);
	if (digits + 1 == n) {
		switch (s[digits]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: break;
		}
	}
	if (unit) {
		if (num_parse_span(s, digits, 10, 0, 100ULL * 365 * 86400 / unit, &v))
			return -EINVAL;
		v *= unit * 1000000;
		*out = v < now_us ? now_us - v : 1;
		return 0;
	}
	return parse_calendar(s, utc, out);
}
