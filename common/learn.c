// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * learn.c - addresses learnt from allowed DNS answers (see learn.h)
 *
 * Theory of operation
 *
 * One allocation holds both pools and both bucket arrays. A slot of either
 * pool is free (on its pool's free list, threaded through ->hnext) or in
 * use (on a bucket chain). A binding in use is also on the LRU list and on
 * its name's list (->first, ->name_prev, ->name_next), so dropping it, and
 * finding a name's soonest-expiring binding, never scans the pool.
 *
 * Order: learning (new or again) puts a binding at the head of the LRU and
 * at the front of its bucket chain. Bindings of one (scope, address) share
 * a chain, so walking it meets them most recently learnt first, which is
 * the order learn_lookup() promises, without sorting.
 *
 * Making room, when learn_add() needs a slot:
 *   - a new name and no free name slot: the LRU is walked from the tail
 *     for at most NAME_SCAN bindings, looking for one that is its name's
 *     last; dropping it frees that name. Otherwise every binding of the
 *     tail's name is dropped. (Refusing would let names that each hold
 *     several addresses lock the pool until they expire.)
 *   - an address at per_addr_max names: its binding learnt longest ago
 *     is dropped ("addr_capped"). Every name of one address shares one
 *     bucket chain, which each new flow to it walks: without this bound
 *     a bottle answering many allowed names with one address (its own
 *     wildcard domain) would make every new flow there walk them all.
 *   - a name at per_name_max: its binding that expires first is dropped
 *     ("capped"); the pool size is not the problem then.
 *   - no free binding slot: the LRU tail is dropped ("evicted", or
 *     "expired" if its time had passed anyway).
 * While it works, learn_add() holds an extra count on the name it is
 * adding to, so that dropping that name's own bindings never frees it.
 *
 * Expiry: bindings sit on the LRU by learning time, and TTLs (clamped per
 * policy, seconds to a day) make expiry times unrelated to that order, so
 * learn_expire() does not walk the LRU. It sweeps the pool with a clock
 * hand instead, examining at most SCAN_PER_RECLAIM slots per binding it
 * may reclaim, and at most the whole pool: every expired binding is
 * reclaimed within one revolution.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "share.h"
#include "siphash.h"

/* Bindings examined from the LRU tail to free a name slot */
#define NAME_SCAN		64
/* learn_expire(): slots examined per binding the budget allows */
#define SCAN_PER_RECLAIM	8
/* Pool sizes: indexes must stay below LEARN_NONE, buckets a power of two */
#define POOL_MAX		(UINT32_C(1) << 31)

static_assert(LEARN_NAME_MAX <= UINT8_MAX, "learn_name.len is one byte");

struct learn_table {
	struct learn_limits lim;	/* per_*_max 0 turned to UINT32_MAX */
	uint32_t nmask, bmask;		/* buckets - 1 */
	uint32_t nfree, bfree;		/* free lists */
	struct share share;		/* per bottle: count, LRU ends, evictions */
	uint32_t hand;			/* learn_expire() position */
	struct learn_stats st;
	struct siphash_key key;
	struct learn_name *n;
	struct learn_binding *b;
	uint32_t *nbucket, *bbucket;
};

struct layout {
	size_t names, bindings, nbuckets, bbuckets, total;
};

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t n = 1;

	while (n < v)
		n <<= 1;
	return n;
}

static size_t align64(size_t v)
{
	return (v + 63) & ~(size_t)63;
}

static void layout(const struct learn_limits *lim, struct layout *l)
{
	l->names = align64(sizeof(struct learn_table));
	l->bindings = align64(l->names +
			      (size_t)lim->max_names * sizeof(struct learn_name));
	l->nbuckets = l->bindings +
		      (size_t)lim->max_bindings * sizeof(struct learn_binding);
	l->bbuckets = l->nbuckets +
		      (size_t)pow2_at_least(lim->max_names) * sizeof(uint32_t);
	l->total = l->bbuckets +
		   (size_t)pow2_at_least(lim->max_bindings) * sizeof(uint32_t);
}

size_t learn_table_bytes(const struct learn_limits *lim)
{
	struct layout l;

	layout(lim, &l);
	return l.total;
}

struct learn_table *learn_new(const struct learn_limits *lim)
{
	struct learn_table *t;
	struct layout l;
	uint8_t *mem;
	uint32_t i;
	void *p;
	int rc;

	if (!lim->max_bindings || lim->max_bindings > POOL_MAX ||
	    !lim->max_names || lim->max_names > POOL_MAX) {
		errno = EINVAL;
		return NULL;
	}
	layout(lim, &l);
	rc = posix_memalign(&p, 64, l.total);
	if (rc) {
		errno = rc;
		return NULL;
	}
	mem = p;
	memset(mem, 0, l.total);
	t = (struct learn_table *)mem;
	rc = siphash_key_random(&t->key);
	if (!rc)
		rc = share_init(&t->share, lim->max_bindings,
				lim->owners ? lim->owners : 1);
	if (rc) {
		free(mem);
		errno = -rc;
		return NULL;
	}
	t->lim = *lim;
	if (!t->lim.per_name_max)
		t->lim.per_name_max = UINT32_MAX;
	if (!t->lim.per_addr_max)
		t->lim.per_addr_max = UINT32_MAX;
	t->n = (struct learn_name *)(mem + l.names);
	t->b = (struct learn_binding *)(mem + l.bindings);
	t->nbucket = (uint32_t *)(mem + l.nbuckets);
	t->bbucket = (uint32_t *)(mem + l.bbuckets);
	t->nmask = pow2_at_least(lim->max_names) - 1;
	t->bmask = pow2_at_least(lim->max_bindings) - 1;
	for (i = 0; i <= t->nmask; i++)
		t->nbucket[i] = LEARN_NONE;
	for (i = 0; i <= t->bmask; i++)
		t->bbucket[i] = LEARN_NONE;
	for (i = 0; i < lim->max_names; i++) {
		t->n[i].hnext = i + 1 < lim->max_names ? i + 1 : LEARN_NONE;
		t->n[i].first = LEARN_NONE;
	}
	for (i = 0; i < lim->max_bindings; i++) {
		t->b[i].hnext = i + 1 < lim->max_bindings ? i + 1 : LEARN_NONE;
		t->b[i].name = LEARN_NONE;	/* marks the slot free */
	}
	t->nfree = t->bfree = 0;
	return t;
}

void learn_free(struct learn_table *t)
{
	if (t)
		share_fini(&t->share);
	free(t);
}

/* Hash input is built byte by byte: no struct padding can leak into it */
static uint32_t name_bucket(const struct learn_table *t, uint32_t scope,
			    const char *name, size_t len)
{
	uint8_t buf[4 + LEARN_NAME_MAX];

	memcpy(buf, &scope, 4);
	memcpy(buf + 4, name, len);
	return (uint32_t)siphash(&t->key, buf, 4 + len) & t->nmask;
}

static uint32_t addr_bucket(const struct learn_table *t, uint32_t scope,
			    const struct ipaddr *a)
{
	uint8_t buf[4 + 1 + 16] = { 0 };

	memcpy(buf, &scope, 4);
	buf[4] = a->family;
	memcpy(buf + 5, a->b, addr_len(a));
	return (uint32_t)siphash(&t->key, buf, sizeof(buf)) & t->bmask;
}

static bool expired(const struct learn_binding *b, uint64_t now)
{
	return now >= b->expires;
}

static uint32_t name_find(const struct learn_table *t, uint32_t bucket,
			  uint32_t scope, const char *name, size_t len)
{
	uint32_t i;

	for (i = t->nbucket[bucket]; i != LEARN_NONE; i = t->n[i].hnext) {
		const struct learn_name *n = &t->n[i];

		if (n->scope == scope && n->len == len &&
		    !memcmp(n->name, name, len))
			return i;
	}
	return LEARN_NONE;
}

static uint32_t name_take(struct learn_table *t, uint32_t bucket,
			  uint32_t scope, const char *name, size_t len)
{
	uint32_t i = t->nfree;
	struct learn_name *n = &t->n[i];

	t->nfree = n->hnext;
	n->scope = scope;
	n->naddrs = 0;
	n->len = (uint8_t)len;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->first = LEARN_NONE;
	n->hnext = t->nbucket[bucket];
	t->nbucket[bucket] = i;
	t->st.names++;
	return i;
}

static void name_release(struct learn_table *t, uint32_t i)
{
	struct learn_name *n = &t->n[i];
	uint32_t *pp = &t->nbucket[name_bucket(t, n->scope, n->name, n->len)];

	while (*pp != i)
		pp = &t->n[*pp].hnext;
	*pp = n->hnext;
	n->hnext = t->nfree;
	n->first = LEARN_NONE;
	t->nfree = i;
	t->st.names--;
}

/* One LRU list per owner (share.h keeps its ends) */
static void lru_unlink(struct learn_table *t, struct learn_binding *b)
{
	struct share_owner *o = &t->share.o[b->owner];

	if (b->lru_prev != LEARN_NONE)
		t->b[b->lru_prev].lru_next = b->lru_next;
	else
		o->head = b->lru_next;
	if (b->lru_next != LEARN_NONE)
		t->b[b->lru_next].lru_prev = b->lru_prev;
	else
		o->tail = b->lru_prev;
}

static void lru_push_head(struct learn_table *t, uint32_t i)
{
	struct learn_binding *b = &t->b[i];
	struct share_owner *o = &t->share.o[b->owner];

	b->lru_prev = LEARN_NONE;
	b->lru_next = o->head;
	if (o->head != LEARN_NONE)
		t->b[o->head].lru_prev = i;
	else
		o->tail = i;
	o->head = i;
}

/*
 * The chains are doubly linked: every name resolving to one address (a
 * CDN's, or a bottle's own making) shares one chain, so finding a
 * predecessor by walking could cost thousands of steps per answer.
 */
static void chain_unlink(struct learn_table *t, uint32_t bucket, uint32_t i)
{
	struct learn_binding *b = &t->b[i];

	if (b->hprev != LEARN_NONE)
		t->b[b->hprev].hnext = b->hnext;
	else
		t->bbucket[bucket] = b->hnext;
	if (b->hnext != LEARN_NONE)
		t->b[b->hnext].hprev = b->hprev;
}

static void chain_push(struct learn_table *t, uint32_t bucket, uint32_t i)
{
	struct learn_binding *b = &t->b[i];

	b->hprev = LEARN_NONE;
	b->hnext = t->bbucket[bucket];
	if (b->hnext != LEARN_NONE)
		t->b[b->hnext].hprev = i;
	t->bbucket[bucket] = i;
}

/* Drop binding @i: off its chain, the LRU and its name's list; free the
 * name if this was its last binding */
static void drop(struct learn_table *t, uint32_t i)
{
	struct learn_binding *b = &t->b[i];
	struct learn_name *n = &t->n[b->name];

	chain_unlink(t, addr_bucket(t, b->scope, &b->addr), i);
	lru_unlink(t, b);
	share_give(&t->share, b->owner);
	if (b->name_prev != LEARN_NONE)
		t->b[b->name_prev].name_next = b->name_next;
	else
		n->first = b->name_next;
	if (b->name_next != LEARN_NONE)
		t->b[b->name_next].name_prev = b->name_prev;
	if (!--n->naddrs)
		name_release(t, b->name);
	b->name = LEARN_NONE;
	b->hnext = t->bfree;
	t->bfree = i;
	t->st.bindings--;
}

/*
 * The binding of (@scope, @a) learnt longest ago, if the address already
 * has per_addr_max of them; else LEARN_NONE. Its chain is in learning
 * order, so the last match is the one; other addresses sharing the bucket
 * are rare (at least as many buckets as bindings).
 */
static uint32_t crowded(const struct learn_table *t, uint32_t bucket,
			uint32_t scope, const struct ipaddr *a)
{
	uint32_t i, count = 0, last = LEARN_NONE;

	if (t->lim.per_addr_max == UINT32_MAX)
		return LEARN_NONE;
	for (i = t->bbucket[bucket]; i != LEARN_NONE; i = t->b[i].hnext)
		if (t->b[i].scope == scope && addr_equal(&t->b[i].addr, a)) {
			count++;
			last = i;
		}
	return count >= t->lim.per_addr_max ? last : LEARN_NONE;
}

/* Drop @i to make room: counted as expired if its time had come anyway */
static void push_out(struct learn_table *t, uint32_t i, uint64_t now)
{
	if (expired(&t->b[i], now)) {
		t->st.expired++;
	} else {
		t->st.evicted++;
		t->share.o[t->b[i].owner].evicted++;
	}
	drop(t, i);
}

/*
 * Free a name slot by dropping, near the LRU tail of the owner that gives
 * way (share_victim(), counted in bindings: every name holds at least
 * one), a name's last binding. If every name there holds several, the
 * name of that tail goes whole: refusing instead would let one bottle that
 * fills the name pool with multi-address names stop every other bottle
 * from learning any new name until those bindings expire
 * (test/adversarial/resources.sh).
 */
static bool free_a_name(struct learn_table *t, uint32_t owner, uint64_t now)
{
	uint32_t v = share_victim(&t->share, owner), i, ni;

	if (v == SHARE_NONE)
		return false;
	i = t->share.o[v].tail;

	for (int seen = 0; i != LEARN_NONE && seen < NAME_SCAN; seen++) {
		if (t->n[t->b[i].name].naddrs == 1) {
			push_out(t, i, now);
			return true;
		}
		i = t->b[i].lru_prev;
	}
	ni = t->b[t->share.o[v].tail].name;
	while (t->n[ni].naddrs)		/* the last drop releases the name */
		push_out(t, t->n[ni].first, now);
	return true;
}

/* The binding of name @ni that expires first */
static uint32_t soonest(const struct learn_table *t, uint32_t ni)
{
	uint32_t i, best = t->n[ni].first;

	for (i = best; i != LEARN_NONE; i = t->b[i].name_next)
		if (t->b[i].expires < t->b[best].expires)
			best = i;
	return best;
}

int learn_add(struct learn_table *t, uint32_t owner, uint32_t scope,
	      const struct ipaddr *addr,
	      const char *name, size_t len, uint16_t rrtype, uint64_t expires,
	      uint64_t now)
{
	struct learn_binding *b;
	struct learn_name *n;
	struct ipaddr a;
	uint32_t nb, bb, ni, i;

	if (len > LEARN_NAME_MAX)
		return -ENAMETOOLONG;
	if (addr->family != ADDR_FAMILY_V4 && addr->family != ADDR_FAMILY_V6)
		return -EINVAL;
	/* Bytes past an IPv4 address are not the caller's to set */
	addr_set(&a, addr->b, addr_len(addr));

	owner = share_slot(&t->share, owner);
	nb = name_bucket(t, scope, name, len);
	bb = addr_bucket(t, scope, &a);
	ni = name_find(t, nb, scope, name, len);

	if (ni != LEARN_NONE) {
		/*
		 * Known name: is this binding known too? Its own list is
		 * short (per_name_max); the address's chain may not be.
		 */
		for (i = t->n[ni].first; i != LEARN_NONE; i = t->b[i].name_next) {
			b = &t->b[i];
			if (!addr_equal(&b->addr, &a))
				continue;
			if (expires > b->expires) {
				b->expires = expires;
				t->st.refreshed++;
			}
			b->learnt = now;
			b->rrtype = rrtype;
			if (b->hprev != LEARN_NONE) {	/* to the front of its chain */
				chain_unlink(t, bb, i);
				chain_push(t, bb, i);
			}
			lru_unlink(t, b);
			lru_push_head(t, i);
			return 0;
		}
	} else {
		if (t->nfree == LEARN_NONE && !free_a_name(t, owner, now)) {
			t->st.refused_names_full++;
			return -ENOSPC;
		}
		ni = name_take(t, nb, scope, name, len);
	}

	n = &t->n[ni];
	n->naddrs++;		/* hold the name while making room */
	i = crowded(t, bb, scope, &a);
	if (i != LEARN_NONE) {
		drop(t, i);
		t->st.addr_capped++;
	}
	if (n->naddrs - 1 >= t->lim.per_name_max) {
		drop(t, soonest(t, ni));
		t->st.capped++;
	} else if (t->bfree == LEARN_NONE) {
		/* never SHARE_NONE: a full pool has an owner */
		push_out(t, t->share.o[share_victim(&t->share, owner)].tail, now);
	}

	i = t->bfree;
	b = &t->b[i];
	t->bfree = b->hnext;
	b->addr = a;
	b->scope = scope;
	b->owner = owner;
	b->name = ni;
	b->rrtype = rrtype;
	b->learnt = now;
	b->expires = expires;
	chain_push(t, bb, i);
	lru_push_head(t, i);
	share_take(&t->share, owner);
	b->name_prev = LEARN_NONE;
	b->name_next = n->first;
	if (n->first != LEARN_NONE)
		t->b[n->first].name_prev = i;
	n->first = i;
	/* the hold becomes this binding's count */
	t->st.bindings++;
	t->st.learnt++;
	return 0;
}

static uint32_t lookup(struct learn_table *t, uint32_t scope,
		       const struct ipaddr *addr, uint64_t now, bool any,
		       uint32_t *out, uint32_t max)
{
	struct ipaddr a;
	uint32_t i, found = 0;

	if (addr->family != ADDR_FAMILY_V4 && addr->family != ADDR_FAMILY_V6)
		return 0;
	addr_set(&a, addr->b, addr_len(addr));
	for (i = t->bbucket[addr_bucket(t, scope, &a)]; i != LEARN_NONE;
	     i = t->b[i].hnext) {
		const struct learn_binding *b = &t->b[i];

		if (b->scope != scope || !addr_equal(&b->addr, &a) ||
		    (!any && expired(b, now)))
			continue;
		if (found < max)
			out[found] = i;
		found++;
	}
	return found;
}

uint32_t learn_lookup(struct learn_table *t, uint32_t scope,
		      const struct ipaddr *addr, uint64_t now, uint32_t *out,
		      uint32_t max)
{
	return lookup(t, scope, addr, now, false, out, max);
}

uint32_t learn_lookup_any(struct learn_table *t, uint32_t scope,
			  const struct ipaddr *addr, uint32_t *out, uint32_t max)
{
	return lookup(t, scope, addr, 0, true, out, max);
}

struct learn_binding *learn_binding_at(struct learn_table *t, uint32_t idx)
{
	return idx < t->lim.max_bindings ? &t->b[idx] : NULL;
}

struct learn_name *learn_name_at(struct learn_table *t, uint32_t idx)
{
	return idx < t->lim.max_names ? &t->n[idx] : NULL;
}

uint32_t learn_expire(struct learn_table *t, uint64_t now, uint32_t budget)
{
	uint64_t scan = (uint64_t)budget * SCAN_PER_RECLAIM;
	uint32_t done = 0;

	if (scan > t->lim.max_bindings)
		scan = t->lim.max_bindings;
	while (scan-- && done < budget) {
		uint32_t i = t->hand;

		t->hand = i + 1 < t->lim.max_bindings ? i + 1 : 0;
		if (t->b[i].name != LEARN_NONE && expired(&t->b[i], now)) {
			drop(t, i);
			t->st.expired++;
			done++;
		}
	}
	return done;
}

void learn_forget_scope(struct learn_table *t, uint32_t scope)
{
	for (uint32_t i = 0; i < t->lim.max_bindings; i++)
		if (t->b[i].name != LEARN_NONE && t->b[i].scope == scope)
			drop(t, i);
}

int learn_foreach(struct learn_table *t, uint64_t now,
		  int (*fn)(struct learn_table *t, uint32_t binding, void *arg),
		  void *arg)
{
	int rc;

	for (uint32_t o = 0; o < t->share.nowners; o++) {
		if (!t->share.o[o].count)
			continue;
		for (uint32_t i = t->share.o[o].head; i != LEARN_NONE;
		     i = t->b[i].lru_next) {
			if (expired(&t->b[i], now))
				continue;
			rc = fn(t, i, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

void learn_stats(const struct learn_table *t, struct learn_stats *s)
{
	*s = t->st;
}

void learn_owner_stats(const struct learn_table *t, uint32_t owner,
		       uint32_t *used, uint64_t *evicted)
{
	const struct share_owner *o = &t->share.o[share_slot(&t->share, owner)];

	*used = o->count;
	*evicted = o->evicted;
}
