/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * progress.h - what a long command is doing, on stderr
 *
 * For the commands people wait on (`sentry policy load` and `sync` on big
 * policies or many files). stdout keeps its machine-readable lines; all of
 * this goes to stderr:
 *   - on a terminal, one status line rewritten in place ("compiling 3/40:
 *     FILE, 52000 rules"), at most ten times a second, and erased at the
 *     end, so a small load leaves nothing behind;
 *   - for large work (progress_large()), one summary line at the end,
 *     terminal or not: which file or how many, rules compiled, committed,
 *     seconds taken. Logs and CI output get that line and no control bytes.
 */
#ifndef SENTRY_PROGRESS_H
#define SENTRY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* from this many rules (or files) on, a load is large enough to summarise */
#define PROGRESS_LARGE_RULES	1000u
#define PROGRESS_LARGE_FILES	10u
/* and whatever it holds, when it took this long */
#define PROGRESS_LARGE_NS	1000000000ull

struct progress {
	const char *who;	/* "sentry policy load": the prefix of each line */
	bool live;		/* stderr is a terminal: a status line */
	bool shown;		/* a status line is on the screen */
	uint64_t start_ns;	/* CLOCK_MONOTONIC */
	uint64_t lap_ns;	/* start of the current stage */
	uint64_t drawn_ns;	/* the status line was last drawn */
};

/* progress_start() - start the clock; @who prefixes every line */
void progress_start(struct progress *p, const char *who);

/*
 * progress_status() - on a terminal, replace the status line with the
 * printf-style text (at most every 100 ms unless @now); elsewhere nothing
 */
void progress_status(struct progress *p, bool now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* progress_lap() - seconds since the last lap (or the start); starts a new one */
double progress_lap(struct progress *p);

/* progress_elapsed() - seconds since progress_start() */
double progress_elapsed(const struct progress *p);

/* progress_large() - whether work of @files files and @rules rules is worth a summary */
bool progress_large(const struct progress *p, unsigned int files, unsigned long rules);

/* progress_clear() - erase the status line (before an error message, say) */
void progress_clear(struct progress *p);

/* progress_summary() - erase the status line, print "WHO: TEXT" as one line */
void progress_summary(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SENTRY_PROGRESS_H */
