// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frag.c - fragment verdict table
 *
 * A small open-addressed table (linear probing, tombstone-free deletion is
 * not needed: entries are only replaced, never deleted - an expired entry is
 * a free slot). Probing is bounded by FRAG_PROBE; when every probed slot is
 * live, the oldest of them is replaced and counted as evicted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "siphash.h"

#define FRAG_PROBE	8

struct frag_key {
	uint32_t zone;
	uint32_t id;
	uint8_t family;
	uint8_t proto;
	uint8_t pad[2];
	uint8_t src[16];
	uint8_t dst[16];
};

struct frag_entry {
	struct frag_key key;
	uint64_t expires;	/* ns; 0: free */
	uint32_t first_end;	/* bytes of datagram data the first fragment held */
	uint8_t allow;
};

struct frag_table {
	struct siphash_key secret;
	uint32_t mask;		/* slots - 1, a power of two minus one */
	uint32_t capacity;	/* as configured, for stats */
	uint64_t timeout_ns;
	uint64_t evicted;
	struct frag_entry *slots;
};

static uint32_t slots_for(uint32_t capacity)
{
	uint32_t n = 8;

	while (n < capacity && n < (1U << 30))
		n <<= 1;
	return n;
}

size_t frag_table_bytes(uint32_t capacity)
{
	return sizeof(struct frag_table) +
	       (size_t)slots_for(capacity) * sizeof(struct frag_entry);
}

struct frag_table *frag_new(uint32_t capacity, uint32_t timeout_s)
{
	struct frag_table *t = calloc(1, sizeof(*t));
	uint32_t n = slots_for(capacity);

	if (!t)
		return NULL;
	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots || siphash_key_random(&t->secret)) {
		free(t->slots);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = n - 1;
	t->capacity = capacity;
	t->timeout_ns = (uint64_t)timeout_s * 1000000000ULL;
	return t;
}

void frag_free(struct frag_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static void make_key(struct frag_key *k, uint32_t zone, const struct pkt *p)
{
	memset(k, 0, sizeof(*k));
	k->zone = zone;
	k->id = p->frag_id;
	k->family = p->family;
	k->proto = p->proto;
	memcpy(k->src, pkt_src(p), pkt_addr_len(p));
	memcpy(k->dst, pkt_dst(p), pkt_addr_len(p));
}

static struct frag_entry *find(struct frag_table *t, const struct frag_key *k,
			       uint64_t now, bool for_insert)
{
	uint32_t i = (uint32_t)siphash(&t->secret, k, sizeof(*k)) & t->mask;
	struct frag_entry *victim = NULL;

	for (int probe = 0; probe < FRAG_PROBE; probe++, i = (i + 1) & t->mask) {
		struct frag_entry *e = &t->slots[i];
		bool live = e->expires > now;

		if (live && !memcmp(&e->key, k, sizeof(*k)))
			return e;
		if (!for_insert)
			continue;
		if (!live) {
			if (!victim || victim->expires > now)
				victim = e;
		} else if (!victim || (victim->expires > now &&
				       e->expires < victim->expires)) {
			victim = e;
		}
	}
	if (victim && victim->expires > now)
		t->evicted++;
	return victim;
}

void frag_first(struct frag_table *t, uint32_t zone, const struct pkt *p,
		bool allow, uint64_t now)
{
	struct frag_key k;
	struct frag_entry *e;

	make_key(&k, zone, p);
	e = find(t, &k, now, true);
	e->key = k;
	e->expires = now + t->timeout_ns;
	e->first_end = p->len - p->l4_off;
	e->allow = allow;
}

enum drop_reason frag_later(struct frag_table *t, uint32_t zone,
			    const struct pkt *p, uint64_t now)
{
	struct frag_key k;
	struct frag_entry *e;

	make_key(&k, zone, p);
	e = find(t, &k, now, false);
	if (!e)
		return DROP_FRAG_NO_FIRST;
	if (p->frag_off < e->first_end)
		return DROP_FRAG_BAD;
	e->expires = now + t->timeout_ns;
	return e->allow ? DROP_NONE : DROP_POLICY;
}

void frag_stats(const struct frag_table *t, uint64_t now, struct frag_stats *s)
{
	s->capacity = t->capacity;
	s->evicted = t->evicted;
	s->used = 0;
	/* a scan, but only for `sentry ctl stats`, never per packet */
	for (uint32_t i = 0; i <= t->mask; i++)
		s->used += t->slots[i].expires > now;
}
