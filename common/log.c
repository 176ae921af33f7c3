// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - operator diagnostics to stderr or syslog, with rate limiting */
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "sentry";
static enum log_level log_max = LOG_LVL_INFO;
static bool log_syslog;

void log_init(const char *prog, enum log_level max, bool use_syslog)
{
	log_prog = prog;
	log_max = max;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

void log_set_level(enum log_level max)
{
	log_max = max;
}

enum log_level log_get_level(void)
{
	return log_max;
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (lvl > log_max)
		return;
	if (log_syslog) {
		vsyslog(prio[lvl], fmt, ap);
		return;
	}
	fprintf(stderr, "%s: ", log_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

void log_ratelimited(struct ratelimit *rl, uint64_t now, enum log_level lvl,
		     const char *fmt, ...)
{
	va_list ap;

	if (now - rl->window_start >= rl->interval_ns) {
		if (rl->suppressed)
			log_msg(LOG_LVL_WARN, "%llu similar messages suppressed",
				(unsigned long long)rl->suppressed);
		rl->window_start = now;
		rl->used = 0;
		rl->suppressed = 0;
	}
	if (rl->used >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->used++;
	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}
