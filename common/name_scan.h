/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * name_scan.h - what the readers of a flow's first bytes report
 *
 * tls_sni.c (a TLS ClientHello's server_name), http_host.c (an HTTP/1.x
 * request's Host and absolute target) and quic_initial.c (the CRYPTO
 * frames of a QUIC Initial) each read a prefix of what a bottle sends and
 * say one of these. Names point into the caller's buffer: valid as long
 * as it is. Nothing is copied, nothing allocated; namecheck.c decides.
 */
#ifndef SENTRY_NAME_SCAN_H
#define SENTRY_NAME_SCAN_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum scan_result {
	SCAN_NAME = 0,	/* speaks the protocol and presents a name */
	SCAN_NONE,	/* speaks it and presents no name (no SNI, no Host) */
	SCAN_OTHER,	/* does not speak it at all */
	SCAN_MORE,	/* a true prefix of a message: more bytes are needed */
	SCAN_BAD,	/* claims the protocol and breaks it */
};

/* Names a message presents: HTTP may give two (Host and an absolute target) */
#define SCAN_NAMES_MAX	2

struct scan_names {
	unsigned int n;
	const uint8_t *name[SCAN_NAMES_MAX];	/* raw bytes, not yet normalised */
	size_t len[SCAN_NAMES_MAX];
};

static inline void scan_names_add(struct scan_names *s, const uint8_t *p,
				  size_t len)
{
	if (s->n < SCAN_NAMES_MAX) {
		s->name[s->n] = p;
		s->len[s->n] = len;
		s->n++;
	}
}

#endif /* SENTRY_NAME_SCAN_H */
