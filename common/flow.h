/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow.h - the flow table: fixed capacity, keyed hash, both directions in one entry
 *
 * Theory of operation
 *
 * A flow is a (zone, family, protocol, endpoint A, endpoint B) tuple. The
 * zone is the bottle's id, so two bottles with the same inside address never
 * share a flow. The key is canonical: the two endpoints (address, port) are
 * stored in a fixed order (the lower one, compared bytewise, first), so a
 * packet and its reply build the same key and one lookup serves both
 * directions. flow_key_from_pkt() reports which endpoint is the packet's
 * source; the flow remembers which endpoint is the bottle's.
 *
 * ICMP echo flows use the identifier as both ports, so a request and its
 * reply meet in one flow. Other ICMP is not a flow of its own: errors are
 * matched to the flow of the packet they quote.
 *
 * Storage is one array of struct flow allocated by flow_table_new() and
 * never resized. Buckets hold the index of the first entry of a chain;
 * entries chain through ->hnext. Each flow belongs to the bottle that
 * opened it (->owner, the bottle's slot), and each bottle's flows are on a
 * doubly linked LRU list of its own (->lru_prev, ->lru_next; the ends in
 * the table's share, share.h): flow_touch() moves a flow to the head of
 * its list. When no slot is free, flow_insert() asks share_victim() whose
 * flow gives way - the inserting bottle's own when it holds its fair share
 * or more, else the bottle holding the most - and evicts that bottle's
 * tail, the flow it left idle the longest, counting the eviction for the
 * table and for that bottle. Expired flows are reclaimed by flow_lookup()
 * (an expired entry is a miss) and by flow_expire(), which walks the lists
 * from their tails within a budget. Timeouts differ by state, so a tail is
 * not always the first to expire: the walk steps over a bounded number of
 * live flows before it stops (flow.c).
 *
 * Indexes, not pointers, link entries (FLOW_NONE ends a list), which keeps
 * an entry within two cache lines (flow.c asserts it).
 *
 * Hash: SipHash-2-4 of the key with a per-table secret from getrandom(),
 * so a bottle cannot aim addresses and ports at one bucket.
 *
 * TCP state is light: enough to pick an idle timeout, not to validate
 * sequence numbers (the kernels at both ends do that).
 *
 * Threading: a table belongs to one thread; nothing here locks.
 */
#ifndef SENTRY_FLOW_H
#define SENTRY_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "siphash.h"

#define FLOW_NONE	UINT32_MAX

struct flow_key {
	uint32_t zone;		/* bottle id */
	uint8_t family;		/* ADDR_FAMILY_V4 or _V6 */
	uint8_t proto;		/* PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6, or other */
	uint16_t port[2];	/* host order; 0 for protocols without ports */
	uint8_t addr[2][16];	/* network order; IPv4 in the first 4 bytes, rest zero */
};

/*
 * enum flow_state - what the flow has seen; picks the idle timeout
 *
 * FLOW_NEW         first packet seen (any protocol); TCP: SYN from the initiator
 * FLOW_ESTABLISHED TCP: the responder answered (SYN+ACK or any packet);
 *                  UDP/ICMP: the responder answered
 * FLOW_CLOSING     TCP: a FIN seen in either direction
 * FLOW_CLOSED      TCP: an RST seen, or FINs both ways; short linger then reclaim
 */
enum flow_state {
	FLOW_NEW = 0,
	FLOW_ESTABLISHED,
	FLOW_CLOSING,
	FLOW_CLOSED,
};

/* Idle timeouts, seconds, per protocol and state */
struct flow_timeouts {
	uint32_t tcp_new;		/* SYN sent, no answer (default 60) */
	uint32_t tcp_established;	/* default 7440, RFC 5382 REQ-5 */
	uint32_t tcp_closing;		/* FIN seen (default 120) */
	uint32_t tcp_closed;		/* RST, or both FINs (default 10) */
	uint32_t udp_new;		/* one direction only (default 30) */
	uint32_t udp_established;	/* answered (default 180) */
	uint32_t icmp;			/* echo (default 30) */
	uint32_t other;			/* default 60 */
};

/* flow_timeouts_default() - the defaults listed above */
void flow_timeouts_default(struct flow_timeouts *t);

/*
 * A flow moves to its owner's LRU head at most once per tick of
 * FLOW_LRU_CLOCK(), ns in units of 2^30 (about 1.07 s), kept in 16 bits
 * (it wraps after 18 hours; compared by difference modulo 2^16, which can
 * only skip one move of a flow idle for a whole multiple of that): flow.c
 * says why
 */
#define FLOW_LRU_CLOCK(ns)	((uint16_t)((ns) >> 30))
#define FLOW_LRU_MOVES(now_clock, at)	((uint16_t)((now_clock) - (at)) != 0)

struct flow {
	struct flow_key key;	/* 44 bytes */
	uint8_t bottle_end;	/* 0 or 1: which key endpoint is the bottle */
	uint8_t state;		/* enum flow_state */
	uint8_t verdict;	/* cached decision, owned by the engine */
	uint8_t reason;		/* cached enum drop_reason when denied */
	uint32_t gen;		/* policy generation the verdict was taken under */
	uint32_t rule;		/* deciding rule index, or RULE_DEFAULT (policy.h) */
	uint32_t hnext;		/* next entry in the bucket chain */
	uint32_t lru_prev;	/* towards the most recently used */
	uint32_t lru_next;	/* towards the least recently used */
	uint8_t initiator;	/* key endpoint that sent the first packet (flow.c) */
	uint8_t fin_seen;	/* TCP: bit (1 << end) per key endpoint that sent a FIN */
	uint8_t name_check;	/* enum namecheck_state (namecheck.h), owned by the engine */
	uint16_t owner;		/* the opening bottle's share slot (share.h) */
	uint16_t lru_at;	/* FLOW_LRU_CLOCK() when last moved to its LRU's head */
	uint32_t name_seq;	/* TCP under a name check: sequence number of the stream's first byte */
	uint64_t created;	/* ns */
	uint64_t last_seen;	/* ns */
	uint64_t expires;	/* ns: last_seen + the state's timeout */
	uint32_t packets[2];	/* per key endpoint as source */
	uint64_t bytes[2];
};

struct flow_stats {
	uint32_t capacity;
	uint32_t used;
	uint64_t inserted;
	uint64_t evicted;	/* live flows pushed out because the table was full */
	uint64_t expired;	/* reclaimed after their timeout */
};

struct flow_table;

/*
 * flow_table_new() - allocate a table for @capacity flows (>= 1)
 * @owners:	bottle slots it keeps shares for (1..SHARE_OWNERS_MAX, share.h)
 * @timeouts:	copied; NULL for the defaults
 * Return: the table, or NULL (errno set) if memory or randomness failed.
 */
struct flow_table *flow_table_new(uint32_t capacity, uint32_t owners,
				  const struct flow_timeouts *timeouts);
void flow_table_free(struct flow_table *t);

/* flow_table_bytes() - memory a table of @capacity flows takes (its
 * shares: share_bytes(owners) more) */
size_t flow_table_bytes(uint32_t capacity);

/*
 * flow_key_from_pkt() - canonical key of a parsed packet
 * @p:		parsed, not a later fragment
 * @src_end:	set to the key endpoint (0 or 1) that is @p's source
 */
void flow_key_from_pkt(struct flow_key *k, uint32_t zone, const struct pkt *p,
		       int *src_end);

/*
 * flow_key_make() - canonical key from explicit endpoints
 * @src_end:	set to the key endpoint that holds @src/@sport
 */
void flow_key_make(struct flow_key *k, uint32_t zone, uint8_t proto,
		   const struct ipaddr *src, uint16_t sport,
		   const struct ipaddr *dst, uint16_t dport, int *src_end);

/* flow_hash() - the table's keyed hash of @k */
uint64_t flow_hash(const struct flow_table *t, const struct flow_key *k);

/*
 * flow_lookup() - the live flow with key @k, or NULL
 * @hash:	flow_hash(t, k)
 * @now:	ns; an entry expired at @now is reclaimed and reported missing
 */
struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k,
			 uint64_t hash, uint64_t now);

/*
 * flow_insert() - a new flow for @k (which must not be present)
 * @owner:	the bottle's share slot (struct bottle .slot)
 * @bottle_end:	the key endpoint that is the bottle
 *
 * Takes a free slot, or evicts the least recently used flow of the bottle
 * share_victim() names (flow.h, theory of operation). The new flow
 * is in FLOW_NEW, with verdict, reason, gen and rule zero, and counters zero.
 * Return: the flow (never NULL).
 */
struct flow *flow_insert(struct flow_table *t, const struct flow_key *k,
			 uint64_t hash, uint32_t owner, int bottle_end,
			 uint64_t now);

/*
 * flow_touch() - account packet @p, sent by key endpoint @src_end, to @f
 * Advances the TCP state, sets last_seen and expires, counts packets and
 * bytes, and moves @f to the head of the LRU.
 */
void flow_touch(struct flow_table *t, struct flow *f, const struct pkt *p,
		int src_end, uint64_t now);

/* flow_remove() - free @f now */
void flow_remove(struct flow_table *t, struct flow *f);

/*
 * flow_prefetch_bucket(), flow_prefetch_entry() - start loading the bucket,
 * then (a few packets later, once the bucket is in) the first entry of its
 * chain, for a lookup of @hash that follows; they change nothing, and may
 * run while another thread changes the table (a stale index only warms the
 * wrong line)
 */
void flow_prefetch_bucket(const struct flow_table *t, uint64_t hash);
void flow_prefetch_entry(const struct flow_table *t, uint64_t hash);

/*
 * flow_expire() - reclaim up to @budget expired flows, oldest first
 * Return: how many were reclaimed.
 */
uint32_t flow_expire(struct flow_table *t, uint64_t now, uint32_t budget);

/*
 * flow_foreach() - call @fn on each live flow, bottle slot by slot, each
 * bottle's most recently used first, until it returns non-zero (which is
 * returned). @fn must not insert or remove flows.
 */
int flow_foreach(struct flow_table *t, int (*fn)(struct flow *f, void *arg),
		 void *arg);

void flow_stats(const struct flow_table *t, struct flow_stats *s);

/* flow_owner_stats() - flows bottle slot @owner holds, and it lost to evictions */
void flow_owner_stats(const struct flow_table *t, uint32_t owner,
		      uint32_t *used, uint64_t *evicted);

/* flow_endpoint() - address and port of key endpoint @end of @f */
void flow_endpoint(const struct flow *f, int end, struct ipaddr *a,
		   uint16_t *port);

#endif /* SENTRY_FLOW_H */
