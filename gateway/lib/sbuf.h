/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbuf.h - a growable text buffer for control-socket replies
 *
 * The control path may allocate (it is not the packet path); an allocation
 * failure is sticky (->oom) and the caller sends an error instead.
 */
#ifndef SENTRY_SBUF_H
#define SENTRY_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sbuf_json_str() - @s as a JSON string literal, quotes included */
void sbuf_json_str(struct sbuf *b, const char *s);
void sbuf_free(struct sbuf *b);

#endif /* SENTRY_SBUF_H */
