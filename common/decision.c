// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decision.c - decision records as JSON lines
 *
 * A small append-only writer: each field is formatted into a scratch area
 * and appended only if it fits whole, so a record that hits the cap loses
 * its last fields but stays valid JSON.
 */
#include <inttypes.h>
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

static void key_raw(struct jw *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void key_raw(struct jw *w, const char *key, const char *fmt, ...)
{
	char tmp[128];
	int n;
	va_list ap;

	n = snprintf(tmp, sizeof(tmp), "%s\"%s\":", w->first ? "" : ",", key);
	va_start(ap, fmt);
	n += vsnprintf(tmp + n, sizeof(tmp) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(tmp)) {
		append(w, tmp, (size_t)n);
		w->first = false;
	}
}

static void key_str(struct jw *w, const char *key, const char *val)
{
	char tmp[DECISION_LINE_MAX];
	size_t n;

	if (!val)
		return;
	n = (size_t)snprintf(tmp, sizeof(tmp), "%s\"%s\":\"", w->first ? "" : ",", key);
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
	key_raw(&w, "ts", "%" PRIu64 ".%06" PRIu64,
		(uint64_t)(d->ts_ns / 1000000000ULL),
		(uint64_t)((d->ts_ns % 1000000000ULL) / 1000));
	key_str(&w, "event", d->event);
	key_str(&w, "verdict", d->verdict);
	key_str(&w, "reason", d->reason);
	key_str(&w, "rule", d->rule);
	key_str(&w, "name", d->name);
	pn = proto_name(d->proto);
	if (pn)
		key_str(&w, "proto", pn);
	else
		key_raw(&w, "proto", "%u", d->proto);
	key_str(&w, "src", addr_format(&d->src, a));
	if (d->has_ports)
		key_raw(&w, "sport", "%u", d->sport);
	key_str(&w, "dst", addr_format(&d->dst, a));
	if (d->has_ports)
		key_raw(&w, "dport", "%u", d->dport);
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
	const char *sep;
	const char *rest = body;

	/* rule_format() writes "KIND = PATTERN PORTS..."; the log wants no '=' */
	rule_format(r, body, sizeof(body));
	sep = strstr(body, " = ");
	if (sep) {
		snprintf(buf, cap, "%s %.*s %s",
			 r->action == ACTION_ALLOW ? "allow" : "deny",
			 (int)(sep - body), body, sep + 3);
		return;
	}
	snprintf(buf, cap, "%s %s", r->action == ACTION_ALLOW ? "allow" : "deny",
		 rest);
}
