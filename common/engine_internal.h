/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engine_internal.h - shared by engine*.c only */
#ifndef SENTRY_ENGINE_INTERNAL_H
#define SENTRY_ENGINE_INTERNAL_H

#include "engine.h"

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
