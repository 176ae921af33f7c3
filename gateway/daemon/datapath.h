/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * datapath.h - packets between bottles' TUNs and the egress TUN (workers),
 * and the packet buffers they use
 */
#ifndef SENTRY_DAEMON_DATAPATH_H
#define SENTRY_DAEMON_DATAPATH_H

#include <stddef.h>
#include <stdint.h>

struct daemon;
struct gw_bottle;
struct worker;

/*
 * Packet buffers: PKT_HEADROOM bytes (room for a vnet header, and for the
 * headers of a DNS answer built in front of its message), then the IP
 * packet, a 64 KiB GSO packet at most.
 */
#define PKT_HEADROOM	64
#define PKT_IP_MAX	65536
#define PKT_BUF_SIZE	(PKT_IP_MAX + PKT_HEADROOM)
/*
 * Packets a worker reads from a bottle's TUN before it decides any of them,
 * each into a buffer of its own, so their flow lookups' cache misses overlap
 * (engine_prefetch()); a worker keeps this many buffers
 */
#define DATAPATH_BURST	8

/* datapath_bottle() - drain bottle queue @ref (BOTTLE_REF) that epoll reported */
void datapath_bottle(struct worker *w, uint32_t ref, uint32_t events);
/* datapath_egress() - drain egress queue @queue */
void datapath_egress(struct worker *w, uint32_t queue);
/*
 * datapath_to_bottle() - write packet @pkt (@len bytes, checksums
 * complete) to bottle @b, behind a zero vnet header if its TUN has one
 * (main thread: counts in d->c)
 */
void datapath_to_bottle(struct daemon *d, struct gw_bottle *b,
			const uint8_t *pkt, size_t len);

#endif /* SENTRY_DAEMON_DATAPATH_H */
