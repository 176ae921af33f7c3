/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.h - the control socket: attach, ctl requests (main thread)
 */
#ifndef SENTRY_DAEMON_CONTROL_H
#define SENTRY_DAEMON_CONTROL_H

#include <stdint.h>
#include <sys/types.h>

struct daemon;

int control_init(struct daemon *d);
void control_fini(struct daemon *d);
void control_lock_down(struct daemon *d, uid_t uid);
void control_accept(struct daemon *d);
void control_ready(struct daemon *d, uint32_t index, uint32_t events);

/* control_tick() - close connections past their deadline (main loop's timer) */
void control_tick(struct daemon *d, uint64_t now);

/* control_counters() - connections closed idle, and refused for a uid's share */
void control_counters(const struct daemon *d, uint64_t *idle_closed,
		      uint64_t *share_refused);

#endif /* SENTRY_DAEMON_CONTROL_H */
