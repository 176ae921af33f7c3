// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_vnet.c - partial checksums and the virtio-net header
 *
 * Partial sums (csum_replace_partial(), pkt_rewrite_addr_partial()) are
 * checked against a full recomputation with the naive reference of
 * pktbuild.h: after rewriting an address, the field must equal the folded
 * pseudo-header sum of the new packet bit for bit, and finishing it
 * (vnet_csum_finish()) must give the checksum the reference computes over
 * the whole packet. vnet_check() is held to each of its refusals.
 */
#include <stdlib.h>

#include "csum.h"
#include "packet.h"
#include "pktbuild.h"
#include "t.h"
#include "vnet.h"

static unsigned int seed = 20250317;

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)rand_r(&seed) % n;
}

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand_r(&seed);
}

/* a public-looking unicast address: never 0, multicast or broadcast */
static void rnd_addr(uint8_t *a, bool v6)
{
	rnd_bytes(a, v6 ? 16 : 4);
	a[0] = (uint8_t)(v6 ? 0x20 : 1 + rnd(223));
}

struct ppkt {
	uint8_t b[2048];
	size_t n, l4, ck;
	bool v6;
	uint8_t proto;
};

/* A TCP or UDP packet as a TUN with offloads hands it over: partial sum in the field */
static void partial_packet(struct ppkt *r, bool is_v6, bool is_tcp, size_t payload)
{
	size_t l4hdr = is_tcp ? 20 : 8, l4len = l4hdr + payload;

	r->v6 = is_v6;
	r->proto = is_tcp ? PROTO_TCP : PROTO_UDP;
	r->l4 = is_v6 ? v6(r->b, r->proto, l4len) : v4(r->b, r->proto, 20 + l4len);
	r->n = r->l4 + l4len;
	rnd_addr(r->b + (is_v6 ? 8 : 12), is_v6);
	rnd_addr(r->b + (is_v6 ? 24 : 16), is_v6);
	if (!is_v6)
		v4_fix(r->b);
	if (is_tcp)
		tcp(r->b + r->l4, (uint16_t)(1 + rnd(65535)), 443, TCP_ACK | TCP_PSH);
	else
		udp(r->b + r->l4, (uint16_t)(1 + rnd(65535)), 443, (uint16_t)l4len);
	rnd_bytes(r->b + r->l4 + l4hdr, payload);
	r->ck = is_tcp ? 16 : 6;
	put_be16(r->b + r->l4 + r->ck, ref_pseudo(r->b, is_v6, r->proto, l4len));
}

static void hdr_for(const struct ppkt *r, struct vnet_hdr *h, uint8_t gso, uint16_t size)
{
	memset(h, 0, sizeof(*h));
	h->flags = VNET_F_NEEDS_CSUM;
	h->gso_type = gso;
	h->gso_size = size;
	h->csum_start = (uint16_t)r->l4;
	h->csum_offset = (uint16_t)r->ck;
	h->hdr_len = (uint16_t)(r->l4 + (r->proto == PROTO_TCP ? 20 : 8));
}

TEST(replace_partial_identity)
{
	uint8_t a[4] = { 1, 2, 3, 4 };
	uint16_t v;

	/* a change to the same bytes leaves any non-zero sum as it was */
	for (v = 1; v != 0; v++)
		if (csum_replace_partial(v, a, a, 4) != v) {
			t_fail_at("sum %04x moved", v);
			return;
		}
}

TEST(rewrite_partial_vs_recompute)
{
	static struct ppkt r;
	struct pkt p;

	for (int i = 0; i < 20000; i++) {
		bool is_v6 = rnd(2), is_tcp = rnd(2), dst = rnd(2);
		uint8_t to[16];
		struct vnet_hdr h;
		uint16_t want, got;
		size_t l4len;

		partial_packet(&r, is_v6, is_tcp, rnd(600));
		if (rnd(16) == 0) {	/* all-ones words: carries everywhere */
			memset(r.b + (is_v6 ? 8 : 12), 0xff, is_v6 ? 16 : 4);
			r.b[is_v6 ? 8 : 12] = 0xfe;	/* not multicast or broadcast */
		}
		if (!is_v6)
			v4_fix(r.b);
		l4len = r.n - r.l4;
		put_be16(r.b + r.l4 + r.ck, ref_pseudo(r.b, is_v6, r.proto, l4len));
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		hdr_for(&r, &h, VNET_GSO_NONE, 0);
		CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
		rnd_addr(to, is_v6);
		if (rnd(16) == 0)
			memset(to, rnd(2) ? 0xff : 0x00, is_v6 ? 16 : 4);
		vnet_rewrite_addr(&p, &h, dst, to);
		CHECK(!memcmp(dst ? pkt_dst(&p) : pkt_src(&p), to, is_v6 ? 16 : 4));
		want = ref_pseudo(r.b, is_v6, r.proto, l4len);
		got = get_be16(r.b + r.l4 + r.ck);
		if (got != want) {
			t_fail_at("v6 %d tcp %d: partial %04x, recomputed %04x", is_v6, is_tcp,
				  got, want);
			return;
		}
		if (!is_v6) {
			uint8_t hdr[20];

			memcpy(hdr, r.b, 20);
			v4_fix(hdr);
			CHECK_EQ(get_be16(hdr + 10), get_be16(r.b + 10));
		}
		/* finishing the sum gives the checksum of the whole new packet */
		want = ref_l4_csum(r.b, is_v6, r.proto, r.b + r.l4, l4len, r.ck);
		if (r.proto == PROTO_UDP && !want)
			want = 0xffff;
		vnet_csum_finish(&p, &h);
		CHECK_EQ(h.flags & VNET_F_NEEDS_CSUM, 0);
		CHECK_EQ(get_be16(r.b + r.l4 + r.ck), want);
	}
}

/* RFC 1624's formula on a partial field would be wrong: the test can tell */
TEST(full_formula_differs)
{
	static struct ppkt r;
	uint8_t to[4] = { 100, 127, 0, 2 };
	struct pkt p;
	uint16_t want;

	partial_packet(&r, false, true, 100);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	pkt_rewrite_addr(&p, 0, to);
	want = ref_pseudo(r.b, false, PROTO_TCP, r.n - r.l4);
	CHECK(get_be16(r.b + r.l4 + r.ck) != want);
}

TEST(hdr_get_put)
{
	const uint8_t wire[VNET_HDR_LEN] = { 1, 0x81, 0x42, 0, 0xa8, 5, 0x22, 0, 0x10, 0 };
	uint8_t out[VNET_HDR_LEN];
	struct vnet_hdr h;

	vnet_hdr_get(wire, &h);
	CHECK_EQ(h.flags, 1);
	CHECK_EQ(h.gso_type, 0x81);
	CHECK_EQ(vnet_gso(&h), VNET_GSO_TCPV4);
	CHECK_EQ(h.hdr_len, 0x42);
	CHECK_EQ(h.gso_size, 1448);
	CHECK_EQ(h.csum_start, 0x22);
	CHECK_EQ(h.csum_offset, 16);
	vnet_hdr_put(out, &h);
	CHECK(!memcmp(out, wire, VNET_HDR_LEN));
}

TEST(check_accepts)
{
	static struct ppkt r;
	struct vnet_hdr h;
	struct pkt p;

	memset(&h, 0, sizeof(h));
	partial_packet(&r, false, true, 10);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);		/* a zero header */
	h.flags = VNET_F_DATA_VALID;
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 1448);
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
	h.gso_type |= VNET_GSO_ECN;
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
	partial_packet(&r, true, true, 10);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	hdr_for(&r, &h, VNET_GSO_TCPV6, 1428);
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
	partial_packet(&r, true, false, 10);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	hdr_for(&r, &h, VNET_GSO_UDP_L4, 1200);
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
	hdr_for(&r, &h, VNET_GSO_NONE, 0);
	CHECK_EQ(vnet_check(&h, &p), DROP_NONE);
}

TEST(check_refuses)
{
	static struct ppkt r;
	struct vnet_hdr h;
	struct pkt p;

	partial_packet(&r, false, true, 10);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 1448);
	h.flags |= 4;					/* unknown flag */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 1448);
	h.flags = 0;					/* GSO without a partial sum */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_NONE, 0);
	h.flags = 0;
	h.gso_type = VNET_GSO_ECN;			/* ECN bit alone */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 0);		/* gso_size 0 */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_TCPV6, 1448);		/* wrong family */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_UDP_L4, 1448);		/* wrong protocol */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_UDP, 1448);		/* UFO */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, 7, 1448);			/* unknown type */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 1448);
	h.csum_start++;					/* not at the transport header */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	hdr_for(&r, &h, VNET_GSO_TCPV4, 1448);
	h.csum_offset = 6;				/* not TCP's checksum field */
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	/* ICMP with a partial sum */
	v4(r.b, PROTO_ICMP, 28);
	icmp(r.b + 20, 8, 0, 1, 1);
	put_be16(r.b + 22, ref_csum(r.b + 20, 8));
	CHECK_EQ(pkt_parse(r.b, 28, &p), DROP_NONE);
	memset(&h, 0, sizeof(h));
	h.flags = VNET_F_NEEDS_CSUM;
	h.csum_start = 20;
	h.csum_offset = 2;
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
	/* a first fragment with a partial sum */
	partial_packet(&r, false, false, 16);
	v4_frag(r.b, true, 0);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	CHECK_EQ(p.frag, PKT_FRAG_FIRST);
	hdr_for(&r, &h, VNET_GSO_NONE, 0);
	CHECK_EQ(vnet_check(&h, &p), DROP_VNET_HDR);
}

TEST(finish_without_flag_is_noop)
{
	static struct ppkt r;
	struct vnet_hdr h;
	struct pkt p;
	uint8_t before[2048];

	partial_packet(&r, true, false, 33);
	CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	memset(&h, 0, sizeof(h));
	memcpy(before, r.b, r.n);
	vnet_csum_finish(&p, &h);
	CHECK(!memcmp(before, r.b, r.n));
}

int main(void)
{
	RUN(replace_partial_identity);
	RUN(rewrite_partial_vs_recompute);
	RUN(full_formula_differs);
	RUN(hdr_get_put);
	RUN(check_accepts);
	RUN(check_refuses);
	RUN(finish_without_flag_is_noop);
	return t_done();
}
