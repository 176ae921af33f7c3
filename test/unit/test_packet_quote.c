// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_packet_quote.c - pkt_parse_quote(): the packet an ICMP or ICMPv6
 * error quotes, complete, cut at every boundary, and malformed
 */
#include "pkttest.h"

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

/* runs after the others */
TEST(quote_reason_reached)
{
	static const enum drop_reason mine[] = {
		DROP_ICMP_INNER,
	};

	CHECK_REACHED(mine);
}

int main(void)
{
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
	RUN(quote_reason_reached);
	free(copy);
	return t_done();
}
