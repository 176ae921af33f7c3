// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dns_clean.c - an allowed query rebuilt for the upstream from what sentry
 * parsed (dns_clean_query() in dns.h says what is kept and why)
 *
 * A query copied verbatim carries whatever the bottle put in the bytes the
 * name policy does not read: EDNS options (a 600-byte unknown option is a
 * channel to the resolver), reserved header and OPT flag bits, a chosen
 * payload size. Only the question is the bottle's; the rest is sentry's.
 */
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "dns.h"
#include "wire.h"

#define KEPT_FLAGS	(DNS_FLAG_RD | DNS_FLAG_AD | DNS_FLAG_CD)
#define OPT_FIXED_LEN	11	/* root owner, type, class, TTL, RDLENGTH */

/* The options of the OPT record at m->edns.off, counted into @st */
static void count_options(const struct dns_msg *m, struct dns_clean_stats *st)
{
	struct cursor c;
	uint32_t ttl;
	uint16_t rdlen;

	cur_init(&c, m->buf, m->len);
	cur_seek(&c, m->edns.off);
	cur_skip(&c, 1 + 2);		/* the root owner, the type */
	if (cur_u16(&c) != DNS_EDNS_UDP_SIZE)
		st->size = true;
	ttl = cur_u32(&c);
	rdlen = cur_u16(&c);
	st->version = ((ttl >> DNS_EDNS_VERSION_SHIFT) & 0xff) != 0;
	st->opt_bits = (uint16_t)(ttl & ~(uint32_t)DNS_EDNS_DO & 0xffff);
	cur_init(&c, cur_bytes(&c, rdlen), rdlen);
	while (cur_ok(&c) && cur_left(&c)) {
		uint16_t code = cur_u16(&c), len = cur_u16(&c);

		cur_skip(&c, len);
		if (!st->options)
			st->first_code = code;
		st->options++;
		st->option_bytes += EDNS_OPT_HDR_LEN + len;
	}
}

int dns_clean_query(uint8_t *out, size_t cap, const struct dns_msg *m,
		    struct dns_clean_stats *st)
{
	size_t qlen = (size_t)m->q.end - m->q.off;
	struct wcursor w;
	uint8_t *q;

	memset(st, 0, sizeof(*st));
	if (m->edns.present)
		count_options(m, st);	/* before @out overwrites m->buf */
	st->flags = m->hdr.flags & (uint16_t)~KEPT_FLAGS;
	wcur_init(&w, out, cap);
	wcur_u16(&w, 0);				/* ID: the resolver's */
	wcur_u16(&w, m->hdr.flags & KEPT_FLAGS);
	wcur_u16(&w, 1);				/* QDCOUNT */
	wcur_u16(&w, 0);				/* ANCOUNT */
	wcur_u16(&w, 0);				/* NSCOUNT */
	wcur_u16(&w, m->edns.present ? 1 : 0);		/* ARCOUNT */
	q = wcur_skip(&w, qlen);
	if (q)	/* memmove: @out may be m->buf (the question stays put then) */
		memmove(q, m->buf + m->q.off, qlen);
	if (m->edns.present)
		dns_synth_opt(&w, m->edns.do_bit, 0);	/* no options */
	return wcur_ok(&w) ? (int)wcur_pos(&w) : -ENOSPC;
}
