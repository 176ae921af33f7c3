// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reply_quote.c - pkt_rewrite_quote_addr(): the NAT fix-up of the
 * packet an ICMP or ICMPv6 error quotes
 *
 * The reference is a rebuild, not a formula: for every quoted packet
 * (TCP, UDP with and without a checksum, ICMP echo, a protocol with no
 * checksum we know; with and without IPv4 options or IPv6 extension
 * headers), every quote length from the bare IP header to the whole packet,
 * and both addresses, the error is built once with the old address and
 * once from scratch with the new one, every checksum computed in full by
 * pktbuild.h. The rewrite of the first must equal the second byte for byte,
 * and rewriting back must give the first again.
 */
#include <errno.h>

#include "reply.h"
#include "t.h"
#include "replytest.h"

/* The egress address the packet left with, the bottle's own, a router */
static const uint8_t EGRESS4[4] = { 100, 64, 0, 7 };
static const uint8_t ROUTER4[4] = { 198, 18, 0, 254 };
static const uint8_t OTHER4[4] = { 198, 19, 255, 1 };
static const uint8_t EGRESS6[16] = { 0xfd, 0x53, 0x4e, 0x54, [15] = 7 };
static const uint8_t ROUTER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0xfe };
static const uint8_t OTHER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [14] = 0x80, [15] = 1 };

#define PLEN	37	/* payload of the quoted packet: odd, to pad a word */

struct qcase {
	bool v6;
	uint8_t proto;		/* TCP, UDP, ICMP/ICMPv6 (echo request), 47 */
	size_t ext;		/* IPv4 option bytes / IPv6 destination-options bytes */
	bool no_csum;		/* UDP: checksum 0 */
	uint16_t word0;		/* if not 0, the payload's first two bytes */
};

/* inner() - the whole quoted packet @src -> @dst, checksums computed */
static size_t inner(uint8_t *b, const struct qcase *c, const uint8_t *src,
		    const uint8_t *dst)
{
	size_t hl = (c->v6 ? 40 : 20) + c->ext, l4len, off, n;
	uint16_t ck;

	l4len = (c->proto == PROTO_TCP ? 20 : 8) + PLEN;
	n = hl + l4len;
	if (c->v6) {
		v6(b, c->ext ? 60 : c->proto, n - 40);
		if (c->ext)
			ext6(b + 40, c->proto, (uint8_t)(c->ext / 8 - 1));
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
	} else {
		v4(b, c->proto, n);
		b[0] = (uint8_t)(0x40 | hl / 4);
		memset(b + 20, 1, c->ext);
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
		v4_fix(b);
	}
	switch (c->proto) {
	case PROTO_TCP:
		tcp(b + hl, 40000, 443, TCP_ACK);
		break;
	case PROTO_UDP:
		udp(b + hl, 40000, 53, (uint16_t)l4len);
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		icmp(b + hl, c->v6 ? 128 : 8, 0, 4242, 7);
		break;
	default:
		memset(b + hl, 0x99, 8);
		break;
	}
	for (size_t i = 0; i < PLEN; i++)
		b[n - PLEN + i] = (uint8_t)(i * 29 + 5);
	if (c->word0)
		put_be16(b + n - PLEN, c->word0);
	off = l4_csum_off(c->proto);
	if (off && !c->no_csum) {
		ck = ref_l4_csum(b, c->v6, c->proto, b + hl, l4len, off);
		put_be16(b + hl + off, ck || c->proto != PROTO_UDP ? ck : 0xffff);
	}
	return n;
}

/*
 * error_pkt() - ROUTER -> EGRESS, unreachable, quoting the first @qlen
 * bytes of inner(@src -> @dst); the outer checksum computed in full
 */
static size_t error_pkt(uint8_t *b, const struct qcase *c, const uint8_t *src,
			const uint8_t *dst, size_t qlen)
{
	static uint8_t in[512];
	size_t il = inner(in, c, src, dst), hl = c->v6 ? 40 : 20, n;
	uint8_t proto = c->v6 ? PROTO_ICMPV6 : PROTO_ICMP;

	if (qlen > il)
		qlen = il;
	n = hl + 8 + qlen;
	if (c->v6) {
		v6(b, proto, n - 40);
		memcpy(b + 8, ROUTER6, 16);
		memcpy(b + 24, EGRESS6, 16);
	} else {
		v4(b, proto, n);
		memcpy(b + 12, ROUTER4, 4);
		memcpy(b + 16, EGRESS4, 4);
		v4_fix(b);
	}
	icmp(b + hl, c->v6 ? 1 : 3, c->v6 ? 4 : 3, 0, 0);
	memcpy(b + hl + 8, in, qlen);
	put_be16(b + hl + 2, ref_l4_csum(b, c->v6, proto, b + hl, 8 + qlen, 2));
	return n;
}

/* first_diff() - where two buffers first differ, for the failure message */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static uint8_t ref[1024];

/* pseudo_csum() - the quoted packet has a checksum over its addresses */
static bool pseudo_csum(const struct qcase *c)
{
	if (c->no_csum)
		return false;
	return c->proto == PROTO_TCP || c->proto == PROTO_UDP ||
	       (c->v6 && c->proto == PROTO_ICMPV6);
}

/*
 * keep_half() - a quote that ends inside the transport checksum shows one
 * byte of it; with the other unknown no new value can be computed, so that
 * byte keeps its old value (from orig) and the reference's outer checksum
 * is recomputed around it
 */
static void keep_half(const struct qcase *c, size_t n, size_t at)
{
	size_t hl = c->v6 ? 40 : 20;

	ref[at] = orig[at];
	put_be16(ref + hl + 2, ref_l4_csum(ref, c->v6,
					   c->v6 ? PROTO_ICMPV6 : PROTO_ICMP,
					   ref + hl, n - hl, 2));
}

/* one_case() - every quote length and both addresses of @c */
static void one_case(const struct qcase *c)
{
	const uint8_t *egress = c->v6 ? EGRESS6 : EGRESS4;
	const uint8_t *bottle = c->v6 ? SRC6 : SRC4;
	const uint8_t *peer = c->v6 ? DST6 : DST4;
	const uint8_t *other = c->v6 ? OTHER6 : OTHER4;
	size_t ohl = c->v6 ? 40 : 20, qhl = ohl + c->ext;
	size_t il = inner(ref, c, egress, peer), half = 0;

	/* the quote length that cuts the transport checksum in half */
	if (pseudo_csum(c))
		half = qhl + l4_csum_off(c->proto) + 1;

	for (size_t q = qhl; q <= il; q++) {
		for (int d = 0; d < 2; d++) {
			const uint8_t *from = d ? peer : egress;
			const uint8_t *to = d ? other : bottle;
			size_t n = error_pkt(orig, c, egress, peer, q), rn;

			CHECK_EQ(load(orig, n, n), DROP_NONE);
			CHECK_EQ(P.icmp_kind, ICMP_KIND_ERROR);
			CHECK_EQ(pkt_rewrite_quote_addr(&P, d, to), 0);
			rn = error_pkt(ref, c, d ? egress : bottle,
				       d ? other : peer, q);
			CHECK_EQ(rn, n);
			if (q == half)
				keep_half(c, n, ohl + 8 + half - 1);
			if (memcmp(inb, ref, n)) {
				t_fail_at("v6 %d proto %u ext %zu no_csum %d quote %zu dst %d: byte %zu",
					  c->v6, c->proto, c->ext, c->no_csum, q, d,
					  first_diff(inb, ref, n));
				return;
			}
			CHECK(verify(inb, n));		/* the outer checksum */
			if (!c->v6)
				CHECK_EQ(csum_ipv4_header(inb + ohl + 8, qhl), 0);
			if (q == il && !c->no_csum)	/* the whole quote is valid */
				CHECK(verify(inb + ohl + 8, il));
			CHECK_EQ(pkt_rewrite_quote_addr(&P, d, from), 0);
			CHECK(!memcmp(inb, orig, n));
		}
	}
}

TEST(quote_rewrite_v4)
{
	static const struct qcase cases[] = {
		{ false, PROTO_TCP, 0, false, 0 }, { false, PROTO_TCP, 8, false, 0 },
		{ false, PROTO_UDP, 0, false, 0 }, { false, PROTO_UDP, 12, false, 0 },
		{ false, PROTO_UDP, 0, true, 0 }, { false, PROTO_ICMP, 0, false, 0 },
		{ false, 47, 4, false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one_case(&cases[i]);
		if (t_cur_failed)
			return;
	}
}

TEST(quote_rewrite_v6)
{
	static const struct qcase cases[] = {
		{ true, PROTO_TCP, 0, false, 0 }, { true, PROTO_TCP, 16, false, 0 },
		{ true, PROTO_UDP, 0, false, 0 }, { true, PROTO_UDP, 8, false, 0 },
		{ true, PROTO_UDP, 0, true, 0 }, { true, PROTO_ICMPV6, 0, false, 0 },
		{ true, PROTO_ICMPV6, 8, false, 0 }, { true, 47, 0, false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one_case(&cases[i]);
		if (t_cur_failed)
			return;
	}
}

/* A quoted UDP checksum of 0 means none: it must stay 0, not become valid */
TEST(quote_rewrite_keeps_udp_zero)
{
	struct qcase c = { false, PROTO_UDP, 0, true, 0 };
	size_t n = error_pkt(buf, &c, EGRESS4, DST4, 200);

	CHECK_EQ(get_be16(buf + 28 + 26), 0);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(pkt_rewrite_quote_addr(&P, false, SRC4), 0);
	CHECK_EQ(get_be16(inb + 28 + 26), 0);
	CHECK(!memcmp(inb + 28 + 12, SRC4, 4));
	CHECK(verify(inb, n));
}

/*
 * A rewrite whose quoted UDP checksum comes out as 0 must write 0xffff
 * (0 would mean "none"): pick the payload's first word so that the
 * packet with the bottle's address sums to -0, then rewrite the egress
 * address into it.
 */
TEST(quote_rewrite_udp_sum_to_ffff)
{
	struct qcase c = { false, PROTO_UDP, 0, false, 0 };

	for (int is_v6 = 0; is_v6 < 2; is_v6++) {
		size_t hl = is_v6 ? 40 : 20;
		uint32_t sum;

		c.v6 = is_v6;
		c.word0 = 0;
		inner(ref, &c, is_v6 ? SRC6 : SRC4, is_v6 ? DST6 : DST4);
		/* the word that makes the sum -0: the checksum + the word it replaces */
		sum = (uint32_t)get_be16(ref + hl + 6) + get_be16(ref + hl + 8);
		c.word0 = (uint16_t)((sum & 0xffff) + (sum >> 16));
		inner(ref, &c, is_v6 ? SRC6 : SRC4, is_v6 ? DST6 : DST4);
		CHECK_EQ(get_be16(ref + hl + 6), 0xffff);
		one_case(&c);
		if (t_cur_failed)
			return;
	}
}

/* expect -EINVAL for the packet at buf, with nothing written */
#define CHECK_NO_REWRITE(n)						\
	do {								\
		CHECK_EQ(load(buf, (n), (n)), DROP_NONE);		\
		memcpy(orig, inb, (n));					\
		CHECK_EQ(pkt_rewrite_quote_addr(&P, false, OTHER6), -EINVAL); \
		CHECK_EQ(pkt_rewrite_quote_addr(&P, true, OTHER6), -EINVAL); \
		CHECK(!memcmp(inb, orig, (n)));				\
	} while (0)

TEST(quote_rewrite_refuses)
{
	struct qcase c4 = { false, PROTO_UDP, 8, false, 0 };
	struct qcase c6 = { true, PROTO_UDP, 16, false, 0 };
	size_t n;

	/* not an error: an echo reply, a TCP segment */
	n = 28 + 8;
	v4(buf, PROTO_ICMP, n);
	icmp(buf + 20, 0, 0, 1, 1);
	memcpy(buf + 28, buf, 8);
	CHECK_NO_REWRITE(n);
	n = 40;
	v4(buf, PROTO_TCP, n);
	tcp(buf + 20, 40000, 443, TCP_ACK);
	CHECK_NO_REWRITE(n);

	/* IPv4: the header, options included, must be there whole */
	CHECK_NO_REWRITE(error_pkt(buf, &c4, EGRESS4, DST4, 0));
	CHECK_NO_REWRITE(error_pkt(buf, &c4, EGRESS4, DST4, 19));
	CHECK_NO_REWRITE(error_pkt(buf, &c4, EGRESS4, DST4, 27));
	n = error_pkt(buf, &c4, EGRESS4, DST4, 28);	/* one more is enough */
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(pkt_rewrite_quote_addr(&P, false, SRC4), 0);
	/* a later fragment; an IHL below 5; IPv6 quoted by ICMP */
	n = error_pkt(buf, &c4, EGRESS4, DST4, 64);
	put_be16(buf + 28 + 6, 8);
	CHECK_NO_REWRITE(n);
	n = error_pkt(buf, &c4, EGRESS4, DST4, 64);
	buf[28] = 0x44;
	CHECK_NO_REWRITE(n);
	n = error_pkt(buf, &c6, EGRESS6, DST6, 64);
	memcpy(orig, buf + 48, 64);
	n = 28 + 64;
	v4(buf, PROTO_ICMP, n);
	icmp(buf + 20, 3, 3, 0, 0);
	memcpy(buf + 28, orig, 64);
	CHECK_NO_REWRITE(n);

	/* IPv6: the header and the whole extension chain */
	CHECK_NO_REWRITE(error_pkt(buf, &c6, EGRESS6, DST6, 39));
	CHECK_NO_REWRITE(error_pkt(buf, &c6, EGRESS6, DST6, 40));
	CHECK_NO_REWRITE(error_pkt(buf, &c6, EGRESS6, DST6, 55));
	n = error_pkt(buf, &c6, EGRESS6, DST6, 56);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(pkt_rewrite_quote_addr(&P, true, OTHER6), 0);
	/* IPv4 quoted by ICMPv6 */
	n = error_pkt(buf, &c4, EGRESS4, DST4, 64);
	memcpy(orig, buf + 28, 64);
	n = 48 + 64;
	v6(buf, PROTO_ICMPV6, 72);
	icmp(buf + 40, 1, 4, 0, 0);
	memcpy(buf + 48, orig, 64);
	CHECK_NO_REWRITE(n);
}

int main(void)
{
	RUN(quote_rewrite_v4);
	RUN(quote_rewrite_v6);
	RUN(quote_rewrite_keeps_udp_zero);
	RUN(quote_rewrite_udp_sum_to_ffff);
	RUN(quote_rewrite_refuses);
	return t_done();
}
