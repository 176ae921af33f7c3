// SPDX-License-Identifier: GPL-2.0-or-later

/*
 * dns_synth.c - NXDOMAIN / REFUSED answers written over the query, in place
 *
 * A query accepted by dns_parse_query() is a header, an uncompressed
 * question at DNS_HDR_LEN, and maybe one OPT record. The refusal keeps the
 * first two: only the header's flags and counts change, the question bytes
 * stay exactly as the client wrote them (0x20 case randomisation survives),
 * and the query's OPT is replaced by sentry's own:
 *
 *   root (1) | OPT (2) | udp size (2) | ext-rcode 0, version 0 (2) |
 *   flags, DO echoed (2) | rdlength (2) | [EDE: code 15, length 2, info (6)]
 *
 * RA is set because, to the bottle, sentry is its recursive resolver. AA is
 * clear (sentry is authoritative for nothing), TC clear (the answer is
 * complete), AD clear (nothing here was validated).
 *
 * An upstream answer too long for the client's UDP size is truncated the
 * way the upstream itself would have done it: only the header and the
 * question stay, TC is set and the three record counts are zeroed. The
 * question is already at the front of the message, so truncation is a
 * rewrite of four header fields and a shorter length; nothing moves.
 */
#include <errno.h>

#include "cursor.h"
#include "dns_internal.h"

void dns_synth_opt(struct wcursor *w, bool do_bit, uint16_t rdlen)
{
	wcur_u8(w, 0);				/* owner: the root */
	wcur_u16(w, DNS_TYPE_OPT);
	wcur_u16(w, DNS_EDNS_UDP_SIZE);		/* "class": payload size */
	wcur_u8(w, 0);				/* extended rcode */
	wcur_u8(w, 0);				/* version */
	wcur_u16(w, do_bit ? DNS_EDNS_DO : 0);
	wcur_u16(w, rdlen);
}

int dns_synth_refusal(uint8_t *buf, size_t cap, const struct dns_msg *m,
		      unsigned int rcode, int ede)
{
	bool with_ede = m->edns.present && ede >= 0;
	size_t len = m->q.end;
	uint16_t flags;
	struct wcursor w;

	/* the 4-bit RCODE field, and the 16-bit INFO-CODE */
	if (rcode > DNS_RCODE_MASK || ede > 0xffff)
		return -EINVAL;
	/* not a parsed query: there is no question to keep */
	if (m->q.end <= DNS_HDR_LEN)
		return -EINVAL;

	/*
	 * Reserve the whole answer first: the query being rewritten is the
	 * caller's, and must be left whole when the answer does not fit.
	 */
	if (m->edns.present)
		len += DNS_RR_MIN + (with_ede ? EDNS_OPT_HDR_LEN + EDE_INFO_LEN : 0);
	wcur_init(&w, buf, cap);
	if (!wcur_skip(&w, len))
		return -ENOSPC;

	flags = DNS_FLAG_QR | DNS_FLAG_RA | (uint16_t)rcode |
		(m->hdr.flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	wcur_init(&w, buf, len);
	wcur_u16(&w, m->hdr.id);
	wcur_u16(&w, flags);
	wcur_u16(&w, 1);				/* QDCOUNT */
	wcur_u16(&w, 0);				/* ANCOUNT */
	wcur_u16(&w, 0);				/* NSCOUNT */
	wcur_u16(&w, m->edns.present ? 1 : 0);		/* ARCOUNT */
	wcur_skip(&w, m->q.end - DNS_HDR_LEN);		/* the question, kept */

	if (m->edns.present) {
		dns_synth_opt(&w, m->edns.do_bit,
			      with_ede ? EDNS_OPT_HDR_LEN + EDE_INFO_LEN : 0);
		if (with_ede) {
			wcur_u16(&w, EDNS_OPT_EDE);
			wcur_u16(&w, EDE_INFO_LEN);
			wcur_u16(&w, (uint16_t)ede);
		}
	}
	if (!wcur_ok(&w) || wcur_pos(&w) != len)	/* cannot happen: reserved */
		return -ENOSPC;
	return (int)len;
}

int dns_synth_truncate(uint8_t *buf, size_t len, size_t max)
{
	struct dns_msg m;
	struct wcursor w;

	if (len <= max && len <= DNS_MSG_MAX)
		return (int)len;
	/* unreadable, or no (or several) questions: nothing to keep */
	if (dns_parse_response(buf, len, &m) != DROP_NONE)
		return -EBADMSG;

	/* over exactly header and question: the rest is cut off */
	wcur_init(&w, buf, m.q.end);
	wcur_seek(&w, DNS_FLAGS_OFF);
	wcur_u16(&w, m.hdr.flags | DNS_FLAG_TC);
	wcur_seek(&w, DNS_ANCOUNT_OFF);
	wcur_u16(&w, 0);
	wcur_u16(&w, 0);			/* NSCOUNT */
	wcur_u16(&w, 0);			/* ARCOUNT */
	if (!wcur_ok(&w))			/* cannot happen: q.end > DNS_HDR_LEN */
		return -EBADMSG;
	return m.q.end;
}
