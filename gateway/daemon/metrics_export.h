/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_export.h - [metrics]: GET /metrics over HTTP, and a textfile
 *
 * Both carry metrics_render()'s text. Only the main thread may render
 * (it sums the workers' counters under their shard locks and reads the
 * bottle table, as ctl stats does), so the HTTP thread asks for a fresh
 * snapshot and waits for the next tick to publish it (threads.h, lock 5).
 */
#ifndef SENTRY_METRICS_EXPORT_H
#define SENTRY_METRICS_EXPORT_H

#include <stdint.h>

struct daemon;

/*
 * metrics_export_init() - before lock-down: the listening socket (a low
 * port needs privilege) and the snapshot; nothing when [metrics] is empty
 * Return: 0 or -errno.
 */
int metrics_export_init(struct daemon *d);

/* metrics_export_start() - after lock-down: the HTTP thread. 0 or -errno */
int metrics_export_start(struct daemon *d);

/* metrics_export_tick() - main thread, every tick: publish, write the textfile */
void metrics_export_tick(struct daemon *d, uint64_t now);

/* metrics_export_fini() - stop the HTTP thread, close, free */
void metrics_export_fini(struct daemon *d);

#endif /* SENTRY_METRICS_EXPORT_H */
