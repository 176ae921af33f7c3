/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnspend.h - DNS queries in flight, waiting for their answer
 *
 * An allowed query is remembered until its answer comes back or it times
 * out. The answer is believed only if it matches an entry: same key (the
 * caller's choice: the live resolver uses the random upstream ID and source
 * port it picked; replay uses the bottle's own ID and port) and the same
 * question (dns_question_equal()). Everything needed to write the answer
 * back to the bottle is kept here: the bottle, the client's address, port
 * and ID, and the address it asked (the answer must come from it).
 *
 * Fixed pool, hashed by key. Each entry counts against the asking
 * bottle's share (share.h). A full table refuses a bottle holding its fair
 * share or more (DROP_DNS_PENDING_FULL; the client retries); for a bottle
 * holding less, dnspend_victim() names the oldest query of the bottle
 * holding the most, which the caller gives up (as if it had timed out)
 * to make room. One bottle's flood of queries is refused, and never keeps
 * another bottle's queries out.
 */
#ifndef SENTRY_DNSPEND_H
#define SENTRY_DNSPEND_H

#include <stdint.h>

#include "addr.h"
#include "dns.h"

#define DNSPEND_NONE	UINT32_MAX

struct dnspend_key {
	uint32_t zone;		/* 0 for the live resolver (IDs are global there) */
	uint16_t id;
	uint16_t port;
};

struct dnspend {
	struct dnspend_key key;
	uint32_t bottle;	/* bottle id */
	uint32_t owner;		/* the bottle's share slot (share.h), set by dnspend_add() */
	uint32_t hnext;		/* bucket chain / free list */
	uint32_t slot;		/* caller's use: e.g. the upstream socket index */
	uint8_t proto;		/* PROTO_UDP or PROTO_TCP (client side) */
	uint8_t tries;		/* caller's use: e.g. TC -> retried over TCP */
	uint16_t client_id;
	uint16_t client_port;
	uint16_t server_port;
	struct ipaddr client;
	struct ipaddr server;	/* the address the bottle sent its query to */
	uint64_t created;	/* ns */
	uint64_t expires;	/* ns */
	struct dns_question q;
};

struct dnspend_table;

/*
 * struct dnspend_asker - who asked, and what: the fields of an entry that
 * say where its answer goes back to
 */
struct dnspend_asker {
	uint32_t bottle;
	uint8_t proto;
	const struct ipaddr *client, *server;
	uint16_t client_port, server_port;
	const struct dns_msg *query;	/* its ID and question are kept */
};

/* dnspend_set_asker() - fill @p's asker fields from @a */
void dnspend_set_asker(struct dnspend *p, const struct dnspend_asker *a);

/* dnspend_new() - @owners: bottle slots with a share (share.h), 0: 1 */
struct dnspend_table *dnspend_new(uint32_t capacity, uint32_t owners,
				  uint32_t timeout_ms);
void dnspend_free(struct dnspend_table *t);
size_t dnspend_table_bytes(uint32_t capacity);

/*
 * dnspend_add() - a new entry for @key, held by share slot @owner, or
 * NULL if the key is taken (a live duplicate) or the table is full. The
 * caller fills everything but key, owner, hnext, created and expires.
 */
struct dnspend *dnspend_add(struct dnspend_table *t,
			    const struct dnspend_key *key, uint32_t owner,
			    uint64_t now);

/*
 * dnspend_victim() - the entry to give up so that @owner may add one: NULL
 * while the table has room, or when @owner holds its fair share or more
 * (then it is refused). The caller ends the entry it gets (as on a timeout)
 * and removes it; dnspend_remove() counts it as evicted from its owner.
 */
struct dnspend *dnspend_victim(struct dnspend_table *t, uint32_t owner);

/* dnspend_owner_stats() - queries slot @owner has in flight, and lost to evictions */
void dnspend_owner_stats(const struct dnspend_table *t, uint32_t owner,
			 uint32_t *used, uint64_t *evicted);

/* dnspend_find() - the live entry for @key, or NULL */
struct dnspend *dnspend_find(struct dnspend_table *t,
			     const struct dnspend_key *key, uint64_t now);

/* dnspend_remove() - free @p */
void dnspend_remove(struct dnspend_table *t, struct dnspend *p);

/*
 * dnspend_expire() - remove entries past their expiry, calling @fn (may be
 * NULL) on each first. Return: how many were removed.
 */
uint32_t dnspend_expire(struct dnspend_table *t, uint64_t now,
			void (*fn)(struct dnspend *p, void *arg), void *arg);

/* dnspend_at() - the entry at pool index @idx if in use (live or expired), else NULL */
struct dnspend *dnspend_at(struct dnspend_table *t, uint32_t idx);

/* dnspend_index() - @p's index in the pool, for callers' side tables */
uint32_t dnspend_index(const struct dnspend_table *t, const struct dnspend *p);

uint32_t dnspend_used(const struct dnspend_table *t);
uint32_t dnspend_capacity(const struct dnspend_table *t);

#endif /* SENTRY_DNSPEND_H */
