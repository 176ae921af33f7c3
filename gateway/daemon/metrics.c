// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - `sentry ctl metrics`: Prometheus's text exposition format
 *
 * The same sums as `ctl stats` (workers_sum(), workers_bottle_sum()),
 * named the Prometheus way: a sentry_ prefix, _total on counters, base
 * units (bytes, seconds), and a label where a dimension is closed and
 * small (verdict, direction, reason, table). Per-bottle series carry
 * `bottle` and `policy`; their number is bounded by [tables] bottles.
 * Every drop reason appears in the totals, zero or not, so a rate() over
 * it exists before the first drop.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bottles.h"
#include "daemon/daemon.h"
#include "daemon/dnslatency.h"
#include "daemon/loop.h"
#include "daemon/metrics.h"
#include "daemon/resolver.h"
#include "daemon/worker.h"
#include "drop.h"
#include "frag.h"
#include "lib/version.h"

static void help(struct sbuf *o, const char *name, const char *type, const char *text)
{
	sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void one(struct sbuf *o, const char *name, const char *type,
		const char *text, uint64_t v)
{
	help(o, name, type, text);
	sbuf_printf(o, "%s %" PRIu64 "\n", name, v);
}

/* label_value() - @s escaped as a label value: backslash, quote, newline */
static void label_value(struct sbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf_printf(o, "\\%c", *s);
		else if (*s == '\n')
			sbuf_printf(o, "\\n");
		else
			sbuf_printf(o, "%c", *s);
	}
}

static void bottle_labels(struct sbuf *o, const struct gw_bottle *b)
{
	sbuf_printf(o, "bottle=\"");
	label_value(o, b->eb.name);
	sbuf_printf(o, "\",policy=\"");
	label_value(o, b->eb.policy->name);
	sbuf_printf(o, "\"");
}

/* The per-bottle families, each walked over every bottle in turn */
enum bfam { B_PACKETS, B_BYTES, B_FORWARDED, B_DROPPED, B_FLOWS, B_DNS, B_DROPS, B_EVICTED, B_MAX };

static const struct {
	const char *name, *text;
} bfams[B_MAX] = {
	[B_PACKETS] = { "sentry_bottle_packets_total", "Packets from (out) and to (in) the bottle." },
	[B_BYTES] = { "sentry_bottle_bytes_total", "Bytes from (out) and to (in) the bottle." },
	[B_FORWARDED] = { "sentry_bottle_forwarded_packets_total", "Packets of the bottle forwarded, both directions." },
	[B_DROPPED] = { "sentry_bottle_dropped_packets_total", "Packets of the bottle dropped, both directions." },
	[B_FLOWS] = { "sentry_bottle_flows_total", "New-flow decisions for the bottle, by verdict." },
	[B_DNS] = { "sentry_bottle_dns_queries_total", "DNS query decisions for the bottle, by verdict." },
	[B_DROPS] = { "sentry_bottle_drops_total", "Packets of the bottle dropped, by reason (reasons seen)." },
	[B_EVICTED] = { "sentry_bottle_evicted_total", "Entries of the bottle's share of a table evicted to make room, by table." },
};

static void bottle_family(struct sbuf *o, enum bfam f, const struct gw_bottle *b,
			  const struct bottle_counters *c)
{
#define SERIES(extra, v) do {						\
		sbuf_printf(o, "%s{", bfams[f].name);			\
		bottle_labels(o, b);					\
		sbuf_printf(o, "%s} %" PRIu64 "\n", extra, (uint64_t)(v));	\
	} while (0)
	switch (f) {
	case B_PACKETS:
		SERIES(",direction=\"out\"", c->pkts_out);
		SERIES(",direction=\"in\"", c->pkts_in);
		break;
	case B_BYTES:
		SERIES(",direction=\"out\"", c->bytes_out);
		SERIES(",direction=\"in\"", c->bytes_in);
		break;
	case B_FORWARDED:
		SERIES("", c->forwarded);
		break;
	case B_DROPPED:
		SERIES("", c->dropped);
		break;
	case B_FLOWS:
		SERIES(",verdict=\"allow\"", c->flows_allowed);
		SERIES(",verdict=\"deny\"", c->flows_denied);
		break;
	case B_DNS:
		SERIES(",verdict=\"allow\"", c->dns_allowed);
		SERIES(",verdict=\"deny\"", c->dns_denied);
		break;
	case B_DROPS:
		for (int r = 1; r < DROP_MAX; r++) {
			char extra[64];

			if (!c->drops.n[r])
				continue;
			snprintf(extra, sizeof(extra), ",reason=\"%s\"",
				 drop_name((enum drop_reason)r));
			SERIES(extra, c->drops.n[r]);
		}
		break;
	case B_EVICTED:
		SERIES(",table=\"flows\"", c->tables.flows_evicted);
		SERIES(",table=\"learnt\"", c->tables.learnt_evicted);
		SERIES(",table=\"pending_dns\"", c->tables.pending_dns_evicted);
		break;
	default:
		break;
	}
#undef SERIES
}

static void table(struct sbuf *o, const char *name, uint64_t used, uint64_t cap)
{
	sbuf_printf(o, "sentry_table_entries{table=\"%s\"} %" PRIu64 "\n", name, used);
	sbuf_printf(o, "sentry_table_capacity{table=\"%s\"} %" PRIu64 "\n", name, cap);
}

void metrics_render(struct daemon *d, struct sbuf *o)
{
	struct engine_stats s;
	struct daemon_counters c;
	struct flow_stats fs;
	struct learn_stats ls;
	struct frag_stats gs;
	uint64_t now = now_ns(), stolen;
	struct bottle_counters *bc = NULL;
	uint32_t nb = 0;

	workers_sum(d, now, &s, &fs, &gs, &c, &stolen);
	engine_learn_stats(d->e, &ls);

	help(o, "sentry_build_info", "gauge", "Always 1; the version in a label.");
	sbuf_printf(o, "sentry_build_info{version=\"%s\"} 1\n", SENTRY_VERSION);
	help(o, "sentry_uptime_seconds", "gauge", "Seconds since the daemon started.");
	sbuf_printf(o, "sentry_uptime_seconds %.3f\n", (double)(now - d->started_ns) / 1e9);
	one(o, "sentry_policy_generation", "gauge",
	    "Policy generation: moves each time the policies in use are recompiled.",
	    engine_generation(d->e));
	one(o, "sentry_bottles", "gauge", "Bottles attached.", d->nbottles);
	one(o, "sentry_bottles_refused_total", "counter",
	    "Attaches refused: the bottle table was full.", d->bottles_refused);
	one(o, "sentry_workers", "gauge", "Packet threads.", d->nworkers);

	one(o, "sentry_packets_total", "counter", "Packets read from bottles.", s.packets);
	one(o, "sentry_forwarded_packets_total", "counter", "Packets forwarded.", s.forwarded);
	one(o, "sentry_dropped_packets_total", "counter", "Packets dropped, every reason.", s.dropped);
	help(o, "sentry_flows_total", "counter", "New-flow decisions, by verdict.");
	sbuf_printf(o, "sentry_flows_total{verdict=\"allow\"} %" PRIu64 "\n"
		    "sentry_flows_total{verdict=\"deny\"} %" PRIu64 "\n",
		    s.flows_allowed, s.flows_denied);
	one(o, "sentry_flows_revoked_total", "counter",
	    "Live flows cut because a new policy denies them.", s.revoked);
	help(o, "sentry_dns_queries_total", "counter", "DNS query decisions, by verdict.");
	sbuf_printf(o, "sentry_dns_queries_total{verdict=\"allow\"} %" PRIu64 "\n"
		    "sentry_dns_queries_total{verdict=\"deny\"} %" PRIu64 "\n",
		    s.dns_allowed, s.dns_denied);
	one(o, "sentry_dns_local_answers_total", "counter",
	    "DNS refusals answered by sentry itself.", c.dns_local_answers);
	help(o, "sentry_drops_total", "counter", "Packets dropped, by reason.");
	for (int r = 1; r < DROP_MAX; r++)
		sbuf_printf(o, "sentry_drops_total{reason=\"%s\"} %" PRIu64 "\n",
			    drop_name((enum drop_reason)r), s.drops.n[r]);
	one(o, "sentry_rejects_sent_total", "counter",
	    "TCP RSTs and ICMP errors written to bottles.", c.rejects_sent);

	help(o, "sentry_table_entries", "gauge", "Entries in use, by table.");
	help(o, "sentry_table_capacity", "gauge", "Entries a table holds at most.");
	table(o, "flows", fs.used, fs.capacity);
	table(o, "learnt", ls.bindings, d->cfg.learnt);
	table(o, "fragments", gs.used, gs.capacity);
	table(o, "pending_dns", resolver_pending(d), d->cfg.pending_dns);
	table(o, "bottles", d->nbottles, d->cfg.bottles);
	help(o, "sentry_table_evictions_total", "counter",
	     "Entries pushed out of a full table, by table.");
	sbuf_printf(o, "sentry_table_evictions_total{table=\"flows\"} %" PRIu64 "\n"
		    "sentry_table_evictions_total{table=\"learnt\"} %" PRIu64 "\n"
		    "sentry_table_evictions_total{table=\"fragments\"} %" PRIu64 "\n",
		    fs.evicted, ls.evicted, gs.evicted);
	one(o, "sentry_flows_expired_total", "counter", "Flows ended by their idle timeout.",
	    fs.expired);
	one(o, "sentry_learnt_names", "gauge", "Names with learnt addresses.", ls.names);

	dnslatency_render(&d->dns_latency, "sentry_dns_upstream_latency_seconds", o);

	one(o, "sentry_queue_full_drops_total", "counter",
	    "Allowed DNS queries lost: the main thread's queue was full.", c.handoff_full);
	help(o, "sentry_write_errors_total", "counter", "Failed writes, by target.");
	sbuf_printf(o, "sentry_write_errors_total{target=\"bottle\"} %" PRIu64 "\n"
		    "sentry_write_errors_total{target=\"egress\"} %" PRIu64 "\n",
		    c.tun_write_errors, c.egress_write_errors);
	help(o, "sentry_read_errors_total", "counter", "Failed reads, by source.");
	sbuf_printf(o, "sentry_read_errors_total{source=\"bottle\"} %" PRIu64 "\n"
		    "sentry_read_errors_total{source=\"egress\"} %" PRIu64 "\n",
		    c.tun_read_errors, c.egress_read_errors);
	one(o, "sentry_short_writes_total", "counter", "Writes that wrote less than the packet.",
	    c.short_writes);
	one(o, "sentry_egress_no_bottle_total", "counter",
	    "Packets to an egress address no bottle holds.", c.egress_no_bottle);
	one(o, "sentry_flows_moved_total", "counter", "Flows moved between workers.", stolen);
	one(o, "sentry_fd_limit", "gauge", "The descriptor limit.", d->fdl.limit);
	one(o, "sentry_fd_exhausted_total", "counter", "Times descriptors ran out.",
	    d->fdl.episodes);

	/* sum each bottle once, then print family by family, as the format asks */
	for (uint32_t i = 0; i < d->cfg.bottles; i++)
		nb += d->bottles[i].used;
	if (nb)
		bc = calloc(d->cfg.bottles, sizeof(*bc));
	if (!bc)
		return;
	for (uint32_t i = 0; i < d->cfg.bottles; i++)
		if (d->bottles[i].used)
			workers_bottle_sum(d, &d->bottles[i], &bc[i]);
	for (int f = 0; f < B_MAX; f++) {
		help(o, bfams[f].name, "counter", bfams[f].text);
		for (uint32_t i = 0; i < d->cfg.bottles; i++)
			if (d->bottles[i].used)
				bottle_family(o, (enum bfam)f, &d->bottles[i], &bc[i]);
	}
	free(bc);
}
