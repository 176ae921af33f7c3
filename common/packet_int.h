/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet_int.h - shared between the files of the packet layer only
 *
 * Not a contract for the rest of sentry: packet.h is. These let packet.c
 * reuse the IP header rules of ipv4.c and ipv6.c when it reads the packet
 * an ICMP error quotes, where lengths are cut short and checksums are not
 * ours to check.
 */
#ifndef SENTRY_PACKET_INT_H
#define SENTRY_PACKET_INT_H

#include "cursor.h"
#include "packet.h"

/*
 * ipv4_quote(), ipv6_quote() - read the IP header of a quoted packet
 * @c:		cursor whose base is the first byte of the quote (the quoted IP
 *		header) and whose length is the bytes quoted, standing at 0
 * @q:		family, proto and addresses are filled
 *
 * On success @c stands at the quoted transport header.
 *
 * Return: DROP_NONE or DROP_ICMP_INNER.
 */
enum drop_reason ipv4_quote(struct cursor *c, struct pkt_quote *q);
enum drop_reason ipv6_quote(struct cursor *c, struct pkt_quote *q);

#endif /* SENTRY_PACKET_INT_H */
