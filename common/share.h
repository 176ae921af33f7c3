/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share.h - each bottle's share of a fixed table, and who gives way when it is full
 *
 * Theory of operation
 *
 * The flow, learnt-address and pending-DNS tables are shared by every
 * bottle. Each counts its entries per owner: a small slot number, one per
 * bottle the daemon can hold (struct bottle .slot), kept with the table.
 * When the table is full and owner O needs an entry:
 *
 *   active = owners holding entries, O included
 *   fair   = capacity / active
 *   - O holding fair or more gives up its own oldest entry;
 *   - O holding less takes the oldest entry of the owner holding the most.
 *
 * The table is full, so if O holds less than fair some owner holds more
 * (the entries sum to capacity over `active` owners): the owner that gives
 * way always holds more than its fair share. A bottle within its share
 * never loses an entry to another bottle's flood, and a bottle alone may
 * use the whole table (nothing is reserved for bottles that are idle).
 * Like a conntrack zone limit that adapts to the number of zones in use.
 *
 * Each owner also has the ends of its own list, oldest to newest, which
 * the table threads through its entries: the table keeps one such list per
 * owner instead of one list for all, so finding an owner's oldest entry
 * costs the same as finding the table's.
 *
 * Slots past the table's owner count fold onto it (modulo): two bottles
 * then share one share, which is only fairness lost, never memory.
 *
 * Threading: a share belongs to its table, and is locked with it.
 */
#ifndef SENTRY_SHARE_H
#define SENTRY_SHARE_H

#include <stdint.h>

#define SHARE_NONE	UINT32_MAX
/* Owner slots a table keeps at most: flows store a slot in 16 bits */
#define SHARE_OWNERS_MAX	65536u

struct share_owner {
	uint32_t count;		/* entries held */
	uint32_t head, tail;	/* its list: newest, oldest (table indexes) */
	uint64_t evicted;	/* live entries it lost to make room */
};

struct share {
	uint32_t capacity;
	uint32_t nowners;
	uint32_t active;	/* owners with count > 0 */
	struct share_owner *o;
};

/* share_init() - @nowners (1..SHARE_OWNERS_MAX) empty owners; 0 or -ENOMEM/-EINVAL */
int share_init(struct share *s, uint32_t capacity, uint32_t nowners);
void share_fini(struct share *s);

/* share_bytes() - memory share_init() takes for @nowners */
size_t share_bytes(uint32_t nowners);

/* share_slot() - the owner index slot @slot folds onto */
static inline uint32_t share_slot(const struct share *s, uint32_t slot)
{
	return slot < s->nowners ? slot : slot % s->nowners;
}

/* share_take() / share_give() - @owner gained / lost an entry */
static inline void share_take(struct share *s, uint32_t owner)
{
	if (!s->o[owner].count++)
		s->active++;
}

static inline void share_give(struct share *s, uint32_t owner)
{
	if (!--s->o[owner].count)
		s->active--;
}

/*
 * share_victim() - whose entry gives way when the table is full and
 * @owner needs one (see the theory above); SHARE_NONE if nobody holds any
 */
uint32_t share_victim(const struct share *s, uint32_t owner);

/* share_fair() - an owner's fair share now, were @owner to hold one more */
uint32_t share_fair(const struct share *s, uint32_t owner);

#endif /* SENTRY_SHARE_H */
