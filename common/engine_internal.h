/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_internal.h - struct engine, shared by common/engine*.c only
 *
 * Everything else goes through engine.h. A file that needs the inside
 * (the engine's own files, and unit tests and benchmarks that set up
 * states no API makes) says so by defining SENTRY_ENGINE_INTERNALS
 * before it includes this header; gateway/ never does, and
 * `make layers` fails the build if it tries.
 */
#ifndef SENTRY_ENGINE_INTERNAL_H
#define SENTRY_ENGINE_INTERNAL_H

#ifndef SENTRY_ENGINE_INTERNALS
#error "engine_internal.h is common/engine*.c's own: use the functions of engine.h"
#endif

#include "engine.h"

struct engine {
	struct engine_config cfg;
	struct flow_table *flows;
	struct learn_table *learn;
	struct frag_table *frags;
	uint32_t gen;			/* policy generation, starts at 1 */
	uint32_t epoch;			/* advances with gen and with every learnt address */
	struct engine_stats stats;
	struct decision_sink sink;
	int64_t wall_offset_ns;		/* added to `now` for log timestamps */
	uint32_t next_scope;
	uint32_t npolicies;
	struct engine_policy **policies;
	struct dns_msg scratch_dns;	/* the DNS message being decided */
	struct dns_msg scratch_answer;	/* an answer being checked */
	struct dns_learn_result scratch_learn;
	uint64_t refusal_window;	/* log limiter for refusals before policy */
	uint32_t refusal_logged;
	uint64_t refusal_suppressed;
	/* threads: see "Threading" above */
	struct engine *root;		/* owner of learn, policies, gen: itself, or a worker's root */
	bool threaded;			/* root: workers share it, take the locks */
	pthread_rwlock_t lock;		/* root: learnt table, policy slots */
	bool answers_locked;		/* root: inside engine_answers_begin() */
	pthread_mutex_t bucket_lock;	/* root: DNS token buckets */
	engine_steal_fn steal;		/* worker: asked on a flow miss, or NULL */
	void *steal_ctx;
	uint64_t stolen;		/* flows moved into this engine's table */
	struct namecheck *nc;		/* split first messages being read (namecheck.h) */
};


/* flow->verdict values */
#define FV_DENY		0
#define FV_ALLOW	1
#define FV_DNS		2	/* TCP to port 53: carried to sentry's own resolver */

/* A decision about to be logged: what decided, and through which name. */
struct verdict {
	uint8_t allow;
	enum drop_reason reason;	/* DROP_POLICY for rule/default decisions */
	uint32_t rule;			/* RULE_DEFAULT or rule index */
	const char *name;		/* learnt name that decided, or NULL */
};

/*
 * engine_log() - fill the bottle, policy and timestamp of @d and emit it.
 * @v:	the verdict (sets verdict, reason and rule fields) or NULL when @d
 *	already has them. A reason already set in @d is kept.
 */
void engine_log(struct engine *e, const struct bottle *b, struct decision *d,
		const struct verdict *v, uint64_t now);

/* engine_count() - count a dropped packet against @e and @b */
void engine_count(struct engine *e, struct bottle *b, enum drop_reason reason);

/* engine_dns_decide() - engine_dns_query() with the read lock already held */
enum drop_reason engine_dns_decide(struct engine *e, struct bottle *b,
				   uint8_t proto, const struct ipaddr *client,
				   uint16_t cport, const struct ipaddr *server,
				   uint16_t sport, const uint8_t *msg, size_t len,
				   uint64_t now, struct dns_msg *m);

/* engine_refusal_log_ok() - may a refusal before policy be logged now? */
bool engine_refusal_log_ok(struct engine *e, uint64_t now);

/*
 * Shared state (engine.h, "Threading"). A worker reads policies and the
 * learnt table between engine_read_lock() and engine_read_unlock(); the
 * root writes them between engine_write_lock() and engine_write_unlock().
 * Both are no-ops where no other thread can be looking.
 */
void engine_read_lock(struct engine *e);
void engine_read_unlock(struct engine *e);
void engine_write_lock(struct engine *e);
void engine_write_unlock(struct engine *e);

/* The root's generation and epoch, read by any thread */
static inline uint32_t engine_gen(const struct engine *e)
{
	return __atomic_load_n(&e->root->gen, __ATOMIC_RELAXED);
}

static inline uint32_t engine_epoch(const struct engine *e)
{
	return __atomic_load_n(&e->root->epoch, __ATOMIC_RELAXED);
}

/* Advance the root's generation (and epoch), or its epoch alone: root only */
static inline void engine_bump(struct engine *e, bool gen)
{
	if (gen)
		__atomic_store_n(&e->gen, e->gen + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->epoch, e->epoch + 1, __ATOMIC_RELAXED);
}

#endif /* SENTRY_ENGINE_INTERNAL_H */
