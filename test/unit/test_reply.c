// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reply.c - packets sentry writes itself: DNS refusals over the query,
 * UDP wrapping, TCP resets, ICMP "administratively prohibited"
 *
 * Every output is parsed back by pkt_parse() from an exact-size heap copy
 * (so AddressSanitizer sees a read past its end) and its checksums are
 * checked twice: by csum.c, and by the naive reference of pktbuild.h.
 * Inputs live in heap buffers of exactly the capacity handed over, so a
 * write past @cap is a failure too. The quote fix-up is in
 * test_reply_quote.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "csum.h"
#include "dns.h"
#include "packet.h"
#include "reply.h"
#include "t.h"
#include "dns_build.h"
#include "pktbuild.h"
#include "replytest.h"

/* ---- DNS refusal ---- */

static struct wb W;		/* the DNS query */
static struct dns_msg M;	/* W parsed in the packet (goes stale on success) */
static struct dns_msg Mw;	/* W parsed where it was built: the reference */

/* A query for "WwW.ExAmple.com" A, RD set; with an OPT record if @edns */
static void query(bool edns, bool do_bit)
{
	whdr(&W, 0xbeef, DNS_FLAG_RD, 1, 0, 0, edns ? 1 : 0);
	wq(&W, "WwW.ExAmple.com", DNS_TYPE_A, DNS_CLASS_IN);
	if (edns)
		wopt(&W, 4096, 0, do_bit);
	if (dns_parse_query(W.b, W.n, &Mw) != DROP_NONE)
		abort();
}

static void put_udp_csum(uint8_t *b, bool is_v6, size_t hl, size_t n)
{
	uint16_t c = ref_l4_csum(b, is_v6, PROTO_UDP, b + hl, n - hl, 6);

	put_be16(b + hl + 6, c ? c : 0xffff);
}

/* IPv4 query SRC4:40000 -> DST4:53 with @optlen bytes of NOP options */
static size_t q4(size_t optlen)
{
	size_t hl = 20 + optlen, n = hl + 8 + W.n;

	v4(buf, PROTO_UDP, n);
	buf[0] = (uint8_t)(0x40 | hl / 4);
	buf[1] = 0xb8;				/* DSCP EF: not echoed */
	memset(buf + 20, 1, optlen);
	v4_fix(buf);
	udp(buf + hl, 40000, 53, (uint16_t)(8 + W.n));
	memcpy(buf + hl + 8, W.b, W.n);
	put_udp_csum(buf, false, hl, n);
	return n;
}

enum ext { EXT_NONE, EXT_HBH_DST, EXT_ATOMIC_FRAG };

/* IPv6 query SRC6:40000 -> DST6:53, maybe behind extension headers */
static size_t q6(enum ext ext)
{
	size_t hl = 40, n;

	switch (ext) {
	case EXT_NONE:
		v6(buf, PROTO_UDP, 0);
		break;
	case EXT_HBH_DST:
		v6(buf, 0, 0);
		hl += ext6(buf + 40, 60, 0);
		hl += ext6(buf + hl, PROTO_UDP, 1);
		break;
	case EXT_ATOMIC_FRAG:
		v6(buf, 44, 0);
		hl += frag6(buf + 40, PROTO_UDP, 0, false, 0x11223344);
		break;
	}
	buf[1] = 0x0a;				/* a flow label: not echoed */
	n = hl + 8 + W.n;
	put_be16(buf + 4, (uint16_t)(n - 40));
	udp(buf + hl, 40000, 53, (uint16_t)(8 + W.n));
	memcpy(buf + hl + 8, W.b, W.n);
	put_udp_csum(buf, true, hl, n);
	return n;
}

/* load the query at buf into a heap buffer of @cap bytes; parse packet and DNS */
static bool load_query(size_t n, size_t cap)
{
	if (load(buf, n, cap) != DROP_NONE)
		return false;
	return dns_parse_query(P.data + P.payload_off, P.payload_len, &M) ==
	       DROP_NONE;
}

/*
 * check_refusal() - the packet at inb is the refusal of W: turned around,
 * behind a plain header, P describing it, and the DNS answer right
 */
static void check_refusal(int n, bool is_v6, unsigned int rcode, int ede)
{
	const uint8_t *b = inb, *dns, *opt;
	struct dns_msg r;

	CHECK(n > 0);
	CHECK(verify(b, (size_t)n));
	CHECK_EQ(V.len, n);
	CHECK_EQ(V.proto, PROTO_UDP);
	CHECK_EQ(V.l4_off, is_v6 ? 40 : 20);
	if (!is_v6) {
		CHECK_EQ(V.family, ADDR_FAMILY_V4);
		CHECK_EQ(b[0], 0x45);
		CHECK_EQ(b[1], 0);
		CHECK_EQ(get_be16(b + 4), 0);		/* ID */
		CHECK_EQ(get_be16(b + 6), 0x4000);	/* DF, offset 0 */
		CHECK_EQ(b[8], REPLY_TTL);
		CHECK(!memcmp(b + 12, DST4, 4));
		CHECK(!memcmp(b + 16, SRC4, 4));
	} else {
		CHECK_EQ(V.family, ADDR_FAMILY_V6);
		CHECK_EQ(get_be32(b), 0x60000000);
		CHECK_EQ(b[6], PROTO_UDP);
		CHECK_EQ(b[7], REPLY_TTL);
		CHECK(!memcmp(b + 8, DST6, 16));
		CHECK(!memcmp(b + 24, SRC6, 16));
	}
	CHECK_EQ(V.sport, 53);
	CHECK_EQ(V.dport, 40000);

	/* the view left in P is what a parse of the answer says */
	CHECK(P.data == inb);
	CHECK_EQ(P.len, V.len);
	CHECK_EQ(P.family, V.family);
	CHECK_EQ(P.proto, V.proto);
	CHECK_EQ(P.ttl, V.ttl);
	CHECK_EQ(P.frag, V.frag);
	CHECK_EQ(P.l3_hdr_len, V.l3_hdr_len);
	CHECK_EQ(P.l4_off, V.l4_off);
	CHECK_EQ(P.payload_off, V.payload_off);
	CHECK_EQ(P.payload_len, V.payload_len);
	CHECK_EQ(P.sport, V.sport);
	CHECK_EQ(P.dport, V.dport);
	CHECK_EQ(P.frag_hdr_off, 0);

	dns = b + V.payload_off;
	CHECK_EQ(dns_parse_response(dns, V.payload_len, &r), DROP_NONE);
	CHECK_EQ(r.hdr.id, 0xbeef);
	CHECK_EQ(dns_rcode(&r), rcode);
	CHECK(r.hdr.flags & DNS_FLAG_RD);
	CHECK(dns_question_equal(&r.q, &Mw.q));
	/* the question as the bottle wrote it, case and all */
	CHECK(!memcmp(dns + DNS_HDR_LEN, W.b + DNS_HDR_LEN,
		      Mw.q.end - DNS_HDR_LEN));
	CHECK_EQ(r.edns.present, Mw.edns.present);
	if (!r.edns.present)
		return;
	opt = dns + r.edns.off;
	if (ede < 0) {
		CHECK_EQ(get_be16(opt + 9), 0);
		return;
	}
	CHECK_EQ(get_be16(opt + 9), 6);
	CHECK_EQ(get_be16(opt + 11), EDNS_OPT_EDE);
	CHECK_EQ(get_be16(opt + 15), ede);
}

#define CHECK_REFUSAL(n, is_v6, rcode, ede)				\
	do {								\
		check_refusal((n), (is_v6), (rcode), (ede));		\
		if (t_cur_failed)					\
			return;						\
	} while (0)

TEST(dns_refusal_v4_plain)
{
	size_t n;

	query(false, false);
	n = q4(0);
	CHECK(load_query(n, 2048));
	CHECK_REFUSAL(reply_dns_refusal(&P, 2048, &M, DNS_RCODE_NXDOMAIN,
					EDE_BLOCKED), false,
		      DNS_RCODE_NXDOMAIN, -1);
	CHECK_EQ(P.len, n);			/* no OPT: same length as asked */
}

TEST(dns_refusal_v4_options_moves_answer)
{
	size_t n;
	int r;

	/* 40 bytes of options; the answer grows by an EDE option (6) */
	query(true, true);
	n = q4(40);
	CHECK(load_query(n, n));		/* no room past the query at all */
	r = reply_dns_refusal(&P, n, &M, DNS_RCODE_REFUSED, EDE_PROHIBITED);
	CHECK_EQ(r, 28 + W.n + 6);
	CHECK_REFUSAL(r, false, DNS_RCODE_REFUSED, EDE_PROHIBITED);
}

TEST(dns_refusal_v4_without_udp_checksum)
{
	size_t n;

	query(true, false);
	n = q4(4);
	buf[24 + 6] = buf[24 + 7] = 0;		/* RFC 768: none computed */
	CHECK(load_query(n, 1024));
	CHECK_REFUSAL(reply_dns_refusal(&P, 1024, &M, DNS_RCODE_NXDOMAIN, -1),
		      false, DNS_RCODE_NXDOMAIN, -1);
	CHECK(get_be16(inb + 26) != 0);		/* the answer has one */
}

TEST(dns_refusal_v6)
{
	static const enum ext exts[] = { EXT_NONE, EXT_HBH_DST, EXT_ATOMIC_FRAG };
	size_t n;
	int r;

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		query(true, false);
		n = q6(exts[i]);
		CHECK(load_query(n, n + 6));
		CHECK_EQ(P.frag, PKT_FRAG_NONE);
		r = reply_dns_refusal(&P, n + 6, &M, DNS_RCODE_NXDOMAIN,
				      EDE_BLOCKED);
		CHECK_EQ(r, 48 + W.n + 6);
		CHECK_REFUSAL(r, true, DNS_RCODE_NXDOMAIN, EDE_BLOCKED);
	}
}

TEST(dns_refusal_enospc_leaves_query)
{
	size_t n, need;

	query(true, false);
	n = q4(0);
	need = n + 6;				/* the EDE option */
	CHECK(load_query(n, need - 1));
	memcpy(orig, inb, n);
	CHECK_EQ(reply_dns_refusal(&P, need - 1, &M, DNS_RCODE_NXDOMAIN,
				   EDE_BLOCKED), -ENOSPC);
	CHECK(!memcmp(inb, orig, n));
	CHECK_EQ(P.len, n);
	CHECK_EQ(P.payload_off, 28);
	/* without EDE the answer is as long as the query: it fits */
	CHECK_REFUSAL(reply_dns_refusal(&P, need - 1, &M, DNS_RCODE_NXDOMAIN, -1),
		      false, DNS_RCODE_NXDOMAIN, -1);
	CHECK_EQ(P.len, n);
	/* and with EDE at exactly the room it needs */
	n = q4(0);
	CHECK(load_query(n, need));
	CHECK_REFUSAL(reply_dns_refusal(&P, need, &M, DNS_RCODE_NXDOMAIN,
					EDE_BLOCKED), false,
		      DNS_RCODE_NXDOMAIN, EDE_BLOCKED);
	CHECK_EQ(P.len, need);
}

/* expect -EINVAL from reply_dns_refusal() with nothing written */
#define CHECK_NO_REFUSAL(m, rcode, ede)					\
	do {								\
		memcpy(orig, inb, P.len);				\
		CHECK_EQ(reply_dns_refusal(&P, 2048, (m), (rcode), (ede)), \
			 -EINVAL);					\
		CHECK(!memcmp(inb, orig, P.len));			\
	} while (0)

TEST(dns_refusal_einval)
{
	struct dns_msg elsewhere;
	size_t n;

	query(true, false);
	n = q4(0);
	CHECK(load_query(n, 2048));
	CHECK_NO_REFUSAL(&M, 16, -1);		/* RCODE is 4 bits */
	CHECK_NO_REFUSAL(&M, DNS_RCODE_REFUSED, 0x10000);
	CHECK_NO_REFUSAL(&Mw, DNS_RCODE_REFUSED, -1);	/* parsed from W, not P */
	elsewhere = M;
	elsewhere.len--;
	CHECK_NO_REFUSAL(&elsewhere, DNS_RCODE_REFUSED, -1);
	elsewhere = M;
	elsewhere.q.end = DNS_HDR_LEN;		/* no question */
	CHECK_NO_REFUSAL(&elsewhere, DNS_RCODE_REFUSED, -1);
	/* @cap below the query itself */
	CHECK_EQ(reply_dns_refusal(&P, n - 1, &M, DNS_RCODE_REFUSED, -1),
		 -EINVAL);

	/* source port 0: no answer can be addressed */
	n = q4(0);
	put_be16(buf + 20, 0);
	put_udp_csum(buf, false, 20, n);
	CHECK(load_query(n, 2048));
	CHECK_NO_REFUSAL(&M, DNS_RCODE_REFUSED, -1);

	/* a first fragment holds only part of the datagram */
	whdr(&W, 0xbeef, DNS_FLAG_RD, 1, 0, 0, 0);
	wq(&W, "abcdef.example", DNS_TYPE_A, DNS_CLASS_IN);	/* 32 bytes */
	CHECK_EQ(W.n % 8, 0);
	n = q4(0);
	put_be16(buf + 24, (uint16_t)(8 + W.n + 64));	/* more to come */
	v4_frag(buf, true, 0);
	CHECK(load_query(n, 2048));
	CHECK_EQ(P.frag, PKT_FRAG_FIRST);
	CHECK_NO_REFUSAL(&M, DNS_RCODE_REFUSED, -1);

	/* a TCP segment carrying the same bytes */
	query(false, false);
	n = 40 + W.n;
	v4(buf, PROTO_TCP, n);
	tcp(buf + 20, 40000, 53, TCP_ACK);
	memcpy(buf + 40, W.b, W.n);
	CHECK_EQ(load(buf, n, 2048), DROP_NONE);
	CHECK_EQ(dns_parse_query(P.data + P.payload_off, P.payload_len, &M),
		 DROP_NONE);
	CHECK_NO_REFUSAL(&M, DNS_RCODE_REFUSED, -1);
}

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
	RUN(dns_refusal_v4_plain);
	RUN(dns_refusal_v4_options_moves_answer);
	RUN(dns_refusal_v4_without_udp_checksum);
	RUN(dns_refusal_v6);
	RUN(dns_refusal_enospc_leaves_query);
	RUN(dns_refusal_einval);
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
