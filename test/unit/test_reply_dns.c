// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reply_dns.c - reply_dns_refusal(): a bottle's UDP DNS query turned
 * into its NXDOMAIN / REFUSED answer in the same buffer
 *
 * Queries come with IPv4 options and IPv6 extension headers, which the
 * answer drops; each answer is parsed back (replytest.h verify()) and its
 * DNS message read by dns_parse_response(). Buffers are exactly @cap long.
 */
#include <errno.h>
#include <stdlib.h>

#include "dns.h"
#include "reply.h"
#include "t.h"
#include "dns_build.h"
#include "replytest.h"

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

int main(void)
{
	RUN(dns_refusal_v4_plain);
	RUN(dns_refusal_v4_options_moves_answer);
	RUN(dns_refusal_v4_without_udp_checksum);
	RUN(dns_refusal_v6);
	RUN(dns_refusal_enospc_leaves_query);
	RUN(dns_refusal_einval);
	return t_done();
}
