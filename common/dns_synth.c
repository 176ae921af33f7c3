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
 */
#include <errno.h>

#include "cursor.h"
#include "dns_internal.h"

/* EDE option: code (2), length (2), INFO-CODE (2); no EXTRA-TEXT */
#define EDE_OPT_LEN		6

int dns_synth_refusal(uint8_t *buf, size_t cap, const struct dns_msg *m,
		      unsigned int rcode, int ede)
{
	bool with_ede = m->edns.present && ede >= 0;
	size_t len = m->q.end;
	uint16_t flags;
	uint8_t *p;

	/* the 4-bit RCODE field, and the 16-bit INFO-CODE */
	if (rcode > DNS_RCODE_MASK || ede > 0xffff)
		return -EINVAL;
	/* not a parsed query: there is no question to keep */
	if (m->q.end <= DNS_HDR_LEN)
		return -EINVAL;

	if (m->edns.present)
		len += DNS_RR_MIN + (with_ede ? EDE_OPT_LEN : 0);
	if (len > cap)
		return -ENOSPC;

	flags = DNS_FLAG_QR | DNS_FLAG_RA | (uint16_t)rcode |
		(m->hdr.flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	put_be16(buf, m->hdr.id);
	put_be16(buf + 2, flags);
	put_be16(buf + 4, 1);
	put_be16(buf + 6, 0);
	put_be16(buf + 8, 0);
	put_be16(buf + 10, m->edns.present ? 1 : 0);

	if (!m->edns.present)
		return (int)len;

	p = buf + m->q.end;
	p[0] = 0;
	put_be16(p + 1, DNS_TYPE_OPT);
	put_be16(p + 3, DNS_EDNS_UDP_SIZE);
	p[5] = 0;
	p[6] = 0;
	put_be16(p + 7, m->edns.do_bit ? DNS_EDNS_DO : 0);
	put_be16(p + 9, with_ede ? EDE_OPT_LEN : 0);
	if (with_ede) {
		put_be16(p + 11, EDNS_OPT_EDE);
		put_be16(p + 13, 2);
		put_be16(p + 15, (uint16_t)ede);
	}
	return (int)len;
}
