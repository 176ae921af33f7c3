/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tablewatch.h - a warning line for each table that was full (main thread)
 */
#ifndef SENTRY_DAEMON_TABLEWATCH_H
#define SENTRY_DAEMON_TABLEWATCH_H

#include <stdint.h>

struct daemon;

/* tablewatch.c: what the log was last told of each full table */
enum tablewatch_kind {
	TW_FLOWS, TW_LEARNT, TW_NAMES, TW_PER_ADDR, TW_FRAGMENTS, TW_PENDING,
	TW_KINDS
};

struct tablewatch {
	uint64_t checked_ns;
	uint64_t reported[TW_KINDS];	/* the count the last line covered */
	uint64_t said_ns[TW_KINDS];	/* when that line was written, 0: never */
};

/* tablewatch_tick() - from the timer: log tables that were full */
void tablewatch_tick(struct daemon *d, uint64_t now);

#endif /* SENTRY_DAEMON_TABLEWATCH_H */
