/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pktbuild.h - build test packets byte by byte, and check them naively
 *
 * Deliberately independent of the code under test: checksums here are the
 * RFC 1071 sum written the slow, obvious way, big-endian word by word, and
 * headers are laid out by offset from the RFCs, not through packet.h.
 *
 * Builders write one header at @b and return its length; packets are
 * assembled by the caller, so a test shows every byte it depends on.
 */
#ifndef SENTRY_TEST_PKTBUILD_H
#define SENTRY_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "cursor.h"
#include "packet.h"

/* Default addresses: a bottle and a host of the test "internet" */
static const uint8_t SRC4[4] = { 10, 0, 0, 2 };
static const uint8_t DST4[4] = { 198, 18, 0, 1 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

/* ref_sum() - RFC 1071 sum of @n bytes, big-endian words, folded, added to @s */
static inline uint32_t ref_sum(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* ref_csum() - checksum of @n bytes, host order: put_be16() it */
static inline uint16_t ref_csum(const uint8_t *b, size_t n)
{
	return (uint16_t)~ref_sum(b, n, 0);
}

/* v4_fix() - recompute the header checksum after editing a header */
static inline void v4_fix(uint8_t *b)
{
	size_t hl = (size_t)(b[0] & 0xf) * 4;

	b[10] = b[11] = 0;
	put_be16(b + 10, ref_csum(b, hl));
}

/* v4() - 20-byte IPv4 header, TTL 64, id 0x1234, SRC4 -> DST4 */
static inline size_t v4(uint8_t *b, uint8_t proto, size_t tot)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put_be16(b + 2, (uint16_t)tot);
	put_be16(b + 4, 0x1234);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, SRC4, 4);
	memcpy(b + 16, DST4, 4);
	v4_fix(b);
	return 20;
}

/* v4_frag() - set the flags/offset word (@off in bytes), fix the checksum */
static inline void v4_frag(uint8_t *b, bool mf, unsigned int off)
{
	put_be16(b + 6, (uint16_t)((mf ? 0x2000 : 0) | (off / 8)));
	v4_fix(b);
}

/* v6() - fixed IPv6 header, hop limit 64, SRC6 -> DST6 */
static inline size_t v6(uint8_t *b, uint8_t nh, size_t plen)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put_be16(b + 4, (uint16_t)plen);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, SRC6, 16);
	memcpy(b + 24, DST6, 16);
	return 40;
}

/* ext6() - hop-by-hop, routing or destination options: (@len8 + 1) * 8 bytes of Pad1 */
static inline size_t ext6(uint8_t *b, uint8_t nh, uint8_t len8)
{
	size_t n = ((size_t)len8 + 1) * 8;

	memset(b, 0, n);
	b[0] = nh;
	b[1] = len8;
	return n;
}

/* ah6() - authentication header: (@len4 + 2) * 4 bytes */
static inline size_t ah6(uint8_t *b, uint8_t nh, uint8_t len4)
{
	size_t n = ((size_t)len4 + 2) * 4;

	memset(b, 0, n);
	b[0] = nh;
	b[1] = len4;
	return n;
}

/* frag6() - fragment header; @off in bytes (a multiple of 8) */
static inline size_t frag6(uint8_t *b, uint8_t nh, unsigned int off, bool m,
			   uint32_t id)
{
	b[0] = nh;
	b[1] = 0;
	put_be16(b + 2, (uint16_t)((off & 0xfff8) | (m ? 1 : 0)));
	put_be32(b + 4, id);
	return 8;
}

/* tcp() - 20-byte TCP header (checksum left 0) */
static inline size_t tcp(uint8_t *b, uint16_t sport, uint16_t dport,
			 uint8_t flags)
{
	memset(b, 0, 20);
	put_be16(b, sport);
	put_be16(b + 2, dport);
	put_be32(b + 4, 0x01020304);
	put_be32(b + 8, flags & 0x10 ? 0x0a0b0c0d : 0);
	b[12] = 5 << 4;
	b[13] = flags;
	put_be16(b + 14, 64240);
	return 20;
}

/* udp() - UDP header (checksum left 0) */
static inline size_t udp(uint8_t *b, uint16_t sport, uint16_t dport,
			 uint16_t ulen)
{
	put_be16(b, sport);
	put_be16(b + 2, dport);
	put_be16(b + 4, ulen);
	put_be16(b + 6, 0);
	return 8;
}

/* v4_addrs() - set an IPv4 header's addresses from text, then its checksum */
static inline void v4_addrs(uint8_t *ip, const char *src, const char *dst)
{
	struct ipaddr a;

	addr_parse(src, &a);
	memcpy(ip + 12, a.b, 4);
	addr_parse(dst, &a);
	memcpy(ip + 16, a.b, 4);
	v4_fix(ip);
}

/* tcp4() - a 40-byte IPv4 TCP segment with @flags into @b; its length */
static inline size_t tcp4(uint8_t *b, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport, uint8_t flags)
{
	size_t n = v4(b, PROTO_TCP, 40);

	tcp(b + n, sport, dport, flags);
	v4_addrs(b, src, dst);
	return 40;
}

/* udp4() - an IPv4 UDP datagram carrying @plen bytes of @payload into @b */
static inline size_t udp4(uint8_t *b, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport,
			  const uint8_t *payload, size_t plen)
{
	size_t n = v4(b, PROTO_UDP, 28 + plen);

	udp(b + n, sport, dport, (uint16_t)(8 + plen));
	if (plen)
		memcpy(b + 28, payload, plen);
	v4_addrs(b, src, dst);
	return 28 + plen;
}

/* icmp() - ICMP or ICMPv6 header (checksum left 0) */
static inline size_t icmp(uint8_t *b, uint8_t type, uint8_t code, uint16_t id,
			  uint16_t seq)
{
	b[0] = type;
	b[1] = code;
	b[2] = b[3] = 0;
	put_be16(b + 4, id);
	put_be16(b + 6, seq);
	return 8;
}

/*
 * ref_pseudo() - the folded, uncomplemented pseudo-header sum of the IP
 * header at @ip, host order: what Linux leaves in the checksum field of a
 * packet with CHECKSUM_PARTIAL
 */
static inline uint16_t ref_pseudo(const uint8_t *ip, bool is_v6, uint8_t proto,
				  size_t l4len)
{
	uint8_t ph[8] = { 0 };
	size_t al = is_v6 ? 16 : 4;
	uint32_t s = 0;

	s = ref_sum(ip + (is_v6 ? 8 : 12), al, s);
	s = ref_sum(ip + (is_v6 ? 24 : 16), al, s);
	if (is_v6) {
		put_be32(ph, (uint32_t)l4len);
		ph[7] = proto;
		s = ref_sum(ph, 8, s);
	} else {
		ph[1] = proto;
		put_be16(ph + 2, (uint16_t)l4len);
		s = ref_sum(ph, 4, s);
	}
	return (uint16_t)s;
}

/*
 * ref_l4_csum() - the transport checksum of a whole datagram, host order,
 * naively: pseudo-header (unless ICMPv4) then the transport bytes with the
 * checksum field at @ck counted as zero. @v6 picks the address sizes.
 */
static inline uint16_t ref_l4_csum(const uint8_t *ip, bool is_v6, uint8_t proto,
				   const uint8_t *l4, size_t l4len, size_t ck)
{
	uint32_t s = 0;

	if (proto != 1)
		s = ref_pseudo(ip, is_v6, proto, l4len);
	s = ref_sum(l4, ck, s);
	s = ref_sum(l4 + ck + 2, l4len - ck - 2, s);
	return (uint16_t)~s;
}

#endif /* SENTRY_TEST_PKTBUILD_H */
