// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * progress.c - a status line on a terminal, a summary line for large work
 *
 * See progress.h. The status line is drawn as "\r" + text + "erase to the
 * end of the line", so a shorter text never leaves the tail of a longer
 * one; it is erased the same way before anything else is printed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define REDRAW_NS	100000000ull	/* ten status lines a second at most */
#define ERASE_EOL	"\033[K"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void progress_start(struct progress *p, const char *who)
{
	p->who = who;
	p->live = isatty(STDERR_FILENO) == 1;
	p->shown = false;
	p->start_ns = p->lap_ns = now_ns();
	p->drawn_ns = 0;
}

void progress_status(struct progress *p, bool now, const char *fmt, ...)
{
	uint64_t t;
	va_list ap;

	if (!p->live)
		return;
	t = now_ns();
	if (!now && p->shown && t - p->drawn_ns < REDRAW_NS)
		return;
	fprintf(stderr, "\r%s: ", p->who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(ERASE_EOL, stderr);
	fflush(stderr);
	p->shown = true;
	p->drawn_ns = t;
}

double progress_lap(struct progress *p)
{
	uint64_t t = now_ns(), d = t - p->lap_ns;

	p->lap_ns = t;
	return (double)d / 1e9;
}

double progress_elapsed(const struct progress *p)
{
	return (double)(now_ns() - p->start_ns) / 1e9;
}

bool progress_large(const struct progress *p, unsigned int files, unsigned long rules)
{
	return rules >= PROGRESS_LARGE_RULES || files >= PROGRESS_LARGE_FILES ||
	       now_ns() - p->start_ns >= PROGRESS_LARGE_NS;
}

void progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r" ERASE_EOL, stderr);
	fflush(stderr);
	p->shown = false;
}

void progress_summary(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	progress_clear(p);
	fprintf(stderr, "%s: ", p->who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}
