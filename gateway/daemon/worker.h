/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * worker.h - the packet threads of `sentry run` (daemon/threads.h)
 *
 * A worker owns: an epoll set holding its TUN queues, an engine (its own
 * flow and fragment tables, sharing the root's learnt table and
 * policies), one view of every bottle for that engine (counters), a
 * packet buffer and a reply buffer, and a queue of messages to the main
 * thread. Everything here but the shard lock, the quiescence words and
 * the message queue's indexes belongs to the worker's thread alone.
 */
#ifndef SENTRY_WORKER_H
#define SENTRY_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "daemon/handoff.h"
#include "frag.h"
#include "gso.h"
#include "log.h"

#define WORKERS_MAX		CTL_QUEUES_MAX

struct worker {
	struct daemon *d;
	uint32_t id;
	pthread_t thread;
	bool started;
	int epfd;			/* the worker's queues and @wakefd */
	int wakefd;			/* eventfd: main -> worker (stop) */
	int notifyfd;			/* eventfd: worker -> main (messages) */
	struct engine *e;
	struct bottle *eb;		/* cfg.bottles views, for @e's counters */
	pthread_mutex_t shard;		/* @e's tables: see daemon.h */
	uint8_t *burst;			/* DATAPATH_BURST buffers of PKT_BUF_SIZE */
	uint8_t *buf;			/* the one of them holding the packet being handled */
	uint8_t *aux;			/* PKT_BUF_SIZE: replies built beside it */
	uint8_t seghdr[GSO_HDR_MAX];	/* one software segment's headers */
	struct daemon_counters c;	/* relaxed atomics: summed by ctl stats */
	struct ratelimit parse_log;
	struct handoff_ring *ring;
	bool pushed;			/* a message queued in this wake-up */
	bool logged;			/* a decision line written in this wake-up */
	bool stop;			/* atomic: leave the loop */
	bool quiet;			/* atomic: in epoll_wait, holding nothing */
	uint64_t seq;			/* atomic: wake-ups finished */
};

/* worker_count() - the number of workers @cfg asks for (0: online CPUs) */
uint32_t worker_count(const struct sentry_config *cfg);

/*
 * workers_init() - allocate the workers, their engines and descriptors,
 * and give each its egress queues. Before lock_down(): eventfds and epoll
 * sets are made here. Return: 0 or -errno.
 */
int workers_init(struct daemon *d);

/* workers_start() - start the threads (after lock_down()). Return: 0 or -errno. */
int workers_start(struct daemon *d);

/* workers_stop() - ask every thread to leave and join it */
void workers_stop(struct daemon *d);

/* workers_free() - everything workers_init() made */
void workers_free(struct daemon *d);

/*
 * workers_quiesce() - return once every worker has finished the wake-up it
 * was in (if any) when this was called: afterwards no worker can still be
 * using what the caller unpublished before the call (daemon.h, "Bottles").
 */
void workers_quiesce(struct daemon *d);

/* worker_watch() - add @fd to worker @w's set; worker_unwatch() removes it */
int worker_watch(struct worker *w, int fd, enum tag tag, uint32_t index);
void worker_unwatch(struct worker *w, int fd);

/* worker_for_queue() - the worker that reads queue @q */
static inline struct worker *worker_for_queue(struct daemon *d, uint32_t q)
{
	return &d->workers[q % d->nworkers];
}

/* workers_bottle_init() - set every worker's view of bottle @b (main thread) */
void workers_bottle_init(struct daemon *d, struct gw_bottle *b);

/* workers_drain() - the main thread reads worker @index's messages */
void workers_drain(struct daemon *d, uint32_t index);

/*
 * worker_slot() - room in @w's queue for a message of @len bytes, to fill
 * (all but @size, which is set) and then publish with worker_publish();
 * NULL (counted as handoff_full) when the main thread is that far behind
 * or @len exceeds HANDOFF_MSG_MAX. Worker thread only.
 */
struct handoff *worker_slot(struct worker *w, size_t len);
void worker_publish(struct worker *w);

/* workers_expire() - engine_expire() on every worker's tables (main thread) */
void workers_expire(struct daemon *d, uint64_t now);

/*
 * workers_sum() - totals over the root engine and every worker's engine
 * @st:		engine counters
 * @fs:		flow tables (capacities and use added up)
 * @gs:		fragment tables
 * @c:		the daemon's datapath counters
 * @stolen:	flows moved between workers
 */
void workers_sum(struct daemon *d, uint64_t now, struct engine_stats *st,
		 struct flow_stats *fs, struct frag_stats *gs,
		 struct daemon_counters *c, uint64_t *stolen);

/* workers_bottle_sum() - @b's counters over the root and every worker */
void workers_bottle_sum(struct daemon *d, const struct gw_bottle *b,
			struct bottle_counters *c);

/* workers_flow_foreach() - flow_foreach() over every worker's table, each under its lock */
int workers_flow_foreach(struct daemon *d, int (*fn)(struct flow *f, void *arg),
			 void *arg);

/* worker_count_add() - add @n to counter @field of @w (relaxed atomic) */
#define worker_count_add(w, field, n) \
	__atomic_fetch_add(&(w)->c.field, (n), __ATOMIC_RELAXED)

#endif /* SENTRY_WORKER_H */
