// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vnet.c - libFuzzer harness: a virtio-net header and the packet behind it
 *
 * The input is what a read from a TUN with a vnet header gives: 10 bytes
 * of header, then an IP packet. A bottle's root can shape both (a packet
 * socket with PACKET_VNET_HDR on its tun0), so whatever vnet_check()
 * accepts must be safe to act on: the address rewrite (partial checksum
 * or full), the checksum completion, and software segmentation, whose
 * every segment must parse again, carry at most gso_size bytes, and
 * together carry exactly the original payload.
 */
#include <stdlib.h>
#include <string.h>

#include "gso.h"
#include "packet.h"
#include "vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	const struct pkt *p;
	const struct vnet_hdr *h;
	size_t payload;
};

static int check_segment(void *ctx, const uint8_t *hdr, size_t hlen,
			 const uint8_t *payload, size_t plen)
{
	static uint8_t seg[GSO_HDR_MAX + 65536];
	struct seen *s = ctx;
	struct pkt q;

	if (hlen > GSO_HDR_MAX || plen > s->h->gso_size ||
	    payload < s->p->data || payload + plen > s->p->data + s->p->len)
		abort();
	memcpy(seg, hdr, hlen);
	memcpy(seg + hlen, payload, plen);
	if (pkt_parse(seg, hlen + plen, &q) != DROP_NONE || q.payload_len != plen)
		abort();
	s->payload += plen;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t to4[4] = { 100, 127, 0, 2 };
	static const uint8_t to16[16] = { 0xfd, 0x5e, 0, 0x5e, 0, 0x5e, [15] = 2 };
	uint8_t hdr[GSO_HDR_MAX];
	struct vnet_hdr h;
	struct seen s;
	struct pkt p;
	uint8_t *buf;

	if (size < VNET_HDR_LEN)
		return 0;
	vnet_hdr_get(data, &h);
	size -= VNET_HDR_LEN;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + VNET_HDR_LEN, size);
	if (pkt_parse(buf, size, &p) != DROP_NONE || vnet_check(&h, &p) != DROP_NONE)
		goto out;
	vnet_rewrite_addr(&p, &h, 0, p.family == ADDR_FAMILY_V4 ? to4 : to16);
	if (vnet_gso(&h) != VNET_GSO_NONE) {
		s.p = &p;
		s.h = &h;
		s.payload = 0;
		if (gso_segment(&p, &h, hdr, check_segment, &s) >= 0 &&
		    s.payload != p.payload_len)
			abort();
	} else {
		vnet_csum_finish(&p, &h);
		if (h.flags & VNET_F_NEEDS_CSUM)
			abort();
	}
out:
	free(buf);
	return 0;
}
