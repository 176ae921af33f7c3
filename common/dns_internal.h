/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns_internal.h - helpers shared by the DNS files (common/dns_*.c) only
 *
 * Nothing outside common/dns_*.c includes this header; the contract for the
 * rest of sentry is dns.h.
 *
 * Names travel between the DNS files in canonical wire form (struct
 * dns_wname): uncompressed, ASCII upper case folded to lower case, root byte
 * included. Two names are the same DNS name exactly when their canonical
 * forms are byte for byte equal, so comparing never needs the text form.
 */
#ifndef SENTRY_DNS_INTERNAL_H
#define SENTRY_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"

struct dns_wname {
	uint16_t len;				/* wire bytes, root included */
	uint8_t wire[DNS_NAME_WIRE_MAX];	/* canonical form */
};

/* dns_name_read() flags */
#define DNS_NAME_NO_POINTER	0x1	/* a pointer is DROP_DNS_POINTER_IN_QUERY */

/*
 * dns_name_read() - validate (and optionally copy) the name at @off
 * @buf, @len:	the message; every byte the name touches lies below @len
 * @off:	offset of the name's first length byte
 * @flags:	DNS_NAME_NO_POINTER or 0
 * @out:	canonical form, or NULL to validate only
 * @end:	offset just past the name where it is written (after the first
 *		pointer, if any)
 *
 * Return: DROP_NONE, DROP_DNS_TRUNCATED, DROP_DNS_LABEL_TYPE,
 * DROP_DNS_NAME_LEN, DROP_DNS_POINTER or DROP_DNS_POINTER_IN_QUERY.
 */
enum drop_reason dns_name_read(const uint8_t *buf, size_t len, size_t off,
			       unsigned int flags, struct dns_wname *out,
			       size_t *end);

/* dns_name_text() - normalised text form of canonical name @w into @out */
void dns_name_text(const struct dns_wname *w, struct dns_name *out);

static inline bool dns_wname_equal(const struct dns_wname *a,
				   const struct dns_wname *b)
{
	return a->len == b->len && !memcmp(a->wire, b->wire, a->len);
}

/* One resource record as dns_rr_read() found it; offsets index the message */
struct dns_rr {
	size_t off;		/* owner name */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;		/* raw for OPT; otherwise 0 if the top bit was set */
	size_t rdata;		/* offset of the rdata */
	uint16_t rdlength;
	size_t end;		/* offset just past the record */
};

/*
 * dns_rr_read() - read the record at @off: owner, fixed fields, rdata bounds
 * @owner:	canonical owner name, or NULL if not wanted
 *
 * Checks only what every record shares; type-specific checks are the
 * caller's.
 * Return: DROP_NONE, a dns_name_read() reason, DROP_DNS_TRUNCATED (fixed
 * fields past the message) or DROP_DNS_RDATA (rdata past the message).
 */
enum drop_reason dns_rr_read(const uint8_t *buf, size_t len, size_t off,
			     struct dns_rr *rr, struct dns_wname *owner);

#endif /* SENTRY_DNS_INTERNAL_H */
