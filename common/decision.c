// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decision.c - decision records as JSON lines
 *
 * A small append-only writer: each field is formatted into a scratch area
 * and appended only if it fits whole, so a record that hits the cap loses
 * its last fields but stays valid JSON.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decision.h"
#include "dns.h"
#include "packet.h"
#include "policy.h"

struct jw {
	char *buf;
	size_t cap;
	size_t len;
	bool first;
};

static void append(struct jw *w, const char *s, size_t n)
{
	/* keep room for "}\n" and the NUL */
	if (w->len + n + 3 > w->cap)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/*
 * One record per new flow is written on the packet path, so the common
 * fields are put together by hand: a printf call costs about as much as
 * the rest of a field.
 */

/* key_prefix() - ',"KEY":' (no comma for the first field) at @tmp; its length */
static size_t key_prefix(const struct jw *w, const char *key, char *tmp)
{
	size_t n = 0, k = strlen(key);

	if (!w->first)
		tmp[n++] = ',';
	tmp[n++] = '"';
	memcpy(tmp + n, key, k);	// NOLINT(bugprone-not-null-terminated-result): bytes, not a string
	n += k;
	tmp[n++] = '"';
	tmp[n++] = ':';
	return n;
}

/* put_uint() - @v in decimal, zero-padded to @width (<= 20) digits; its length */
static size_t put_uint(char *buf, uint64_t v, unsigned int width)
{
	char d[20];
	size_t n = 0, i;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		d[n++] = '0';
	for (i = 0; i < n; i++)
		buf[i] = d[n - 1 - i];
	return n;
}

static void key_raw(struct jw *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void key_raw(struct jw *w, const char *key, const char *fmt, ...)
{
	char tmp[128];
	int n;
	va_list ap;

	n = (int)key_prefix(w, key, tmp);
	va_start(ap, fmt);
	n += vsnprintf(tmp + n, sizeof(tmp) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(tmp)) {
		append(w, tmp, (size_t)n);
		w->first = false;
	}
}

static void key_uint(struct jw *w, const char *key, uint64_t v)
{
	char tmp[64];
	size_t n = key_prefix(w, key, tmp);

	n += put_uint(tmp + n, v, 1);
	append(w, tmp, n);
	w->first = false;
}

/* "ts": seconds, '.', microseconds in six digits */
static void key_ts(struct jw *w, uint64_t ts_ns)
{
	char tmp[64];
	size_t n = key_prefix(w, "ts", tmp);

	n += put_uint(tmp + n, ts_ns / 1000000000ULL, 1);
	tmp[n++] = '.';
	n += put_uint(tmp + n, ts_ns % 1000000000ULL / 1000, 6);
	append(w, tmp, n);
	w->first = false;
}

static void key_str(struct jw *w, const char *key, const char *val)
{
	char tmp[DECISION_LINE_MAX];
	size_t n;

	if (!val)
		return;
	n = key_prefix(w, key, tmp);
	tmp[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (n + 8 >= sizeof(tmp))
			return;
		if (*p == '"' || *p == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)*p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "\\u%04x", *p);
		} else {
			tmp[n++] = (char)*p;
		}
	}
	tmp[n++] = '"';
	append(w, tmp, n);
	w->first = false;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return "tcp";
	case PROTO_UDP: return "udp";
	case PROTO_ICMP: return "icmp";
	case PROTO_ICMPV6: return "icmpv6";
	}
	return NULL;
}

const char *dns_type_name(uint16_t type)
{
	switch (type) {
	case DNS_TYPE_A: return "A";
	case 2: return "NS";
	case DNS_TYPE_CNAME: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case DNS_TYPE_AAAA: return "AAAA";
	case 33: return "SRV";
	case DNS_TYPE_OPT: return "OPT";
	case DNS_TYPE_SVCB: return "SVCB";
	case DNS_TYPE_HTTPS: return "HTTPS";
	case 255: return "ANY";
	}
	return NULL;
}

size_t decision_format(const struct decision *d, char *buf, size_t cap)
{
	struct jw w = { .buf = buf, .cap = cap, .len = 0, .first = true };
	char a[ADDR_TEXT_MAX];
	const char *pn;

	if (cap < 4) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	append(&w, "{", 1);
	key_ts(&w, d->ts_ns);
	key_str(&w, "event", d->event);
	key_str(&w, "verdict", d->verdict);
	key_str(&w, "reason", d->reason);
	key_str(&w, "rule", d->rule);
	key_str(&w, "name", d->name);
	pn = proto_name(d->proto);
	if (pn)
		key_str(&w, "proto", pn);
	else
		key_uint(&w, "proto", d->proto);
	key_str(&w, "src", addr_format(&d->src, a));
	if (d->has_ports)
		key_uint(&w, "sport", d->sport);
	key_str(&w, "dst", addr_format(&d->dst, a));
	if (d->has_ports)
		key_uint(&w, "dport", d->dport);
	if (d->qname) {
		const char *tn = dns_type_name(d->qtype);

		key_str(&w, "qname", d->qname);
		if (tn)
			key_str(&w, "qtype", tn);
		else
			key_raw(&w, "qtype", "\"TYPE%u\"", d->qtype);
	}
	key_str(&w, "detail", d->detail);
	key_str(&w, "bottle", d->bottle);
	key_str(&w, "policy", d->policy);
	buf[w.len++] = '}';
	buf[w.len++] = '\n';
	buf[w.len] = '\0';
	return w.len;
}

void decision_rule_text(const struct rule *r, char *buf, size_t cap)
{
	char body[RULE_PATTERN_MAX + 16 * RULE_PORTS_MAX + 32];
	const char *act = r->action == ACTION_ALLOW ? "allow " : "deny ";
	size_t n = 0, k;
	char *sep;

	if (!cap)
		return;
	/* rule_format() writes "KIND = PATTERN PORTS..."; the log wants no '=' */
	rule_format(r, body, sizeof(body));
	sep = strstr(body, " = ");
	if (sep)
		memmove(sep + 1, sep + 3, strlen(sep + 3) + 1);
	/* "ACTION BODY", cut to @cap as snprintf() would: no printf per flow */
	k = strlen(act);
	k = k < cap - 1 ? k : cap - 1;
	memcpy(buf, act, k);
	n = k;
	k = strlen(body);
	k = k < cap - 1 - n ? k : cap - 1 - n;
	memcpy(buf + n, body, k);
	buf[n + k] = '\0';
}
