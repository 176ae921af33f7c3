/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vnet.h - the virtio_net_hdr in front of each packet on a TUN with
 * IFF_VNET_HDR, and what sentry must do about it
 *
 * Theory of operation: offloads
 *
 * A TUN that has a vnet header and offloads switched on (TUNSETOFFLOAD
 * with TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, and TUN_F_USO4 | TUN_F_USO6
 * where the kernel has them) is treated by the kernel as a NIC that
 * computes checksums and segments: a bottle's TCP stack hands sentry 64 KB
 * "super-packets" with one IP and one TCP header, and the transport
 * checksum left for the "hardware". The 10-byte header says which:
 *
 *   flags        NEEDS_CSUM: the checksum at csum_start + csum_offset
 *                (offsets from the first byte of the IP header) holds the
 *                pseudo-header sum, folded but not complemented; whoever
 *                sends the packet on adds the bytes from csum_start and
 *                complements (csum.h, "Partial checksums")
 *                DATA_VALID: the kernel already verified the checksum
 *   gso_type     NONE, TCPV4, TCPV6 or UDP_L4 (plus the ECN bit on TCP):
 *                the packet is to be cut into gso_size payload pieces
 *   hdr_len      a length hint for the headers; passed on as it came
 *
 * sentry passes all of this through untouched whenever the packet goes to
 * a TUN that also has a vnet header: the super-packet is parsed (the IP
 * length may exceed the MTU), policed and NAT-rewritten as one packet, the
 * address change moving the partial sum instead of a checksum, and written
 * with the same header in front. csum_start and csum_offset stay right
 * because the rewrite changes no header length.
 *
 * Only where the other side has no vnet header (an old kernel, offload =
 * no in the configuration, a bottle attached with --no-offload) does
 * sentry do the NIC's work: it segments (gso.h) and completes the
 * checksum (vnet_csum_finish()). Packets sentry writes itself (resets,
 * ICMP errors, DNS answers) carry complete checksums and a zero header.
 *
 * The header on a read comes from the kernel, but a bottle's root can make
 * the kernel produce odd ones (a packet socket with PACKET_VNET_HDR on its
 * tun0), so vnet_check() holds every header to the packet it describes
 * before anything trusts it: DROP_VNET_HDR otherwise.
 *
 * Byte order: the fields are little-endian on every host sentry runs on
 * (the TUN default for a little-endian host, and virtio 1.0's); they are
 * read and written byte by byte, never through a struct cast.
 */
#ifndef SENTRY_VNET_H
#define SENTRY_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drop.h"
#include "packet.h"

#define VNET_HDR_LEN		10	/* sizeof(struct virtio_net_hdr) */

#define VNET_F_NEEDS_CSUM	1
#define VNET_F_DATA_VALID	2

#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_UDP		3	/* UFO: IP fragmentation; never offered */
#define VNET_GSO_TCPV6		4
#define VNET_GSO_UDP_L4		5	/* USO: UDP datagrams of gso_size */
#define VNET_GSO_ECN		0x80	/* TCP with ECN: CWR on the first segment only */

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* vnet_hdr_get() - read the VNET_HDR_LEN bytes at @b into @h */
void vnet_hdr_get(const uint8_t *b, struct vnet_hdr *h);

/* vnet_hdr_put() - write @h as VNET_HDR_LEN bytes at @b */
void vnet_hdr_put(uint8_t *b, const struct vnet_hdr *h);

/* vnet_gso() - the GSO type without the ECN bit: VNET_GSO_NONE if none */
static inline uint8_t vnet_gso(const struct vnet_hdr *h)
{
	return h->gso_type & (uint8_t)~VNET_GSO_ECN;
}

/*
 * vnet_check() - does @h describe parsed packet @p?
 *
 * Accepted: no flags and no GSO; NEEDS_CSUM on an unfragmented TCP or UDP
 * packet with csum_start at its transport header and csum_offset at its
 * checksum field; GSO (TCPV4, TCPV6, UDP_L4) only with NEEDS_CSUM, on an
 * unfragmented packet of that protocol and family, with gso_size > 0.
 * DATA_VALID is allowed anywhere.
 *
 * Return: DROP_NONE or DROP_VNET_HDR.
 */
enum drop_reason vnet_check(const struct vnet_hdr *h, const struct pkt *p);

/*
 * vnet_rewrite_addr() - pkt_rewrite_addr(), or its partial-checksum twin
 * when @h says NEEDS_CSUM (the field being at csum_start + csum_offset)
 * @h:	checked with vnet_check(); NULL for a packet without a header
 */
void vnet_rewrite_addr(struct pkt *p, const struct vnet_hdr *h, int dst,
		       const uint8_t *to);

/*
 * vnet_csum_finish() - do the NIC's checksum: with NEEDS_CSUM, sum @p from
 * csum_start, complement, store, and clear the flag in @h. A UDP sum of 0
 * is stored as 0xffff. Without NEEDS_CSUM nothing happens.
 * @h:	checked with vnet_check(), not GSO
 */
void vnet_csum_finish(struct pkt *p, struct vnet_hdr *h);

#endif /* SENTRY_VNET_H */
