/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfq.h - the NFQUEUE source: guarded bottles, whose traffic the kernel
 * routes (main thread; nfq.c explains)
 */
#ifndef SENTRY_DAEMON_NFQ_H
#define SENTRY_DAEMON_NFQ_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ctl_proto.h"
#include "lib/sbuf.h"

#define NFQ_GUARDS_MAX	64

struct daemon;
struct gw_bottle;

/*
 * nfq_init() - the source's engine and raw socket, and which queue rule
 * this kernel takes (logged). Before lock_down(). Return: 0 or -ENOMEM.
 */
int nfq_init(struct daemon *d);
/* nfq_fini() - close the queues; the tables stay (fail closed) */
void nfq_fini(struct daemon *d);
/*
 * nfq_guard() - guard the bottle @req describes (CTL_GUARD): bind its
 * queue, install its table. Return: 0, or -errno with @err for the client.
 */
int nfq_guard(struct daemon *d, const struct ctl_request *req, char *err,
	      size_t len);
/* nfq_unguard() - remove guarded bottle @name and its table. Return: 0 or -errno */
int nfq_unguard(struct daemon *d, const char *name, char *err, size_t len);
/* nfq_ready() - decide what guarded bottle @index's queue holds (TAG_NFQUEUE) */
void nfq_ready(struct daemon *d, uint32_t index);
/* nfq_tick() - upkeep: expiry, and a new allow mark after a reload */
void nfq_tick(struct daemon *d, uint64_t now);
/* nfq_bottle_by_zone() - the guarded bottle whose engine id is @zone, or NULL */
struct gw_bottle *nfq_bottle_by_zone(struct daemon *d, uint32_t zone);
/* nfq_bottle_by_addr() - the guarded bottle whose address is @a, or NULL */
struct gw_bottle *nfq_bottle_by_addr(struct daemon *d, const struct ipaddr *a);
/* nfq_owns() - is @b a guarded bottle (so nfq_to_bottle(), not its TUN)? */
bool nfq_owns(struct daemon *d, const struct gw_bottle *b);
/*
 * nfq_to_bottle() - write IP packet @pkt (checksums complete) to a guarded
 * bottle, from the source address it carries: the resolver's answers
 */
void nfq_to_bottle(struct daemon *d, const uint8_t *pkt, size_t len);
/* nfq_has() - is @name a guarded bottle? */
bool nfq_has(struct daemon *d, const char *name);
/* nfq_view_bottles() - guarded bottles' lines for `ctl bottles` */
void nfq_view_bottles(struct daemon *d, bool json, bool first, struct sbuf *o);
/* nfq_view_stats() - the source's counters and the kernel's queue drops: text lines, or a ",\"nfqueue\":{...}" member of ctl stats' JSON object */
void nfq_view_stats(struct daemon *d, bool json, struct sbuf *o);
/* nfq_method() - words for the queue rule this kernel takes */
const char *nfq_method(const struct daemon *d);

#endif /* SENTRY_DAEMON_NFQ_H */
