// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnslatency.c - the DNS latency histogram (dnslatency.h)
 *
 * Bounds from a cached answer on the same host (about a millisecond) to
 * the resolver's retry horizon (seconds): the range [dns] timeout_ms
 * allows, in roughly 1-2.5-5 steps as Prometheus's own defaults.
 */
#include <inttypes.h>

#include "daemon/dnslatency.h"

static const uint64_t bound_us[DNSLAT_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000,
};

void dnslatency_record(struct dnslatency *h, uint64_t ns)
{
	int i = 0;

	while (i < DNSLAT_BUCKETS && ns > bound_us[i] * 1000)
		i++;
	h->n[i]++;
	h->count++;
	h->sum_ns += ns;
}

void dnslatency_render(const struct dnslatency *h, const char *name, struct sbuf *o)
{
	uint64_t cum = 0;

	sbuf_printf(o, "# HELP %s DNS answers by time from the query to its upstream "
		    "answer.\n# TYPE %s histogram\n", name, name);
	for (int i = 0; i < DNSLAT_BUCKETS; i++) {
		cum += h->n[i];
		sbuf_printf(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
			    (double)bound_us[i] / 1e6, cum);
	}
	sbuf_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.6f\n%s_count %" PRIu64 "\n",
		    name, h->count, name, (double)h->sum_ns / 1e9, name, h->count);
}
