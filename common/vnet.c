// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnet.c - virtio_net_hdr: read, write, hold to the packet, finish checksums
 *
 * See vnet.h for the theory of operation.
 */
#include <string.h>

#include "csum.h"
#include "vnet.h"

static uint16_t get_le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static void put_le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

void vnet_hdr_get(const uint8_t *b, struct vnet_hdr *h)
{
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = get_le16(b + 2);
	h->gso_size = get_le16(b + 4);
	h->csum_start = get_le16(b + 6);
	h->csum_offset = get_le16(b + 8);
}

void vnet_hdr_put(uint8_t *b, const struct vnet_hdr *h)
{
	b[0] = h->flags;
	b[1] = h->gso_type;
	put_le16(b + 2, h->hdr_len);
	put_le16(b + 4, h->gso_size);
	put_le16(b + 6, h->csum_start);
	put_le16(b + 8, h->csum_offset);
}

/* The checksum field's offset in @p's transport header, 0 if not TCP/UDP */
static uint16_t field_off(const struct pkt *p)
{
	if (p->proto == PROTO_TCP)
		return TCP_CSUM_OFF;
	if (p->proto == PROTO_UDP)
		return UDP_CSUM_OFF;
	return 0;
}

enum drop_reason vnet_check(const struct vnet_hdr *h, const struct pkt *p)
{
	uint8_t gso = vnet_gso(h);
	uint16_t off = field_off(p);

	if (h->flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID))
		return DROP_VNET_HDR;		/* a flag we do not know the meaning of */
	if (!(h->flags & VNET_F_NEEDS_CSUM))
		return gso == VNET_GSO_NONE && !(h->gso_type & VNET_GSO_ECN) ?
		       DROP_NONE : DROP_VNET_HDR;	/* GSO needs a partial sum */
	/* a partial sum covers the whole datagram: never a fragment */
	if (!off || p->frag != PKT_FRAG_NONE || p->frag_hdr_off)
		return DROP_VNET_HDR;
	/* the sum must start at the transport header we parsed, and land on its field */
	if (h->csum_start != p->l4_off || h->csum_offset != off)
		return DROP_VNET_HDR;
	switch (gso) {
	case VNET_GSO_NONE:
		return h->gso_type & VNET_GSO_ECN ? DROP_VNET_HDR : DROP_NONE;
	case VNET_GSO_TCPV4:
		if (p->proto != PROTO_TCP || p->family != ADDR_FAMILY_V4)
			return DROP_VNET_HDR;
		break;
	case VNET_GSO_TCPV6:
		if (p->proto != PROTO_TCP || p->family != ADDR_FAMILY_V6)
			return DROP_VNET_HDR;
		break;
	case VNET_GSO_UDP_L4:
		if (p->proto != PROTO_UDP || (h->gso_type & VNET_GSO_ECN))
			return DROP_VNET_HDR;
		break;
	default:			/* UFO, or something newer */
		return DROP_VNET_HDR;
	}
	return h->gso_size ? DROP_NONE : DROP_VNET_HDR;
}

void vnet_rewrite_addr(struct pkt *p, const struct vnet_hdr *h, int dst,
		       const uint8_t *to)
{
	if (h && (h->flags & VNET_F_NEEDS_CSUM))
		pkt_rewrite_addr_partial(p, dst, to,
					 (size_t)h->csum_start + h->csum_offset);
	else
		pkt_rewrite_addr(p, dst, to);
}

void vnet_csum_finish(struct pkt *p, struct vnet_hdr *h)
{
	size_t at = (size_t)h->csum_start + h->csum_offset;
	uint16_t check;

	if (!(h->flags & VNET_F_NEEDS_CSUM))
		return;
	h->flags &= (uint8_t)~VNET_F_NEEDS_CSUM;
	if (h->csum_start >= p->len || at + 2 > p->len)
		return;			/* vnet_check() refused this */
	/* the field holds the pseudo-header sum: summing over it adds it in */
	check = csum_fold(csum_partial(p->data + h->csum_start,
				       p->len - h->csum_start, 0));
	if (p->proto == PROTO_UDP && !check)
		check = UDP_CSUM_ZERO_AS;
	memcpy(p->data + at, &check, 2);
}
