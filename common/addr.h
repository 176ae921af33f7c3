/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - IPv4 and IPv6 addresses, prefixes and their special-purpose classes
 *
 * struct ipaddr keeps the family explicit. An IPv4 address is never stored as
 * an IPv4-mapped IPv6 address: ::ffff:a.b.c.d arriving in an IPv6 packet or a
 * AAAA record is an IPv6 address that *embeds* IPv4, and is classified as such
 * (a classic way around IPv4 rules).
 */
#ifndef SENTRY_ADDR_H
#define SENTRY_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_FAMILY_V4	4
#define ADDR_FAMILY_V6	6

/* Longest text form of an address, with NUL: "ffff:...:255.255.255.255" */
#define ADDR_TEXT_MAX	46
/* ... and of a prefix: address, '/', up to 3 digits */
#define PREFIX_TEXT_MAX	(ADDR_TEXT_MAX + 4)

struct ipaddr {
	uint8_t family;		/* ADDR_FAMILY_V4 or ADDR_FAMILY_V6 */
	uint8_t b[16];		/* network order; IPv4 uses b[0..3], rest zero */
};

/* Special-purpose classes (RFC 6890 and friends), as DNS rebinding checks see them */
enum addr_class {
	ADDR_PUBLIC = 0,	/* none of the below */
	ADDR_UNSPECIFIED,	/* 0.0.0.0/8, :: */
	ADDR_LOOPBACK,		/* 127.0.0.0/8, ::1 */
	ADDR_PRIVATE,		/* 10/8, 172.16/12, 192.168/16, fc00::/7 */
	ADDR_LINK_LOCAL,	/* 169.254/16 (cloud metadata lives here), fe80::/10 */
	ADDR_CGNAT,		/* 100.64.0.0/10 */
	ADDR_MULTICAST,		/* 224/4, ff00::/8 */
	ADDR_RESERVED,		/* 240/4 incl. broadcast, 192.0.0.0/24 */
	ADDR_EMBEDS_V4,		/* ::ffff:0:0/96, 64:ff9b::/96, 64:ff9b:1::/48, 2002::/16, 2001::/32 */
	ADDR_CLASS_MAX
};

/* addr_class_name() - "loopback", "private", ... for logs */
const char *addr_class_name(enum addr_class c);

/* addr_classify() - the special-purpose class of @a */
enum addr_class addr_classify(const struct ipaddr *a);

/* addr_len() - 4 or 16 bytes, by family */
static inline size_t addr_len(const struct ipaddr *a)
{
	return a->family == ADDR_FAMILY_V4 ? 4 : 16;
}

/* addr_set() - fill @a from @len (4 or 16) network-order bytes */
void addr_set(struct ipaddr *a, const uint8_t *bytes, size_t len);

bool addr_equal(const struct ipaddr *a, const struct ipaddr *b);

/*
 * addr_parse() - parse "198.18.0.1" or "2001:db8::1" (no brackets)
 * Return: 0, or -EINVAL
 */
int addr_parse(const char *s, struct ipaddr *out);

/*
 * addr_parse_prefix() - parse "A/N"; a bare address means a host prefix
 * @strict:	reject host bits set below the prefix length
 * Return: 0, -EINVAL (syntax or length), or -EADDRNOTAVAIL (host bits set)
 */
int addr_parse_prefix(const char *s, bool strict, struct ipaddr *net,
		      uint8_t *plen);

/* addr_format() - text form of @a into @buf (ADDR_TEXT_MAX); returns @buf */
char *addr_format(const struct ipaddr *a, char *buf);

/* addr_mask() - zero the bits of @a below prefix length @plen */
void addr_mask(struct ipaddr *a, unsigned int plen);

/* addr_in_prefix() - true if @a lies in @net/@plen (same family only) */
bool addr_in_prefix(const struct ipaddr *a, const struct ipaddr *net,
		    unsigned int plen);

#endif /* SENTRY_ADDR_H */
