/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pkttest.h - what the pkt_parse() test files share: the exact-size parse,
 * CHECK_DROP(), the reasons reached, and a few whole packets
 *
 * Each packet is parsed from a heap copy of exactly the bytes given, so
 * AddressSanitizer turns a read one byte past the end into a failure. P
 * points into that copy until the next parse().
 */
#ifndef SENTRY_TEST_PKTTEST_H
#define SENTRY_TEST_PKTTEST_H

#include <stdlib.h>

#include "packet.h"
#include "pktbuild.h"
#include "t.h"

static uint8_t buf[65536 + 256];
static struct pkt P;
static uint8_t *copy;			/* the exact-size copy P points into */
static bool reached[DROP_MAX];		/* reasons some test asserted */

static inline enum drop_reason parse(const uint8_t *b, size_t n)
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

/* CHECK_REACHED() - every reason in the array @list was asserted by a test */
#define CHECK_REACHED(list)						\
	do {								\
		for (size_t i_ = 0; i_ < sizeof(list) / sizeof(list[0]); i_++) { \
			if (!reached[list[i_]]) {			\
				t_fail_at("no test reaches %s",		\
					  drop_name(list[i_]));		\
				return;					\
			}						\
		}							\
	} while (0)

/* IPv4 + TCP (SYN 40000 -> 443) with @payload bytes of data */
static inline size_t v4_tcp(uint8_t *b, size_t payload)
{
	v4(b, PROTO_TCP, 40 + payload);
	tcp(b + 20, 40000, 443, TCP_SYN);
	memset(b + 40, 0xab, payload);
	return 40 + payload;
}

static inline size_t v4_udp(uint8_t *b, size_t payload)
{
	v4(b, PROTO_UDP, 28 + payload);
	udp(b + 20, 40000, 53, (uint16_t)(8 + payload));
	memset(b + 28, 0xcd, payload);
	return 28 + payload;
}

static inline size_t v6_tcp(uint8_t *b, size_t payload)
{
	v6(b, PROTO_TCP, 20 + payload);
	tcp(b + 40, 40000, 443, TCP_SYN);
	memset(b + 60, 0xab, payload);
	return 60 + payload;
}

/* IPv4 (or IPv6) around @l4len transport bytes already at buf + 20 (+ 40) */
static inline size_t wrap4(uint8_t proto, size_t l4len)
{
	v4(buf, proto, 20 + l4len);
	return 20 + l4len;
}

static inline size_t wrap6(uint8_t proto, size_t l4len)
{
	v6(buf, proto, l4len);
	return 40 + l4len;
}

#endif /* SENTRY_TEST_PKTTEST_H */
