/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * csum.h - Internet checksum (RFC 1071), full and incremental (RFC 1624)
 *
 * Theory of operation: the gateway rewrites a bottle's source address to its
 * egress address (and back) in place. Recomputing a TCP checksum over a 64 KB
 * GSO packet per packet would cost more than the rest of the path together,
 * so the rewrite adjusts the existing sums by the difference of the old and
 * new 16-bit words: HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3), which is
 * correct for every input including the 0x0000/0xffff corner of eqn. 2.
 *
 * UDP over IPv4 uses 0 for "no checksum": an adjusted UDP checksum that comes
 * out as 0 is written as 0xffff, and an absent one (0) is left alone.
 *
 * Every uint16_t checksum taken or returned here is as stored in the header:
 * memcpy() it to and from the packet bytes; never ntohs()/put_be16() it.
 */
#ifndef SENTRY_CSUM_H
#define SENTRY_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* csum_partial() - one's-complement sum of @len bytes added to @sum, unfolded */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* csum_fold() - fold a 32-bit partial sum to 16 bits and complement it */
uint16_t csum_fold(uint32_t sum);

/* csum_ipv4_header() - checksum of an IPv4 header (its checksum field included) */
uint16_t csum_ipv4_header(const uint8_t *hdr, size_t hdr_len);

/*
 * csum_l4() - full transport checksum of @p (TCP, UDP, ICMP, ICMPv6) over
 * the pseudo-header and l4 bytes, as it should be stored in the header.
 * Only meaningful for unfragmented packets.
 */
uint16_t csum_l4(const struct pkt *p);

/*
 * csum_replace() - adjust checksum @check (network order, as stored) for a
 * region of @len bytes (even) changing from @from to @to.
 * Return: the new checksum, network order.
 */
uint16_t csum_replace(uint16_t check, const uint8_t *from, const uint8_t *to,
		      size_t len);

/*
 * pkt_rewrite_addr() - replace the source (@dst false) or destination
 * address of @p with @to (pkt_addr_len(p) bytes), fixing the IPv4 header
 * checksum and the transport checksum incrementally. ICMP (v4) has no
 * pseudo-header and is left alone; ICMPv6 is adjusted. Later fragments carry
 * no transport header and only the IP header is fixed.
 */
void pkt_rewrite_addr(struct pkt *p, int dst, const uint8_t *to);

/* pkt_rewrite_port() - replace sport (@dst false) or dport, fixing the checksum */
void pkt_rewrite_port(struct pkt *p, int dst, uint16_t port);

/*
 * Partial checksums (a TUN's VIRTIO_NET_HDR_F_NEEDS_CSUM, Linux's
 * CHECKSUM_PARTIAL): the transport checksum field does not hold a checksum
 * but the folded, *uncomplemented* sum of the pseudo-header, and whoever
 * sends the packet last (a NIC, the kernel's software fallback, or
 * vnet_csum_finish()) adds the transport bytes and complements. Rewriting
 * an address must then move that sum by the difference of the words:
 * PS' = PS + ~m + m' (end-around carry), with no complement on either
 * side. RFC 1624's formula on such a field would be off by the sum itself.
 */

/*
 * csum_pseudo() - unfolded sum of @p's pseudo-header (addresses, protocol
 * p->proto, upper-layer length @l4len); what a checksum over @l4len
 * transport bytes starts from (RFC 793 3.1, RFC 8200 8.1)
 */
uint32_t csum_pseudo(const struct pkt *p, uint32_t l4len);

/*
 * csum_replace_partial() - move partial checksum @psum (as stored) for
 * @len bytes (even) changing from @from to @to
 * Return: the new partial sum, as stored; never 0 for a non-zero input.
 */
uint16_t csum_replace_partial(uint16_t psum, const uint8_t *from,
			      const uint8_t *to, size_t len);

/*
 * pkt_rewrite_addr_partial() - pkt_rewrite_addr() for a packet whose
 * transport checksum field at @field_off (from p->data) holds a partial
 * sum: the IPv4 header checksum is adjusted as usual, the field with
 * csum_replace_partial()
 */
void pkt_rewrite_addr_partial(struct pkt *p, int dst, const uint8_t *to,
			      size_t field_off);

#endif /* SENTRY_CSUM_H */
