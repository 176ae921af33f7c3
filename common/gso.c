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
	bool tcp = p->proto == PROTO_TCP;
	uint8_t flags0 = 0;
	uint32_t seq0 = 0;
	uint16_t id0 = 0;
	int n = 0, rc;

	if (vnet_check(h, p) != DROP_NONE || vnet_gso(h) == VNET_GSO_NONE ||
	    hlen > GSO_HDR_MAX || !mss)
		return -EINVAL;
	if (tcp) {
		seq0 = get_be32(p->data + p->l4_off + TCP_SEQ_OFF);
		flags0 = p->data[p->l4_off + TCP_FLAGS_OFF];
	}
	if (p->family == ADDR_FAMILY_V4)
		id0 = get_be16(p->data + IPV4_ID_OFF);

	off = 0;
	do {
		size_t plen = total - off < mss ? total - off : mss;
		bool last = off + plen >= total;
		const uint8_t *payload = p->data + hlen + off;
		uint8_t *l4 = hdr + p->l4_off;
		uint16_t check;

		memcpy(hdr, p->data, hlen);
		if (p->family == ADDR_FAMILY_V4) {
			put_be16(hdr + IPV4_LEN_OFF, (uint16_t)(hlen + plen));
			put_be16(hdr + IPV4_ID_OFF, (uint16_t)(id0 + n));
			memset(hdr + IPV4_CSUM_OFF, 0, 2);
			check = csum_ipv4_header(hdr, p->l3_hdr_len);
			memcpy(hdr + IPV4_CSUM_OFF, &check, 2);
		} else {
			put_be16(hdr + IPV6_PLEN_OFF,
				 (uint16_t)(hlen - IPV6_HDR_LEN + plen));
		}
		if (tcp) {
			uint8_t f = flags0;

			put_be32(l4 + TCP_SEQ_OFF, seq0 + (uint32_t)off);
			if (n)
				f &= (uint8_t)~TCP_CWR;
			if (!last)
				f &= (uint8_t)~(TCP_FIN | TCP_PSH);
			l4[TCP_FLAGS_OFF] = f;
			memset(l4 + TCP_CSUM_OFF, 0, 2);
			check = l4_csum(p, l4, l4hdr, payload, plen);
			memcpy(l4 + TCP_CSUM_OFF, &check, 2);
		} else {
			put_be16(l4 + UDP_LEN_OFF, (uint16_t)(l4hdr + plen));
			memset(l4 + UDP_CSUM_OFF, 0, 2);
			check = l4_csum(p, l4, l4hdr, payload, plen);
			memcpy(l4 + UDP_CSUM_OFF, &check, 2);
		}
		rc = emit(ctx, hdr, hlen, payload, plen);
		if (rc)
			return rc;
		n++;
		off += plen;
	} while (off < total);
	return n;
}
