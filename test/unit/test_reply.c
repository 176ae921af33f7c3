// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reply.c - packets sentry writes itself: UDP wrapping, TCP resets,
 * ICMP "administratively prohibited"
 *
 * Every output is parsed back by pkt_parse() from an exact-size heap copy
 * (so AddressSanitizer sees a read past its end) and its checksums are
 * checked twice: by csum.c, and by the naive reference of pktbuild.h.
 * Inputs live in heap buffers of exactly the capacity handed over, so a
 * write past @cap is a failure too. DNS refusals are tested in
 * test_reply_dns.c, the quote fix-up in test_reply_quote.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "csum.h"
#include "packet.h"
#include "reply.h"
#include "t.h"
#include "pktbuild.h"
#include "replytest.h"

/* ---- reply_udp_build() ---- */

static void set_addrs(struct ipaddr *s, struct ipaddr *d, bool is_v6)
{
	addr_set(s, is_v6 ? DST6 : DST4, is_v6 ? 16 : 4);
	addr_set(d, is_v6 ? SRC6 : SRC4, is_v6 ? 16 : 4);
}

TEST(udp_build_both_families)
{
	struct ipaddr s, d;
	size_t room, plen = 301;
	int n;

	for (int is_v6 = 0; is_v6 < 2; is_v6++) {
		set_addrs(&s, &d, is_v6);
		room = reply_udp_headroom(s.family);
		CHECK_EQ(room, is_v6 ? 48 : 28);
		memset(out, 0xee, room);
		for (size_t i = 0; i < plen; i++)
			out[room + i] = (uint8_t)(i * 13 + 1);
		memcpy(orig, out + room, plen);
		n = reply_udp_build(out, room + plen, &s, 53, &d, 40000, plen);
		CHECK_EQ(n, room + plen);
		CHECK(verify(out, (size_t)n));
		CHECK_EQ(V.family, s.family);
		CHECK_EQ(V.sport, 53);
		CHECK_EQ(V.dport, 40000);
		CHECK_EQ(V.payload_off, room);
		CHECK_EQ(V.payload_len, plen);
		CHECK_EQ(V.ttl, REPLY_TTL);
		CHECK(!memcmp(out + room, orig, plen));
		CHECK(!memcmp(pkt_src(&V), s.b, addr_len(&s)));
		CHECK(!memcmp(pkt_dst(&V), d.b, addr_len(&d)));
		if (!is_v6)
			CHECK_EQ(get_be16(out + 6), 0x4000);
		else
			CHECK_EQ(get_be32(out), 0x60000000);
		/* an empty datagram, and source port 0, are fine */
		n = reply_udp_build(out, room, &s, 0, &d, 40000, 0);
		CHECK_EQ(n, room);
		CHECK(verify(out, (size_t)n));
		CHECK_EQ(V.payload_len, 0);
	}
}

TEST(udp_build_checksum_zero_is_ffff)
{
	struct ipaddr s, d;
	uint8_t c[2];
	int n;

	/* make the payload's first word the checksum of the rest: sum is -0 */
	for (int is_v6 = 0; is_v6 < 2; is_v6++) {
		size_t room;

		set_addrs(&s, &d, is_v6);
		room = reply_udp_headroom(s.family);
		memset(out + room, 0, 10);
		out[room + 5] = 0x42;
		n = reply_udp_build(out, room + 10, &s, 53, &d, 40000, 10);
		CHECK_EQ(n, room + 10);
		memcpy(c, out + room - 2, 2);
		memcpy(out + room, c, 2);
		n = reply_udp_build(out, room + 10, &s, 53, &d, 40000, 10);
		CHECK_EQ(get_be16(out + room - 2), 0xffff);
		CHECK(verify(out, (size_t)n));
	}
}

TEST(udp_build_limits)
{
	static uint8_t big[65536 + 64];
	struct ipaddr s, d;

	set_addrs(&s, &d, false);
	CHECK_EQ(reply_udp_build(out, 28 + 99, &s, 53, &d, 40000, 100), -ENOSPC);
	CHECK_EQ(reply_udp_build(out, 27, &s, 53, &d, 40000, 0), -ENOSPC);
	CHECK_EQ(reply_udp_build(out, 0, &s, 53, &d, 40000, SIZE_MAX), -EMSGSIZE);
	/* IPv4: total length 65535 at most */
	CHECK_EQ(reply_udp_build(big, sizeof(big), &s, 53, &d, 40000, 65508),
		 -EMSGSIZE);
	CHECK_EQ(reply_udp_build(big, sizeof(big), &s, 53, &d, 40000, 65507),
		 65535);
	CHECK(verify(big, 65535));

	set_addrs(&s, &d, true);
	CHECK_EQ(reply_udp_build(out, 48 + 99, &s, 53, &d, 40000, 100), -ENOSPC);
	/* IPv6: UDP length 65535 at most */
	CHECK_EQ(reply_udp_build(big, sizeof(big), &s, 53, &d, 40000, 65528),
		 -EMSGSIZE);
	CHECK_EQ(reply_udp_build(big, sizeof(big), &s, 53, &d, 40000, 65527),
		 65575);
	CHECK(verify(big, 65575));
}

TEST(udp_build_einval)
{
	struct ipaddr s, d;

	set_addrs(&s, &d, false);
	CHECK_EQ(reply_udp_build(out, 64, &s, 53, &d, 0, 1), -EINVAL);
	addr_set(&d, SRC6, 16);
	CHECK_EQ(reply_udp_build(out, 64, &s, 53, &d, 40000, 1), -EINVAL);
	s.family = 0;
	d.family = 0;
	CHECK_EQ(reply_udp_build(out, 64, &s, 53, &d, 40000, 1), -EINVAL);
}

/* ---- reply_tcp_rst() ---- */

/* a TCP segment SRC:40000 -> DST:443 with @flags, @seq, @ack, @plen bytes */
static size_t seg(bool is_v6, uint8_t flags, uint32_t seq, uint32_t ack,
		  size_t plen)
{
	size_t hl = is_v6 ? 40 : 20, n = hl + 20 + plen;

	if (is_v6)
		v6(buf, PROTO_TCP, 20 + plen);
	else
		v4(buf, PROTO_TCP, n);
	tcp(buf + hl, 40000, 443, flags);
	put_be32(buf + hl + 4, seq);
	put_be32(buf + hl + 8, ack);
	memset(buf + hl + 20, 0x5a, plen);
	put_be16(buf + hl + 16, ref_l4_csum(buf, is_v6, PROTO_TCP, buf + hl,
					    n - hl, 16));
	return n;
}

/* check_rst() - out holds a reset from DST:443 to SRC:40000 */
static void check_rst(int n, bool is_v6, uint8_t flags, uint32_t seq,
		      uint32_t ack)
{
	size_t hl = is_v6 ? 40 : 20;

	CHECK_EQ(n, hl + 20);
	CHECK(verify(out, (size_t)n));
	CHECK_EQ(V.proto, PROTO_TCP);
	CHECK_EQ(V.tcp_flags, flags);
	CHECK_EQ(V.sport, 443);
	CHECK_EQ(V.dport, 40000);
	CHECK_EQ(V.payload_len, 0);
	CHECK_EQ(V.ttl, REPLY_TTL);
	CHECK_EQ(get_be32(out + hl + 4), seq);
	CHECK_EQ(get_be32(out + hl + 8), ack);
	CHECK_EQ(get_be16(out + hl + 14), 0);		/* window */
	CHECK(!memcmp(pkt_src(&V), is_v6 ? DST6 : DST4, is_v6 ? 16 : 4));
	CHECK(!memcmp(pkt_dst(&V), is_v6 ? SRC6 : SRC4, is_v6 ? 16 : 4));
}

#define CHECK_RST(n, is_v6, flags, seq, ack)				\
	do {								\
		check_rst((n), (is_v6), (flags), (seq), (ack));		\
		if (t_cur_failed)					\
			return;						\
	} while (0)

/* reset for the segment now in buf */
static int rst(size_t n)
{
	if (load(buf, n, n) != DROP_NONE)
		return -1000;
	return reply_tcp_rst(&P, out, sizeof(out));
}

TEST(rst_arithmetic)
{
	const uint8_t RA = TCP_RST | TCP_ACK;

	for (int v = 0; v < 2; v++) {
		/* SYN: acknowledge the SYN */
		CHECK_RST(rst(seg(v, TCP_SYN, 0x01020304, 0, 0)), v, RA, 0, 0x01020305);
		/* SYN with data (TFO): the data too */
		CHECK_RST(rst(seg(v, TCP_SYN, 0x01020304, 0, 10)), v, RA, 0, 0x0102030f);
		/* sequence space wraps */
		CHECK_RST(rst(seg(v, TCP_SYN, 0xffffffff, 0, 0)), v, RA, 0, 0);
		CHECK_RST(rst(seg(v, TCP_SYN, 0xfffffffa, 0, 10)), v, RA, 0, 5);
		/* ACK set: take its number as ours, RST alone */
		CHECK_RST(rst(seg(v, TCP_ACK, 7, 0x0a0b0c0d, 100)), v, TCP_RST,
			  0x0a0b0c0d, 0);
		CHECK_RST(rst(seg(v, TCP_SYN | TCP_ACK, 7, 0xfffffff0, 0)), v,
			  TCP_RST, 0xfffffff0, 0);
		CHECK_RST(rst(seg(v, TCP_FIN | TCP_ACK, 7, 99, 3)), v, TCP_RST, 99, 0);
		CHECK_RST(rst(seg(v, TCP_ACK | TCP_PSH | TCP_URG, 7, 5, 1)), v,
			  TCP_RST, 5, 0);
	}
}

/* FIN without ACK never passes pkt_parse(); the arithmetic still counts it */
TEST(rst_counts_fin)
{
	const uint8_t RA = TCP_RST | TCP_ACK;
	size_t n = seg(false, TCP_SYN, 1000, 0, 4);

	CHECK_EQ(load(buf, n, n), DROP_NONE);
	inb[20 + 13] = TCP_FIN;
	P.tcp_flags = TCP_FIN;
	CHECK_EQ(reply_tcp_rst(&P, out, sizeof(out)), 40);
	CHECK_EQ(get_be32(out + 28), 1005);
	CHECK_EQ(out[33], RA);
	P.tcp_flags = TCP_FIN | TCP_SYN;
	CHECK_EQ(reply_tcp_rst(&P, out, sizeof(out)), 40);
	CHECK_EQ(get_be32(out + 28), 1006);
	CHECK(verify(out, 40));
}

TEST(rst_v6_extension_headers_dropped)
{
	size_t n;

	v6(buf, 60, 16 + 20 + 5);
	ext6(buf + 40, PROTO_TCP, 1);
	tcp(buf + 56, 40000, 443, TCP_ACK);
	put_be32(buf + 56 + 8, 77);
	n = 56 + 20 + 5;
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_RST(reply_tcp_rst(&P, out, sizeof(out)), true, TCP_RST, 77, 0);
	CHECK_EQ(out[6], PROTO_TCP);
}

TEST(rst_refuses)
{
	size_t n;

	/* a reset is never answered, with or without ACK */
	CHECK_EQ(rst(seg(false, TCP_RST, 1, 0, 0)), -EINVAL);
	CHECK_EQ(rst(seg(true, TCP_RST | TCP_ACK, 1, 2, 0)), -EINVAL);
	/* not TCP */
	n = 28;
	v4(buf, PROTO_UDP, n);
	udp(buf + 20, 40000, 443, 8);
	CHECK_EQ(rst(n), -EINVAL);
	n = 28;
	v4(buf, PROTO_ICMP, n);
	icmp(buf + 20, 8, 0, 1, 1);
	CHECK_EQ(rst(n), -EINVAL);
	/* a later fragment: no header to answer */
	n = seg(false, TCP_ACK, 1, 2, 4);
	v4_frag(buf, false, 64);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_LATER);
	CHECK_EQ(reply_tcp_rst(&P, out, sizeof(out)), -EINVAL);
	/* a first fragment: with ACK fine, without it the length is unknown */
	n = seg(false, TCP_ACK, 1, 2, 4);
	v4_frag(buf, true, 0);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_FIRST);
	CHECK_RST(reply_tcp_rst(&P, out, sizeof(out)), false, TCP_RST, 2, 0);
	n = seg(false, TCP_SYN, 1, 0, 4);
	v4_frag(buf, true, 0);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(reply_tcp_rst(&P, out, sizeof(out)), -EINVAL);
}

TEST(rst_enospc)
{
	for (int v = 0; v < 2; v++) {
		size_t n = seg(v, TCP_SYN, 1, 0, 0), need = v ? 60 : 40;

		CHECK_EQ(load(buf, n, n), DROP_NONE);
		CHECK_EQ(reply_tcp_rst(&P, out, need - 1), -ENOSPC);
		CHECK_EQ(reply_tcp_rst(&P, out, need), (int)need);
	}
}

/* ---- reply_icmp_prohibited() ---- */

/*
 * check_prohibited() - out holds "prohibited" from DST to SRC quoting the
 * first @qlen bytes of the packet at inb, and the quote names the flow
 */
static void check_prohibited(int n, bool is_v6, size_t qlen)
{
	size_t hl = is_v6 ? 40 : 20;
	struct pkt_quote q;

	CHECK_EQ(n, hl + 8 + qlen);
	CHECK(verify(out, (size_t)n));
	CHECK_EQ(V.proto, is_v6 ? PROTO_ICMPV6 : PROTO_ICMP);
	CHECK_EQ(V.icmp_kind, ICMP_KIND_ERROR);
	CHECK_EQ(V.icmp_type, is_v6 ? 1 : 3);
	CHECK_EQ(V.icmp_code, is_v6 ? 1 : 13);
	CHECK_EQ(get_be32(out + hl + 4), 0);		/* unused */
	CHECK_EQ(V.payload_len, qlen);
	CHECK(!memcmp(out + hl + 8, inb, qlen));
	CHECK(!memcmp(pkt_src(&V), is_v6 ? DST6 : DST4, is_v6 ? 16 : 4));
	CHECK(!memcmp(pkt_dst(&V), is_v6 ? SRC6 : SRC4, is_v6 ? 16 : 4));
	CHECK_EQ(pkt_parse_quote(&V, &q), DROP_NONE);
	CHECK_EQ(q.proto, P.proto);
	CHECK_EQ(q.sport, P.sport);
	CHECK_EQ(q.dport, P.dport);
}

#define CHECK_PROHIBITED(n, is_v6, qlen)				\
	do {								\
		check_prohibited((n), (is_v6), (qlen));			\
		if (t_cur_failed)					\
			return;						\
	} while (0)

/* "prohibited" for the packet now in buf */
static int prohibit(size_t n)
{
	if (load(buf, n, n) != DROP_NONE)
		return -1000;
	return reply_icmp_prohibited(&P, out, sizeof(out));
}

TEST(prohibited_quote_limits_v4)
{
	/* 548 quoted bytes make 576: all of it; one more is cut */
	static const size_t lens[] = { 40, 547, 548, 549, 1500, 65535 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = seg(false, TCP_SYN, 1, 0, lens[i] - 40);
		size_t q = n < 548 ? n : 548;

		CHECK_PROHIBITED(prohibit(n), false, q);
	}
}

TEST(prohibited_quote_limits_v6)
{
	static const size_t lens[] = { 60, 1231, 1232, 1233, 9000, 65535 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = seg(true, TCP_SYN, 1, 0, lens[i] - 60);
		size_t q = n < 1232 ? n : 1232;

		CHECK_PROHIBITED(prohibit(n), true, q);
	}
}

TEST(prohibited_udp_and_echo)
{
	size_t n;

	n = 28 + 30;
	v4(buf, PROTO_UDP, n);
	udp(buf + 20, 40000, 443, 38);
	CHECK_PROHIBITED(prohibit(n), false, n);	/* QUIC, say */
	n = 48 + 30;
	v6(buf, PROTO_UDP, 38);
	udp(buf + 40, 40000, 443, 38);
	CHECK_PROHIBITED(prohibit(n), true, n);
	n = 28 + 56;
	v4(buf, PROTO_ICMP, n);
	icmp(buf + 20, 8, 0, 4242, 1);			/* ping */
	CHECK_PROHIBITED(prohibit(n), false, n);
	n = 48 + 56;
	v6(buf, PROTO_ICMPV6, 64);
	icmp(buf + 40, 128, 0, 4242, 1);
	CHECK_PROHIBITED(prohibit(n), true, n);
	/* a first fragment carries the header: answered */
	n = seg(false, TCP_ACK, 1, 2, 4);
	v4_frag(buf, true, 0);
	CHECK_PROHIBITED(prohibit(n), false, n);
}

TEST(prohibited_refuses)
{
	static const uint8_t v4_types[] = { 3, 4, 5, 11, 12 };
	static const uint8_t v6_types[] = { 1, 2, 3, 4, 100, 127, 137 };
	size_t n;

	/* never an error about an error, a redirect or a source quench */
	for (size_t i = 0; i < sizeof(v4_types); i++) {
		n = 28 + 28;
		v4(buf + 28, PROTO_UDP, 28);
		udp(buf + 48, 40000, 53, 8);
		icmp(buf + 20, v4_types[i], 0, 0, 0);
		v4(buf, PROTO_ICMP, n);
		CHECK_EQ(prohibit(n), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(v6_types); i++) {
		n = 48 + 48;
		v6(buf + 48, PROTO_UDP, 8);
		udp(buf + 88, 40000, 53, 8);
		icmp(buf + 40, v6_types[i], 0, 0, 0);
		v6(buf, PROTO_ICMPV6, 56);
		CHECK_EQ(prohibit(n), -EINVAL);
	}
	/* never about a later fragment */
	n = seg(false, TCP_ACK, 1, 2, 4);
	v4_frag(buf, false, 8);
	CHECK_EQ(prohibit(n), -EINVAL);
	v6(buf, 44, 8 + 16);
	frag6(buf + 40, PROTO_UDP, 64, true, 1);
	CHECK_EQ(prohibit(40 + 24), -EINVAL);
	CHECK_EQ(P.frag, PKT_FRAG_LATER);
	/* but informational types other than redirect are answered */
	n = 48;
	v6(buf, PROTO_ICMPV6, 8);
	icmp(buf + 40, 135, 0, 0, 0);			/* neighbour solicitation */
	CHECK_EQ(prohibit(n), 48 + n);
	CHECK(verify(out, 48 + n));
	CHECK(!memcmp(out + 48, inb, n));
}

TEST(prohibited_enospc)
{
	size_t n;

	n = seg(false, TCP_SYN, 1, 0, 1000);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(reply_icmp_prohibited(&P, out, REPLY_ICMP_MAX_V4 - 1), -ENOSPC);
	CHECK_EQ(reply_icmp_prohibited(&P, out, REPLY_ICMP_MAX_V4),
		 REPLY_ICMP_MAX_V4);
	n = seg(true, TCP_SYN, 1, 0, 2000);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(reply_icmp_prohibited(&P, out, REPLY_ICMP_MAX_V6 - 1), -ENOSPC);
	CHECK_EQ(reply_icmp_prohibited(&P, out, REPLY_ICMP_MAX_V6),
		 REPLY_ICMP_MAX_V6);
	n = seg(false, TCP_SYN, 1, 0, 0);
	CHECK_EQ(load(buf, n, n), DROP_NONE);
	CHECK_EQ(reply_icmp_prohibited(&P, out, 28 + 40 - 1), -ENOSPC);
	CHECK_EQ(reply_icmp_prohibited(&P, out, 28 + 40), 28 + 40);
}

int main(void)
{
	RUN(udp_build_both_families);
	RUN(udp_build_checksum_zero_is_ffff);
	RUN(udp_build_limits);
	RUN(udp_build_einval);
	RUN(rst_arithmetic);
	RUN(rst_counts_fin);
	RUN(rst_v6_extension_headers_dropped);
	RUN(rst_refuses);
	RUN(rst_enospc);
	RUN(prohibited_quote_limits_v4);
	RUN(prohibited_quote_limits_v6);
	RUN(prohibited_udp_and_echo);
	RUN(prohibited_refuses);
	RUN(prohibited_enospc);
	return t_done();
}
