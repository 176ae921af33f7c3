// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish_spec.c - pasta's -t/-u port specifications, parsed without I/O
 *
 * Theory of operation
 *
 * The grammar is in publish_spec.h; pasta's conf.c is the reference. One
 * value is read in three steps, and nothing reaches @set before all three
 * have succeeded, so a refused value leaves the set as it was:
 *
 *   1. the optional "ADDR%IFNAME/" prefix, up to the first '/' (IPv6
 *	addresses have none; '%' is pasta's interface separator, so a
 *	scoped address cannot be written and is not needed);
 *   2. the chunks, into two short lists: ranges to publish (with the
 *	guest's first port) and ranges to leave out;
 *   3. each range to publish, minus the ranges left out, as runs of
 *	consecutive ports: each run is one mapping. The subtraction walks
 *	runs, never single ports, so "1-65535,~2-65534" costs two steps.
 *
 * A port published twice would fail at bind() with EADDRINUSE and a less
 * helpful message, so the overlap is refused here, naming the port.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helpers/publish_spec.h"
#include "kernel/netcfg.h"
#include "wire.h"

struct range {
	uint32_t lo, hi;	/* 32 bits: hi + 1 must not wrap */
	uint32_t guest_lo;
};

struct chunks {
	uint32_t nin, nex;
	struct range in[PUBLISH_CHUNKS_MAX];
	struct range ex[PUBLISH_CHUNKS_MAX];
};

static int why(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (len)
		vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* PORT: 1 to 5 decimal digits, 1..65535; *@p is left after it */
static int port(const char **p, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 5)
			return -EINVAL;
		v = v * 10 + (uint32_t)(**p - '0');
		(*p)++;
	}
	if (!n || !v || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

/* RANGE: PORT[-PORT], first <= last */
static int range(const char **p, uint32_t *lo, uint32_t *hi)
{
	if (port(p, lo))
		return -EINVAL;
	*hi = *lo;
	if (**p == '-') {
		(*p)++;
		if (port(p, hi) || *hi < *lo)
			return -EINVAL;
	}
	return 0;
}

/* One CHUNK, up to the next ',' or the end */
static int chunk(const char *c, size_t n, struct chunks *ch, char *err, size_t len)
{
	const char *p = c, *end = c + n;
	struct range r;
	uint32_t glo, ghi;
	bool ex = false;

	if (*p == '~') {
		ex = true;
		p++;
	}
	if (range(&p, &r.lo, &r.hi))
		return why(err, len, "'%.*s' is not a port or range of ports "
			   "(1-65535, first <= last)", (int)n, c);
	r.guest_lo = r.lo;
	if (p < end && *p == ':') {
		p++;
		if (ex)
			return why(err, len, "'%.*s': an excluded range maps to nothing",
				   (int)n, c);
		if (range(&p, &glo, &ghi))
			return why(err, len, "'%.*s': the guest side is not a port or "
				   "range of ports (1-65535, first <= last)", (int)n, c);
		if (ghi - glo != r.hi - r.lo)
			return why(err, len, "'%.*s': the host and guest ranges differ "
				   "in length", (int)n, c);
		r.guest_lo = glo;
	}
	if (p != end)
		return why(err, len, "'%.*s' is not a port, a range or a mapping",
			   (int)n, c);
	if ((ex ? ch->nex : ch->nin) == PUBLISH_CHUNKS_MAX)
		return why(err, len, "more than %d ranges", PUBLISH_CHUNKS_MAX);
	if (ex)
		ch->ex[ch->nex++] = r;
	else
		ch->in[ch->nin++] = r;
	return 0;
}

/* "ADDR", "ADDR%IFNAME" or "%IFNAME": the text before the '/' */
static int prefix(const char *s, size_t n, struct publish_map *m, char *err,
		  size_t len)
{
	char buf[ADDR_TEXT_MAX];
	const char *pct = memchr(s, '%', n);
	size_t alen = pct ? (size_t)(pct - s) : n;

	if (pct) {
		size_t ilen = n - alen - 1;

		if (!ilen || ilen >= sizeof(m->ifname))
			return why(err, len, "'%.*s' is not an interface name", (int)ilen,
				   pct + 1);
		memcpy(m->ifname, pct + 1, ilen);
		m->ifname[ilen] = '\0';
		if (!tun_ifname_valid(m->ifname))
			return why(err, len, "'%s' is not an interface name", m->ifname);
	}
	if (!alen) {
		if (!pct)
			return why(err, len, "nothing before '/': expected an address "
				   "or %%INTERFACE");
		return 0;
	}
	if (alen >= sizeof(buf))
		return why(err, len, "'%.*s' is not an address", (int)(alen > 64 ? 64 : alen), s);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &m->bind))
		return why(err, len, "'%s' is not an address", buf);
	m->has_bind = true;
	return 0;
}

/* Would @a and @b listen on a common port of a common address? */
static bool clash(const struct publish_map *a, const struct publish_map *b,
		  uint32_t *at)
{
	if (a->proto != b->proto || a->host_hi < b->host_lo || b->host_hi < a->host_lo)
		return false;
	if (a->has_bind && b->has_bind && !addr_equal(&a->bind, &b->bind))
		return false;
	*at = a->host_lo > b->host_lo ? a->host_lo : b->host_lo;
	return true;
}

/* The ranges in @ch minus the exclusions, as mappings like @tmpl, into @out */
static int subtract(const struct chunks *ch, const struct publish_map *tmpl,
		    struct publish_set *out, char *err, size_t len)
{
	for (uint32_t i = 0; i < ch->nin; i++) {
		const struct range *r = &ch->in[i];
		uint32_t p = r->lo;

		while (p <= r->hi) {
			uint32_t end = r->hi, at;
			bool skipped = false;
			struct publish_map *m;

			for (uint32_t j = 0; j < ch->nex; j++) {
				const struct range *x = &ch->ex[j];

				if (x->lo <= p && p <= x->hi) {
					p = x->hi + 1;
					skipped = true;
					break;
				}
				if (x->lo > p && x->lo - 1 < end)
					end = x->lo - 1;
			}
			if (skipped)
				continue;
			if (out->n == PUBLISH_MAPS_MAX)
				return why(err, len, "more than %d published ranges",
					   PUBLISH_MAPS_MAX);
			if (out->ports + (end - p + 1) > PUBLISH_PORTS_MAX)
				return why(err, len, "more than %d published ports",
					   PUBLISH_PORTS_MAX);
			m = &out->map[out->n];
			*m = *tmpl;
			m->host_lo = (uint16_t)p;
			m->host_hi = (uint16_t)end;
			m->guest_lo = (uint16_t)(r->guest_lo + (p - r->lo));
			for (uint32_t k = 0; k < out->n; k++)
				if (clash(&out->map[k], m, &at))
					return why(err, len, "port %u is published twice", at);
			out->n++;
			out->ports += end - p + 1;
			p = end + 1;
		}
	}
	return 0;
}

int publish_spec_parse(struct publish_set *set, uint8_t proto, const char *spec,
		       char *err, size_t len)
{
	struct publish_set next;	/* @set with this value added */
	struct publish_map tmpl;
	struct chunks ch;
	bool *none = proto == PROTO_TCP ? &set->tcp_none : &set->udp_none;
	const char *slash, *p, *end;
	size_t n = strnlen(spec, PUBLISH_SPEC_MAX);
	int rc;

	if (len)
		err[0] = '\0';
	if (n == PUBLISH_SPEC_MAX)
		return why(err, len, "longer than %d characters", PUBLISH_SPEC_MAX - 1);
	for (uint32_t i = 0; i < set->n; i++)
		if (set->map[i].proto == proto && !strcmp(spec, "none"))
			return why(err, len, "'none' and published ports exclude each other");
	if (!strcmp(spec, "none")) {
		*none = true;
		return 0;
	}
	if (*none)
		return why(err, len, "'none' and published ports exclude each other");
	if (!strcmp(spec, "auto") || !strcmp(spec, "all"))
		return why(err, len, "sentry publishes only the ports it is given, "
			   "not '%s'", spec);

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.proto = proto;
	tmpl.spec = spec;
	p = spec;
	end = spec + n;
	slash = strchr(spec, '/');
	if (slash) {
		if ((rc = prefix(spec, (size_t)(slash - spec), &tmpl, err, len)))
			return rc;
		p = slash + 1;
	}
	memset(&ch, 0, sizeof(ch));
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t clen = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (!clen)
			return why(err, len, "an empty port range");
		if ((rc = chunk(p, clen, &ch, err, len)))
			return rc;
		p += clen + 1;
	}
	if (!ch.nin)
		return why(err, len, "only exclusions: pasta would publish every other "
			   "port, sentry publishes only the ports it is given");
	next = *set;
	if ((rc = subtract(&ch, &tmpl, &next, err, len)))
		return rc;
	if (next.n == set->n)
		return why(err, len, "the exclusions leave no port");
	*set = next;
	return 0;
}

static_assert(PUBLISH_MAPS_MAX == CTL_PUBLISH_MAX, "an attach carries every mapping");

void publish_to_request(const struct publish_set *set, struct ctl_request *req)
{
	req->npublish = set->n;
	for (uint32_t i = 0; i < set->n; i++) {
		const struct publish_map *m = &set->map[i];

		req->publish[i] = (struct ctl_publish){
			.proto = m->proto, .has_bind = m->has_bind, .bind = m->bind,
			.host_lo = m->host_lo, .host_hi = m->host_hi, .guest_lo = m->guest_lo,
		};
	}
}
