// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_csum.c - checksums: csum_partial()/csum_fold() against a naive
 * RFC 1071 sum, csum_replace() and pkt_rewrite_*() against full
 * recomputation on random packets (fixed seed), bit for bit, including the
 * 0x0000/0xffff corner, UDP's zero checksum, and IPv6/ICMPv6.
 *
 * The reference (pktbuild.h) sums big-endian words one at a time; the code
 * under test sums host-order words 32 bits at a time. They must agree on
 * every byte of every checksum they write.
 */
#include <stdlib.h>

#include "csum.h"
#include "packet.h"
#include "pktbuild.h"
#include "t.h"

static unsigned int seed = 20240601;

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)rand_r(&seed) % n;
}

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand_r(&seed);
}

/* a checksum as stored, read as the number the RFCs write */
static uint16_t stored_be(uint16_t stored)
{
	uint8_t b[2];

	memcpy(b, &stored, 2);
	return get_be16(b);
}

static uint16_t be_stored(uint16_t be)
{
	uint8_t b[2];
	uint16_t v;

	put_be16(b, be);
	memcpy(&v, b, 2);
	return v;
}

TEST(partial_vs_naive)
{
	static uint8_t b[2100];

	for (int i = 0; i < 20000; i++) {
		size_t off = rnd(8), n = rnd(2048);
		uint16_t got;

		rnd_bytes(b + off, n);
		if (rnd(8) == 0)
			memset(b + off, 0xff, n);	/* carries on every add */
		got = stored_be(csum_fold(csum_partial(b + off, n, 0)));
		if (got != ref_csum(b + off, n)) {
			t_fail_at("len %zu off %zu: %04x != %04x", n, off, got,
				  ref_csum(b + off, n));
			return;
		}
	}
}

/* a sum may be taken in pieces split at even offsets */
TEST(partial_chains)
{
	static uint8_t b[1500];

	for (int i = 0; i < 5000; i++) {
		size_t n = 1 + rnd(1499), k = rnd((unsigned int)n + 1) & ~(size_t)1;
		uint32_t whole, parts;

		rnd_bytes(b, n);
		whole = csum_partial(b, n, 0);
		parts = csum_partial(b + k, n - k, csum_partial(b, k, 0));
		CHECK_EQ(csum_fold(whole), csum_fold(parts));
	}
}

TEST(partial_large)
{
	static uint8_t b[65535];

	memset(b, 0xff, sizeof(b));
	CHECK_EQ(stored_be(csum_fold(csum_partial(b, sizeof(b), 0))),
		 ref_csum(b, sizeof(b)));
	/* and a starting sum near the top does not overflow */
	CHECK_EQ(stored_be(csum_fold(csum_partial(b, sizeof(b), 0xffffffffu))),
		 (uint16_t)~ref_sum(b, sizeof(b), 0xffff));
}

TEST(fold)
{
	CHECK_EQ(csum_fold(0), 0xffff);
	CHECK_EQ(csum_fold(0xffff), 0);
	CHECK_EQ(csum_fold(0x1fffe), 0);		/* 0xfffe + 1 */
	CHECK_EQ(csum_fold(0xffffffff), 0);
	CHECK_EQ(csum_fold(0x10000), 0xfffe);
}

TEST(ipv4_header)
{
	uint8_t h[60];

	v4(h, PROTO_TCP, 40);
	CHECK_EQ(csum_ipv4_header(h, 20), 0);
	h[8]--;
	CHECK(csum_ipv4_header(h, 20) != 0);
	/* with options */
	v4(h, PROTO_TCP, 64);
	h[0] = 0x4f;
	memset(h + 20, 1, 40);
	v4_fix(h);
	CHECK_EQ(csum_ipv4_header(h, 60), 0);
	/* with the field zeroed, the result is what to store (memcpy) */
	h[10] = h[11] = 0;
	{
		uint16_t c = csum_ipv4_header(h, 60);

		CHECK_EQ(stored_be(c), ref_csum(h, 60));
		memcpy(h + 10, &c, 2);
	}
	CHECK_EQ(csum_ipv4_header(h, 60), 0);
}

/* RFC 1624 section 4: eqn. 3 gives 0x0000 where eqn. 2 gave 0xffff */
TEST(rfc1624_example)
{
	static const uint8_t m[2] = { 0x55, 0x55 }, m2[2] = { 0x32, 0x85 };

	CHECK_EQ(stored_be(csum_replace(be_stored(0xdd2f), m, m2, 2)), 0x0000);
	/* and back again */
	CHECK_EQ(stored_be(csum_replace(be_stored(0x0000), m2, m, 2)), 0xdd2f);
}

/*
 * A 40-byte "packet" whose first word is fixed and non-zero, as a real
 * pseudo-header's protocol is: only an all-zero packet sums to +0, and
 * there full and incremental sums may legitimately differ (+0 vs -0).
 */
TEST(replace_vs_recompute)
{
	uint8_t b[40], old[16];
	int corner = 0;

	for (int i = 0; i < 200000; i++) {
		size_t at = 2 + 2 * rnd(12), len = 2 * (1 + rnd(8));
		uint16_t check, inc, full;

		if (at + len > sizeof(b))
			len = sizeof(b) - at;
		rnd_bytes(b, sizeof(b));
		b[0] = 0;
		b[1] = 0x11;
		if (rnd(4) == 0)
			memset(b + 2, 0, sizeof(b) - 2);
		check = be_stored(ref_csum(b, sizeof(b)));
		memcpy(old, b + at, len);
		rnd_bytes(b + at, len);
		if (rnd(3) == 0) {
			/* steer the new sum to 0xffff: checksum 0x0000 */
			uint32_t s = ref_sum(b, sizeof(b), 0);
			uint32_t w = get_be16(b + at) + (uint16_t)~s;

			w = (w & 0xffff) + (w >> 16);
			put_be16(b + at, (uint16_t)w);
		}
		full = ref_csum(b, sizeof(b));
		inc = stored_be(csum_replace(check, old, b + at, len));
		corner += full == 0;
		if (inc != full) {
			t_fail_at("iteration %d: incremental %04x, full %04x", i,
				  inc, full);
			return;
		}
	}
	CHECK(corner > 1000);		/* the corner was really exercised */
}

/* ---- whole packets ---- */

struct rpkt {
	uint8_t b[1600];
	size_t n;
	bool is_v6;
	uint8_t proto;
	size_t l4, ck;		/* transport offset; checksum offset within it */
};

static void rnd_addr(uint8_t *a, bool is_v6)
{
	if (is_v6) {
		rnd_bytes(a, 16);
		a[0] = (uint8_t)(0x20 + rnd(0x20));	/* global unicast */
	} else {
		rnd_bytes(a, 4);
		a[0] = (uint8_t)(1 + rnd(223));		/* not 0, not 224/4 */
	}
}

/* write the reference checksum into @r, as a sender would */
static void fill_l4_csum(struct rpkt *r)
{
	uint8_t *l4 = r->b + r->l4;
	uint16_t c = ref_l4_csum(r->b, r->is_v6, r->proto, l4, r->n - r->l4, r->ck);

	if (r->proto == PROTO_UDP && !c)
		c = 0xffff;
	put_be16(l4 + r->ck, c);
}

/* a random valid packet of kind @k: v4/v6 x TCP/UDP/ICMP echo */
static void rnd_packet(struct rpkt *r, int k)
{
	size_t pay = rnd(1200), hl;

	r->is_v6 = k >= 3;
	hl = r->is_v6 ? 40 : 20;
	r->l4 = hl;
	switch (k % 3) {
	case 0:
		r->proto = PROTO_TCP;
		r->ck = 16;
		tcp(r->b + hl, (uint16_t)(1 + rnd(65535)), (uint16_t)(1 + rnd(65535)),
		    TCP_ACK);
		r->n = hl + 20 + pay;
		break;
	case 1:
		r->proto = PROTO_UDP;
		r->ck = 6;
		udp(r->b + hl, (uint16_t)rnd(65536), (uint16_t)(1 + rnd(65535)),
		    (uint16_t)(8 + pay));
		r->n = hl + 8 + pay;
		break;
	default:
		r->proto = r->is_v6 ? PROTO_ICMPV6 : PROTO_ICMP;
		r->ck = 2;
		icmp(r->b + hl, r->is_v6 ? 128 : 8, 0, (uint16_t)rnd(65536), 1);
		r->n = hl + 8 + pay;
		break;
	}
	rnd_bytes(r->b + r->n - pay, pay);
	if (r->is_v6) {
		v6(r->b, r->proto, r->n - 40);
		r->b[7] = (uint8_t)rnd(256);
		rnd_addr(r->b + 8, true);
		rnd_addr(r->b + 24, true);
	} else {
		v4(r->b, r->proto, r->n);
		put_be16(r->b + 4, (uint16_t)rnd(65536));
		r->b[8] = (uint8_t)rnd(256);
		rnd_addr(r->b + 12, false);
		rnd_addr(r->b + 16, false);
		v4_fix(r->b);
	}
	fill_l4_csum(r);
}

/* every byte but the ones in [a, a + alen) and the checksums is unchanged */
static bool only_expected_changed(const uint8_t *x, const uint8_t *y, size_t n,
				  size_t a, size_t alen, const struct rpkt *r)
{
	for (size_t i = 0; i < n; i++) {
		if (i >= a && i < a + alen)
			continue;
		if (!r->is_v6 && (i == 10 || i == 11))
			continue;
		if (i == r->l4 + r->ck || i == r->l4 + r->ck + 1)
			continue;
		if (x[i] != y[i])
			return false;
	}
	return true;
}

/* @r rewritten in place: every checksum equal to a full recomputation */
static bool checksums_right(struct rpkt *r, uint16_t *got, uint16_t *want)
{
	uint8_t *l4 = r->b + r->l4;
	uint16_t c = ref_l4_csum(r->b, r->is_v6, r->proto, l4, r->n - r->l4, r->ck);

	if (!r->is_v6) {
		uint8_t h[20];

		memcpy(h, r->b, 20);
		v4_fix(h);
		if (get_be16(h + 10) != get_be16(r->b + 10)) {
			*got = get_be16(r->b + 10);
			*want = get_be16(h + 10);
			return false;
		}
	}
	if (r->proto == PROTO_UDP && !c)
		c = 0xffff;
	*got = get_be16(l4 + r->ck);
	*want = c;
	return *got == *want;
}

TEST(csum_l4_vs_naive)
{
	static struct rpkt r;
	struct pkt p;

	for (int i = 0; i < 5000; i++) {
		uint16_t c;

		rnd_packet(&r, (int)rnd(6));
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		c = csum_l4(&p);
		CHECK_EQ(stored_be(c), get_be16(r.b + r.l4 + r.ck));
	}
	/* no transport checksum we know of */
	v4(r.b, 47, 28);
	CHECK_EQ(pkt_parse(r.b, 28, &p), DROP_NONE);
	CHECK_EQ(csum_l4(&p), 0);
}

TEST(rewrite_addr_random)
{
	static struct rpkt r, orig;
	struct pkt p;

	for (int i = 0; i < 20000; i++) {
		int dst = (int)rnd(2);
		uint8_t to[16];
		size_t at, alen;
		uint16_t got, want;
		uint8_t icmp_ck[2];

		rnd_packet(&r, (int)rnd(6));
		orig = r;
		alen = r.is_v6 ? 16 : 4;
		at = (r.is_v6 ? 8 : 12) + (dst ? alen : 0);
		rnd_addr(to, r.is_v6);
		if (rnd(16) == 0)
			memcpy(to, r.b + at, alen);	/* a rewrite to itself */
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		memcpy(icmp_ck, r.b + r.l4 + 2, 2);
		pkt_rewrite_addr(&p, dst, to);
		CHECK(!memcmp(r.b + at, to, alen));
		CHECK(only_expected_changed(orig.b, r.b, r.n, at, alen, &r));
		if (r.proto == PROTO_ICMP) {	/* no pseudo-header: untouched */
			CHECK(!memcmp(icmp_ck, r.b + r.l4 + 2, 2));
		} else if (!checksums_right(&r, &got, &want)) {
			t_fail_at("iteration %d proto %d v6 %d: %04x, want %04x",
				  i, r.proto, r.is_v6, got, want);
			return;
		}
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
	}
}

/*
 * Choose the new address so the rewritten packet's true transport sum is
 * 0xffff: its checksum is then 0x0000 (TCP, ICMPv6) or 0xffff (UDP).
 */
static void steer_to_zero(const struct rpkt *r, size_t at, uint8_t *to)
{
	uint16_t hc = get_be16(r->b + r->l4 + r->ck);
	uint32_t s = (uint16_t)~hc;		/* the sum now */
	uint32_t w;

	memcpy(to, r->b + at, r->is_v6 ? 16 : 4);
	w = get_be16(to) + (uint16_t)~s;	/* m0' = m0 + ~S */
	w = (w & 0xffff) + (w >> 16);
	put_be16(to, (uint16_t)w);
}

TEST(rewrite_addr_zero_corner)
{
	static struct rpkt r;
	int zeros = 0, ffffs = 0;
	struct pkt p;

	for (int i = 0; i < 3000; i++) {
		int k = (int)rnd(6);
		size_t at;
		uint8_t to[16];
		uint16_t got, want;

		if (k % 3 == 2 && k < 3)
			k = 0;			/* ICMPv4 has no pseudo-header */
		rnd_packet(&r, k);
		at = r.is_v6 ? 8 : 12;
		if (r.proto == PROTO_UDP && get_be16(r.b + r.l4 + 6) == 0xffff)
			continue;		/* already the corner: below */
		steer_to_zero(&r, at, to);
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		pkt_rewrite_addr(&p, 0, to);
		if (!checksums_right(&r, &got, &want)) {
			t_fail_at("iteration %d proto %d: %04x, want %04x", i,
				  r.proto, got, want);
			return;
		}
		zeros += got == 0;
		ffffs += got == 0xffff;
	}
	CHECK(zeros > 100);			/* TCP and ICMPv6 */
	CHECK(ffffs > 100);			/* UDP: never 0 on the wire */
}

/* a UDP datagram whose computed checksum is 0, sent as 0xffff, rewritten */
TEST(rewrite_udp_from_ffff)
{
	static struct rpkt r;
	struct pkt p;

	for (int i = 0; i < 2000; i++) {
		uint8_t to[16];
		uint16_t got, want;
		uint32_t s;

		do {
			rnd_packet(&r, rnd(2) ? 1 : 4);
		} while (r.n - r.l4 < 10);
		/* make the payload's first word cancel the rest: sum 0xffff */
		put_be16(r.b + r.l4 + 8, 0);
		put_be16(r.b + r.l4 + 6, 0);
		s = (uint16_t)~ref_l4_csum(r.b, r.is_v6, PROTO_UDP, r.b + r.l4,
					   r.n - r.l4, 6);
		put_be16(r.b + r.l4 + 8, (uint16_t)~s);
		fill_l4_csum(&r);
		CHECK_EQ(get_be16(r.b + r.l4 + 6), 0xffff);
		rnd_addr(to, r.is_v6);
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		pkt_rewrite_addr(&p, (int)rnd(2), to);
		if (!checksums_right(&r, &got, &want)) {
			t_fail_at("iteration %d: %04x, want %04x", i, got, want);
			return;
		}
	}
}

TEST(rewrite_udp_zero_left_alone)
{
	static struct rpkt r;
	uint8_t to[16] = { 198, 18, 7, 7 };
	struct pkt p;

	for (int k = 1; k <= 4; k += 3) {	/* IPv4, then IPv6 */
		rnd_packet(&r, k);
		put_be16(r.b + r.l4 + 6, 0);
		if (r.is_v6)
			rnd_addr(to, true);
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		pkt_rewrite_addr(&p, 0, to);
		CHECK_EQ(get_be16(r.b + r.l4 + 6), 0);
		pkt_rewrite_port(&p, 1, 5353);
		CHECK_EQ(get_be16(r.b + r.l4 + 6), 0);
		CHECK_EQ(get_be16(r.b + r.l4 + 2), 5353);
		if (!r.is_v6)
			CHECK_EQ(csum_ipv4_header(r.b, 20), 0);
	}
}

TEST(rewrite_fragments)
{
	uint8_t d[20 + 20 + 40], f[20 + 24], to[4] = { 198, 18, 9, 9 };
	struct pkt p;
	uint16_t want;

	/* the whole datagram, its TCP checksum right */
	v4(d, PROTO_TCP, sizeof(d));
	tcp(d + 20, 40000, 443, TCP_ACK);
	for (size_t i = 40; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	put_be16(d + 36, ref_l4_csum(d, false, PROTO_TCP, d + 20, 60, 16));

	/* first fragment: header + 24 bytes; its TCP checksum covers all 60 */
	memcpy(f, d, sizeof(f));
	put_be16(f + 2, sizeof(f));
	v4_frag(f, true, 0);
	CHECK_EQ(pkt_parse(f, sizeof(f), &p), DROP_NONE);
	CHECK_EQ(p.frag, PKT_FRAG_FIRST);
	pkt_rewrite_addr(&p, 0, to);
	CHECK_EQ(csum_ipv4_header(f, 20), 0);
	memcpy(d + 12, to, 4);
	want = ref_l4_csum(d, false, PROTO_TCP, d + 20, 60, 16);
	CHECK_EQ(get_be16(f + 36), want);

	/* a later fragment: only the IP header changes */
	memcpy(f, d, 20);
	memcpy(f + 20, d + 44, 24);
	memcpy(f + 12, (uint8_t[4]){ 10, 0, 0, 2 }, 4);
	put_be16(f + 2, sizeof(f));
	v4_frag(f, false, 24);
	{
		uint8_t before[24];

		memcpy(before, f + 20, 24);
		CHECK_EQ(pkt_parse(f, sizeof(f), &p), DROP_NONE);
		CHECK_EQ(p.frag, PKT_FRAG_LATER);
		pkt_rewrite_addr(&p, 0, to);
		pkt_rewrite_port(&p, 0, 1);	/* no port here: a no-op */
		CHECK(!memcmp(before, f + 20, 24));
		CHECK(!memcmp(f + 12, to, 4));
		CHECK_EQ(csum_ipv4_header(f, 20), 0);
	}
}

TEST(rewrite_port_random)
{
	static struct rpkt r, orig;
	struct pkt p;

	for (int i = 0; i < 20000; i++) {
		int k = (int)rnd(6), dst = (int)rnd(2);
		uint16_t port = (uint16_t)(1 + rnd(65535)), got, want;
		size_t at;
		bool echo;

		rnd_packet(&r, k);
		orig = r;
		echo = k % 3 == 2;
		at = r.l4 + (echo ? 4 : dst ? 2 : 0);
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		pkt_rewrite_port(&p, dst, port);
		CHECK_EQ(get_be16(r.b + at), port);
		CHECK(only_expected_changed(orig.b, r.b, r.n, at, 2, &r));
		if (echo) {			/* the identifier is both ports */
			CHECK_EQ(p.sport, port);
			CHECK_EQ(p.dport, port);
		} else {
			CHECK_EQ(dst ? p.dport : p.sport, port);
		}
		if (!checksums_right(&r, &got, &want)) {
			t_fail_at("iteration %d kind %d: %04x, want %04x", i, k,
				  got, want);
			return;
		}
		CHECK_EQ(pkt_parse(r.b, r.n, &p), DROP_NONE);
		CHECK_EQ(echo ? p.sport : dst ? p.dport : p.sport, port);
	}
}

TEST(rewrite_port_not_applicable)
{
	uint8_t b[48], before[48];
	struct pkt p;

	/* ICMP that is not echo has no identifier to rewrite */
	v4(b, PROTO_ICMP, 28);
	icmp(b + 20, 3, 1, 0x1111, 0x2222);
	put_be16(b + 22, ref_csum(b + 20, 8));
	memcpy(before, b, 28);
	CHECK_EQ(pkt_parse(b, 28, &p), DROP_NONE);
	pkt_rewrite_port(&p, 0, 9);
	CHECK(!memcmp(before, b, 28));
	/* nor has an unknown protocol */
	v4(b, 47, 28);
	memset(b + 20, 0x5a, 8);
	memcpy(before, b, 28);
	CHECK_EQ(pkt_parse(b, 28, &p), DROP_NONE);
	pkt_rewrite_port(&p, 1, 9);
	CHECK(!memcmp(before, b, 28));
	/* rewriting an unknown protocol's address fixes only the IP header */
	pkt_rewrite_addr(&p, 1, (const uint8_t[4]){ 198, 18, 1, 1 });
	CHECK_EQ(csum_ipv4_header(b, 20), 0);
	CHECK(!memcmp(before + 20, b + 20, 8));
}

int main(void)
{
	RUN(partial_vs_naive);
	RUN(partial_chains);
	RUN(partial_large);
	RUN(fold);
	RUN(ipv4_header);
	RUN(rfc1624_example);
	RUN(replace_vs_recompute);
	RUN(csum_l4_vs_naive);
	RUN(rewrite_addr_random);
	RUN(rewrite_addr_zero_corner);
	RUN(rewrite_udp_from_ffff);
	RUN(rewrite_udp_zero_left_alone);
	RUN(rewrite_fragments);
	RUN(rewrite_port_random);
	RUN(rewrite_port_not_applicable);
	return t_done();
}
