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

/* engine_refusal_log_ok() - may a refusal before policy be logged now? */
bool engine_refusal_log_ok(struct engine *e, uint64_t now);

#endif /* SENTRY_ENGINE_INTERNAL_H */
