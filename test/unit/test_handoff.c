// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_handoff.c - the worker-to-main-thread ring (gateway/daemon/handoff.h)
 *
 * Single-threaded: a record at the very end of the ring, the filler in
 * front of one that does not fit there, full and empty, and an oversize
 * message. Two threads: a producer writes records of every size with a
 * sequence number and a checksum of their bytes while a consumer reads
 * them, across many wraps of the ring and of its 32-bit counters, and
 * every record must arrive once, in order, whole (as WireGuard's selftest
 * drives its ring). Run under ASan/UBSan here; the same source builds
 * under -fsanitize=thread.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/handoff.h"
#include "t.h"

static struct handoff_ring *ring;

static size_t record_size(size_t len)
{
	return (sizeof(struct handoff) + len + 7) & ~(size_t)7;
}

static void put(uint32_t seq, size_t len)
{
	struct handoff *m = handoff_reserve(ring, len);

	if (!m)
		return;
	m->kind = HANDOFF_DNS;
	m->slot = seq;
	m->len = (uint16_t)len;
	for (size_t i = 0; i < len; i++)
		m->msg[i] = (uint8_t)(seq + i);
	handoff_publish(ring);
}

static int check_record(const struct handoff *m, uint32_t seq)
{
	if (m->kind != HANDOFF_DNS || m->slot != seq)
		return -1;
	for (size_t i = 0; i < m->len; i++)
		if (m->msg[i] != (uint8_t)(seq + i))
			return -1;
	return 0;
}

TEST(empty_full_and_oversize)
{
	uint32_t tail = 0, n = 0;
	struct handoff *m;

	memset(ring, 0, sizeof(*ring));
	CHECK(!handoff_next(ring, &tail));
	CHECK(!handoff_reserve(ring, HANDOFF_MSG_MAX + 1));
	/* fill it: every byte used, then nothing more fits */
	while ((m = handoff_reserve(ring, HANDOFF_MSG_MAX))) {
		m->kind = HANDOFF_DNS;
		m->slot = n++;
		m->len = 0;
		handoff_publish(ring);
	}
	CHECK_EQ(n, HANDOFF_RING_BYTES / record_size(HANDOFF_MSG_MAX));
	for (uint32_t i = 0; i < n; i++) {
		m = handoff_next(ring, &tail);
		CHECK(m && m->slot == i);
	}
	CHECK(!handoff_next(ring, &tail));
	/* nothing is free until the consumer says so */
	CHECK(!handoff_reserve(ring, HANDOFF_MSG_MAX));
	handoff_release(ring, tail);
	CHECK(handoff_reserve(ring, HANDOFF_MSG_MAX));
}

TEST(filler_in_front_of_a_record_that_does_not_fit_at_the_end)
{
	size_t big = record_size(HANDOFF_MSG_MAX), small = record_size(16);
	/* the ring empty, its counters just short of their wrap, placed so
	 * that one big record leaves exactly `small` bytes before the end */
	uint32_t start = (uint32_t)0 - (uint32_t)(big + small), tail = start;
	struct handoff *m;

	memset(ring, 0, sizeof(*ring));
	ring->head = ring->tail = start;
	put(2, HANDOFF_MSG_MAX);
	CHECK_EQ(HANDOFF_RING_BYTES - ring->head % HANDOFF_RING_BYTES, small);
	/* a small one still fits at the end... */
	put(3, 16);
	CHECK_EQ(ring->head % HANDOFF_RING_BYTES, 0);
	/* ...a big one goes to the start behind a filler */
	put(4, 100);
	put(5, HANDOFF_MSG_MAX);
	CHECK(ring->head % HANDOFF_RING_BYTES < big + record_size(100) + 1);
	for (uint32_t want = 2; want <= 5; want++) {
		m = handoff_next(ring, &tail);
		CHECK(m && !check_record(m, want));
	}
	CHECK(!handoff_next(ring, &tail));
	CHECK_EQ(tail, ring->head);
	/* the counters wrapped past 2^32 on the way, and nothing noticed */
	CHECK(ring->head < start);
}

TEST(filler_is_published_with_its_record)
{
	size_t big = record_size(HANDOFF_MSG_MAX);
	uint32_t tail = 0;
	struct handoff *m;

	memset(ring, 0, sizeof(*ring));
	while (HANDOFF_RING_BYTES - ring->head % HANDOFF_RING_BYTES >= big) {
		put(1, HANDOFF_MSG_MAX);
		CHECK(handoff_next(ring, &tail));
	}
	handoff_release(ring, tail);
	/* reserved behind a filler, not yet published: nothing to read */
	m = handoff_reserve(ring, HANDOFF_MSG_MAX);
	CHECK(m);
	CHECK(!handoff_next(ring, &tail));
	m->kind = HANDOFF_GONE;
	m->slot = 9;
	handoff_publish(ring);
	m = handoff_next(ring, &tail);
	CHECK(m && m->kind == HANDOFF_GONE && m->slot == 9);
}

/* ---- two threads ---- */

#define RECORDS	400000u

static uint32_t produced, full_seen;

static void *producer(void *arg)
{
	uint32_t seq = 0;

	(void)arg;
	while (seq < RECORDS) {
		/* every size from empty to the largest, in a scattered order */
		size_t len = (seq * 2654435761u) % (HANDOFF_MSG_MAX + 1);
		struct handoff *m = handoff_reserve(ring, len);

		if (!m) {
			full_seen++;
			sched_yield();
			continue;
		}
		m->kind = HANDOFF_DNS;
		m->slot = seq;
		m->len = (uint16_t)len;
		for (size_t i = 0; i < len; i++)
			m->msg[i] = (uint8_t)(seq + i);
		handoff_publish(ring);
		seq++;
	}
	__atomic_store_n(&produced, seq, __ATOMIC_RELEASE);
	return NULL;
}

TEST(producer_and_consumer_threads)
{
	uint32_t tail, want = 0, bad = 0;
	pthread_t t;

	memset(ring, 0, sizeof(*ring));
	/* start near the counters' wrap so that it happens under load */
	ring->head = ring->tail = (uint32_t)(0x100000000ULL - 3 * HANDOFF_RING_BYTES);
	tail = ring->tail;
	produced = full_seen = 0;
	CHECK(!pthread_create(&t, NULL, producer, NULL));
	while (want < RECORDS) {
		struct handoff *m = handoff_next(ring, &tail);

		if (!m) {
			sched_yield();
			continue;
		}
		if (check_record(m, want) ||
		    m->len != (want * 2654435761u) % (HANDOFF_MSG_MAX + 1))
			bad++;
		want++;
		/* release in batches, as the main thread does per wake-up */
		if (want % 7 == 0)
			handoff_release(ring, tail);
	}
	handoff_release(ring, tail);
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(__atomic_load_n(&produced, __ATOMIC_ACQUIRE), RECORDS);
	CHECK(!handoff_next(ring, &tail));
	printf("# %u records, %u times the producer found the ring full\n", RECORDS, full_seen);
}

int main(void)
{
	ring = aligned_alloc(8, sizeof(*ring));
	if (!ring)
		return 1;
	RUN(empty_full_and_oversize);
	RUN(filler_in_front_of_a_record_that_does_not_fit_at_the_end);
	RUN(filler_is_published_with_its_record);
	RUN(producer_and_consumer_threads);
	free(ring);
	return t_done();
}
