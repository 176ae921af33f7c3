// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_proto.c - control requests: parse and format
 *
 * The walk is a flat list of guards: each token is split at '=', its key
 * looked up in a table, its value decoded into a bounded buffer and then
 * converted. Anything unexpected ends the parse with a message naming the
 * token.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"
#include "num.h"
#include "wire.h"

static const struct {
	const char *word;
	enum ctl_verb verb;
} verbs[] = {
	{ "attach", CTL_ATTACH }, { "detach", CTL_DETACH },
	{ "bottles", CTL_BOTTLES }, { "stats", CTL_STATS },
	{ "flows", CTL_FLOWS }, { "names", CTL_NAMES },
	{ "reload", CTL_RELOAD }, { "ping", CTL_PING },
	{ "guard", CTL_GUARD }, { "unguard", CTL_UNGUARD },
	{ "metrics", CTL_METRICS }, { "inbound", CTL_INBOUND },
	{ "publish", CTL_PUBLISH }, { "unpublish", CTL_UNPUBLISH },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool ctl_bottle_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > BOTTLE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i], i == 0))
			return false;
	return true;
}

/* Decode %XX escapes of @in (@n bytes) into @out (@cap, NUL-terminated) */
static int decode(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = num_hex_digit(in[i + 1]);
			lo = num_hex_digit(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
			if (!c)
				return -1;	/* no NUL smuggled into a C string */
		} else if (c < 0x21 || c > 0x7e) {
			return -1;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* An interface address with its prefix length: host bits are the point */
static int parse_prefix(const char *s, uint8_t family, struct ctl_prefix *p)
{
	const char *slash = strchr(s, '/');
	char a[ADDR_TEXT_MAX];
	uint32_t plen;
	size_t n;

	if (!slash)
		return -1;
	n = (size_t)(slash - s);
	if (n >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	if (addr_parse(a, &p->addr) || p->addr.family != family ||
	    num_u32(slash + 1, 0, family == ADDR_FAMILY_V4 ? 32 : 128, &plen))
		return -1;
	p->plen = (uint8_t)plen;
	p->set = true;
	return 0;
}

static int parse_addr(const char *s, uint8_t family, struct ipaddr *a, bool *set)
{
	if (addr_parse(s, a) || a->family != family)
		return -1;
	*set = true;
	return 0;
}

static int copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = PROTO_UDP;
	else
		return -1;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint32_t v;

	if (num_u32(s, 1, 65535, &v))
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "tcp:8080-8081:80@127.0.0.1": a flat list of guards, one per lie */
static int parse_one_publish(char *s, struct ctl_publish *m)
{
	char *at = strchr(s, '@'), *c1 = strchr(s, ':'), *dash, *c2;

	memset(m, 0, sizeof(*m));
	if (at) {
		*at = '\0';
		if (addr_parse(at + 1, &m->bind))
			return -1;
		m->has_bind = true;
	}
	if (!c1)
		return -1;
	*c1 = '\0';
	if (parse_proto(s, &m->proto))
		return -1;
	dash = strchr(c1 + 1, '-');
	c2 = dash ? strchr(dash + 1, ':') : NULL;
	if (!dash || !c2)
		return -1;
	*dash = '\0';
	*c2 = '\0';
	if (parse_port(c1 + 1, &m->host_lo) || parse_port(dash + 1, &m->host_hi) ||
	    parse_port(c2 + 1, &m->guest_lo))
		return -1;
	/* a reversed range, or one whose guest end passes 65535 */
	if (m->host_hi < m->host_lo ||
	    (uint32_t)m->guest_lo + (m->host_hi - m->host_lo) > 65535)
		return -1;
	return 0;
}

static int parse_publish(char *val, struct ctl_request *r)
{
	char *save = NULL;

	for (char *t = strtok_r(val, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (r->npublish == CTL_PUBLISH_MAX ||
		    parse_one_publish(t, &r->publish[r->npublish]))
			return -1;
		r->npublish++;
	}
	return r->npublish ? 0 : -1;
}

int ctl_publish_format(const struct ctl_publish *m, uint32_t n, char *buf,
		       size_t cap)
{
	size_t o = 0;

	if (!cap)
		return -ENOSPC;
	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		char a[ADDR_TEXT_MAX];
		int k = snprintf(buf + o, cap - o, "%s%s:%u-%u:%u%s%s", i ? "," : "",
				 m[i].proto == PROTO_TCP ? "tcp" : "udp", m[i].host_lo,
				 m[i].host_hi, m[i].guest_lo, m[i].has_bind ? "@" : "",
				 m[i].has_bind ? addr_format(&m[i].bind, a) : "");

		if (k < 0 || (size_t)k >= cap - o)
			return -ENOSPC;
		o += (size_t)k;
	}
	return (int)o;
}

/* Apply one KEY=VALUE; returns 0 or -1 (bad value) or -2 (unknown key) */
static int apply(struct ctl_request *r, const char *key, char *val)
{
	if (!strcmp(key, "publish"))
		return parse_publish(val, r);
	if (!strcmp(key, "proto"))
		return parse_proto(val, &r->in_proto);
	if (!strcmp(key, "port"))
		return parse_port(val, &r->in_port);
	if (!strcmp(key, "to"))
		return parse_port(val, &r->in_to);
	if (!strcmp(key, "sport"))
		return parse_port(val, &r->in_sport);
	if (!strcmp(key, "src"))
		return addr_parse(val, &r->in_src) ? -1 : (r->has_src = true, 0);
	if (!strcmp(key, "refused"))
		return parse_bool(val, &r->refused);
	if (!strcmp(key, "name"))
		return ctl_bottle_name_valid(val) ?
		       copy(r->name, sizeof(r->name), val) : -1;
	if (!strcmp(key, "policy"))
		return policy_name_valid(val) ?
		       copy(r->policy, sizeof(r->policy), val) : -1;
	if (!strcmp(key, "json"))
		return parse_bool(val, &r->json);
	if (!strcmp(key, "keep"))
		return parse_bool(val, &r->keep);
	if (!strcmp(key, "pidfd"))
		return parse_bool(val, &r->pidfd);
	if (!strcmp(key, "inotify"))
		return parse_bool(val, &r->inotify);
	if (!strcmp(key, "bridge_port"))
		return val[0] && strlen(val) < sizeof(r->port) &&
		       !strpbrk(val, "/\"\\%:") ?
		       copy(r->port, sizeof(r->port), val) : -1;
	if (!strcmp(key, "queues"))
		return num_u32(val, 1, CTL_QUEUES_MAX, &r->queues) ? -1 : 0;
	if (!strcmp(key, "addr4"))
		return parse_prefix(val, ADDR_FAMILY_V4, &r->addr4);
	if (!strcmp(key, "addr6"))
		return parse_prefix(val, ADDR_FAMILY_V6, &r->addr6);
	if (!strcmp(key, "gw4"))
		return parse_addr(val, ADDR_FAMILY_V4, &r->gw4, &r->has_gw4);
	if (!strcmp(key, "gw6"))
		return parse_addr(val, ADDR_FAMILY_V6, &r->gw6, &r->has_gw6);
	if (!strcmp(key, "dns4"))
		return parse_addr(val, ADDR_FAMILY_V4, &r->dns4, &r->has_dns4);
	if (!strcmp(key, "dns6"))
		return parse_addr(val, ADDR_FAMILY_V6, &r->dns6, &r->has_dns6);
	if (!strcmp(key, "iface"))
		return val[0] && strlen(val) < sizeof(r->iface) &&
		       !strpbrk(val, "/\"\\%:") ?
		       copy(r->iface, sizeof(r->iface), val) : -1;
	if (!strcmp(key, "queue")) {
		r->has_queue = true;
		return num_u32(val, 0, 65535, &r->queue) ? -1 : 0;
	}
	if (!strcmp(key, "netns"))
		return val[0] == '/' ? copy(r->netns, sizeof(r->netns), val) : -1;
	return -2;
}

/* Keys a request can hold; each may appear once */
#define CTL_KEYS_MAX	16

int ctl_parse_request(const char *buf, size_t len, struct ctl_request *req,
		      char *err, size_t errlen)
{
	char key[32], val[CTL_VALUE_MAX], vcopy[CTL_VALUE_MAX];
	char seen[CTL_KEYS_MAX][32];
	size_t i = 0, vlen, nseen = 0;

	memset(req, 0, sizeof(*req));
	if (len && buf[len - 1] == '\n')
		len--;
	if (!len)
		return fail(err, errlen, "empty request");
	if (len >= CTL_REQUEST_MAX)
		return fail(err, errlen, "request longer than %d bytes", CTL_REQUEST_MAX);
	if (memchr(buf, '\n', len) || memchr(buf, '\0', len))
		return fail(err, errlen, "request must be one line of text");

	for (vlen = 0; vlen < len && buf[vlen] != ' '; vlen++)
		;
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strlen(verbs[v].word) == vlen && !memcmp(buf, verbs[v].word, vlen))
			req->verb = verbs[v].verb;
	if (!req->verb)
		return fail(err, errlen, "unknown request '%.*s'",
			    (int)(vlen > 32 ? 32 : vlen), buf);
	i = vlen;

	while (i < len) {
		size_t start, klen, tlen;
		const char *eq;
		int rc;

		if (buf[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && buf[i] != ' ')
			i++;
		tlen = i - start;
		eq = memchr(buf + start, '=', tlen);
		if (!eq)
			return fail(err, errlen, "expected KEY=VALUE, got '%.*s'",
				    (int)(tlen > 64 ? 64 : tlen), buf + start);
		klen = (size_t)(eq - (buf + start));
		if (!klen || klen >= sizeof(key))
			return fail(err, errlen, "bad key in '%.*s'",
				    (int)(tlen > 64 ? 64 : tlen), buf + start);
		for (size_t k = 0; k < klen; k++) {
			char c = buf[start + k];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
				return fail(err, errlen, "bad key in '%.*s'",
					    (int)(tlen > 64 ? 64 : tlen), buf + start);
		}
		memcpy(key, buf + start, klen);
		key[klen] = '\0';
		for (size_t k = 0; k < nseen; k++)
			if (!strcmp(seen[k], key))
				return fail(err, errlen, "key '%s' given twice", key);
		if (nseen == CTL_KEYS_MAX)
			return fail(err, errlen, "too many keys");
		memcpy(seen[nseen++], key, klen + 1);
		if (decode(eq + 1, tlen - klen - 1, val, sizeof(val)))
			return fail(err, errlen, "bad value for '%s'", key);
		memcpy(vcopy, val, sizeof(val));	/* apply() may cut @val up */
		rc = apply(req, key, val);
		if (rc == -2)
			return fail(err, errlen, "unknown key '%s'", key);
		if (rc)
			return fail(err, errlen, "bad value for '%s': '%.64s'", key, vcopy);
	}

	switch (req->verb) {
	case CTL_ATTACH:
		if (!req->queues)
			return fail(err, errlen, "attach needs queues=N");
		if (!req->addr4.set && !req->addr6.set)
			return fail(err, errlen, "attach needs addr4 or addr6");
		if (!req->name[0])
			return fail(err, errlen, "attach needs name");
		break;
	case CTL_PUBLISH:
	case CTL_UNPUBLISH:
		if (!req->name[0] || !req->npublish)
			return fail(err, errlen, "%s needs name and publish",
				    req->verb == CTL_PUBLISH ? "publish" : "unpublish");
		break;
	case CTL_INBOUND:
		if (!req->name[0] || !req->in_proto || !req->in_port || !req->in_to ||
		    !req->has_src || !req->in_sport)
			return fail(err, errlen, "inbound needs name, proto, port, to, src and sport");
		break;
	case CTL_DETACH:
	case CTL_UNGUARD:
		if (!req->name[0])
			return fail(err, errlen, "%s needs name",
				    req->verb == CTL_DETACH ? "detach" : "unguard");
		break;
	case CTL_GUARD:
		if (!req->name[0] || !req->policy[0] || !req->iface[0] ||
		    (!req->addr4.set && !req->addr6.set) || !req->has_queue)
			return fail(err, errlen, "guard needs name, policy, iface, addr4 or addr6, and queue");
		break;
	default:
		break;
	}
	return 0;
}

/* Append KEY=VALUE with VALUE escaped */
static int put(char *buf, size_t cap, size_t *o, const char *key, const char *val)
{
	int n = snprintf(buf + *o, cap - *o, " %s=", key);

	if (n < 0 || (size_t)n >= cap - *o)
		return -ENOSPC;
	*o += (size_t)n;
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*o + 4 >= cap)
			return -ENOSPC;
		if (*p < 0x21 || *p > 0x7e || *p == '%' || *p == '=')
			*o += (size_t)snprintf(buf + *o, cap - *o, "%%%02X", *p);
		else
			buf[(*o)++] = (char)*p;
	}
	buf[*o] = '\0';
	return 0;
}

static int put_prefix(char *buf, size_t cap, size_t *o, const char *key,
		      const struct ctl_prefix *p)
{
	char a[ADDR_TEXT_MAX], t[PREFIX_TEXT_MAX];

	if (!p->set)
		return 0;
	snprintf(t, sizeof(t), "%s/%u", addr_format(&p->addr, a), p->plen);
	return put(buf, cap, o, key, t);
}

static int put_addr(char *buf, size_t cap, size_t *o, const char *key,
		    bool set, const struct ipaddr *a)
{
	char t[ADDR_TEXT_MAX];

	return set ? put(buf, cap, o, key, addr_format(a, t)) : 0;
}

int ctl_format_request(const struct ctl_request *req, char *buf, size_t cap)
{
	const char *word = NULL;
	size_t o;
	char num[16];
	int rc = 0;

	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (verbs[v].verb == req->verb)
			word = verbs[v].word;
	if (!word || cap < strlen(word) + 2)
		return -ENOSPC;
	o = (size_t)snprintf(buf, cap, "%s", word);
	if (req->name[0])
		rc |= put(buf, cap, &o, "name", req->name);
	if (req->policy[0])
		rc |= put(buf, cap, &o, "policy", req->policy);
	rc |= put_prefix(buf, cap, &o, "addr4", &req->addr4);
	rc |= put_prefix(buf, cap, &o, "addr6", &req->addr6);
	rc |= put_addr(buf, cap, &o, "gw4", req->has_gw4, &req->gw4);
	rc |= put_addr(buf, cap, &o, "gw6", req->has_gw6, &req->gw6);
	rc |= put_addr(buf, cap, &o, "dns4", req->has_dns4, &req->dns4);
	rc |= put_addr(buf, cap, &o, "dns6", req->has_dns6, &req->dns6);
	if (req->queues) {
		snprintf(num, sizeof(num), "%u", req->queues);
		rc |= put(buf, cap, &o, "queues", num);
	}
	if (req->pidfd)
		rc |= put(buf, cap, &o, "pidfd", "1");
	if (req->inotify)
		rc |= put(buf, cap, &o, "inotify", "1");
	if (req->keep)
		rc |= put(buf, cap, &o, "keep", "1");
	if (req->netns[0])
		rc |= put(buf, cap, &o, "netns", req->netns);
	if (req->iface[0])
		rc |= put(buf, cap, &o, "iface", req->iface);
	if (req->port[0])
		rc |= put(buf, cap, &o, "bridge_port", req->port);
	if (req->has_queue) {
		snprintf(num, sizeof(num), "%u", req->queue);
		rc |= put(buf, cap, &o, "queue", num);
	}
	if (req->npublish) {
		char list[CTL_VALUE_MAX];

		if (ctl_publish_format(req->publish, req->npublish, list, sizeof(list)) < 0)
			return -ENOSPC;
		rc |= put(buf, cap, &o, "publish", list);
	}
	if (req->in_proto)
		rc |= put(buf, cap, &o, "proto", req->in_proto == PROTO_TCP ? "tcp" : "udp");
	if (req->in_port) {
		snprintf(num, sizeof(num), "%u", req->in_port);
		rc |= put(buf, cap, &o, "port", num);
	}
	if (req->in_to) {
		snprintf(num, sizeof(num), "%u", req->in_to);
		rc |= put(buf, cap, &o, "to", num);
	}
	if (req->has_src) {
		char a[ADDR_TEXT_MAX];

		rc |= put(buf, cap, &o, "src", addr_format(&req->in_src, a));
	}
	if (req->in_sport) {
		snprintf(num, sizeof(num), "%u", req->in_sport);
		rc |= put(buf, cap, &o, "sport", num);
	}
	if (req->refused)
		rc |= put(buf, cap, &o, "refused", "1");
	if (req->json)
		rc |= put(buf, cap, &o, "json", "1");
	if (rc || o + 2 > cap)
		return -ENOSPC;
	buf[o++] = '\n';
	buf[o] = '\0';
	return (int)o;
}
