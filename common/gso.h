/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gso.h - software segmentation, for a GSO packet bound for a TUN that
 * cannot take one
 *
 * Theory of operation: a GSO packet (vnet.h) is one set of headers and up
 * to 64 KB of payload that a NIC would cut into gso_size pieces. When the
 * TUN it must go to has no vnet header, sentry does that cutting the way
 * Linux's tcp_gso_segment() and __udp_gso_segment() do:
 *
 *   every segment     the same headers up to the payload, then the next
 *                     gso_size bytes of payload (the last may be shorter)
 *   IPv4              total length of the segment; identification + i;
 *                     header checksum recomputed
 *   IPv6              payload length of the segment (extension headers kept)
 *   TCP               sequence number + payload offset; CWR only on the
 *                     first segment, FIN and PSH only on the last
 *   UDP               length of the segment
 *   TCP/UDP checksum  computed in full over each segment (a UDP 0 is 0xffff)
 *
 * No allocation and no copy of the payload: the headers of one segment are
 * built in a small caller buffer, and the payload is handed to @emit as a
 * slice of the original packet, for a writev() of two pieces.
 */
#ifndef SENTRY_GSO_H
#define SENTRY_GSO_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "vnet.h"

#define GSO_HDR_MAX	256	/* headers longer than this are refused */

/*
 * gso_emit_fn - receives one segment: its headers @hdr (@hlen bytes, valid
 * until the call returns) and its payload, a slice of the original packet
 * Return: 0 to go on, non-zero to stop (returned by gso_segment()).
 */
typedef int (*gso_emit_fn)(void *ctx, const uint8_t *hdr, size_t hlen,
			   const uint8_t *payload, size_t plen);

/*
 * gso_segment() - cut GSO packet @p into the packets a NIC would send
 * @p:		parsed by pkt_parse()
 * @h:		its header, vnet_check()ed, with a GSO type
 * @hdr:	GSO_HDR_MAX bytes of scratch for one segment's headers
 * @emit:	called once per segment, in order
 *
 * Return: the number of segments emitted; -EINVAL when @h is not a GSO
 * header for @p, or @p's headers exceed GSO_HDR_MAX; or the non-zero
 * value @emit returned to stop the walk.
 */
int gso_segment(const struct pkt *p, const struct vnet_hdr *h, uint8_t *hdr,
		gso_emit_fn emit, void *ctx);

#endif /* SENTRY_GSO_H */
