/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnslatency.h - DNS upstream latency as a fixed-bucket histogram
 *
 * From the query's arrival to its matched answer: what the bottle waits,
 * retries and TCP fallbacks included. Fixed buckets, no allocation; the
 * main thread records (resolver.c) and renders (metrics.c), so no lock.
 */
#ifndef SENTRY_DNSLATENCY_H
#define SENTRY_DNSLATENCY_H

#include <stdint.h>

#include "lib/sbuf.h"

#define DNSLAT_BUCKETS	12	/* finite upper bounds; +Inf is the count */

struct dnslatency {
	uint64_t n[DNSLAT_BUCKETS + 1];	/* per bucket, not cumulative; last: above all */
	uint64_t count;
	uint64_t sum_ns;
};

/* dnslatency_record() - one answer, @ns after its query came in */
void dnslatency_record(struct dnslatency *h, uint64_t ns);

/* dnslatency_render() - @h as the Prometheus histogram @name */
void dnslatency_render(const struct dnslatency *h, const char *name, struct sbuf *o);

#endif /* SENTRY_DNSLATENCY_H */
