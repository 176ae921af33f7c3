// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_gso.c - software segmentation against the rules of gso.h
 *
 * Each test builds a GSO packet the way a TUN with offloads hands it over
 * (one header set, a partial checksum, up to 64 KB of payload), cuts it,
 * and then checks every segment independently of the code under test:
 * it parses (pkt_parse()), its lengths, IPv4 header checksum and transport
 * checksum agree with the naive reference of pktbuild.h, sequence numbers
 * and IP ids advance, flags sit where Linux puts them, and the payloads
 * put back together equal the original byte for byte.
 */
#include <errno.h>
#include <stdlib.h>

#include "csum.h"
#include "gso.h"
#include "packet.h"
#include "pktbuild.h"
#include "t.h"
#include "vnet.h"

#define BIG	65536

static unsigned int seed = 7;

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand_r(&seed);
}

struct gpkt {
	uint8_t b[BIG + 128];
	size_t n, l4, l4hdr;
	bool v6;
	uint8_t proto;
	struct vnet_hdr h;
	struct pkt p;
};

/* A GSO packet: @ext8 bytes of IPv6 destination options when non-zero */
static int build(struct gpkt *g, bool is_v6, bool is_tcp, size_t payload,
		 uint16_t mss, uint8_t tcp_flags, size_t ext8)
{
	size_t l3, l4len;

	g->v6 = is_v6;
	g->proto = is_tcp ? PROTO_TCP : PROTO_UDP;
	g->l4hdr = is_tcp ? 32 : 8;		/* TCP with 12 bytes of options */
	l4len = g->l4hdr + payload;
	if (is_v6) {
		l3 = v6(g->b, ext8 ? 60 : g->proto, (ext8 ? ext8 : 0) + l4len);
		if (ext8)
			l3 += ext6(g->b + l3, g->proto, (uint8_t)(ext8 / 8 - 1));
	} else {
		l3 = v4(g->b, g->proto, 20 + l4len);
		put_be16(g->b + 6, 0x4000);	/* DF */
		v4_fix(g->b);
	}
	g->l4 = l3;
	g->n = l3 + l4len;
	if (is_tcp) {
		tcp(g->b + l3, 40000, 443, tcp_flags);
		g->b[l3 + 12] = 8 << 4;
		memset(g->b + l3 + 20, 1, 12);	/* NOPs */
	} else {
		udp(g->b + l3, 40000, 443, (uint16_t)l4len);
	}
	rnd_bytes(g->b + l3 + g->l4hdr, payload);
	put_be16(g->b + l3 + (is_tcp ? 16 : 6), ref_pseudo(g->b, is_v6, g->proto, l4len));
	memset(&g->h, 0, sizeof(g->h));
	g->h.flags = VNET_F_NEEDS_CSUM;
	g->h.gso_type = is_tcp ? (is_v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4) : VNET_GSO_UDP_L4;
	g->h.gso_size = mss;
	g->h.csum_start = (uint16_t)l3;
	g->h.csum_offset = is_tcp ? 16 : 6;
	g->h.hdr_len = (uint16_t)(l3 + g->l4hdr);
	return pkt_parse(g->b, g->n, &g->p);
}

struct seen {
	const struct gpkt *g;
	uint8_t joined[BIG];
	size_t got;
	int segs;
	int stop_at;
	bool bad;
	char why[160];
};

static int fail(struct seen *s, const char *why)
{
	if (!s->bad)
		snprintf(s->why, sizeof(s->why), "segment %d: %s", s->segs, why);
	s->bad = true;
	return 0;
}

/* The reference checks of one segment, reassembled into @s->joined */
static int check_seg(void *ctx, const uint8_t *hdr, size_t hlen,
		     const uint8_t *payload, size_t plen)
{
	static uint8_t seg[BIG + 128];
	struct seen *s = ctx;
	const struct gpkt *g = s->g;
	size_t n = hlen + plen, l4 = g->l4, ck = g->proto == PROTO_TCP ? 16 : 6;
	uint16_t want;
	struct pkt p;
	uint8_t flags;

	if (s->stop_at >= 0 && s->segs == s->stop_at)
		return -EPIPE;
	memcpy(seg, hdr, hlen);
	memcpy(seg + hlen, payload, plen);
	if (pkt_parse(seg, n, &p) != DROP_NONE)
		return fail(s, "does not parse");
	if (p.len != n || p.payload_len != plen)
		return fail(s, "length");
	if (plen > g->h.gso_size)
		return fail(s, "longer than gso_size");
	if (!g->v6) {
		if (get_be16(seg + 4) != (uint16_t)(0x1234 + s->segs))
			return fail(s, "IPv4 id");
		if (ref_csum(seg, 20))
			return fail(s, "IPv4 header checksum");
		if (get_be16(seg + 6) != 0x4000)
			return fail(s, "DF lost");
	}
	want = ref_l4_csum(seg, g->v6, g->proto, seg + l4, n - l4, ck);
	if (g->proto == PROTO_UDP && !want)
		want = 0xffff;
	if (get_be16(seg + l4 + ck) != want)
		return fail(s, "transport checksum");
	if (g->proto == PROTO_TCP) {
		bool last = s->got + plen == g->n - g->l4 - g->l4hdr;

		if (get_be32(seg + l4 + 4) != 0x01020304u + (uint32_t)s->got)
			return fail(s, "sequence number");
		flags = seg[l4 + 13];
		if ((flags & TCP_CWR) && s->segs)
			return fail(s, "CWR after the first segment");
		if ((flags & (TCP_FIN | TCP_PSH)) && !last)
			return fail(s, "FIN/PSH before the last segment");
		if (flags != (g->b[l4 + 13] & (uint8_t)~((s->segs ? TCP_CWR : 0) |
					 (last ? 0 : TCP_FIN | TCP_PSH))))
			return fail(s, "flags");
		if (memcmp(seg + l4 + 20, g->b + l4 + 20, 12))
			return fail(s, "options");
	} else if (get_be16(seg + l4 + 4) != 8 + plen) {
		return fail(s, "UDP length");
	}
	memcpy(s->joined + s->got, payload, plen);
	s->got += plen;
	s->segs++;
	return 0;
}

static struct gpkt g;
static struct seen s;

/* Cut @g and check it all; the number of segments, or -1 */
static int cut(void)
{
	uint8_t hdr[GSO_HDR_MAX];
	size_t payload = g.n - g.l4 - g.l4hdr;
	int n;

	memset(&s, 0, sizeof(s));
	s.g = &g;
	s.stop_at = -1;
	n = gso_segment(&g.p, &g.h, hdr, check_seg, &s);
	if (s.bad) {
		t_fail_at("%s", s.why);
		return -1;
	}
	if (n != s.segs || s.got != payload ||
	    memcmp(s.joined, g.b + g.l4 + g.l4hdr, payload)) {
		t_fail_at("%d segments, %zu of %zu payload bytes, or not equal", n,
			  s.got, payload);
		return -1;
	}
	return n;
}

TEST(tcp4_64k)
{
	CHECK_EQ(build(&g, false, true, 65535 - 52, 1448, TCP_ACK | TCP_PSH | TCP_CWR, 0),
		 DROP_NONE);
	CHECK_EQ(cut(), (65535 - 52 + 1447) / 1448);
}

TEST(tcp6_64k_fin)
{
	CHECK_EQ(build(&g, true, true, 65536 - 40 - 32 - 8, 1428,
		       TCP_ACK | TCP_PSH | TCP_FIN, 0), DROP_NONE);
	CHECK_EQ(cut(), (65536 - 80 + 1427) / 1428);
}

TEST(tcp6_ext_headers)
{
	CHECK_EQ(build(&g, true, true, 5000, 1000, TCP_ACK, 16), DROP_NONE);
	CHECK_EQ(cut(), 5);
}

TEST(tcp_exact_multiple)
{
	CHECK_EQ(build(&g, false, true, 3 * 1448, 1448, TCP_ACK | TCP_PSH, 0), DROP_NONE);
	CHECK_EQ(cut(), 3);
}

TEST(tcp_one_past)
{
	CHECK_EQ(build(&g, false, true, 3 * 1448 + 1, 1448, TCP_ACK | TCP_PSH, 0),
		 DROP_NONE);
	CHECK_EQ(cut(), 4);
}

TEST(tcp_smaller_than_mss)
{
	CHECK_EQ(build(&g, false, true, 100, 1448, TCP_ACK, 0), DROP_NONE);
	CHECK_EQ(cut(), 1);
}

TEST(tcp_tiny_mss)
{
	CHECK_EQ(build(&g, true, true, 999, 1, TCP_ACK | TCP_PSH, 0), DROP_NONE);
	CHECK_EQ(cut(), 999);
}

TEST(udp4_uso)
{
	CHECK_EQ(build(&g, false, false, 64000, 1200, 0, 0), DROP_NONE);
	CHECK_EQ(cut(), (64000 + 1199) / 1200);
}

TEST(udp6_uso_odd)
{
	CHECK_EQ(build(&g, true, false, 4001, 1000, 0, 0), DROP_NONE);
	CHECK_EQ(cut(), 5);
}

TEST(refuses)
{
	uint8_t hdr[GSO_HDR_MAX];

	memset(&s, 0, sizeof(s));
	s.g = &g;
	s.stop_at = -1;
	CHECK_EQ(build(&g, false, true, 3000, 1448, TCP_ACK, 0), DROP_NONE);
	g.h.gso_type = VNET_GSO_NONE;		/* not GSO */
	CHECK_EQ(gso_segment(&g.p, &g.h, hdr, check_seg, &s), -EINVAL);
	g.h.gso_type = VNET_GSO_TCPV6;		/* wrong family */
	CHECK_EQ(gso_segment(&g.p, &g.h, hdr, check_seg, &s), -EINVAL);
	g.h.gso_type = VNET_GSO_TCPV4;
	g.h.csum_start = 0;			/* checksum not at the transport header */
	CHECK_EQ(gso_segment(&g.p, &g.h, hdr, check_seg, &s), -EINVAL);
	/* headers past GSO_HDR_MAX: IPv6 with 240 bytes of options */
	CHECK_EQ(build(&g, true, true, 3000, 1448, TCP_ACK, 240), DROP_NONE);
	CHECK_EQ(gso_segment(&g.p, &g.h, hdr, check_seg, &s), -EINVAL);
	CHECK_EQ(s.segs, 0);
}

TEST(emit_stops)
{
	uint8_t hdr[GSO_HDR_MAX];

	CHECK_EQ(build(&g, false, true, 10000, 1000, TCP_ACK, 0), DROP_NONE);
	memset(&s, 0, sizeof(s));
	s.g = &g;
	s.stop_at = 3;
	CHECK_EQ(gso_segment(&g.p, &g.h, hdr, check_seg, &s), -EPIPE);
	CHECK_EQ(s.segs, 3);
}

int main(void)
{
	RUN(tcp4_64k);
	RUN(tcp6_64k_fin);
	RUN(tcp6_ext_headers);
	RUN(tcp_exact_multiple);
	RUN(tcp_one_past);
	RUN(tcp_smaller_than_mss);
	RUN(tcp_tiny_mss);
	RUN(udp4_uso);
	RUN(udp6_uso_odd);
	RUN(refuses);
	RUN(emit_stops);
	return t_done();
}
