// SPDX-License-Identifier: GPL-2.0-or-later
/* addr.c - address parsing, formatting and special-purpose classes */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "num.h"

static const char *const class_names[ADDR_CLASS_MAX] = {
	[ADDR_PUBLIC] = "public",
	[ADDR_UNSPECIFIED] = "unspecified",
	[ADDR_LOOPBACK] = "loopback",
	[ADDR_PRIVATE] = "private",
	[ADDR_LINK_LOCAL] = "link-local",
	[ADDR_CGNAT] = "cgnat",
	[ADDR_MULTICAST] = "multicast",
	[ADDR_RESERVED] = "reserved",
	[ADDR_EMBEDS_V4] = "embeds-ipv4",
};

const char *addr_class_name(enum addr_class c)
{
	return (unsigned)c < ADDR_CLASS_MAX ? class_names[c] : "?";
}

void addr_set(struct ipaddr *a, const uint8_t *bytes, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->family = len == 4 ? ADDR_FAMILY_V4 : ADDR_FAMILY_V6;
	memcpy(a->b, bytes, len == 4 ? 4 : 16);
}

bool addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, addr_len(a));
}

void addr_mask(struct ipaddr *a, unsigned int plen)
{
	size_t bits = addr_len(a) * 8;

	for (size_t i = 0; i < bits / 8; i++) {
		if (plen >= (i + 1) * 8)
			continue;
		if (plen <= i * 8)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xff << (8 - (plen - i * 8)));
	}
}

bool addr_in_prefix(const struct ipaddr *a, const struct ipaddr *net,
		    unsigned int plen)
{
	struct ipaddr m;

	if (a->family != net->family || plen > addr_len(a) * 8)
		return false;
	m = *a;
	addr_mask(&m, plen);
	return !memcmp(m.b, net->b, addr_len(a));
}

int addr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = ADDR_FAMILY_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = ADDR_FAMILY_V6;
		return 0;
	}
	return -EINVAL;
}

int addr_parse_prefix(const char *s, bool strict, struct ipaddr *net,
		      uint8_t *plen)
{
	char buf[PREFIX_TEXT_MAX];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t n;
	struct ipaddr masked;

	if (alen >= ADDR_TEXT_MAX)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, net))
		return -EINVAL;
	n = addr_len(net) * 8;
	if (slash) {
		/* num.h's rule: strtoul would take "+8", " 8" or "08" */
		if (num_parse(slash + 1, 10, 0, addr_len(net) * 8, &n))
			return -EINVAL;
	}
	masked = *net;
	addr_mask(&masked, (unsigned int)n);
	if (!addr_equal(&masked, net)) {
		if (strict)
			return -EADDRNOTAVAIL;
		*net = masked;
	}
	*plen = (uint8_t)n;
	return 0;
}

char *addr_format(const struct ipaddr *a, char *buf)
{
	if (a->family == ADDR_FAMILY_V4) {
		/* by hand: every new flow's log line formats two, and glibc's
		 * inet_ntop() goes through sprintf() */
		char *p = buf;

		for (int i = 0; i < 4; i++) {
			unsigned int v = a->b[i];

			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = '\0';
		return buf;
	}
	if (!inet_ntop(AF_INET6, a->b, buf, ADDR_TEXT_MAX))
		snprintf(buf, ADDR_TEXT_MAX, "?");
	return buf;
}

struct special {
	uint8_t family;
	uint8_t plen;
	uint8_t net[16];
	enum addr_class cls;
};

/*
 * Ordered most specific first where ranges nest. 198.18.0.0/15 (benchmarking)
 * is deliberately absent: it is routable in labs and sentry's own tests use it
 * as their "internet".
 */
static const struct special specials[] = {
	{ 4, 8, { 0 }, ADDR_UNSPECIFIED },
	{ 4, 8, { 127 }, ADDR_LOOPBACK },
	{ 4, 8, { 10 }, ADDR_PRIVATE },
	{ 4, 12, { 172, 16 }, ADDR_PRIVATE },
	{ 4, 16, { 192, 168 }, ADDR_PRIVATE },
	{ 4, 16, { 169, 254 }, ADDR_LINK_LOCAL },
	{ 4, 10, { 100, 64 }, ADDR_CGNAT },
	{ 4, 24, { 192, 0, 0 }, ADDR_RESERVED },
	{ 4, 4, { 224 }, ADDR_MULTICAST },
	{ 4, 4, { 240 }, ADDR_RESERVED },
	{ 6, 128, { 0 }, ADDR_UNSPECIFIED },
	{ 6, 128, { [15] = 1 }, ADDR_LOOPBACK },
	{ 6, 96, { [10] = 0xff, [11] = 0xff }, ADDR_EMBEDS_V4 },	/* v4-mapped */
	{ 6, 96, { 0 }, ADDR_EMBEDS_V4 },				/* v4-compatible (deprecated) */
	{ 6, 96, { 0, 0x64, 0xff, 0x9b }, ADDR_EMBEDS_V4 },		/* NAT64 */
	{ 6, 48, { 0, 0x64, 0xff, 0x9b, 0, 1 }, ADDR_EMBEDS_V4 },	/* local-use NAT64 */
	{ 6, 16, { 0x20, 0x02 }, ADDR_EMBEDS_V4 },			/* 6to4 */
	{ 6, 32, { 0x20, 0x01, 0, 0 }, ADDR_EMBEDS_V4 },		/* Teredo */
	{ 6, 7, { 0xfc }, ADDR_PRIVATE },				/* ULA */
	{ 6, 10, { 0xfe, 0x80 }, ADDR_LINK_LOCAL },
	{ 6, 10, { 0xfe, 0xc0 }, ADDR_PRIVATE },			/* site-local (deprecated) */
	{ 6, 8, { 0xff }, ADDR_MULTICAST },
};

enum addr_class addr_classify(const struct ipaddr *a)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		const struct special *s = &specials[i];
		struct ipaddr net;

		if (s->family != a->family)
			continue;
		addr_set(&net, s->net, s->family == 4 ? 4 : 16);
		if (addr_in_prefix(a, &net, s->plen))
			return s->cls;
	}
	return ADDR_PUBLIC;
}
