// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_packet_l4.c - pkt_parse() transport decoders: TCP, UDP, ICMP and
 * ICMPv6, at every boundary and drop reason
 */
#include "pkttest.h"

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

/* runs after the others */
TEST(every_l4_reason_reached)
{
	static const enum drop_reason mine[] = {
		DROP_TCP_TRUNCATED, DROP_TCP_HDR_LEN, DROP_TCP_FLAGS,
		DROP_TCP_PORT_ZERO, DROP_UDP_TRUNCATED, DROP_UDP_LENGTH,
		DROP_UDP_PORT_ZERO, DROP_ICMP_TRUNCATED, DROP_ICMPV6_TRUNCATED,
		DROP_FRAG_TINY,
	};

	CHECK_REACHED(mine);
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
	RUN(every_l4_reason_reached);
	free(copy);
	return t_done();
}
