// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tablewatch.c - a warning in the log when a table was full
 *
 * The tables count every entry they push out or refuse (`sentry ctl
 * stats`), but nobody reads counters until something is wrong. Once a
 * second the main thread compares each count with the one it last
 * reported; a table whose count grew gets one line naming the table, how
 * many entries it lost since, and the [tables] key to raise. A table
 * under a steady flood gets one line per TABLEWATCH_PERIOD_NS, whatever
 * the flood's rate.
 *
 * The learnt table's replacements because a name reached per_name are
 * not reported: that is the normal rotation of a CDN's addresses.
 */
#include <inttypes.h>

#include "daemon/daemon.h"
#include "daemon/tablewatch.h"
#include "log.h"
#include "daemon/worker.h"

#define TABLEWATCH_CHECK_NS	1000000000ULL
#define TABLEWATCH_PERIOD_NS	(10 * 1000000000ULL)

/* What each watched count means, in the order of enum tablewatch_kind */
static const struct {
	const char *table;	/* as `sentry ctl stats` names it */
	const char *what;	/* what happened to the entries counted */
	const char *key;	/* the [tables] key that sizes it */
} kinds[TW_KINDS] = {
	[TW_FLOWS]	= { "flows", "live flows evicted", "flows" },
	[TW_LEARNT]	= { "learnt", "learnt addresses evicted", "learnt" },
	[TW_NAMES]	= { "learnt", "answers not learnt: no name slot", "names" },
	[TW_PER_ADDR]	= { "learnt", "names of one address replaced", "per_address" },
	[TW_FRAGMENTS]	= { "fragments", "datagrams evicted", "fragments" },
	[TW_PENDING]	= { "pending_dns", "queries refused", "pending_dns" },
};

static void counts(struct daemon *d, uint64_t now, uint64_t *n)
{
	struct engine_stats st;
	struct flow_stats fs;
	struct frag_stats gs;
	struct learn_stats ls;
	struct daemon_counters c;
	uint64_t stolen;

	workers_sum(d, now, &st, &fs, &gs, &c, &stolen);
	/* the learnt table is written on this thread only (resolver.c) */
	engine_learn_stats(d->e, &ls);
	n[TW_FLOWS] = fs.evicted;
	n[TW_LEARNT] = ls.evicted;
	n[TW_NAMES] = ls.refused_names_full;
	n[TW_PER_ADDR] = ls.addr_capped;
	n[TW_FRAGMENTS] = gs.evicted;
	n[TW_PENDING] = st.drops.n[DROP_DNS_PENDING_FULL];
}

void tablewatch_tick(struct daemon *d, uint64_t now)
{
	struct tablewatch *tw = &d->tw;
	uint64_t n[TW_KINDS];

	if (tw->checked_ns && now - tw->checked_ns < TABLEWATCH_CHECK_NS)
		return;
	tw->checked_ns = now;
	counts(d, now, n);
	for (int k = 0; k < TW_KINDS; k++) {
		if (n[k] <= tw->reported[k])
			continue;
		if (tw->said_ns[k] && now - tw->said_ns[k] < TABLEWATCH_PERIOD_NS)
			continue;
		warn("table %s full: %" PRIu64 " %s since %s (raise [tables] %s)",
		     kinds[k].table, n[k] - tw->reported[k], kinds[k].what,
		     tw->said_ns[k] ? "the last report" : "start", kinds[k].key);
		tw->reported[k] = n[k];
		tw->said_ns[k] = now;
	}
}
