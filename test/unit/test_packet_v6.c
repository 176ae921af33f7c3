// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_packet_v6.c - pkt_parse() on IPv6: the fixed header, the
 * extension-header chain and fragments, every IPv6 drop reason and boundary
 */
#include "pkttest.h"

/* ---- IPv6 ---- */

TEST(v6_tcp_minimal)
{
	struct ipaddr a, want;
	size_t n = v6_tcp(buf, 0);

	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.family, ADDR_FAMILY_V6);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.len, 60);
	CHECK_EQ(P.ttl, 64);
	CHECK_EQ(P.l3_hdr_len, 40);
	CHECK_EQ(P.l4_off, 40);
	CHECK_EQ(P.payload_off, 60);
	CHECK_EQ(P.payload_len, 0);
	CHECK_EQ(P.sport, 40000);
	CHECK_EQ(P.dport, 443);
	CHECK_EQ(P.frag, PKT_FRAG_NONE);
	CHECK_EQ(P.frag_hdr_off, 0);
	CHECK_EQ(pkt_addr_len(&P), 16);
	CHECK(pkt_src(&P) == copy + 8 && pkt_dst(&P) == copy + 24);
	pkt_src_addr(&P, &a);
	addr_set(&want, SRC6, 16);
	CHECK(addr_equal(&a, &want));
	pkt_dst_addr(&P, &a);
	addr_set(&want, DST6, 16);
	CHECK(addr_equal(&a, &want));
}

TEST(v6_truncated_and_payload_len)
{
	size_t n = v6_tcp(buf, 0);

	CHECK_DROP(buf, 39, DROP_IPV6_TRUNCATED);
	CHECK_DROP(buf, 1, DROP_IPV6_TRUNCATED);
	CHECK_DROP(buf, n - 1, DROP_IPV6_PAYLOAD_LEN);	/* one short */
	put_be16(buf + 4, 0);				/* jumbogram */
	CHECK_DROP(buf, n, DROP_IPV6_PAYLOAD_LEN);
	v6(buf, 50, 1);					/* one byte of ESP: exactly */
	CHECK_DROP(buf, 41, DROP_NONE);
	CHECK_EQ(P.proto, 50);
	CHECK_EQ(P.payload_len, 1);
}

TEST(v6_trailing_padding_ignored)
{
	size_t n = v6_tcp(buf, 3);

	memset(buf + n, 0xee, 20);
	CHECK_DROP(buf, n + 20, DROP_NONE);
	CHECK_EQ(P.len, n);
	CHECK_EQ(P.payload_len, 3);
}

TEST(v6_bad_addr)
{
	static const uint8_t unspec[16] = { 0 };
	static const uint8_t mcast[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t mcast2[16] = { 0xff, 0x05, [15] = 2 };
	static const uint8_t loop[16] = { [15] = 1 };
	static const uint8_t ll[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t *const bad[] = { unspec, mcast, mcast2 };
	static const uint8_t *const good[] = { loop, ll };
	size_t n = v6_tcp(buf, 0);

	for (size_t i = 0; i < 3; i++) {
		for (int at = 8; at <= 24; at += 16) {
			v6_tcp(buf, 0);
			memcpy(buf + at, bad[i], 16);
			CHECK_DROP(buf, n, DROP_IP_BAD_ADDR);
		}
	}
	for (size_t i = 0; i < 2; i++) {
		for (int at = 8; at <= 24; at += 16) {
			v6_tcp(buf, 0);
			memcpy(buf + at, good[i], 16);
			CHECK_DROP(buf, n, DROP_NONE);
		}
	}
}

TEST(v6_ext_chain_walk)
{
	size_t off = 40;

	off += ext6(buf + off, 60, 0);		/* hop-by-hop, 8 */
	off += ext6(buf + off, 43, 1);		/* destination, 16 */
	off += ext6(buf + off, PROTO_TCP, 2);	/* routing, 24 */
	off += tcp(buf + off, 1234, 80, TCP_ACK);
	v6(buf, 0, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.l4_off, 88);
	CHECK_EQ(P.l3_hdr_len, 88);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.sport, 1234);
	CHECK_EQ(P.payload_off, 108);
}

/* AH counts 4-byte words minus 2: a (len + 1) * 8 walk would land elsewhere */
TEST(v6_ah_length)
{
	size_t off = 40;

	off += ah6(buf + off, PROTO_UDP, 4);	/* 24 bytes */
	off += udp(buf + off, 500, 4500, 8);
	v6(buf, 51, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.l4_off, 64);
	CHECK_EQ(P.dport, 4500);
}

TEST(v6_ext_max)
{
	size_t off = 40;

	for (int i = 0; i < IPV6_EXT_MAX; i++)
		off += ext6(buf + off, i == IPV6_EXT_MAX - 1 ? PROTO_TCP : 60, 0);
	off += tcp(buf + off, 1, 2, TCP_SYN);
	v6(buf, 60, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.l4_off, 40 + 8 * IPV6_EXT_MAX);

	off = 40;
	for (int i = 0; i < IPV6_EXT_MAX + 1; i++)
		off += ext6(buf + off, i == IPV6_EXT_MAX ? PROTO_TCP : 60, 0);
	off += tcp(buf + off, 1, 2, TCP_SYN);
	v6(buf, 60, off - 40);
	CHECK_DROP(buf, off, DROP_IPV6_EXT_CHAIN);
}

TEST(v6_ext_order)
{
	size_t off = 40;

	off += ext6(buf + off, 0, 0);		/* destination, then hop-by-hop */
	off += ext6(buf + off, PROTO_TCP, 0);
	off += tcp(buf + off, 1, 2, TCP_SYN);
	v6(buf, 60, off - 40);
	CHECK_DROP(buf, off, DROP_IPV6_EXT_ORDER);

	off = 40;				/* two fragment headers */
	off += frag6(buf + off, 44, 0, false, 1);
	off += frag6(buf + off, PROTO_TCP, 0, false, 1);
	off += tcp(buf + off, 1, 2, TCP_SYN);
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_IPV6_EXT_ORDER);

	off = 40;				/* repeated destination options: fine */
	off += ext6(buf + off, 60, 0);
	off += ext6(buf + off, PROTO_TCP, 0);
	off += tcp(buf + off, 1, 2, TCP_SYN);
	v6(buf, 60, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
}

TEST(v6_ext_truncated)
{
	/* destination options of 16 bytes, 8 in the payload */
	ext6(buf + 40, 50, 1);
	v6(buf, 60, 8);
	CHECK_DROP(buf, 48, DROP_IPV6_EXT_TRUNCATED);
	/* ... even with the rest in the buffer as padding */
	CHECK_DROP(buf, 56, DROP_IPV6_EXT_TRUNCATED);
	/* exactly enough */
	v6(buf, 60, 16);
	CHECK_DROP(buf, 56, DROP_NONE);
	CHECK_EQ(P.proto, 50);
	CHECK_EQ(P.l4_off, 56);
	CHECK_EQ(P.payload_len, 0);
	/* a single byte: no room for the length */
	v6(buf, 60, 1);
	CHECK_DROP(buf, 41, DROP_IPV6_EXT_TRUNCATED);
	/* a fragment header one byte short */
	frag6(buf + 40, PROTO_TCP, 0, false, 7);
	v6(buf, 44, 7);
	CHECK_DROP(buf, 47, DROP_IPV6_EXT_TRUNCATED);
	/* AH of 24 bytes with 20 */
	ah6(buf + 40, PROTO_TCP, 4);
	v6(buf, 51, 20);
	CHECK_DROP(buf, 60, DROP_IPV6_EXT_TRUNCATED);
}

TEST(v6_no_next_header)
{
	v6(buf, 59, 4);
	memset(buf + 40, 0, 4);
	CHECK_DROP(buf, 44, DROP_PROTO_UNSUPPORTED);
	ext6(buf + 40, 59, 0);
	v6(buf, 60, 8);
	CHECK_DROP(buf, 48, DROP_PROTO_UNSUPPORTED);
}

/* ---- IPv6 fragments ---- */

/* hop-by-hop + destination + fragment (first) + TCP with 4 bytes of data */
TEST(v6_hbh_dst_first_fragment)
{
	size_t off = 40;

	off += ext6(buf + off, 60, 0);
	off += ext6(buf + off, 44, 1);
	off += frag6(buf + off, PROTO_TCP, 0, true, 0xcafe0001);
	off += tcp(buf + off, 40000, 443, TCP_ACK | TCP_PSH);
	memset(buf + off, 0x11, 4);
	off += 4;
	v6(buf, 0, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_FIRST);
	CHECK_EQ(P.frag_hdr_off, 64);
	CHECK_EQ(P.frag_id, 0xcafe0001);
	CHECK(P.more_frags);
	CHECK_EQ(P.frag_off, 0);
	CHECK_EQ(P.l4_off, 72);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.sport, 40000);
	CHECK_EQ(P.payload_len, 4);
}

TEST(v6_later_fragment)
{
	size_t off = 40;

	off += frag6(buf + off, PROTO_TCP, 24, false, 9);
	memset(buf + off, 0, 13);		/* not a TCP header: not read */
	off += 13;
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_LATER);
	CHECK_EQ(P.frag_off, 24);
	CHECK_EQ(P.frag_id, 9);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.l4_off, 48);
	CHECK_EQ(P.payload_off, 48);
	CHECK_EQ(P.payload_len, 13);
	CHECK_EQ(P.sport, 0);
	CHECK(!pkt_has_l4(&P));

	/* what follows a later fragment is data, even if it names a header */
	off = 40;
	off += frag6(buf + off, 60, 16, true, 9);
	memset(buf + off, 0xff, 16);		/* a "length" far past the end */
	off += 16;
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.proto, 60);
	CHECK_EQ(P.l4_off, 48);
}

TEST(v6_atomic_fragment_is_whole)
{
	size_t off = 40;

	off += frag6(buf + off, PROTO_TCP, 0, false, 77);
	off += tcp(buf + off, 40000, 443, TCP_SYN);
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_NONE);
	CHECK_EQ(P.frag_hdr_off, 40);
	CHECK_EQ(P.frag_id, 77);
	CHECK(!P.more_frags);
	CHECK_EQ(P.sport, 40000);
}

TEST(v6_frag_bad)
{
	size_t off = 40;

	off += frag6(buf + off, PROTO_UDP, 8, true, 1);	/* 12: not a multiple of 8 */
	off += 12;
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_FRAG_BAD);

	off = 48 + 15;				/* ends at 65535 exactly */
	frag6(buf + 40, PROTO_UDP, 65520, false, 1);
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_NONE);
	off = 48 + 16;				/* one past */
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_FRAG_BAD);
}

TEST(v6_frag_tiny)
{
	size_t off = 40;

	/* a first fragment holding 16 of TCP's 20 bytes */
	off += frag6(buf + off, PROTO_TCP, 0, true, 1);
	off += tcp(buf + off, 1, 2, TCP_SYN) - 4;
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_FRAG_TINY);

	/* the header chain goes on past the first fragment (RFC 7112) */
	off = 40;
	off += frag6(buf + off, 60, 0, true, 1);
	ext6(buf + off, PROTO_TCP, 1);
	off += 8;
	v6(buf, 44, off - 40);
	CHECK_DROP(buf, off, DROP_FRAG_TINY);
}

/* runs after the others */
TEST(every_v6_reason_reached)
{
	static const enum drop_reason mine[] = {
		DROP_IPV6_TRUNCATED, DROP_IPV6_PAYLOAD_LEN,
		DROP_IPV6_EXT_TRUNCATED, DROP_IPV6_EXT_CHAIN, DROP_IPV6_EXT_ORDER,
		DROP_IP_BAD_ADDR, DROP_FRAG_BAD, DROP_FRAG_TINY,
		DROP_PROTO_UNSUPPORTED,
	};

	CHECK_REACHED(mine);
}

int main(void)
{
	RUN(v6_tcp_minimal);
	RUN(v6_truncated_and_payload_len);
	RUN(v6_trailing_padding_ignored);
	RUN(v6_bad_addr);
	RUN(v6_ext_chain_walk);
	RUN(v6_ah_length);
	RUN(v6_ext_max);
	RUN(v6_ext_order);
	RUN(v6_ext_truncated);
	RUN(v6_no_next_header);
	RUN(v6_hbh_dst_first_fragment);
	RUN(v6_later_fragment);
	RUN(v6_atomic_fragment_is_whole);
	RUN(v6_frag_bad);
	RUN(v6_frag_tiny);
	RUN(every_v6_reason_reached);
	free(copy);
	return t_done();
}
