/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fdlimit.h - the descriptor limit, and running out of descriptors (main
 * thread)
 */
#ifndef SENTRY_DAEMON_FDLIMIT_H
#define SENTRY_DAEMON_FDLIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "daemon/loop.h"

struct daemon;

/* fdlimit.c: the descriptor limit, and running out of descriptors */
#define FDLIMIT_LISTENERS	3	/* control, DNS over TCP v4 and v6 */

struct fdlimit {
	uint64_t limit;			/* RLIMIT_NOFILE (soft), once raised */
	uint64_t need;			/* what the configuration can need (fdbudget.h) */
	int reserve;			/* the spare descriptor, on /dev/null; -1: spent */
	bool short_now;			/* out of descriptors: an episode is under way */
	uint64_t episodes;		/* times the daemon ran out */
	uint64_t refused;		/* connections and attaches refused for want of one */
	uint64_t episode_refused;	/* ...in the episode under way */
	struct {
		int fd;
		enum tag tag;
		uint32_t index;
	} paused[FDLIMIT_LISTENERS];	/* listeners taken out of the loop until a tick */
	uint32_t npaused;
};

/* fdlimit_init() - raise RLIMIT_NOFILE to its hard limit, open the spare */
void fdlimit_init(struct daemon *d);
/*
 * fdlimit_check() - warn when the limit is below what the configuration
 * can need; @families: address families of the upstream resolvers
 */
void fdlimit_check(struct daemon *d, uint32_t families);
/*
 * fdlimit_accept() - accept4() on listener @lfd (registered as @tag,
 * @index), never leaving a connection the daemon has no descriptor for
 * waiting in the backlog
 * @sa, @salen:	the peer, as for accept4()
 * @tell:	write the refused client one "error ..." line (control)
 * Return: a descriptor; -EMFILE when a connection was refused for want of
 * one (call again); -EAGAIN when none is waiting, or another -errno (stop).
 */
int fdlimit_accept(struct daemon *d, int lfd, enum tag tag, uint32_t index,
		   struct sockaddr *sa, socklen_t *salen, bool tell);
/* fdlimit_short() - count a request refused for want of a descriptor */
void fdlimit_short(struct daemon *d, const char *what);
/* fdlimit_tick() - from the timer: end an episode, put paused listeners back */
void fdlimit_tick(struct daemon *d);
void fdlimit_fini(struct daemon *d);

#endif /* SENTRY_DAEMON_FDLIMIT_H */
