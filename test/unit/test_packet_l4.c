// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_packet_l4.c - pkt_parse() transport decoders (TCP, UDP, ICMP,
 * ICMPv6) and pkt_parse_quote(), at every boundary and drop reason
 *
 * As in test_packet.c, each packet is parsed from a heap copy of exactly
 * the bytes given, so a one-byte overread is an AddressSanitizer error.
 */
#include <stdlib.h>

#include "packet.h"
#include "pktbuild.h"
#include "t.h"

static uint8_t buf[4096];
static struct pkt P;
static uint8_t *copy;
static bool reached[DROP_MAX];

static enum drop_reason parse(const uint8_t *b, size_t n)
{
	enum drop_reason r;

	free(copy);
	copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, b, n);
	r = pkt_parse(copy, n, &P);
	reached[r] = true;
	return r;
}

#define CHECK_DROP(b, n, want)						\
	do {								\
		enum drop_reason r_ = parse((b), (n));			\
		if (r_ != (want)) {					\
			t_fail_at("parse: %s, want %s", drop_name(r_),	\
				  drop_name(want));			\
			return;						\
		}							\
	} while (0)

/* IPv4 (or IPv6) around @l4len transport bytes already at buf + 20 (+ 40) */
static size_t wrap4(uint8_t proto, size_t l4len)
{
	v4(buf, proto, 20 + l4len);
	return 20 + l4len;
}

static size_t wrap6(uint8_t proto, size_t l4len)
{
	v6(buf, proto, l4len);
	return 40 + l4len;
}

/* ---- TCP ---- */

TEST(tcp_options_and_payload)
{
	size_t n;

	tcp(buf + 20, 5000, 22, TCP_ACK | TCP_PSH);
	buf[32] = 8 << 4;			/* 12 bytes of options */
	memset(buf + 40, 1, 12);		/* NOPs */
	memset(buf + 52, 0x55, 100);
	n = wrap4(PROTO_TCP, 32 + 100);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.payload_off, 52);
	CHECK_EQ(P.payload_len, 100);
	CHECK_EQ(P.tcp_flags, TCP_ACK | TCP_PSH);
}

TEST(tcp_truncated)
{
	size_t n;

	tcp(buf + 20, 5000, 22, TCP_ACK);
	n = wrap4(PROTO_TCP, 20);
	CHECK_DROP(buf, n, DROP_NONE);		/* exactly a header */
	n = wrap4(PROTO_TCP, 19);
	CHECK_DROP(buf, n, DROP_TCP_TRUNCATED);
	n = wrap4(PROTO_TCP, 0);
	CHECK_DROP(buf, n, DROP_TCP_TRUNCATED);
	tcp(buf + 40, 5000, 22, TCP_ACK);
	n = wrap6(PROTO_TCP, 19);
	CHECK_DROP(buf, n, DROP_TCP_TRUNCATED);
}

TEST(tcp_hdr_len)
{
	size_t n;

	for (uint8_t doff = 0; doff < 5; doff++) {
		tcp(buf + 20, 5000, 22, TCP_ACK);
		buf[32] = (uint8_t)(doff << 4);
		n = wrap4(PROTO_TCP, 40);
		CHECK_DROP(buf, n, DROP_TCP_HDR_LEN);
	}
	/* data offset 6: 24 bytes is exactly enough, 23 is not */
	tcp(buf + 20, 5000, 22, TCP_ACK);
	buf[32] = 6 << 4;
	memset(buf + 40, 1, 4);
	n = wrap4(PROTO_TCP, 24);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.payload_off, 44);
	n = wrap4(PROTO_TCP, 23);
	CHECK_DROP(buf, n, DROP_TCP_HDR_LEN);
	/* the largest, 60 bytes */
	buf[32] = 15 << 4;
	memset(buf + 40, 1, 40);
	n = wrap4(PROTO_TCP, 60);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.payload_len, 0);
	n = wrap4(PROTO_TCP, 59);
	CHECK_DROP(buf, n, DROP_TCP_HDR_LEN);
}

TEST(tcp_port_zero)
{
	size_t n;

	tcp(buf + 20, 0, 22, TCP_SYN);
	n = wrap4(PROTO_TCP, 20);
	CHECK_DROP(buf, n, DROP_TCP_PORT_ZERO);
	tcp(buf + 20, 5000, 0, TCP_SYN);
	CHECK_DROP(buf, n, DROP_TCP_PORT_ZERO);
	tcp(buf + 40, 5000, 0, TCP_SYN);
	n = wrap6(PROTO_TCP, 20);
	CHECK_DROP(buf, n, DROP_TCP_PORT_ZERO);
	tcp(buf + 40, 1, 1, TCP_SYN);
	CHECK_DROP(buf, n, DROP_NONE);
}

/* the accepted set, written out independently of tcp.c's bitmap */
static bool flags_expected_valid(uint8_t f)
{
	static const uint8_t ok[] = {
		TCP_SYN, TCP_SYN | TCP_URG, TCP_SYN | TCP_ACK, TCP_RST,
		TCP_RST | TCP_ACK, TCP_ACK, TCP_ACK | TCP_URG,
		TCP_FIN | TCP_ACK, TCP_FIN | TCP_ACK | TCP_URG,
	};
	uint8_t core = f & (uint8_t)~(TCP_PSH | TCP_ECE | TCP_CWR);

	for (size_t i = 0; i < sizeof(ok); i++)
		if (core == ok[i])
			return true;
	return false;
}

TEST(tcp_flags_exhaustive)
{
	size_t n;
	int valid = 0;

	for (int f = 0; f < 256; f++) {
		enum drop_reason want;

		tcp(buf + 20, 5000, 22, (uint8_t)f);
		n = wrap4(PROTO_TCP, 20);
		want = flags_expected_valid((uint8_t)f) ? DROP_NONE : DROP_TCP_FLAGS;
		valid += want == DROP_NONE;
		if (parse(buf, n) != want) {
			t_fail_at("flags 0x%02x: %s", f, drop_name(parse(buf, n)));
			return;
		}
		if (want == DROP_NONE)
			CHECK_EQ(P.tcp_flags, f);
	}
	CHECK_EQ(valid, 9 * 8);		/* 9 combinations x PSH, ECE, CWR */
}

TEST(tcp_flags_named)
{
	static const uint8_t bad[] = {
		0,					/* null scan */
		TCP_FIN,				/* FIN scan */
		TCP_PSH,
		TCP_URG,
		TCP_SYN | TCP_FIN,
		TCP_SYN | TCP_RST,
		TCP_RST | TCP_FIN,
		TCP_FIN | TCP_PSH | TCP_URG,		/* Xmas */
		0xff,
		TCP_SYN | TCP_FIN | TCP_ACK,
		TCP_RST | TCP_ACK | TCP_URG,
	};
	static const uint8_t good[] = {
		TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH,
		TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK,
		TCP_SYN | TCP_ECE | TCP_CWR,		/* ECN setup */
		TCP_SYN | TCP_ACK | TCP_ECE,
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad); i++) {
		tcp(buf + 20, 5000, 22, bad[i]);
		n = wrap4(PROTO_TCP, 20);
		CHECK_DROP(buf, n, DROP_TCP_FLAGS);
	}
	for (size_t i = 0; i < sizeof(good); i++) {
		tcp(buf + 20, 5000, 22, good[i]);
		n = wrap4(PROTO_TCP, 20);
		CHECK_DROP(buf, n, DROP_NONE);
	}
}

/* ---- UDP ---- */

TEST(udp_minimal_and_truncated)
{
	size_t n;

	udp(buf + 20, 0, 53, 8);		/* source port 0 is allowed */
	n = wrap4(PROTO_UDP, 8);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.sport, 0);
	CHECK_EQ(P.dport, 53);
	CHECK_EQ(P.payload_off, 28);
	CHECK_EQ(P.payload_len, 0);
	n = wrap4(PROTO_UDP, 7);
	CHECK_DROP(buf, n, DROP_UDP_TRUNCATED);
	udp(buf + 40, 1000, 53, 8);
	n = wrap6(PROTO_UDP, 7);
	CHECK_DROP(buf, n, DROP_UDP_TRUNCATED);
	n = wrap6(PROTO_UDP, 8);
	CHECK_DROP(buf, n, DROP_NONE);
}

TEST(udp_length)
{
	size_t n;

	memset(buf + 28, 0x33, 20);
	udp(buf + 20, 1000, 53, 28);
	n = wrap4(PROTO_UDP, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.payload_len, 20);
	udp(buf + 20, 1000, 53, 29);		/* one past */
	CHECK_DROP(buf, n, DROP_UDP_LENGTH);
	udp(buf + 20, 1000, 53, 27);		/* one short: Linux would trim */
	CHECK_DROP(buf, n, DROP_UDP_LENGTH);
	udp(buf + 20, 1000, 53, 7);
	CHECK_DROP(buf, n, DROP_UDP_LENGTH);
	udp(buf + 20, 1000, 53, 0);
	CHECK_DROP(buf, n, DROP_UDP_LENGTH);
	/* with link padding the IP length still rules */
	udp(buf + 20, 1000, 53, 28);
	CHECK_DROP(buf, n + 6, DROP_NONE);
}

TEST(udp_length_first_fragment)
{
	size_t n;

	/* 16 bytes here of a 100-byte datagram: only "at least this" holds */
	udp(buf + 20, 1000, 53, 100);
	n = wrap4(PROTO_UDP, 16);
	v4_frag(buf, true, 0);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_FIRST);
	CHECK_EQ(P.payload_len, 8);
	udp(buf + 20, 1000, 53, 16);
	CHECK_DROP(buf, n, DROP_NONE);
	udp(buf + 20, 1000, 53, 15);		/* shorter than what is here */
	CHECK_DROP(buf, n, DROP_UDP_LENGTH);
}

TEST(udp_port_zero)
{
	size_t n;

	udp(buf + 20, 1000, 0, 8);
	n = wrap4(PROTO_UDP, 8);
	CHECK_DROP(buf, n, DROP_UDP_PORT_ZERO);
	udp(buf + 40, 1000, 0, 8);
	n = wrap6(PROTO_UDP, 8);
	CHECK_DROP(buf, n, DROP_UDP_PORT_ZERO);
}

/* ---- ICMP ---- */

TEST(icmp_echo)
{
	size_t n;

	icmp(buf + 20, 8, 0, 0xbeef, 1);
	memset(buf + 28, 0x61, 56);
	n = wrap4(PROTO_ICMP, 64);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_ECHO_REQUEST);
	CHECK_EQ(P.icmp_type, 8);
	CHECK_EQ(P.icmp_code, 0);
	CHECK_EQ(P.sport, 0xbeef);
	CHECK_EQ(P.dport, 0xbeef);
	CHECK_EQ(P.payload_off, 28);
	CHECK_EQ(P.payload_len, 56);
	icmp(buf + 20, 0, 0, 0xbeef, 1);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_ECHO_REPLY);
	CHECK_EQ(P.sport, 0xbeef);
}

TEST(icmp_kinds)
{
	static const struct { uint8_t type; enum icmp_kind kind; } v4k[] = {
		{ 3, ICMP_KIND_ERROR }, { 11, ICMP_KIND_ERROR },
		{ 12, ICMP_KIND_ERROR }, { 4, ICMP_KIND_OTHER },
		{ 5, ICMP_KIND_OTHER }, { 9, ICMP_KIND_OTHER },
		{ 13, ICMP_KIND_OTHER }, { 255, ICMP_KIND_OTHER },
	}, v6k[] = {
		{ 1, ICMP_KIND_ERROR }, { 2, ICMP_KIND_ERROR },
		{ 3, ICMP_KIND_ERROR }, { 4, ICMP_KIND_ERROR },
		{ 128, ICMP_KIND_ECHO_REQUEST }, { 129, ICMP_KIND_ECHO_REPLY },
		{ 0, ICMP_KIND_OTHER }, { 5, ICMP_KIND_OTHER },
		{ 133, ICMP_KIND_OTHER }, { 135, ICMP_KIND_OTHER },
		{ 137, ICMP_KIND_OTHER }, { 8, ICMP_KIND_OTHER },
	};
	size_t n;

	for (size_t i = 0; i < sizeof(v4k) / sizeof(v4k[0]); i++) {
		icmp(buf + 20, v4k[i].type, 1, 77, 0);
		n = wrap4(PROTO_ICMP, 8);
		CHECK_DROP(buf, n, DROP_NONE);	/* OTHER is policy's to drop */
		CHECK_EQ(P.icmp_kind, v4k[i].kind);
		CHECK_EQ(P.icmp_code, 1);
		CHECK_EQ(P.sport, 0);		/* not echo: no identifier */
	}
	for (size_t i = 0; i < sizeof(v6k) / sizeof(v6k[0]); i++) {
		icmp(buf + 40, v6k[i].type, 0, 77, 0);
		n = wrap6(PROTO_ICMPV6, 8);
		CHECK_DROP(buf, n, DROP_NONE);
		CHECK_EQ(P.icmp_kind, v6k[i].kind);
		CHECK_EQ(P.sport, v6k[i].type >= 128 && v6k[i].type <= 129 ? 77 : 0);
	}
}

TEST(icmp_truncated)
{
	size_t n;

	icmp(buf + 20, 8, 0, 1, 1);
	n = wrap4(PROTO_ICMP, 7);
	CHECK_DROP(buf, n, DROP_ICMP_TRUNCATED);
	n = wrap4(PROTO_ICMP, 8);
	CHECK_DROP(buf, n, DROP_NONE);
	icmp(buf + 40, 128, 0, 1, 1);
	n = wrap6(PROTO_ICMPV6, 7);
	CHECK_DROP(buf, n, DROP_ICMPV6_TRUNCATED);
	n = wrap6(PROTO_ICMPV6, 8);
	CHECK_DROP(buf, n, DROP_NONE);
	/* an IPv6 first fragment too short for ICMPv6 */
	frag6(buf + 40, PROTO_ICMPV6, 0, true, 1);
	v6(buf, 44, 8);
	CHECK_DROP(buf, 48, DROP_FRAG_TINY);
}

/* ICMP in IPv6 and ICMPv6 in IPv4 are nobody's: not decoded, not dropped */
TEST(icmp_wrong_family)
{
	size_t n;

	icmp(buf + 20, 128, 0, 5, 5);
	n = wrap4(PROTO_ICMPV6, 8);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_NONE);
	CHECK_EQ(P.sport, 0);
	CHECK_EQ(P.payload_off, 20);
	icmp(buf + 40, 8, 0, 5, 5);
	n = wrap6(PROTO_ICMP, 4);		/* too short for ICMP, unread */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_NONE);
	CHECK_EQ(P.payload_off, 40);
}

TEST(other_protocols_pass)
{
	static const uint8_t protos[] = { 0, 2, 4, 41, 47, 50, 132, 136, 255 };
	size_t n;

	for (size_t i = 0; i < sizeof(protos); i++) {
		memset(buf + 20, 0, 12);
		n = wrap4(protos[i], 12);
		CHECK_DROP(buf, n, DROP_NONE);
		CHECK_EQ(P.proto, protos[i]);
		CHECK_EQ(P.sport, 0);
		CHECK_EQ(P.dport, 0);
		CHECK_EQ(P.payload_off, 20);
		CHECK_EQ(P.payload_len, 12);
	}
}

/* ---- ICMP error quotes ---- */

static struct pkt_quote Q;

/* an IPv4 ICMP error (@type) quoting @qlen bytes already at buf + 28 */
static size_t err4(uint8_t type, size_t qlen)
{
	icmp(buf + 20, type, 0, 0, 0);
	return wrap4(PROTO_ICMP, 8 + qlen);
}

/* the quoted IPv4 packet: DST4 -> SRC4 (it came towards the bottle) */
static void inner4(uint8_t *b, uint8_t proto, size_t tot)
{
	v4(b, proto, tot);
	memcpy(b + 12, DST4, 4);
	memcpy(b + 16, SRC4, 4);
	v4_fix(b);
}

static enum drop_reason quote(void)
{
	enum drop_reason r = pkt_parse_quote(&P, &Q);

	reached[r] = true;
	return r;
}

TEST(quote_v4_udp)
{
	struct ipaddr want;
	size_t n;

	inner4(buf + 28, PROTO_UDP, 128);	/* longer than what is quoted */
	udp(buf + 48, 53, 40000, 108);
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_ERROR);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.family, ADDR_FAMILY_V4);
	CHECK_EQ(Q.proto, PROTO_UDP);
	CHECK_EQ(Q.sport, 53);
	CHECK_EQ(Q.dport, 40000);
	addr_set(&want, DST4, 4);
	CHECK(addr_equal(&Q.src, &want));
	addr_set(&want, SRC4, 4);
	CHECK(addr_equal(&Q.dst, &want));
	/* time exceeded and parameter problem quote alike */
	n = err4(11, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	n = err4(12, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	/* the quoted checksum is the router's business, not ours */
	buf[28 + 10] ^= 0xff;
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
}

TEST(quote_v4_boundaries)
{
	size_t n;

	inner4(buf + 28, PROTO_TCP, 60);
	tcp(buf + 48, 443, 40000, TCP_ACK);
	n = err4(3, 28);			/* IP header + 8 bytes: enough */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.sport, 443);
	CHECK_EQ(Q.dport, 40000);
	n = err4(3, 27);			/* one short */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	n = err4(3, 19);			/* not even the IP header */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	n = err4(3, 0);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	/* padding after the outer packet is not quote */
	n = err4(3, 27);
	buf[n] = 0xee;
	CHECK_DROP(buf, n + 1, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v4_options)
{
	size_t n;

	inner4(buf + 28, PROTO_UDP, 100);
	buf[28] = 0x46;
	memset(buf + 48, 1, 4);
	udp(buf + 52, 53, 40000, 76);
	n = err4(3, 32);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.sport, 53);			/* read after the options */
	n = err4(3, 31);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	n = err4(3, 22);			/* cut inside the options */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v4_malformed)
{
	size_t n;

	/* IHL below 5 */
	inner4(buf + 28, PROTO_UDP, 100);
	udp(buf + 48, 53, 40000, 80);
	buf[28] = 0x44;
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	/* total length below the header */
	inner4(buf + 28, PROTO_UDP, 19);
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	/* an IPv6 packet quoted by ICMP */
	v6(buf + 28, PROTO_UDP, 8);
	udp(buf + 68, 53, 40000, 8);
	n = err4(3, 48);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v4_fragments)
{
	size_t n;

	inner4(buf + 28, PROTO_UDP, 100);
	udp(buf + 48, 53, 40000, 200);
	v4_frag(buf + 28, true, 0);		/* a first fragment: ports are there */
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	v4_frag(buf + 28, true, 64);		/* a later one: no ports */
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v4_icmp)
{
	size_t n;

	inner4(buf + 28, PROTO_ICMP, 84);
	icmp(buf + 48, 8, 0, 4242, 1);
	n = err4(11, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.proto, PROTO_ICMP);
	CHECK_EQ(Q.sport, 4242);
	CHECK_EQ(Q.dport, 4242);
	icmp(buf + 48, 0, 0, 4242, 1);		/* echo reply */
	n = err4(11, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	icmp(buf + 48, 3, 0, 0, 0);		/* an error about an error */
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	icmp(buf + 48, 8, 0, 4242, 1);
	n = err4(3, 27);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_other_protocol)
{
	size_t n;

	inner4(buf + 28, 47, 100);
	memset(buf + 48, 0, 8);
	n = err4(3, 28);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.proto, 47);
	CHECK_EQ(Q.sport, 0);
	CHECK_EQ(Q.dport, 0);
}

TEST(quote_needs_an_error)
{
	size_t n;

	icmp(buf + 20, 8, 0, 1, 1);		/* echo request */
	inner4(buf + 28, PROTO_UDP, 28);
	udp(buf + 48, 1, 2, 8);
	n = wrap4(PROTO_ICMP, 36);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	tcp(buf + 20, 5000, 22, TCP_ACK);
	n = wrap4(PROTO_TCP, 20);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

/* an ICMPv6 error (@type) quoting @qlen bytes already at buf + 48 */
static size_t err6(uint8_t type, size_t qlen)
{
	icmp(buf + 40, type, 0, 0, 0);
	return wrap6(PROTO_ICMPV6, 8 + qlen);
}

static void inner6(uint8_t *b, uint8_t nh, size_t plen)
{
	v6(b, nh, plen);
	memcpy(b + 8, DST6, 16);
	memcpy(b + 24, SRC6, 16);
}

TEST(quote_v6_tcp)
{
	struct ipaddr want;
	size_t n;

	inner6(buf + 48, PROTO_TCP, 1400);	/* packet too big: quoted in part */
	tcp(buf + 88, 443, 40000, TCP_ACK);
	n = err6(2, 48);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_ERROR);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.family, ADDR_FAMILY_V6);
	CHECK_EQ(Q.proto, PROTO_TCP);
	CHECK_EQ(Q.sport, 443);
	CHECK_EQ(Q.dport, 40000);
	addr_set(&want, DST6, 16);
	CHECK(addr_equal(&Q.src, &want));
	addr_set(&want, SRC6, 16);
	CHECK(addr_equal(&Q.dst, &want));
	n = err6(2, 47);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	n = err6(1, 39);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v6_ext)
{
	size_t n;

	inner6(buf + 48, 60, 100);
	ext6(buf + 88, PROTO_UDP, 1);		/* 16 bytes of destination options */
	udp(buf + 104, 53, 40000, 84);
	n = err6(1, 64);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.proto, PROTO_UDP);
	CHECK_EQ(Q.sport, 53);
	n = err6(1, 52);			/* cut inside the extension header */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);

	/* a first fragment is fine, a later one has no ports */
	inner6(buf + 48, 44, 100);
	frag6(buf + 88, PROTO_UDP, 0, true, 5);
	udp(buf + 96, 53, 40000, 300);
	n = err6(3, 56);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	frag6(buf + 88, PROTO_UDP, 64, true, 5);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);

	/* nothing to match after "no next header" */
	inner6(buf + 48, 59, 8);
	n = err6(4, 48);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(quote_v6_icmp_and_family)
{
	size_t n;

	inner6(buf + 48, PROTO_ICMPV6, 64);
	icmp(buf + 88, 128, 0, 999, 1);
	n = err6(3, 48);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_NONE);
	CHECK_EQ(Q.sport, 999);
	CHECK_EQ(Q.dport, 999);
	icmp(buf + 88, 1, 0, 0, 0);		/* an error about an error */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	icmp(buf + 88, 8, 0, 999, 1);		/* ICMPv4 echo type in ICMPv6 */
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
	/* an IPv4 packet quoted by ICMPv6 */
	inner4(buf + 48, PROTO_UDP, 28);
	udp(buf + 68, 53, 40000, 8);
	memset(buf + 76, 0, 20);
	n = err6(1, 48);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(quote(), DROP_ICMP_INNER);
}

TEST(every_l4_reason_reached)
{
	static const enum drop_reason mine[] = {
		DROP_TCP_TRUNCATED, DROP_TCP_HDR_LEN, DROP_TCP_FLAGS,
		DROP_TCP_PORT_ZERO, DROP_UDP_TRUNCATED, DROP_UDP_LENGTH,
		DROP_UDP_PORT_ZERO, DROP_ICMP_TRUNCATED, DROP_ICMPV6_TRUNCATED,
		DROP_ICMP_INNER, DROP_FRAG_TINY,
	};

	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		if (!reached[mine[i]]) {
			t_fail_at("no test reaches %s", drop_name(mine[i]));
			return;
		}
	}
}

int main(void)
{
	RUN(tcp_options_and_payload);
	RUN(tcp_truncated);
	RUN(tcp_hdr_len);
	RUN(tcp_port_zero);
	RUN(tcp_flags_exhaustive);
	RUN(tcp_flags_named);
	RUN(udp_minimal_and_truncated);
	RUN(udp_length);
	RUN(udp_length_first_fragment);
	RUN(udp_port_zero);
	RUN(icmp_echo);
	RUN(icmp_kinds);
	RUN(icmp_truncated);
	RUN(icmp_wrong_family);
	RUN(other_protocols_pass);
	RUN(quote_v4_udp);
	RUN(quote_v4_boundaries);
	RUN(quote_v4_options);
	RUN(quote_v4_malformed);
	RUN(quote_v4_fragments);
	RUN(quote_v4_icmp);
	RUN(quote_other_protocol);
	RUN(quote_needs_an_error);
	RUN(quote_v6_tcp);
	RUN(quote_v6_ext);
	RUN(quote_v6_icmp_and_family);
	RUN(every_l4_reason_reached);
	free(copy);
	return t_done();
}
