// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_packet.c - pkt_parse(): dispatch, IPv4 and its fragments, every IPv4
 * drop reason and boundary (exactly enough, one byte short), and a mutation
 * run. IPv6 is in test_packet_v6.c, transports in test_packet_l4.c, ICMP
 * error quotes in test_packet_quote.c.
 */
#include "pkttest.h"

/* ---- dispatch ---- */

TEST(empty)
{
	CHECK_DROP(buf, 0, DROP_PKT_EMPTY);
}

TEST(version)
{
	static const uint8_t firsts[] = { 0x00, 0x15, 0x35, 0x55, 0x75, 0xf5 };

	v4_tcp(buf, 0);
	for (size_t i = 0; i < sizeof(firsts); i++) {
		buf[0] = firsts[i];
		CHECK_DROP(buf, 40, DROP_IP_VERSION);
	}
	/* one byte is enough to be told it is neither */
	CHECK_DROP(buf, 1, DROP_IP_VERSION);
}

TEST(direct_decoders_check_version)
{
	struct pkt p = { .data = buf };

	v6_tcp(buf, 0);
	CHECK_EQ(ipv4_parse(&p, 60), DROP_IP_VERSION);
	v4_tcp(buf, 20);
	CHECK_EQ(ipv6_parse(&p, 60), DROP_IP_VERSION);
}

/* ---- IPv4 ---- */

TEST(v4_tcp_minimal)
{
	struct ipaddr a, want;
	size_t n = v4_tcp(buf, 0);

	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.family, ADDR_FAMILY_V4);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.len, 40);
	CHECK_EQ(P.ttl, 64);
	CHECK_EQ(P.frag, PKT_FRAG_NONE);
	CHECK_EQ(P.l3_hdr_len, 20);
	CHECK_EQ(P.l4_off, 20);
	CHECK_EQ(P.payload_off, 40);
	CHECK_EQ(P.payload_len, 0);
	CHECK_EQ(P.sport, 40000);
	CHECK_EQ(P.dport, 443);
	CHECK_EQ(P.tcp_flags, TCP_SYN);
	CHECK_EQ(P.icmp_kind, ICMP_KIND_NONE);
	CHECK_EQ(P.frag_id, 0x1234);
	CHECK_EQ(P.frag_hdr_off, 0);
	CHECK(pkt_has_l4(&P));
	CHECK_EQ(pkt_addr_len(&P), 4);
	CHECK(P.data == copy);			/* zero-copy: a view, not a copy */
	CHECK(pkt_src(&P) == copy + 12 && pkt_dst(&P) == copy + 16);
	pkt_src_addr(&P, &a);
	addr_set(&want, SRC4, 4);
	CHECK(addr_equal(&a, &want));
	pkt_dst_addr(&P, &a);
	addr_set(&want, DST4, 4);
	CHECK(addr_equal(&a, &want));
}

TEST(v4_df_is_whole)
{
	size_t n = v4_tcp(buf, 10);

	put_be16(buf + 6, 0x4000);
	v4_fix(buf);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_NONE);
	CHECK(!P.more_frags);
}

TEST(v4_trailing_padding_ignored)
{
	size_t n = v4_udp(buf, 10);

	memset(buf + n, 0xee, 30);		/* Ethernet-style padding */
	CHECK_DROP(buf, n + 30, DROP_NONE);
	CHECK_EQ(P.len, n);
	CHECK_EQ(P.payload_len, 10);		/* UDP length checked against len */
}

TEST(v4_gso_65535)
{
	size_t n = v4_tcp(buf, 65535 - 40);

	CHECK_EQ(n, 65535);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.len, 65535);
	CHECK_EQ(P.payload_len, 65495);
	CHECK_DROP(buf, n + 1, DROP_NONE);	/* a byte of padding */
	CHECK_DROP(buf, n - 1, DROP_IPV4_TOTAL_LEN);
}

TEST(v4_truncated)
{
	v4_tcp(buf, 0);
	CHECK_DROP(buf, 19, DROP_IPV4_TRUNCATED);
	CHECK_DROP(buf, 1, DROP_IPV4_TRUNCATED);
}

/* header only, no transport: an unknown protocol parses with nothing after */
TEST(v4_header_exactly)
{
	v4(buf, 47, 20);
	CHECK_DROP(buf, 20, DROP_NONE);
	CHECK_EQ(P.proto, 47);
	CHECK_EQ(P.l4_off, 20);
	CHECK_EQ(P.payload_off, 20);
	CHECK_EQ(P.payload_len, 0);
	CHECK_EQ(P.sport, 0);
	CHECK_EQ(P.dport, 0);
}

TEST(v4_hdr_len)
{
	v4_tcp(buf, 0);
	buf[0] = 0x44;
	v4_fix(buf);
	CHECK_DROP(buf, 40, DROP_IPV4_HDR_LEN);
	buf[0] = 0x40;
	CHECK_DROP(buf, 40, DROP_IPV4_HDR_LEN);
	/* IHL 6 needs 24 bytes of buffer */
	v4(buf, 47, 24);
	buf[0] = 0x46;
	memset(buf + 20, 1, 4);			/* four NOPs */
	v4_fix(buf);
	CHECK_DROP(buf, 23, DROP_IPV4_HDR_LEN);
	CHECK_DROP(buf, 24, DROP_NONE);
	CHECK_EQ(P.l4_off, 24);
	/* IHL 15, the largest, past a 40-byte buffer */
	buf[0] = 0x4f;
	CHECK_DROP(buf, 40, DROP_IPV4_HDR_LEN);
}

TEST(v4_total_len)
{
	v4(buf, 47, 19);
	CHECK_DROP(buf, 40, DROP_IPV4_TOTAL_LEN);	/* below the header */
	v4(buf, 47, 41);
	CHECK_DROP(buf, 40, DROP_IPV4_TOTAL_LEN);	/* one past the buffer */
	CHECK_DROP(buf, 41, DROP_NONE);			/* exactly the buffer */
	/* total length covers IHL 5 but not the options of IHL 6 */
	v4(buf, 47, 20);
	buf[0] = 0x46;
	memset(buf + 20, 1, 4);
	v4_fix(buf);
	CHECK_DROP(buf, 24, DROP_IPV4_TOTAL_LEN);
}

TEST(v4_checksum)
{
	size_t n = v4_tcp(buf, 0);

	buf[8] = 63;				/* TTL changed, sum not */
	CHECK_DROP(buf, n, DROP_IPV4_CHECKSUM);
	v4_fix(buf);
	CHECK_DROP(buf, n, DROP_NONE);
	buf[11] ^= 1;
	CHECK_DROP(buf, n, DROP_IPV4_CHECKSUM);
	buf[10] = buf[11] = 0;			/* "no checksum" is not an IPv4 thing */
	CHECK_DROP(buf, n, DROP_IPV4_CHECKSUM);
}

/* build IHL 5 + @olen option bytes, proto 47, no payload */
static size_t v4_opts(const uint8_t *opt, size_t olen)
{
	v4(buf, 47, 20 + olen);
	buf[0] = (uint8_t)(0x40 | (20 + olen) / 4);
	memcpy(buf + 20, opt, olen);
	v4_fix(buf);
	return 20 + olen;
}

TEST(v4_options_valid)
{
	static const uint8_t nops[] = { 1, 1, 1, 0 };
	static const uint8_t ra[] = { 0x94, 4, 0, 0 };		/* router alert */
	static const uint8_t eol_junk[] = { 0, 0xff, 0xff, 0xff };
	static const uint8_t fill[] = { 0x86, 8, 1, 2, 3, 4, 5, 6 };	/* to the end */
	static const uint8_t mixed[] = { 1, 0x94, 4, 0, 0, 1, 0x44, 2 };
	size_t n;

	n = v4_opts(nops, sizeof(nops));
	CHECK_DROP(buf, n, DROP_NONE);
	n = v4_opts(ra, sizeof(ra));
	CHECK_DROP(buf, n, DROP_NONE);
	n = v4_opts(eol_junk, sizeof(eol_junk));
	CHECK_DROP(buf, n, DROP_NONE);
	n = v4_opts(fill, sizeof(fill));
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.l4_off, 28);
	n = v4_opts(mixed, sizeof(mixed));
	CHECK_DROP(buf, n, DROP_NONE);
}

TEST(v4_options_malformed)
{
	static const uint8_t past[] = { 0x86, 9, 1, 2, 3, 4, 5, 6 };	/* one past */
	static const uint8_t len1[] = { 0x94, 1, 0, 0 };
	static const uint8_t len0[] = { 1, 0x94, 0, 0 };
	static const uint8_t no_len[] = { 1, 1, 1, 0x94 };	/* type, then the end */
	static const uint8_t second[] = { 0x94, 4, 0, 0, 0x44, 5, 0, 0 };
	size_t n;

	n = v4_opts(past, sizeof(past));
	CHECK_DROP(buf, n, DROP_IPV4_OPTIONS);
	n = v4_opts(len1, sizeof(len1));
	CHECK_DROP(buf, n, DROP_IPV4_OPTIONS);
	n = v4_opts(len0, sizeof(len0));
	CHECK_DROP(buf, n, DROP_IPV4_OPTIONS);
	n = v4_opts(no_len, sizeof(no_len));
	CHECK_DROP(buf, n, DROP_IPV4_OPTIONS);
	n = v4_opts(second, sizeof(second));
	CHECK_DROP(buf, n, DROP_IPV4_OPTIONS);
}

/* the exact rule of ipv4.c bad_addr(), both directions, and its edges */
TEST(v4_bad_addr)
{
	static const uint8_t bad[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 224, 0, 0, 1 },
		{ 224, 0, 0, 0 }, { 239, 255, 255, 255 }, { 232, 1, 2, 3 },
	};
	static const uint8_t good[][4] = {
		{ 0, 0, 0, 1 }, { 255, 255, 255, 254 }, { 223, 255, 255, 255 },
		{ 240, 0, 0, 0 }, { 127, 0, 0, 1 }, { 169, 254, 169, 254 },
	};
	size_t n = v4_tcp(buf, 0);

	for (size_t i = 0; i < sizeof(bad) / 4; i++) {
		for (int at = 12; at <= 16; at += 4) {
			v4_tcp(buf, 0);
			memcpy(buf + at, bad[i], 4);
			v4_fix(buf);
			CHECK_DROP(buf, n, DROP_IP_BAD_ADDR);
		}
	}
	for (size_t i = 0; i < sizeof(good) / 4; i++) {
		for (int at = 12; at <= 16; at += 4) {
			v4_tcp(buf, 0);
			memcpy(buf + at, good[i], 4);
			v4_fix(buf);
			CHECK_DROP(buf, n, DROP_NONE);
		}
	}
}

/* ---- IPv4 fragments ---- */

TEST(v4_first_fragment)
{
	size_t n = v4_tcp(buf, 4);		/* 24 bytes of data: a multiple of 8 */

	v4_frag(buf, true, 0);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_FIRST);
	CHECK(P.more_frags);
	CHECK_EQ(P.frag_off, 0);
	CHECK_EQ(P.frag_id, 0x1234);
	CHECK_EQ(P.sport, 40000);		/* the transport header is here */
	CHECK_EQ(P.payload_len, 4);
	CHECK(pkt_has_l4(&P));
}

TEST(v4_later_fragments)
{
	size_t n = 20 + 13;

	v4(buf, PROTO_TCP, n);
	memset(buf + 20, 0, 13);		/* would be a bad TCP header: not read */
	v4_frag(buf, false, 24);
	CHECK_DROP(buf, n, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_LATER);
	CHECK(!P.more_frags);
	CHECK_EQ(P.frag_off, 24);
	CHECK_EQ(P.proto, PROTO_TCP);
	CHECK_EQ(P.l4_off, 20);
	CHECK_EQ(P.payload_off, 20);
	CHECK_EQ(P.payload_len, 13);
	CHECK_EQ(P.sport, 0);
	CHECK_EQ(P.dport, 0);
	CHECK_EQ(P.tcp_flags, 0);
	CHECK(!pkt_has_l4(&P));

	v4(buf, PROTO_UDP, 20 + 16);		/* a middle one */
	v4_frag(buf, true, 8);
	CHECK_DROP(buf, 36, DROP_NONE);
	CHECK_EQ(P.frag, PKT_FRAG_LATER);
	CHECK(P.more_frags);
	CHECK_EQ(P.frag_off, 8);
}

TEST(v4_frag_bad)
{
	/* not a multiple of 8, but more follow */
	v4(buf, PROTO_UDP, 20 + 12);
	v4_frag(buf, true, 16);
	CHECK_DROP(buf, 32, DROP_FRAG_BAD);
	/* the largest offset: ends exactly at 65535, then one past */
	v4(buf, PROTO_UDP, 20 + 15);
	v4_frag(buf, false, 8190 * 8);
	CHECK_DROP(buf, 35, DROP_NONE);
	v4(buf, PROTO_UDP, 20 + 16);
	v4_frag(buf, false, 8190 * 8);
	CHECK_DROP(buf, 36, DROP_FRAG_BAD);
}

TEST(v4_frag_tiny)
{
	size_t n;

	/* TCP needs 20 bytes, the fragment holds 16 */
	n = v4_tcp(buf, 0) - 4;
	put_be16(buf + 2, (uint16_t)n);
	v4_frag(buf, true, 0);
	CHECK_DROP(buf, n, DROP_FRAG_TINY);
	/* TCP options (data offset 8) past the fragment */
	v4_tcp(buf, 4);
	buf[32] = 8 << 4;
	v4_frag(buf, true, 0);
	CHECK_DROP(buf, 44, DROP_FRAG_TINY);
	/* UDP and ICMP: a first fragment with no data at all */
	v4(buf, PROTO_UDP, 20);
	v4_frag(buf, true, 0);
	CHECK_DROP(buf, 20, DROP_FRAG_TINY);
	v4(buf, PROTO_ICMP, 20);
	v4_frag(buf, true, 0);
	CHECK_DROP(buf, 20, DROP_FRAG_TINY);
}

/* ---- mutation run: whatever comes in, no overread, and a sane view ---- */

static bool view_sane(const struct pkt *p, size_t n)
{
	if (p->len > n || p->l4_off > p->len || p->l3_hdr_len != p->l4_off)
		return false;
	if (p->payload_off < p->l4_off ||
	    (uint32_t)p->payload_off + p->payload_len != p->len)
		return false;
	if (p->family == ADDR_FAMILY_V4 && (p->len < 20 || p->l4_off < 20))
		return false;
	if (p->family == ADDR_FAMILY_V6 && p->l4_off < 40)
		return false;
	if (p->frag == PKT_FRAG_LATER)
		return !p->sport && !p->dport && !p->tcp_flags && !p->icmp_kind &&
		       p->payload_off == p->l4_off;
	if (p->proto == PROTO_TCP)
		return p->payload_off >= p->l4_off + 20 && p->sport && p->dport;
	if (p->proto == PROTO_UDP)
		return p->payload_off == p->l4_off + 8 && p->dport;
	return true;
}

TEST(mutations)
{
	uint8_t tmpl[6][128];
	size_t tlen[6], off;
	unsigned int seed = 12345;

	tlen[0] = v4_tcp(tmpl[0], 30);
	tlen[1] = v4_udp(tmpl[1], 30);
	tlen[2] = v6_tcp(tmpl[2], 30);
	off = 40;
	off += ext6(tmpl[3] + off, 60, 0);
	off += ext6(tmpl[3] + off, 44, 0);
	off += frag6(tmpl[3] + off, PROTO_UDP, 0, true, 1);
	off += udp(tmpl[3] + off, 1, 2, 100);
	off += 8;
	v6(tmpl[3], 0, off - 40);
	tlen[3] = off;
	tlen[4] = v4_opts((const uint8_t[]){ 1, 0x94, 4, 0, 0, 1, 1, 0 }, 8);
	memcpy(tmpl[4], buf, tlen[4]);
	v4(tmpl[5], PROTO_ICMP, 36);
	icmp(tmpl[5] + 20, 8, 0, 1, 1);
	memset(tmpl[5] + 28, 0, 8);
	tlen[5] = 36;

	for (int i = 0; i < 200000; i++) {
		int t = rand_r(&seed) % 6;
		size_t n = tlen[t];
		int flips = 1 + rand_r(&seed) % 4;
		enum drop_reason r;

		memcpy(buf, tmpl[t], n);
		for (int f = 0; f < flips; f++)
			buf[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
		if (rand_r(&seed) % 4 == 0)
			v4_fix(buf);	/* let some IPv4 mutations past the checksum */
		if (rand_r(&seed) % 3 == 0)
			n = (size_t)rand_r(&seed) % (n + 1);
		r = parse(buf, n);
		if ((unsigned)r >= DROP_MAX) {
			t_fail_at("iteration %d: reason %d out of range", i, r);
			return;
		}
		if (r == DROP_NONE && !view_sane(&P, n)) {
			t_fail_at("iteration %d: insane view", i);
			return;
		}
	}
}

/* runs after the others */
TEST(every_v4_reason_reached)
{
	static const enum drop_reason mine[] = {
		DROP_PKT_EMPTY, DROP_IP_VERSION, DROP_IPV4_TRUNCATED,
		DROP_IPV4_HDR_LEN, DROP_IPV4_TOTAL_LEN, DROP_IPV4_CHECKSUM,
		DROP_IPV4_OPTIONS, DROP_IP_BAD_ADDR, DROP_FRAG_BAD,
		DROP_FRAG_TINY,
	};

	CHECK_REACHED(mine);
}

int main(void)
{
	RUN(empty);
	RUN(version);
	RUN(direct_decoders_check_version);
	RUN(v4_tcp_minimal);
	RUN(v4_df_is_whole);
	RUN(v4_trailing_padding_ignored);
	RUN(v4_gso_65535);
	RUN(v4_truncated);
	RUN(v4_header_exactly);
	RUN(v4_hdr_len);
	RUN(v4_total_len);
	RUN(v4_checksum);
	RUN(v4_options_valid);
	RUN(v4_options_malformed);
	RUN(v4_bad_addr);
	RUN(v4_first_fragment);
	RUN(v4_later_fragments);
	RUN(v4_frag_bad);
	RUN(v4_frag_tiny);
	RUN(every_v4_reason_reached);	/* before the mutations reach any */
	RUN(mutations);
	free(copy);
	return t_done();
}
