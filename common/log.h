/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - diagnostics for operators (not the decision log, see decision.h)
 *
 * Messages go to stderr, prefixed with the program name, or to syslog once
 * the daemon detaches. log_ratelimited() is for the packet path: a bottle
 * that floods sentry must not flood the log too.
 *
 * This is the one piece of common/ that performs I/O: a diagnostic that
 * cannot be printed is worse than a module boundary bent.
 */
#ifndef SENTRY_LOG_H
#define SENTRY_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *prog, enum log_level max, bool use_syslog);
void log_set_level(enum log_level max);
enum log_level log_get_level(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * struct ratelimit - allow @burst messages per @interval_ns, count the rest
 * Zero-initialise, then set interval_ns and burst.
 */
struct ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint32_t used;
	uint64_t window_start;
	uint64_t suppressed;
};

/*
 * log_ratelimited() - log unless @rl is exhausted for the window holding @now
 * (nanoseconds, any clock). The first message of a new window reports how
 * many were suppressed in the previous one.
 */
void log_ratelimited(struct ratelimit *rl, uint64_t now, enum log_level lvl,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* SENTRY_LOG_H */
