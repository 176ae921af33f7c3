// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handoff.c - a single-producer, single-consumer ring of variable-size
 * records (handoff.h)
 *
 * The producer (a worker) owns @head and @reserved, the consumer (the main
 * thread) owns @tail; each reads the other's with an acquire load and
 * publishes its own with a release store, so a record's bytes are written
 * before the consumer can see its head, and read before the producer can
 * reuse its space. No lock, no system call: the worker's eventfd, written
 * once per wake-up, is what wakes the main thread.
 */
#include <assert.h>

#include "daemon/handoff.h"

static_assert((HANDOFF_RING_BYTES & (HANDOFF_RING_BYTES - 1)) == 0,
	      "the ring's byte counters wrap at 2^32: its size must divide that");
static_assert(sizeof(struct handoff) + HANDOFF_MSG_MAX + 8 <= UINT16_MAX,
	      "a record's size fits its 16-bit field");
static_assert(HANDOFF_MSG_MAX >= DNS_QUERY_MAX,
	      "every query the engine allows fits a record");

struct handoff *handoff_reserve(struct handoff_ring *r, size_t len)
{
	uint32_t head = r->head, tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	size_t need = (sizeof(struct handoff) + len + 7) & ~(size_t)7;
	size_t off = head % HANDOFF_RING_BYTES, pad = 0;
	struct handoff *m;

	if (len > HANDOFF_MSG_MAX)
		return NULL;
	if (HANDOFF_RING_BYTES - off < need)
		pad = HANDOFF_RING_BYTES - off;
	if (HANDOFF_RING_BYTES - (head - tail) < pad + need)
		return NULL;
	if (pad) {
		/* the rest of the ring to the end is a record of its own, skipped */
		m = (struct handoff *)(void *)(r->bytes + off);
		m->size = (uint16_t)pad;
		m->kind = HANDOFF_PAD;
		head += (uint32_t)pad;
		off = 0;
	}
	m = (struct handoff *)(void *)(r->bytes + off);
	m->size = (uint16_t)need;
	/* a filler in front is published with the record, never alone */
	r->reserved = head + (uint32_t)need;
	return m;
}

void handoff_publish(struct handoff_ring *r)
{
	__atomic_store_n(&r->head, r->reserved, __ATOMIC_RELEASE);
}

struct handoff *handoff_next(struct handoff_ring *r, uint32_t *tail)
{
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	while (*tail != head) {
		struct handoff *m = (struct handoff *)(void *)
				    (r->bytes + *tail % HANDOFF_RING_BYTES);

		*tail += m->size;
		/* a filler may be as short as 8 bytes: look no further into it */
		if (m->kind != HANDOFF_PAD)
			return m;
	}
	return NULL;
}

void handoff_release(struct handoff_ring *r, uint32_t tail)
{
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
}
