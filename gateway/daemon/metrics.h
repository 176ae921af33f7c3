/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h - the daemon's counters in Prometheus's text exposition format */
#ifndef SENTRY_METRICS_H
#define SENTRY_METRICS_H

#include "lib/sbuf.h"

struct daemon;

/*
 * metrics_render() - every counter of @d as Prometheus text (format 0.0.4)
 * @d:	the daemon; main thread (it sums the workers' counters as ctl stats does)
 * @o:	where the text goes
 */
void metrics_render(struct daemon *d, struct sbuf *o);

#endif /* SENTRY_METRICS_H */
