// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gso.c - software segmentation of TCP and UDP GSO packets
 *
 * See gso.h for the rules each segment follows.
 */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "cursor.h"
#include "gso.h"

/* One segment's transport checksum; its field in @l4 must be zero */
static uint16_t l4_csum(const struct pkt *p, const uint8_t *l4, size_t l4hdr,
			const uint8_t *payload, size_t plen)
{
	uint32_t sum = csum_pseudo(p, (uint32_t)(l4hdr + plen));
	uint16_t check;

	sum = csum_partial(l4, l4hdr, sum);
	/* l4hdr is even (TCP: 4n, UDP: 8), so the payload starts on a word */
	sum = csum_partial(payload, plen, sum);
	check = csum_fold(sum);
	if (p->proto == PROTO_UDP && !check)
		check = UDP_CSUM_ZERO_AS;
	return check;
}

int gso_segment(const struct pkt *p, const struct vnet_hdr *h, uint8_t *hdr,
		gso_emit_fn emit, void *ctx)
{
	size_t hlen = p->payload_off, l4hdr = (size_t)p->payload_off - p->l4_off;
	size_t total = p->payload_len, mss = h->gso_size, off;
	bool v4 = p->family == ADDR_FAMILY_V4;
	bool tcp = p->proto == PROTO_TCP;
	struct wcursor w;
	uint8_t flags0 = 0;
	uint32_t seq0 = 0;
	uint16_t id0 = 0;
	int n = 0, rc;

	if (vnet_check(h, p) != DROP_NONE || vnet_gso(h) == VNET_GSO_NONE || !mss)
		return -EINVAL;
	/* the headers, once: every field that differs is rewritten per segment */
	wcur_init(&w, hdr, GSO_HDR_MAX);
	wcur_bytes(&w, p->data, hlen);
	if (!wcur_ok(&w))			/* longer than GSO_HDR_MAX */
		return -EINVAL;
	if (tcp) {
		seq0 = get_be32(p->data + p->l4_off + TCP_SEQ_OFF);
		flags0 = p->data[p->l4_off + TCP_FLAGS_OFF];
	}
	if (v4)
		id0 = get_be16(p->data + IPV4_ID_OFF);

	off = 0;
	do {
		size_t plen = total - off < mss ? total - off : mss;
		bool last = off + plen >= total;
		const uint8_t *payload = p->data + hlen + off;
		uint8_t *ip_check = NULL, *l4_check;
		uint16_t check;

		/* over exactly the headers: a field outside them is an error */
		wcur_init(&w, hdr, hlen);
		if (v4) {
			wcur_seek(&w, IPV4_LEN_OFF);
			wcur_u16(&w, (uint16_t)(hlen + plen));
			wcur_seek(&w, IPV4_ID_OFF);
			wcur_u16(&w, (uint16_t)(id0 + n));
			wcur_seek(&w, IPV4_CSUM_OFF);
			ip_check = wcur_zero(&w, 2);
		} else {
			wcur_seek(&w, IPV6_PLEN_OFF);
			wcur_u16(&w, (uint16_t)(hlen - IPV6_HDR_LEN + plen));
		}
		if (tcp) {
			uint8_t f = flags0;

			if (n)
				f &= (uint8_t)~TCP_CWR;
			if (!last)
				f &= (uint8_t)~(TCP_FIN | TCP_PSH);
			wcur_seek(&w, p->l4_off + TCP_SEQ_OFF);
			wcur_u32(&w, seq0 + (uint32_t)off);
			wcur_seek(&w, p->l4_off + TCP_FLAGS_OFF);
			wcur_u8(&w, f);
			wcur_seek(&w, p->l4_off + TCP_CSUM_OFF);
		} else {
			wcur_seek(&w, p->l4_off + UDP_LEN_OFF);
			wcur_u16(&w, (uint16_t)(l4hdr + plen));
			wcur_seek(&w, p->l4_off + UDP_CSUM_OFF);
		}
		l4_check = wcur_zero(&w, 2);
		if (!wcur_ok(&w))		/* cannot happen: pkt_parse() placed them */
			return -EINVAL;
		if (v4) {
			check = csum_ipv4_header(hdr, p->l3_hdr_len);
			memcpy(ip_check, &check, 2);
		}
		check = l4_csum(p, hdr + p->l4_off, l4hdr, payload, plen);
		memcpy(l4_check, &check, 2);

		rc = emit(ctx, hdr, hlen, payload, plen);
		if (rc)
			return rc;
		n++;
		off += plen;
	} while (off < total);
	return n;
}
