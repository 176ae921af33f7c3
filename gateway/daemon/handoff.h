/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handoff.h - messages from a worker to the main thread: allowed DNS
 * queries for the resolver, TUNs that went away (daemon/threads.h,
 * "Lock-free hand-offs")
 */
#ifndef SENTRY_DAEMON_HANDOFF_H
#define SENTRY_DAEMON_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dns.h"

/* A handed-off query: the engine refuses longer ones (DNS_QUERY_MAX) */
#define HANDOFF_MSG_MAX		DNS_QUERY_MAX
/*
 * Bytes of a worker's message queue: room for about 1700 typical queries,
 * so that a burst the main thread is slow to take (it shares the CPUs with
 * everyone) is held rather than dropped; the resolver's pending table
 * ([tables] pending_dns) is the real bound. Pages never touched stay
 * unallocated.
 */
#define HANDOFF_RING_BYTES	((size_t)256 * 1024)

enum handoff_kind {
	HANDOFF_PAD = 0,	/* filler up to the ring's end: skip */
	HANDOFF_DNS,		/* an allowed UDP query for the resolver */
	HANDOFF_GONE,		/* a bottle's TUN failed: detach it */
};

/* One message from a worker to the main thread; @size bytes in the ring */
struct handoff {
	uint16_t size;			/* this record, header included, a multiple of 8 */
	uint8_t kind;			/* enum handoff_kind */
	uint32_t slot, zone;		/* the bottle, and which one it was */
	struct ipaddr client, server;	/* HANDOFF_DNS: the query's addresses */
	uint16_t cport, sport;
	uint16_t len;			/* bytes of @msg */
	uint8_t msg[];
};

/*
 * A single-producer (the worker), single-consumer (the main thread) ring
 * of variable-size records. @head and @tail count bytes and wrap at 2^32
 * (HANDOFF_RING_BYTES divides it); a record never wraps around the end of
 * @bytes: a HANDOFF_PAD record fills the rest instead. The producer
 * publishes with a release store of @head, the consumer frees space with a
 * release store of @tail.
 */
struct handoff_ring {
	uint32_t head;			/* the producer's */
	uint32_t tail;			/* the consumer's */
	uint32_t reserved;		/* producer: head once the reserved record is published */
	uint8_t bytes[HANDOFF_RING_BYTES] __attribute__((aligned(8)));
};

/*
 * handoff_reserve() - producer: room for a record carrying @len bytes of
 * message, or NULL when the ring is full (or @len > HANDOFF_MSG_MAX). The
 * record's size is set; the caller fills the rest, then publishes.
 */
struct handoff *handoff_reserve(struct handoff_ring *r, size_t len);

/* handoff_publish() - producer: make the reserved record visible */
void handoff_publish(struct handoff_ring *r);

/*
 * handoff_next() - consumer: the next record at or after *@tail, or NULL
 * when none is published; fillers are stepped over. *@tail advances past
 * the record returned, which stays valid until handoff_release(*@tail).
 */
struct handoff *handoff_next(struct handoff_ring *r, uint32_t *tail);

/* handoff_release() - consumer: give the space up to @tail back to the producer */
void handoff_release(struct handoff_ring *r, uint32_t tail);

#endif /* SENTRY_DAEMON_HANDOFF_H */
