// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnspend.c - pending DNS queries: a fixed pool with hashed lookup
 *
 * Expiry walks the whole pool; it runs from a timer a few times a second,
 * not per packet, and the pool is small (thousands). So does the search
 * for a victim's oldest query, only when the table is full and the asker
 * under its share. The shares' LRU ends are unused here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnspend.h"
#include "share.h"
#include "siphash.h"

struct dnspend_table {
	struct siphash_key secret;
	uint32_t capacity;
	uint32_t used;
	uint32_t nbuckets;	/* power of two */
	uint32_t free_head;
	uint64_t timeout_ns;
	struct dnspend *victim;	/* named by dnspend_victim(), not yet removed */
	struct share share;
	uint32_t *buckets;
	struct dnspend *pool;
};

static uint32_t buckets_for(uint32_t capacity)
{
	uint32_t n = 16;

	while (n < capacity && n < (1U << 30))
		n <<= 1;
	return n;
}

size_t dnspend_table_bytes(uint32_t capacity)
{
	return sizeof(struct dnspend_table) +
	       (size_t)capacity * sizeof(struct dnspend) +
	       (size_t)buckets_for(capacity) * sizeof(uint32_t);
}

/* The bytes of its shares come on top: share_bytes(owners) */

struct dnspend_table *dnspend_new(uint32_t capacity, uint32_t owners,
				  uint32_t timeout_ms)
{
	struct dnspend_table *t = calloc(1, sizeof(*t));

	if (!t || !capacity)
		goto fail;
	t->capacity = capacity;
	t->nbuckets = buckets_for(capacity);
	t->timeout_ns = (uint64_t)timeout_ms * 1000000ULL;
	t->pool = calloc(capacity, sizeof(*t->pool));
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->pool || !t->buckets || siphash_key_random(&t->secret) ||
	    share_init(&t->share, capacity, owners ? owners : 1))
		goto fail;
	for (uint32_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = DNSPEND_NONE;
	for (uint32_t i = 0; i < capacity; i++) {
		t->pool[i].hnext = i + 1 < capacity ? i + 1 : DNSPEND_NONE;
		t->pool[i].expires = 0;
	}
	t->free_head = 0;
	return t;
fail:
	dnspend_free(t);
	errno = ENOMEM;
	return NULL;
}

void dnspend_free(struct dnspend_table *t)
{
	if (!t)
		return;
	free(t->pool);
	free(t->buckets);
	share_fini(&t->share);
	free(t);
}

static uint32_t bucket_of(const struct dnspend_table *t,
			  const struct dnspend_key *k)
{
	return (uint32_t)siphash(&t->secret, k, sizeof(*k)) & (t->nbuckets - 1);
}

static bool key_equal(const struct dnspend_key *a, const struct dnspend_key *b)
{
	return a->zone == b->zone && a->id == b->id && a->port == b->port;
}

struct dnspend *dnspend_find(struct dnspend_table *t,
			     const struct dnspend_key *key, uint64_t now)
{
	for (uint32_t i = t->buckets[bucket_of(t, key)]; i != DNSPEND_NONE;
	     i = t->pool[i].hnext) {
		struct dnspend *p = &t->pool[i];

		if (key_equal(&p->key, key))
			return p->expires > now ? p : NULL;
	}
	return NULL;
}

struct dnspend *dnspend_add(struct dnspend_table *t,
			    const struct dnspend_key *key, uint32_t owner,
			    uint64_t now)
{
	uint32_t b = bucket_of(t, key), i;
	struct dnspend *p;

	for (i = t->buckets[b]; i != DNSPEND_NONE; i = t->pool[i].hnext) {
		if (!key_equal(&t->pool[i].key, key))
			continue;
		if (t->pool[i].expires > now)
			return NULL;
		dnspend_remove(t, &t->pool[i]);	/* stale: reuse the key */
		break;
	}
	if (t->free_head == DNSPEND_NONE)
		return NULL;
	i = t->free_head;
	p = &t->pool[i];
	t->free_head = p->hnext;
	memset(p, 0, sizeof(*p));
	p->key = *key;
	p->owner = share_slot(&t->share, owner);
	share_take(&t->share, p->owner);
	p->created = now;
	p->expires = now + t->timeout_ns;
	p->hnext = t->buckets[b];
	t->buckets[b] = i;
	t->used++;
	return p;
}

void dnspend_remove(struct dnspend_table *t, struct dnspend *p)
{
	uint32_t idx = (uint32_t)(p - t->pool);
	uint32_t *link = &t->buckets[bucket_of(t, &p->key)];

	while (*link != DNSPEND_NONE && *link != idx)
		link = &t->pool[*link].hnext;
	if (*link != idx)
		return;		/* not linked: already free */
	*link = p->hnext;
	share_give(&t->share, p->owner);
	if (p == t->victim) {
		t->share.o[p->owner].evicted++;
		t->victim = NULL;
	}
	p->expires = 0;
	p->hnext = t->free_head;
	t->free_head = idx;
	t->used--;
}

uint32_t dnspend_expire(struct dnspend_table *t, uint64_t now,
			void (*fn)(struct dnspend *p, void *arg), void *arg)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < t->nbuckets; b++) {
		uint32_t i = t->buckets[b];

		while (i != DNSPEND_NONE) {
			struct dnspend *p = &t->pool[i];

			i = p->hnext;
			if (p->expires > now)
				continue;
			if (fn)
				fn(p, arg);
			dnspend_remove(t, p);
			n++;
		}
	}
	return n;
}

struct dnspend *dnspend_victim(struct dnspend_table *t, uint32_t owner)
{
	struct dnspend *best = NULL;
	uint32_t v;

	if (t->free_head != DNSPEND_NONE)
		return NULL;
	owner = share_slot(&t->share, owner);
	v = share_victim(&t->share, owner);
	if (v == owner || v == SHARE_NONE)
		return NULL;
	for (uint32_t i = 0; i < t->capacity; i++) {
		struct dnspend *p = &t->pool[i];

		if (p->expires && p->owner == v &&
		    (!best || p->created < best->created))
			best = p;
	}
	t->victim = best;
	return best;
}

void dnspend_owner_stats(const struct dnspend_table *t, uint32_t owner,
			 uint32_t *used, uint64_t *evicted)
{
	const struct share_owner *o = &t->share.o[share_slot(&t->share, owner)];

	*used = o->count;
	*evicted = o->evicted;
}

struct dnspend *dnspend_at(struct dnspend_table *t, uint32_t idx)
{
	if (idx >= t->capacity || !t->pool[idx].expires)
		return NULL;
	return &t->pool[idx];
}

uint32_t dnspend_index(const struct dnspend_table *t, const struct dnspend *p)
{
	return (uint32_t)(p - t->pool);
}

uint32_t dnspend_used(const struct dnspend_table *t)
{
	return t->used;
}

uint32_t dnspend_capacity(const struct dnspend_table *t)
{
	return t->capacity;
}

void dnspend_set_asker(struct dnspend *p, const struct dnspend_asker *a)
{
	p->bottle = a->bottle;
	p->proto = a->proto;
	p->client = *a->client;
	p->client_port = a->client_port;
	p->client_id = a->query->hdr.id;
	p->server = *a->server;
	p->server_port = a->server_port;
	p->q = a->query->q;
}
