/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the decision pipeline, shared by `sentry replay` and the daemon
 *
 * Theory of operation
 *
 * The engine owns the tables (flows, learnt addresses, fragments) and the
 * compiled policies in use, and decides each packet. It does no I/O: the
 * caller reads a packet, parses it (pkt_parse()), calls engine_outbound()
 * for a packet the bottle sent or engine_inbound() for one addressed to
 * the bottle, and acts on the returned action. Replay and the live gateway
 * therefore take identical decisions.
 *
 *  outbound:  IPv6 without an IPv6 address?       -> ipv6_disabled
 *             source not the bottle's?            -> spoofed_source
 *             later fragment?                     -> the first fragment's verdict
 *             UDP to port 53 (any address)?       -> ENGINE_DNS: the caller
 *                 answers (engine_dns_query() decided it)
 *             TCP to port 53?                     -> a DNS flow, always to
 *                 sentry's own resolver (queries decided per message)
 *             flow table hit?                     -> cached verdict, re-decided
 *                 when the policy generation moved on
 *             miss: port 853? CIDR rules, learnt names, default -> new flow
 *  inbound:   ICMP error? -> the quoted packet's flow. Otherwise the flow, or no_flow.
 *
 * Policies: engine_policy_get() hands out a reference-counted slot per
 * policy name; engine_policy_replace() swaps the compiled policy in a slot
 * and advances the generation. A flow remembers the generation of its
 * verdict; a packet of a flow decided under an older generation is decided
 * again, and a flow whose verdict turns to deny is cut (flow_revoked).
 *
 * A denied flow's verdict is cached under the epoch, which also advances
 * whenever an address is learnt, so a connection refused before its name
 * was resolved is decided afresh once it is. An allowed flow's verdict is
 * cached under the generation only: an expiring answer never cuts it.
 *
 * Audit mode decides and logs everything as in enforce mode, but a deny
 * becomes "would_deny" and the packet is forwarded.
 *
 * Threading. An engine made by engine_new() belongs to one thread, unless
 * it is the root of workers: engine_new_worker() makes an engine with its
 * own flow and fragment tables, counters and scratch space that shares
 * the root's learnt-address table, policy slots and generation (the
 * daemon's workers). Once engine_set_threaded() is on, the engine takes
 * its own locks around what is shared (the root's rwlock, its DNS bucket
 * mutex); the caller serialises each engine's own tables. Each function
 * below says which thread may call it; the daemon's threads and locks are
 * listed once, in gateway/daemon/threads.h. On a flow miss a worker first
 * asks its steal hook for the flow from another worker's table.
 */
#ifndef SENTRY_ENGINE_H
#define SENTRY_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bottle.h"
#include "decision.h"
#include "dns.h"
#include "flow.h"
#include "learn.h"
#include "packet.h"
#include "frag.h"
#include "policy.h"


struct engine_config {
	uint32_t flow_capacity;		/* default 65536 */
	uint32_t owners;		/* bottle slots the tables keep shares for
					 * (share.h; struct bottle .slot), default 1 */
	struct flow_timeouts timeouts;
	struct learn_limits learn;	/* default 65536 bindings, 16384 names, 32 per name */
	uint32_t frag_capacity;		/* default 1024 datagrams */
	uint32_t frag_timeout;		/* seconds, default 30 */
	uint32_t dns_rate;		/* queries per second per bottle, default 100; 0: unlimited */
	uint32_t dns_burst;		/* default 200 */
	bool audit;			/* forward denied traffic, logged as would_deny */
	uint32_t log_refusals_per_s;	/* log lines/s for refusals before policy
					 * (spoofed, ipv6_disabled, dns_rate); 0: all */
	/* sentry's own address pools (the daemon's [egress] pool4, pool6):
	 * no DNS flow opens to them; unused entries have plen 0 */
	struct engine_pool {
		struct ipaddr net;
		uint8_t plen;
	} pools[2];
};

/* engine_config_default() - the defaults listed above */
void engine_config_default(struct engine_config *c);

/* A policy in use, by name; bottles point here. */
struct engine_policy {
	char name[POLICY_NAME_MAX + 1];
	struct policy *pol;		/* never NULL: a removed policy becomes deny-all */
	uint32_t scope;			/* learnt-address scope */
	uint32_t refs;			/* bottles using it */
	bool missing;			/* not in the store: denying everything */
};

enum engine_action {
	ENGINE_DROP = 0,	/* drop; r->reason says why (counted) */
	ENGINE_FORWARD,		/* pass it on */
	ENGINE_REJECT,		/* drop, and tell the bottle (RST / ICMP) per the reject mode */
	ENGINE_DNS,		/* a UDP DNS query: see r->dns_allow, r->dns */
};

struct engine_result {
	enum engine_action action;
	enum drop_reason reason;	/* DROP_NONE unless dropped or rejected */
	struct flow *flow;		/* the flow, when one is involved */
	bool new_flow;
	bool dns_flow;			/* a TCP flow to port 53: carries DNS for sentry's resolver */
	/* ENGINE_DNS only: */
	bool dns_allow;			/* allowed: send upstream; denied: answer locally */
	struct dns_msg *dns;		/* the parsed query (engine scratch, valid until the next call) */
	uint16_t dns_off;		/* offset of the DNS message in the packet */
	uint8_t dns_refusal;		/* denied: the rcode the policy refuses with */
};

/*
 * engine_steal_fn - look for flow @k in the other workers' tables
 * @out:	receives the flow as it was there (state, verdict, counters)
 *
 * Called by a worker's engine on a flow-table miss, with none of the
 * engine's own pointers held: the hook may let other threads at this
 * engine's tables meanwhile (the daemon drops its shard lock).
 * Return: true if found; the flow is then removed from where it was.
 */
typedef bool (*engine_steal_fn)(void *ctx, const struct flow_key *k,
				uint64_t now, struct flow *out);

struct engine_stats {
	uint64_t packets, bytes;
	uint64_t forwarded, dropped;
	uint64_t flows;			/* new-flow decisions */
	uint64_t flows_allowed, flows_denied;
	uint64_t dns_allowed, dns_denied;
	uint64_t revoked;
	struct drop_counters drops;
};

/*
 * struct engine is private to common/engine*.c (engine_internal.h): the
 * daemon, replay and the helpers use the functions below, each saying
 * which thread may call it. The threads and locks of the daemon are listed
 * once, in gateway/daemon/threads.h.
 */
struct engine;

/*
 * engine_new() - allocate an engine and its tables
 * Return: the engine, or NULL with errno set.
 */
struct engine *engine_new(const struct engine_config *cfg);
void engine_free(struct engine *e);

/*
 * engine_new_worker() - an engine sharing @root's learnt table, policies
 * and generation, with its own tables sized by @cfg (flow_capacity,
 * frag_capacity; the learn limits are ignored) and its own counters
 * Return: the engine, or NULL with errno set. Free it with engine_free()
 * before @root.
 */
struct engine *engine_new_worker(struct engine *root,
				 const struct engine_config *cfg);

/*
 * engine_set_threaded() - from now on (@on) workers run beside @root's
 * thread: its changes to shared state take the locks. Call it before the
 * first worker starts, on the root's thread.
 */
void engine_set_threaded(struct engine *root, bool on);

/* engine_generation() - the policy generation (any thread) */
uint32_t engine_generation(const struct engine *e);

/* engine_memory() - bytes the tables of @cfg take (the daemon's formula) */
size_t engine_memory(const struct engine_config *cfg);

/*
 * Wiring, before the engine's first packet (its owner's thread; for a
 * worker, before the worker starts):
 * engine_set_sink() - where decision lines go
 * engine_set_wall_offset() - added to the table clock for log timestamps
 *	(also later, from the engine's own thread: the wall clock moved)
 * engine_set_steal() - a worker's hook for a flow-table miss (@fn NULL: none)
 */
void engine_set_sink(struct engine *e, const struct decision_sink *sink);
void engine_set_wall_offset(struct engine *e, int64_t ns);
int64_t engine_wall_offset(const struct engine *e);
void engine_set_steal(struct engine *e, engine_steal_fn fn, void *ctx);

/*
 * engine_stats() - the engine's own counters (its thread, or under the lock
 * that serialises it: a worker's shard lock)
 */
const struct engine_stats *engine_stats(const struct engine *e);

/* engine_stats_add() - add the counters of @s to @sum, field by field */
void engine_stats_add(struct engine_stats *sum, const struct engine_stats *s);

/*
 * struct engine_tables - fill and evictions of an engine's own tables
 * (flows, fragments) and the flows moved in from other workers
 */
struct engine_tables {
	struct flow_stats flows;
	struct frag_stats frags;
	uint64_t stolen;
};

/* engine_tables() - the figures of @e's own tables (same rule as engine_stats()) */
void engine_tables(struct engine *e, uint64_t now, struct engine_tables *out);

/*
 * engine_flow_foreach() - call @fn for each live flow of @e's own table
 * (same rule as engine_stats())
 * Return: what flow_foreach() returns
 */
int engine_flow_foreach(struct engine *e, int (*fn)(struct flow *f, void *arg),
			void *arg);

/*
 * engine_flow_take() - remove flow @k from @e's table into @out
 * (same rule as engine_stats(): the daemon's steal hook holds the other
 * worker's shard lock)
 * Return: true if it was there
 */
bool engine_flow_take(struct engine *e, const struct flow_key *k, uint64_t now,
		      struct flow *out);

/*
 * The root's shared tables, read by the root's own thread (the only writer,
 * so it needs no lock to read):
 * engine_learn_stats() - fill and evictions of the learnt-address table
 * engine_learn_foreach() - learn_foreach() on the root's table
 * engine_policy_count(), engine_policy_at() - the policy slots in use
 * engine_scope_policy() - the name of the policy whose learnt scope is
 *	@scope, or NULL
 */
void engine_learn_stats(const struct engine *root, struct learn_stats *out);

/*
 * engine_share_stats() - what bottle share slot @slot holds in @e's flow
 * table and (root only, else left alone) the learnt table, and lost to
 * evictions: adds to @c->tables (same lock rule as engine_stats())
 */
void engine_share_stats(const struct engine *e, uint32_t slot,
			struct bottle_counters *c);
int engine_learn_foreach(struct engine *root, uint64_t now,
			 int (*fn)(struct learn_table *t, uint32_t binding, void *arg),
			 void *arg);
uint32_t engine_policy_count(const struct engine *root);
struct engine_policy *engine_policy_at(const struct engine *root, uint32_t i);
const char *engine_scope_policy(const struct engine *root, uint32_t scope);

/*
 * engine_scratch_dns(), engine_scratch_answer() - the engine's own parsed
 * DNS message buffers, for a caller on the engine's thread that decides
 * through it (engine_dns_query()'s @m, engine_dns_answer()'s @a); valid
 * until the next such call
 */
struct dns_msg *engine_scratch_dns(struct engine *e);
struct dns_msg *engine_scratch_answer(struct engine *e);

/*
 * engine_policy_get() - the slot for policy @name, taking a reference
 * @pol:	the compiled policy if the slot is new (ownership passes to the
 *		engine); NULL if the slot must already exist
 * Return: the slot, or NULL (-ENOENT semantics) if @pol is NULL and none exists.
 */
struct engine_policy *engine_policy_get(struct engine *e, const char *name,
					struct policy *pol);

/* engine_policy_put() - drop a reference; the last one frees the slot */
void engine_policy_put(struct engine *e, struct engine_policy *ep);

/*
 * engine_policy_replace() - swap in @pol (owned by the engine from now on;
 * NULL: the policy is gone from the store - deny everything) and advance
 * the generation.
 */
void engine_policy_replace(struct engine *e, struct engine_policy *ep,
			   struct policy *pol);

/* engine_bottle_init() - zero @b, set id/name/policy (reference taken by caller) */
void engine_bottle_init(struct bottle *b, uint32_t id, const char *name,
			struct engine_policy *ep);

/*
 * engine_prefetch() - warm the caches for engine_outbound(@p) a few packets
 * ahead of it: PREFETCH_BUCKET hashes @p's flow key (kept in p->flow_hash,
 * so engine_outbound() does not hash again) and starts loading its bucket;
 * PREFETCH_ENTRY, a few packets later, starts loading the flow the bucket
 * names. Decisions do not change; @b must be the bottle engine_outbound()
 * gets. Any thread that may call engine_outbound() on @e; needs no lock.
 */
enum engine_prefetch_stage { PREFETCH_BUCKET, PREFETCH_ENTRY };
void engine_prefetch(const struct engine *e, const struct bottle *b,
		     struct pkt *p, enum engine_prefetch_stage stage);

/*
 * engine_outbound() - decide packet @p sent by bottle @b
 * @p:		parsed by pkt_parse() (the caller drops parse failures through
 *		engine_count_drop())
 * @now:	ns, the table clock
 */
enum engine_action engine_outbound(struct engine *e, struct bottle *b,
				   struct pkt *p, uint64_t now,
				   struct engine_result *r);

/* engine_inbound() - decide packet @p addressed to bottle @b (inside address) */
enum engine_action engine_inbound(struct engine *e, struct bottle *b,
				  struct pkt *p, uint64_t now,
				  struct engine_result *r);

/*
 * engine_dns_query() - decide DNS message @msg (@len bytes) that bottle @b
 * sent to @server:@sport... (addresses for the log only)
 * @m:		filled with the parsed query (on DROP_NONE or DROP_DNS_DENIED)
 *
 * Parses, applies the length limit (DNS_QUERY_MAX), the rate limit and the
 * policy, counts (the reason of a refusal too: the caller counts nothing),
 * and logs the decision.
 * Return: DROP_NONE (allowed), DROP_DNS_DENIED, DROP_DNS_RATE,
 * DROP_DNS_TOO_LONG, or a parse reason (DROP_DNS_*).
 */
enum drop_reason engine_dns_query(struct engine *e, struct bottle *b,
				  uint8_t proto, const struct ipaddr *client,
				  uint16_t cport, const struct ipaddr *server,
				  uint16_t sport, const uint8_t *msg, size_t len,
				  uint64_t now, struct dns_msg *m);

/*
 * engine_dns_answer() - check an upstream answer and learn from it
 * @asked:	the question the bottle asked (from the pending entry)
 * @a:		filled with the parsed answer
 *
 * The answer must parse, be a response, and carry the same question. Its
 * addresses are checked against the policy's private_answers setting and
 * then installed in the learnt table - before the caller may release the
 * answer to the bottle.
 * Return: DROP_NONE (release it), DROP_DNS_MISMATCH, DROP_DNS_PRIVATE_ANSWER
 * (refuse: answer the bottle REFUSED), or a parse reason.
 */
enum drop_reason engine_dns_answer(struct engine *e, struct bottle *b,
				   const struct dns_question *asked,
				   const struct ipaddr *client, uint16_t cport,
				   const struct ipaddr *server, uint16_t sport,
				   const uint8_t *msg, size_t len, uint64_t now,
				   struct dns_msg *a);

/*
 * engine_answers_begin(), engine_answers_end() - the root's write lock held
 * across a batch of engine_dns_answer() calls (main thread): the resolver
 * reads up to RESOLVER_RX_BATCH answers a call, and taking the lock once
 * for all of them, not once each, is what keeps a worker deciding queries
 * under the read lock from meeting the writer on every answer (a futex
 * sleep and wake-up each time: README, Performance). Between them, call
 * nothing else that takes the root's locks. An answer released before the
 * end is still safe (a worker deciding from the learnt table waits for the
 * lock), but writing it then would keep the workers waiting longer.
 */
void engine_answers_begin(struct engine *e);
void engine_answers_end(struct engine *e);

/*
 * enum engine_tally - what the caller of engine_tally() counts
 * @TALLY_PACKET_OUT:	a packet from the bottle the engine did not decide:
 *			dropped for @reason (a parse failure), or passed
 *			(DROP_NONE)
 * @TALLY_PACKET_IN:	the same for a packet to the bottle (a DNS answer
 *			sentry wrote)
 * @TALLY_MESSAGE:	a refusal that was not a packet, for @reason (a DNS
 *			message over TCP, an allowed query the resolver could
 *			not send)
 * @TALLY_UNPASS:	a packet the engine passed was dropped after all by
 *			its caller, for @reason (replay: a TCP segment
 *			carrying an unsolicited DNS answer); DROP_NONE when
 *			the reason was counted already (a refused query:
 *			engine_dns_query() counts it)
 */
enum engine_tally {
	TALLY_PACKET_OUT,
	TALLY_PACKET_IN,
	TALLY_MESSAGE,
	TALLY_UNPASS,
};

/*
 * engine_tally() - the one way callers count what the engine did not
 * decide itself: every counter of @e and @b (which may be NULL) changes
 * here or inside the engine's own decisions, nowhere else
 * @len:	the packet's length (TALLY_PACKET_*), else 0
 */
void engine_tally(struct engine *e, struct bottle *b, enum engine_tally what,
		  size_t len, enum drop_reason reason);

/* engine_expire() - periodic upkeep: reclaim expired flows, bindings, ... */
void engine_expire(struct engine *e, uint64_t now);

#endif /* SENTRY_ENGINE_H */
