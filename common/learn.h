/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * learn.h - addresses learnt from allowed DNS answers
 *
 * Theory of operation
 *
 * When an allowed name resolves, each address in the answer becomes
 * reachable (subject to the rules of that name) until the answer's TTL,
 * clamped to the policy's [min_ttl, max_ttl], runs out. The table maps
 * (scope, address) to the names it was learnt from; the scope is the
 * policy's id, so bottles under one policy share what they learn, and
 * bottles under different policies never do.
 *
 * Two fixed pools, allocated once:
 *   - names: (scope, name) with a count of the addresses pointing at it;
 *   - bindings: (scope, address, name) with an expiry. An address learnt for
 *     several names has one binding per name, so each name keeps its rule.
 * Both are hashed with SipHash under a random key. Each binding belongs to
 * the bottle that first learnt it (its share slot; share.h), and sits on
 * that bottle's LRU list, ordered by last (re)learning. When the pool is
 * full, the bottle share_victim() names gives way: the learning bottle
 * itself when it holds its fair share of bindings or more, else the bottle
 * holding the most; its least recently learnt binding is evicted, counted
 * for the table and for that bottle. A full name pool frees a name of the
 * same bottle's. So one bottle's flood of names evicts only its own. A name may hold at most
 * per_name_max addresses; learning one more replaces that name's binding
 * that expires first, counted (CDNs rotate addresses; the newest answer wins).
 * A name whose last binding goes is freed.
 *
 * Expired bindings are ignored by learn_lookup() and reclaimed by
 * learn_expire(). Established flows do not consult this table again, so an
 * expiring answer never cuts a live flow; it only stops new ones.
 *
 * Threading: a table belongs to one thread; nothing here locks.
 */
#ifndef SENTRY_LEARN_H
#define SENTRY_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define LEARN_NONE		UINT32_MAX
/* Longest name kept: 253 characters, the most a name made of rule-safe labels can have */
#define LEARN_NAME_MAX		253

struct learn_name {
	uint32_t scope;
	uint32_t naddrs;		/* bindings pointing here */
	uint32_t hnext;
	uint8_t len;
	char name[LEARN_NAME_MAX + 1];
	uint32_t first;			/* its bindings, through ->name_next (learn.c) */
};

struct learn_binding {
	struct ipaddr addr;
	uint32_t scope;
	uint32_t owner;			/* share slot of the bottle that learnt it first */
	uint32_t name;			/* index into the name pool */
	uint32_t hnext, hprev;		/* its bucket chain; hprev LEARN_NONE at the head */
	uint32_t lru_prev, lru_next;
	uint16_t rrtype;		/* record type it came from */
	uint64_t learnt;		/* ns, last (re)learnt */
	uint64_t expires;		/* ns */
	uint32_t name_prev, name_next;	/* the name's bindings (learn.c) */
};

struct learn_limits {
	uint32_t max_bindings;		/* addresses x names, table-wide */
	uint32_t max_names;
	uint32_t per_name_max;		/* addresses per name; 0: no cap */
	uint32_t per_addr_max;		/* names per address; 0: no cap */
	uint32_t owners;		/* bottle slots with a share (share.h); 0: 1 */
};

struct learn_stats {
	uint32_t bindings, names;
	uint64_t learnt;		/* new bindings */
	uint64_t refreshed;		/* bindings whose expiry an answer extended */
	uint64_t evicted;		/* pushed out by a full pool */
	uint64_t capped;		/* replaced because a name hit per_name_max */
	uint64_t addr_capped;		/* replaced because an address hit per_addr_max */
	uint64_t expired;
	uint64_t refused_names_full;	/* no name slot and none could be freed
					 * (only with no binding at all) */
};

struct learn_table;

/* learn_new() - allocate both pools; NULL with errno on failure */
struct learn_table *learn_new(const struct learn_limits *lim);
void learn_free(struct learn_table *t);
size_t learn_table_bytes(const struct learn_limits *lim);

/*
 * learn_add() - bind @addr to @name in @scope until @expires (ns)
 * @owner:	the learning bottle's share slot (struct bottle .slot); a
 *		binding keeps the owner that learnt it first
 * @name:	normalised, @len <= LEARN_NAME_MAX (longer names are refused)
 *
 * Re-learning an existing binding refreshes its expiry (the later of the
 * two) and moves it to the head of the LRU.
 * A new name when every name slot is taken frees one: a name's last
 * binding near the LRU tail, else all the bindings of the tail's name.
 * Return: 0, or -ENAMETOOLONG, or -ENOSPC (no name slot), or -EINVAL
 * (@addr is neither IPv4 nor IPv6).
 */
int learn_add(struct learn_table *t, uint32_t owner, uint32_t scope,
	      const struct ipaddr *addr,
	      const char *name, size_t len, uint16_t rrtype, uint64_t expires,
	      uint64_t now);

/*
 * learn_lookup() - live bindings of @addr in @scope
 * @out:	receives up to @max binding indexes, most recently learnt first
 * Return: the number found (may exceed @max; only @max are stored).
 */
uint32_t learn_lookup(struct learn_table *t, uint32_t scope,
		      const struct ipaddr *addr, uint64_t now, uint32_t *out,
		      uint32_t max);

/*
 * learn_lookup_any() - bindings of @addr in @scope, expired ones included
 * (those not yet reclaimed). For re-checking an established flow after a
 * policy change: the answer that admitted it may have expired since.
 */
uint32_t learn_lookup_any(struct learn_table *t, uint32_t scope,
			  const struct ipaddr *addr, uint32_t *out, uint32_t max);

/* Accessors for indexes returned by learn_lookup() and learn_foreach() */
struct learn_binding *learn_binding_at(struct learn_table *t, uint32_t idx);
struct learn_name *learn_name_at(struct learn_table *t, uint32_t idx);

/* learn_expire() - reclaim up to @budget expired bindings; returns how many */
uint32_t learn_expire(struct learn_table *t, uint64_t now, uint32_t budget);

/* learn_forget_scope() - drop every binding of @scope (policy removed) */
void learn_forget_scope(struct learn_table *t, uint32_t scope);

/*
 * learn_foreach() - call @fn for each live binding, bottle slot by slot,
 * each bottle's most recently learnt first, until it returns non-zero (which is returned). @fn must not
 * change the table.
 */
int learn_foreach(struct learn_table *t, uint64_t now,
		  int (*fn)(struct learn_table *t, uint32_t binding, void *arg),
		  void *arg);

void learn_stats(const struct learn_table *t, struct learn_stats *s);

/* learn_owner_stats() - bindings slot @owner holds, and it lost to evictions */
void learn_owner_stats(const struct learn_table *t, uint32_t owner,
		       uint32_t *used, uint64_t *evicted);

#endif /* SENTRY_LEARN_H */
