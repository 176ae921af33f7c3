/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * declog.h - reading the decision log back: one JSON line into a record
 *
 * The reader behind `sentry log` and `sentry policy suggest`. Its input is
 * untrusted text (a log file anyone may have edited, stdin), so it accepts
 * exactly one flat JSON object per line: string and number values (true,
 * false and null are skipped), no nesting. Keys it does not know are
 * skipped, so a newer daemon's extra fields do not break an older reader.
 *
 * Strings are unescaped into fixed buffers and cut at their size. Every
 * byte outside printable ASCII (a control byte, an escaped \u0000, UTF-8)
 * becomes '?', so a record printed to a terminal cannot carry an escape
 * sequence.
 */
#ifndef SENTRY_DECLOG_H
#define SENTRY_DECLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECLOG_STR_MAX	256	/* bottle, policy, names, addresses */
#define DECLOG_TEXT_MAX	512	/* rule, detail */

struct declog_entry {
	uint64_t ts_us;			/* microseconds since the epoch; 0: absent */
	char event[16];
	char verdict[16];
	char reason[32];
	char proto[16];
	char qtype[16];
	char src[64], dst[64];
	int32_t sport, dport;		/* -1: absent */
	char rule[DECLOG_TEXT_MAX];
	char detail[DECLOG_TEXT_MAX];
	char name[DECLOG_STR_MAX];
	char qname[DECLOG_STR_MAX];
	char bottle[DECLOG_STR_MAX];
	char policy[DECLOG_STR_MAX];
};

/**
 * declog_parse() - read one decision line
 * @line:	the text, without its '\n' (a trailing '\r' or blank is fine)
 * @len:	its length
 * @e:		the record, on success (absent fields: "", ports -1, ts 0)
 * @err:	on failure, what was wrong and at which byte
 * @errcap:	size of @err
 *
 * Return: 0, or -EINVAL (not one flat JSON object; no "event" or
 * "verdict"; a number out of range).
 */
int declog_parse(const char *line, size_t len, struct declog_entry *e,
		 char *err, size_t errcap);

/* What `sentry log` keeps: every non-NULL, non-empty field must match. */
struct declog_filter {
	const char *bottle;
	const char *policy;
	const char *verdicts;		/* comma-separated: "deny,would_deny" */
	const char *events;		/* comma-separated: "flow,dns" */
	uint64_t since_us;		/* 0: no bound */
};

/**
 * declog_match() - whether @e passes @f
 * Return: true to keep it.
 */
bool declog_match(const struct declog_entry *e, const struct declog_filter *f);

/**
 * declog_format_text() - @e as one readable line, '\n' included
 * @e:		the record
 * @utc:	timestamps in UTC rather than local time
 * @buf:	where to write
 * @cap:	its size (DECLOG_LINE_MAX is always enough)
 *
 *   2026-11-29 12:34:15.001020 demo-bottle ALLOW flow tcp 10.0.2.100:52958 -> 198.18.0.80:80 www.example.test  (allow domain www.example.test tcp/80)
 *
 * Return: the length written.
 */
size_t declog_format_text(const struct declog_entry *e, bool utc, char *buf,
			  size_t cap);

#define DECLOG_LINE_MAX	4096

/**
 * declog_parse_since() - a --since value as microseconds since the epoch
 * @s:		"1795860454" (epoch seconds), "90s", "15m", "2h", "1d" (that
 *		long before @now_us), "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or
 *		with a 'T' (local time, or UTC when @utc)
 * @now_us:	the current time
 * @utc:	read calendar times as UTC
 * @out:	the bound
 *
 * Return: 0, or -EINVAL.
 */
int declog_parse_since(const char *s, uint64_t now_us, bool utc, uint64_t *out);

#endif /* SENTRY_DECLOG_H */
