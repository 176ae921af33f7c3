// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memcalc.c - the daemon's table and buffer memory for a [tables]
 * configuration, from the same functions and structures the daemon sizes
 * them with. Built (against the objects of $SENTRY) and run by
 * test/adversarial/resources.sh:
 *
 *   memcalc FLOWS LEARNT NAMES PER_NAME FRAGMENTS PENDING_DNS BOTTLES WORKERS
 *
 * prints "NAME BYTES" lines, the last one "total BYTES":
 *
 *   root     engine_memory() of the main engine: the learnt table (its
 *            flow and fragment tables have one entry: the workers hold them)
 *   workers  per worker: its engine, flows/W and fragments/W tables
 *            (flow_table_bytes(), frag_table_bytes()), its bottle views,
 *            two packet buffers and its hand-off ring to the main thread
 *   bottles  BOTTLES * sizeof(struct gw_bottle)
 *   pending  dnspend_table_bytes(PENDING_DNS) + a copy of each query
 *   fixed    the main thread's reply buffer, the TCP retries of truncated
 *            answers and the DNS-over-TCP connections
 *
 * The resolver's and dnstcp.c's entries are file-local structures, so their
 * sizes are bounds written from their definitions (gateway/daemon/resolver.c,
 * gateway/daemon/dnstcp.c): a pending query's copy is at most 1232 bytes plus 16 of
 * bookkeeping; a TCP retry holds a 65537-byte buffer plus 64; a DNS-over-TCP
 * connection 4098 bytes in, 4 x 65538 out, plus 128.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/bottles.h"
#include "daemon/daemon.h"
#include "daemon/datapath.h"
#include "daemon/resolver.h"
#include "dnspend.h"
/* the bound counts the engine's own structure: a measuring tool may look inside */
#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"
#include "flow.h"
#include "frag.h"
#include "daemon/worker.h"

#define RQ_BYTES	(1232 + 16)
#define UPTCP_BYTES	(2 + 65535 + 64)
#define DCONN_BYTES	(2 + 4096 + 4 * 65538 + 128)

/* as worker.c splits a table over the workers */
static uint32_t share(uint32_t total, uint32_t n, uint32_t i)
{
	uint32_t v = total / n + (i < total % n ? 1 : 0);

	return v ? v : 1;
}

static uint32_t arg(char **argv, int i)
{
	return (uint32_t)strtoul(argv[i], NULL, 10);
}

int main(int argc, char **argv)
{
	struct engine_config ec;
	size_t root, workers = 0, bottles, pending, fixed;
	uint32_t flows, frags, npending, nbottles, nworkers;

	if (argc != 9) {
		fprintf(stderr, "usage: memcalc FLOWS LEARNT NAMES PER_NAME FRAGMENTS "
			"PENDING_DNS BOTTLES WORKERS\n");
		return 2;
	}
	engine_config_default(&ec);
	flows = arg(argv, 1);
	ec.learn.max_bindings = arg(argv, 2);
	ec.learn.max_names = arg(argv, 3);
	ec.learn.per_name_max = arg(argv, 4);
	frags = arg(argv, 5);
	npending = arg(argv, 6);
	nbottles = arg(argv, 7);
	nworkers = arg(argv, 8) ? arg(argv, 8) : 1;

	ec.flow_capacity = 1;
	ec.frag_capacity = 1;
	root = engine_memory(&ec);
	for (uint32_t i = 0; i < nworkers; i++)
		workers += sizeof(struct worker) + sizeof(struct engine) +
			   flow_table_bytes(share(flows, nworkers, i)) +
			   frag_table_bytes(share(frags, nworkers, i)) +
			   (size_t)nbottles * sizeof(struct bottle) +
			   (DATAPATH_BURST + 1) * (size_t)PKT_BUF_SIZE +
			   sizeof(struct handoff_ring);
	bottles = (size_t)nbottles * sizeof(struct gw_bottle);
	pending = dnspend_table_bytes(npending) + (size_t)npending * RQ_BYTES +
		  RESOLVER_RX_BATCH * (size_t)PKT_BUF_SIZE;
	fixed = (size_t)PKT_BUF_SIZE + (size_t)UPTCP_MAX * UPTCP_BYTES +
		(size_t)DNSTCP_MAX * DCONN_BYTES;
	printf("root %zu\nworkers %zu\nbottles %zu\npending %zu\nfixed %zu\ntotal %zu\n",
	       root, workers, bottles, pending, fixed,
	       root + workers + bottles + pending + fixed);
	printf("# sizeof: flow %zu, gw_bottle %zu, dnspend %zu, worker %zu, handoff_ring %zu\n",
	       sizeof(struct flow), sizeof(struct gw_bottle), sizeof(struct dnspend),
	       sizeof(struct worker), sizeof(struct handoff_ring));
	return 0;
}
