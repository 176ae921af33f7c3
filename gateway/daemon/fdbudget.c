// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdbudget.c - the file descriptors a configuration can need (fdbudget.h)
 */
#include <inttypes.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "daemon/fdbudget.h"

void fdbudget_compute(const struct sentry_config *cfg, uint32_t workers,
		      uint32_t families, struct fdbudget *b)
{
	uint32_t pools = (cfg->pool4.enabled ? 1 : 0) + (cfg->pool6.enabled ? 1 : 0);
	uint32_t per = cfg->upstream_sockets ? cfg->upstream_sockets : 1;

	if (!workers)
		workers = 1;
	if (!families || families > 2)
		families = 2;
	b->bottles = cfg->bottles;
	b->queues = workers;
	b->bottle_fds = (uint64_t)cfg->bottles * (workers + FDBUDGET_PER_BOTTLE);
	b->dnstcp = DNSTCP_MAX + pools;
	b->control = CONTROL_CONNS + 1 + CONTROL_FDS_MAX;
	b->upstream = per * families * 2;
	b->uptcp = UPTCP_MAX;
	b->egress = cfg->queues > workers ? cfg->queues : workers;
	b->workers = workers * FDBUDGET_PER_WORKER;
	b->fixed = FDBUDGET_FIXED;
	b->total = b->bottle_fds + b->dnstcp + b->control + b->upstream +
		   b->uptcp + b->egress + b->workers + b->fixed;
}

const char *fdbudget_explain(const struct fdbudget *b, char *buf, size_t len)
{
	snprintf(buf, len, "[tables] bottles %" PRIu32 " x (%" PRIu32 " queue%s + %d) = %"
		 PRIu64 " + %" PRIu64 " (DNS over TCP %" PRIu32 ", control %" PRIu32
		 ", upstream sockets %" PRIu32 ", TCP retries %" PRIu32 ", egress %"
		 PRIu32 ", workers %" PRIu32 ", fixed %" PRIu32 ")",
		 b->bottles, b->queues, b->queues == 1 ? "" : "s", FDBUDGET_PER_BOTTLE,
		 b->bottle_fds, b->total - b->bottle_fds, b->dnstcp, b->control,
		 b->upstream, b->uptcp, b->egress, b->workers, b->fixed);
	return buf;
}
