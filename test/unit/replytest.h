/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replytest.h - what test_reply.c and test_reply_quote.c share: exact-size
 * input buffers and the parse-back check every built packet goes through
 *
 * load() copies a packet into a heap buffer of exactly the capacity the
 * code under test is told it has, so ASan catches a write past @cap as
 * well as a read past the packet. verify() parses an output from an
 * exact-size copy and checks its IPv4 header checksum and its transport
 * checksum, both with csum.c and with pktbuild.h's naive reference.
 */
#ifndef SENTRY_TEST_REPLYTEST_H
#define SENTRY_TEST_REPLYTEST_H

#include <stdio.h>
#include <stdlib.h>

#include "csum.h"
#include "packet.h"
#include "pktbuild.h"

static uint8_t buf[65536 + 4096];	/* packets are built here */
/* replies are written here (not every test file builds one) */
static uint8_t out[65536 + 4096] __attribute__((unused));
static uint8_t orig[65536 + 4096];	/* a copy to compare against */
static uint8_t *inb;			/* load()'s heap copy; P points into it */
static struct pkt P;
static uint8_t *vcopy;			/* verify()'s heap copy; V points into it */
static struct pkt V;

/* load() - parse @n bytes of @b from a heap buffer of @cap (>= @n) bytes */
static inline enum drop_reason load(const uint8_t *b, size_t n, size_t cap)
{
	free(inb);
	inb = malloc(cap ? cap : 1);
	if (!inb)
		abort();
	memcpy(inb, b, n);
	return pkt_parse(inb, n, &P);
}

static inline size_t l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return 16;
	case PROTO_UDP:
		return 6;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return 2;
	default:
		return 0;
	}
}

/*
 * verify() - @b[0..@n) is one whole, valid IP packet: it parses with
 * DROP_NONE into V, its length is @n, and its checksums are right
 */
static inline bool verify(const uint8_t *b, size_t n)
{
	enum drop_reason r;
	uint16_t stored, want;
	size_t off;
	bool is_v6;

	free(vcopy);
	vcopy = malloc(n ? n : 1);
	if (!vcopy)
		abort();
	memcpy(vcopy, b, n);
	r = pkt_parse(vcopy, n, &V);
	if (r != DROP_NONE) {
		printf("#   verify: pkt_parse: %s\n", drop_name(r));
		return false;
	}
	if (V.len != n) {
		printf("#   verify: IP length %u, built %zu\n", V.len, n);
		return false;
	}
	is_v6 = V.family == ADDR_FAMILY_V6;
	if (!is_v6 && csum_ipv4_header(vcopy, V.l3_hdr_len)) {
		printf("#   verify: IPv4 header checksum\n");
		return false;
	}
	off = l4_csum_off(V.proto);
	if (!off || V.frag != PKT_FRAG_NONE)
		return true;
	memcpy(&stored, vcopy + V.l4_off + off, 2);
	if (stored != csum_l4(&V)) {
		printf("#   verify: transport checksum (csum_l4)\n");
		return false;
	}
	want = ref_l4_csum(vcopy, is_v6, V.proto, vcopy + V.l4_off,
			   n - V.l4_off, off);
	if (V.proto == PROTO_UDP && !want)
		want = 0xffff;
	if (get_be16(vcopy + V.l4_off + off) != want) {
		printf("#   verify: transport checksum (reference)\n");
		return false;
	}
	return true;
}

#endif /* SENTRY_TEST_REPLYTEST_H */
