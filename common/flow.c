// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flow.c - the flow table (see flow.h for the theory of operation)
 *
 * Layout: one allocation holds the table header, the entries and the
 * buckets. Entries are in exactly one of two lists: the free list (threaded
 * through ->hnext, ->lru_* unused) or a bucket chain plus its owner's LRU
 * list (share.h keeps each owner's list ends and count).
 *
 * Hot path: flow_lookup() reads the bucket, then compares keys along a chain
 * whose expected length is below one (buckets >= capacity, keyed hash);
 * flow_touch() reads one timeout from a per-table array indexed by protocol
 * class and state, so picking the timeout costs no branches.
 *
 * Expiry and the LRU: each owner's LRU orders its flows by last packet, but timeouts
 * differ by state (a closed TCP flow lingers 10 s, an established one two
 * hours), so the tail is not always the first to expire. flow_expire()
 * therefore walks up from the tail past at most EXPIRE_SKIP live flows
 * looking for expired ones, and stops there: the bound keeps each call's
 * cost predictable. A long run of idle established flows at the tail can
 * hide expired flows further up from flow_expire(); those are still
 * reclaimed when a lookup meets them, and flow_insert() on a full table
 * first looks for an expired flow of the owner that gives way (past at
 * most INSERT_SKIP live ones) before it evicts that owner's live flow idle
 * the longest, so "evicted" counts only live flows pushed out.
 * flow_expire() takes the owners in turn, resuming where it stopped.
 *
 * A flow moves to its LRU's head at most once per FLOW_LRU_CLOCK() tick: moving it
 * writes three other entries (its neighbours and the old head), three
 * cache misses per packet once the table outgrows the caches, for an order
 * that only eviction reads. So the LRU orders flows by their last packet
 * to within about a second; expiry reads ->expires, which every packet
 * sets, and is exact.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "share.h"

/*
 * Live flows a call may step over looking for expired ones: flow_expire()
 * runs off the packet path and can afford more than flow_insert(), which
 * runs once per new flow and, on a full table, before every eviction.
 */
#define EXPIRE_SKIP	64
#define INSERT_SKIP	8

/* Largest capacity: buckets are a power of two >= capacity, indexes < FLOW_NONE */
#define CAPACITY_MAX	(UINT32_C(1) << 31)

/* ->initiator before the first packet */
#define END_UNKNOWN	0xff

static_assert(sizeof(struct flow) <= 128,
	      "a flow must fit two cache lines: lookup reads the key and chain "
	      "link, touch the counters and links, one miss each at most");
static_assert(sizeof(struct flow_key) == 44,
	      "keys are hashed and compared whole, padding included: the key "
	      "builders zero it all first, and the hash cost grows with it");

enum proto_class { CLS_TCP, CLS_UDP, CLS_ICMP, CLS_OTHER, CLS_MAX };
#define STATE_MAX	(FLOW_CLOSED + 1)

struct flow_table {
	uint32_t capacity;
	uint32_t mask;		/* buckets - 1 */
	uint32_t used;
	uint32_t free_head;	/* free list through ->hnext */
	uint32_t expire_owner;	/* flow_expire(): whose list it walks next */
	uint64_t inserted, evicted, expired;
	struct share share;	/* per bottle: count, LRU ends, evictions */
	uint64_t timeout[CLS_MAX][STATE_MAX];	/* ns */
	struct siphash_key key;
	struct flow *f;		/* capacity entries */
	uint32_t *bucket;	/* mask + 1 heads */
};

static unsigned int proto_class(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return CLS_TCP;
	case PROTO_UDP:
		return CLS_UDP;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return CLS_ICMP;
	default:
		return CLS_OTHER;
	}
}

void flow_timeouts_default(struct flow_timeouts *t)
{
	*t = (struct flow_timeouts){
		.tcp_new = 60,
		.tcp_established = 7440,
		.tcp_closing = 120,
		.tcp_closed = 10,
		.udp_new = 30,
		.udp_established = 180,
		.icmp = 30,
		.other = 60,
	};
}

static uint32_t buckets_for(uint32_t capacity)
{
	uint32_t n = 1;

	while (n < capacity)
		n <<= 1;
	return n;
}

/* Offsets of the entries and buckets within the one allocation */
static size_t entries_off(void)
{
	return (sizeof(struct flow_table) + 63) & ~(size_t)63;
}

static size_t buckets_off(uint32_t capacity)
{
	return entries_off() + (size_t)capacity * sizeof(struct flow);
}

size_t flow_table_bytes(uint32_t capacity)
{
	return buckets_off(capacity) +
	       (size_t)buckets_for(capacity) * sizeof(uint32_t);
}

static void set_timeouts(struct flow_table *t, const struct flow_timeouts *to)
{
	const uint64_t s = 1000000000ULL;

	t->timeout[CLS_TCP][FLOW_NEW] = to->tcp_new * s;
	t->timeout[CLS_TCP][FLOW_ESTABLISHED] = to->tcp_established * s;
	t->timeout[CLS_TCP][FLOW_CLOSING] = to->tcp_closing * s;
	t->timeout[CLS_TCP][FLOW_CLOSED] = to->tcp_closed * s;
	/* UDP, ICMP and others never leave NEW or ESTABLISHED; fill all
	 * states anyway so the lookup needs no check */
	for (int st = 0; st < STATE_MAX; st++) {
		t->timeout[CLS_UDP][st] = (st == FLOW_NEW ? to->udp_new :
					   to->udp_established) * s;
		t->timeout[CLS_ICMP][st] = to->icmp * s;
		t->timeout[CLS_OTHER][st] = to->other * s;
	}
}

struct flow_table *flow_table_new(uint32_t capacity, uint32_t owners,
				  const struct flow_timeouts *timeouts)
{
	struct flow_timeouts def;
	struct flow_table *t;
	uint32_t nb, i;
	void *mem;
	int rc;

	if (!capacity || capacity > CAPACITY_MAX || !owners ||
	    owners > SHARE_OWNERS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nb = buckets_for(capacity);
	rc = posix_memalign(&mem, 64, flow_table_bytes(capacity));
	if (rc) {
		errno = rc;
		return NULL;
	}
	t = mem;
	memset(t, 0, sizeof(*t));
	rc = siphash_key_random(&t->key);
	if (!rc)
		rc = share_init(&t->share, capacity, owners);
	if (rc) {
		free(mem);
		errno = -rc;
		return NULL;
	}
	if (!timeouts) {
		flow_timeouts_default(&def);
		timeouts = &def;
	}
	set_timeouts(t, timeouts);
	t->capacity = capacity;
	t->mask = nb - 1;
	t->f = (struct flow *)((uint8_t *)mem + entries_off());
	t->bucket = (uint32_t *)((uint8_t *)mem + buckets_off(capacity));
	memset(t->f, 0, (size_t)capacity * sizeof(struct flow));
	for (i = 0; i < capacity; i++)
		t->f[i].hnext = i + 1 < capacity ? i + 1 : FLOW_NONE;
	for (i = 0; i < nb; i++)
		t->bucket[i] = FLOW_NONE;
	t->free_head = 0;
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (t)
		share_fini(&t->share);
	free(t);
}

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/*
 * Which of two endpoints sorts first: address bytes, then port. Bytewise
 * order is the order of big-endian words; comparing two words inline costs
 * less than the call to memcmp() it replaces, on every packet.
 */
static int endpoint_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b,
			uint16_t bp)
{
	for (int i = 0; i < 16; i += 8) {
		uint64_t x = load_be64(a + i), y = load_be64(b + i);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return (int)ap - (int)bp;
}

/* Fill @k from two endpoints whose addresses are already zero-padded to 16 */
static void key_fill(struct flow_key *k, uint32_t zone, uint8_t family,
		     uint8_t proto, const uint8_t *src, uint16_t sport,
		     const uint8_t *dst, uint16_t dport, int *src_end)
{
	int s = endpoint_cmp(src, sport, dst, dport) > 0;

	k->zone = zone;
	k->family = family;
	k->proto = proto;
	memcpy(k->addr[s], src, 16);
	memcpy(k->addr[!s], dst, 16);
	k->port[s] = sport;
	k->port[!s] = dport;
	*src_end = s;
}

void flow_key_from_pkt(struct flow_key *k, uint32_t zone, const struct pkt *p,
		       int *src_end)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t alen = pkt_addr_len(p);

	/* The whole key, padding included, is hashed and compared */
	memset(k, 0, sizeof(*k));
	memcpy(src, pkt_src(p), alen);
	memcpy(dst, pkt_dst(p), alen);
	/* ICMP echo: the parser already put the identifier in both ports */
	key_fill(k, zone, p->family, p->proto, src, p->sport, dst, p->dport,
		 src_end);
}

void flow_key_make(struct flow_key *k, uint32_t zone, uint8_t proto,
		   const struct ipaddr *src, uint16_t sport,
		   const struct ipaddr *dst, uint16_t dport, int *src_end)
{
	uint8_t s[16] = { 0 }, d[16] = { 0 };

	memset(k, 0, sizeof(*k));
	/* Copy only the family's bytes: the caller's unused bytes may not be zero */
	memcpy(s, src->b, addr_len(src));
	memcpy(d, dst->b, addr_len(dst));
	key_fill(k, zone, src->family, proto, s, sport, d, dport, src_end);
}

uint64_t flow_hash(const struct flow_table *t, const struct flow_key *k)
{
	return siphash(&t->key, k, sizeof(*k));
}

static uint32_t idx_of(const struct flow_table *t, const struct flow *f)
{
	return (uint32_t)(f - t->f);
}

/* The LRU lists are per owner (share.h): its ends live in its share */
static void lru_unlink(struct flow_table *t, struct flow *f)
{
	struct share_owner *o = &t->share.o[f->owner];

	if (f->lru_prev != FLOW_NONE)
		t->f[f->lru_prev].lru_next = f->lru_next;
	else
		o->head = f->lru_next;
	if (f->lru_next != FLOW_NONE)
		t->f[f->lru_next].lru_prev = f->lru_prev;
	else
		o->tail = f->lru_prev;
}

static void lru_push_head(struct flow_table *t, struct flow *f, uint32_t i)
{
	struct share_owner *o = &t->share.o[f->owner];

	f->lru_prev = FLOW_NONE;
	f->lru_next = o->head;
	if (o->head != FLOW_NONE)
		t->f[o->head].lru_prev = i;
	else
		o->tail = i;
	o->head = i;
}

/* Take entry @i out of bucket @b, the LRU and the count; put it on the free list */
static void unlink_free(struct flow_table *t, uint32_t i, uint32_t b)
{
	struct flow *f = &t->f[i];
	uint32_t *pp = &t->bucket[b];

	while (*pp != i)
		pp = &t->f[*pp].hnext;
	*pp = f->hnext;
	lru_unlink(t, f);
	share_give(&t->share, f->owner);
	f->hnext = t->free_head;
	f->lru_prev = f->lru_next = FLOW_NONE;
	t->free_head = i;
	t->used--;
}

static void remove_idx(struct flow_table *t, uint32_t i)
{
	unlink_free(t, i, (uint32_t)flow_hash(t, &t->f[i].key) & t->mask);
}

struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k,
			 uint64_t hash, uint64_t now)
{
	uint32_t b = (uint32_t)hash & t->mask;
	uint32_t i;

	for (i = t->bucket[b]; i != FLOW_NONE; i = t->f[i].hnext) {
		struct flow *f = &t->f[i];

		/* keys are zeroed whole before they are filled: no stray padding */
		if (memcmp(&f->key, k, sizeof(*k)))	// NOLINT(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c)
			continue;
		if (now >= f->expires) {
			unlink_free(t, i, b);
			t->expired++;
			return NULL;
		}
		return f;
	}
	return NULL;
}

static bool expired_at(const struct flow *f, uint64_t now)
{
	return now >= f->expires;
}

/* Reclaim up to @budget expired flows from @owner's LRU tail, skipping live ones */
static uint32_t reclaim(struct flow_table *t, uint32_t owner, uint64_t now,
		       uint32_t budget, uint32_t skip_max)
{
	uint32_t i = t->share.o[owner].tail, done = 0, skipped = 0;

	while (i != FLOW_NONE && done < budget) {
		uint32_t prev = t->f[i].lru_prev;

		if (expired_at(&t->f[i], now)) {
			remove_idx(t, i);
			t->expired++;
			done++;
		} else if (++skipped > skip_max) {
			break;
		}
		i = prev;
	}
	return done;
}

/*
 * Full: the owner share_victim() names gives way, an expired flow of its
 * if one is near its tail, else its flow idle the longest
 */
static void make_room(struct flow_table *t, uint32_t owner, uint64_t now)
{
	uint32_t v = share_victim(&t->share, owner);

	if (reclaim(t, v, now, 1, INSERT_SKIP))
		return;
	remove_idx(t, t->share.o[v].tail);
	t->evicted++;
	t->share.o[v].evicted++;
}

struct flow *flow_insert(struct flow_table *t, const struct flow_key *k,
			 uint64_t hash, uint32_t owner, int bottle_end,
			 uint64_t now)
{
	uint32_t b = (uint32_t)hash & t->mask;
	struct flow *f;
	uint32_t i;

	owner = share_slot(&t->share, owner);
	if (t->free_head == FLOW_NONE)
		make_room(t, owner, now);
	i = t->free_head;
	f = &t->f[i];
	t->free_head = f->hnext;

	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->owner = (uint16_t)owner;
	f->bottle_end = (uint8_t)(bottle_end & 1);
	f->state = FLOW_NEW;
	f->initiator = END_UNKNOWN;
	f->created = f->last_seen = now;
	f->lru_at = FLOW_LRU_CLOCK(now);
	f->expires = now + t->timeout[proto_class(k->proto)][FLOW_NEW];
	f->hnext = t->bucket[b];
	t->bucket[b] = i;
	lru_push_head(t, f, i);
	share_take(&t->share, owner);
	t->used++;
	t->inserted++;
	return f;
}

/*
 * TCP: pick the next state from the flags of one packet sent by @end.
 * Sequence numbers are not checked: this only chooses an idle timeout.
 */
static uint8_t tcp_next(struct flow *f, uint8_t flags, int end)
{
	uint8_t st = f->state;

	if (flags & TCP_RST)
		return FLOW_CLOSED;
	if (st == FLOW_CLOSED) {
		/* A bare SYN reuses the ports of a finished connection: a new
		 * connection starts, initiated by whoever sent it */
		if ((flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return FLOW_CLOSED;
		f->initiator = (uint8_t)end;
		f->fin_seen = 0;
		return FLOW_NEW;
	}
	if (flags & TCP_FIN) {
		f->fin_seen |= (uint8_t)(1 << end);
		return f->fin_seen == 3 ? FLOW_CLOSED : FLOW_CLOSING;
	}
	if (st == FLOW_NEW && end != f->initiator)
		return FLOW_ESTABLISHED;
	return st;
}

void flow_touch(struct flow_table *t, struct flow *f, const struct pkt *p,
		int src_end, uint64_t now)
{
	unsigned int cls = proto_class(f->key.proto);
	uint32_t i = idx_of(t, f);

	src_end &= 1;
	if (f->initiator == END_UNKNOWN)
		f->initiator = (uint8_t)src_end;
	if (cls == CLS_TCP)
		f->state = tcp_next(f, p->tcp_flags, src_end);
	else if (src_end != f->initiator)
		/* Only NEW -> ESTABLISHED exists outside TCP */
		f->state = FLOW_ESTABLISHED;

	f->last_seen = now;
	f->expires = now + t->timeout[cls][f->state];
	f->packets[src_end]++;
	f->bytes[src_end] += p->len;

	/* unsigned difference: right across the clock's wrap */
	if (FLOW_LRU_MOVES(FLOW_LRU_CLOCK(now), f->lru_at)) {
		if (t->share.o[f->owner].head != i) {
			lru_unlink(t, f);
			lru_push_head(t, f, i);
		}
		f->lru_at = FLOW_LRU_CLOCK(now);
	}
}

void flow_prefetch_bucket(const struct flow_table *t, uint64_t hash)
{
	__builtin_prefetch(&t->bucket[(uint32_t)hash & t->mask]);
}

void flow_prefetch_entry(const struct flow_table *t, uint64_t hash)
{
	uint32_t i = __atomic_load_n(&t->bucket[(uint32_t)hash & t->mask],
				     __ATOMIC_RELAXED);

	if (i == FLOW_NONE)
		return;
	/* an entry spans two lines: 128 bytes, 64-aligned (flow_table_new()) */
	__builtin_prefetch(&t->f[i]);
	__builtin_prefetch((const uint8_t *)&t->f[i] + 64);
}

void flow_remove(struct flow_table *t, struct flow *f)
{
	remove_idx(t, idx_of(t, f));
}

/*
 * Each owner's list in turn, from where the last call stopped, until the
 * budget is spent or every owner's tail was looked at once
 */
uint32_t flow_expire(struct flow_table *t, uint64_t now, uint32_t budget)
{
	uint32_t done = 0;

	for (uint32_t n = 0; n < t->share.nowners && done < budget; n++) {
		uint32_t o = t->expire_owner;

		if (t->share.o[o].count)
			done += reclaim(t, o, now, budget - done, EXPIRE_SKIP);
		if (done < budget)
			t->expire_owner = o + 1 < t->share.nowners ? o + 1 : 0;
	}
	return done;
}

int flow_foreach(struct flow_table *t, int (*fn)(struct flow *f, void *arg),
		 void *arg)
{
	int rc;

	for (uint32_t o = 0; o < t->share.nowners; o++) {
		if (!t->share.o[o].count)
			continue;
		for (uint32_t i = t->share.o[o].head; i != FLOW_NONE;
		     i = t->f[i].lru_next) {
			rc = fn(&t->f[i], arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

void flow_stats(const struct flow_table *t, struct flow_stats *s)
{
	s->capacity = t->capacity;
	s->used = t->used;
	s->inserted = t->inserted;
	s->evicted = t->evicted;
	s->expired = t->expired;
}

void flow_owner_stats(const struct flow_table *t, uint32_t owner,
		      uint32_t *used, uint64_t *evicted)
{
	const struct share_owner *o = &t->share.o[share_slot(&t->share, owner)];

	*used = o->count;
	*evicted = o->evicted;
}

void flow_endpoint(const struct flow *f, int end, struct ipaddr *a,
		   uint16_t *port)
{
	end &= 1;
	addr_set(a, f->key.addr[end], f->key.family == ADDR_FAMILY_V4 ? 4 : 16);
	*port = f->key.port[end];
}
