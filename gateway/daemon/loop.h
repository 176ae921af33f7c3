/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.h - what the daemon's event loops share: the tag each registered
 * descriptor carries (epoll_event.data.u64 = TAG << 32 | index, daemon.h
 * lists what each is), the clocks, and registering a descriptor
 */
#ifndef SENTRY_DAEMON_LOOP_H
#define SENTRY_DAEMON_LOOP_H

#include <assert.h>
#include <stdint.h>

#include "ctl_proto.h"

enum tag {
	TAG_BOTTLE = 1,
	TAG_EGRESS,
	TAG_WAKE,
	TAG_WORKER,
	TAG_UPSTREAM,
	TAG_UPTCP,
	TAG_DNSTCP_LISTEN,
	TAG_DNSTCP,
	TAG_CONTROL_LISTEN,
	TAG_CONTROL,
	TAG_PIDFD,
	TAG_NSWATCH,
	TAG_INOTIFY,
	TAG_TIMER,
	TAG_SIGNAL,
	TAG_NFQUEUE,
};

/* Index for TAG_BOTTLE: slot and queue */
#define BOTTLE_REF(slot, q)	((uint32_t)(slot) << 5 | (uint32_t)(q))
#define BOTTLE_REF_SLOT(r)	((r) >> 5)
#define BOTTLE_REF_QUEUE(r)	((r) & 31)

static_assert(CTL_QUEUES_MAX <= 32, "BOTTLE_REF keeps a queue in 5 bits");

/* now_ns() - CLOCK_MONOTONIC in ns, the clock of every table */
uint64_t now_ns(void);
/* wall_ns() - CLOCK_REALTIME in ns, for logs and "attached at" */
uint64_t wall_ns(void);

/*
 * loop_watch() - add @fd to epoll set @epfd for @events, tagged; a
 * descriptor already there has its events changed
 * Return: 0 or -errno
 */
int loop_watch(int epfd, int fd, uint32_t events, enum tag tag, uint32_t index);
void loop_unwatch(int epfd, int fd);

#endif /* SENTRY_DAEMON_LOOP_H */
